"""The default project files the generator ships: templates, the site's assets, starter configs.

A wheel carries them in ``generator/_defaults/`` (``pyproject.toml`` includes the repository's
``templates/``, ``site_src/`` assets and guides, ``rotation.yml`` and ``mkdocs.yml`` there); a
checkout (or an editable install) reads them where they are. A project's own ``templates/`` and
``overrides/`` come first (:func:`generator.templating.make_environment`).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_BUNDLED = PACKAGE / "_defaults"

STARTER = ("rotation.yml", "mkdocs.yml", "site_src", "templates/theme")
"""What ``rotation init`` copies into a new project (the rest of the templates stay packaged)."""


def defaults() -> Path:
    """The folder holding the default project files: bundled in a wheel, the checkout otherwise."""
    return _BUNDLED if _BUNDLED.is_dir() else PACKAGE.parent


def default_templates() -> Path:
    return defaults() / "templates"
