"""Publishing: the docs folder MkDocs builds from, its config, and the all-or-nothing swap.

The generator does everything a site needs itself, so plain MkDocs + Material (or another builder
reading ``mkdocs.yml``) builds it with no hooks or plugins of ours: :func:`assemble` lays the
authored pages and the generated files side by side at the paths they are served at, refusing an
authored file that would take a generated one's place; :func:`site_config` adds the generated
navigation and the site's facts to the project's ``mkdocs.yml``. (The one thing :func:`run_mkdocs`
adds is speed: MkDocs' compiled templates kept in the cache folder.) :func:`publish` builds into
temporary folders, writes the pages' Content-Security-Policy (:mod:`generator.csp`) and replaces
the previous docs and site only when both succeeded.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from markupsafe import Markup, escape

from generator import csp, layout
from generator.errors import BuildError
from generator.templating import template_cache
from generator.workdir import new_name, old_name

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger(__name__)


def as_html(text: str) -> Markup:
    """``text`` escaped for HTML, as :class:`Markup` so that it is escaped exactly once.

    MkDocs renders its theme without autoescaping, and Material prints ``site_name``,
    ``site_description`` and ``site_author`` into pages, attributes included, as they are: a
    title such as ``<b>Rotation</b>`` or ``S&P "Monitor"`` from ``rotation.yml`` would become
    markup (or break an attribute). Where a template does escape (``| e``), Markup is left as it
    is, so no ``&amp;lt;`` shows.
    """
    return escape(text)


def authored_pages(docs_dir: Path) -> list[Any]:
    """Hand-written Markdown pages outside the blog folder, for the navigation: pages at the top
    of the docs folder one by one, those in a folder as one section named after it
    (``site_src/for-forkers/*.md`` -> "For forkers"), each in file-name order."""
    pages = sorted(
        p.relative_to(docs_dir)
        for p in docs_dir.rglob("*.md")
        if p.relative_to(docs_dir).parts[0] not in (layout.BLOG, "generated")
        and not p.name.startswith(".")
    )
    nav: list[Any] = []
    sections: dict[str, list[str]] = {}
    for page in pages:
        if len(page.parts) == 1:
            nav.append(page.as_posix())
            continue
        title = page.parts[0].replace("-", " ").replace("_", " ").capitalize()
        if title not in sections:
            sections[title] = []
            nav.append({title: sections[title]})
        sections[title].append(page.as_posix())
    return nav


def merged_nav(generated: list[Any], authored: list[Any]) -> list[Any]:
    """The generated navigation, then the authored pages; an authored folder whose section has
    the title of a generated one joins it (``site_src/for-forkers/`` and the generated
    Configuration page are one "For forkers" section)."""
    nav = list(generated)
    sections = {
        next(iter(entry)): i
        for i, entry in enumerate(nav)
        if isinstance(entry, dict) and isinstance(next(iter(entry.values())), list)
    }
    for entry in authored:
        title = next(iter(entry)) if isinstance(entry, dict) else None
        if title in sections:
            i = sections[title]
            nav[i] = {title: [*nav[i][title], *entry[title]]}
        else:
            nav.append(entry)
    return nav


def _served_as(name: str) -> str:
    """The URL a docs file is served at (``x.md`` and ``x/index.md`` are both ``x/``)."""
    if not name.endswith(".md"):
        return name
    stem = name.removesuffix(".md")
    stem = "" if stem == "index" else stem.removesuffix("/index")
    return f"{stem}/" if stem else ""


def assemble(files: Mapping[str, bytes], authored: Path, into: Path) -> None:
    """The docs folder: the authored files of ``authored`` and the generated ``files``.

    An authored file served at the same URL as a generated one is refused rather than silently
    overwriting either. A ``generated/`` folder left in the authored folder by an older version
    is skipped.
    """
    generated = {_served_as(name): name for name in files}
    for path in sorted(authored.rglob("*")):
        rel = path.relative_to(authored).as_posix()
        if path.is_dir() or rel.startswith("generated/"):
            continue
        clash = generated.get(_served_as(rel))
        if clash is not None:
            raise BuildError(
                f"{authored / rel} would overwrite the generated page {clash}: "
                "rename or move the authored file"
            )
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    for name, content in files.items():
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def site_config(
    mkdocs_yml: Path, *, docs_dir: Path, site_dir: Path, nav: list[Any], facts: Mapping[str, Any]
) -> MkDocsConfig:
    """The project's MkDocs config with the generator's part: the docs folder, the navigation
    (unless ``mkdocs.yml`` sets its own ``nav``), the site's title, URL, author and description
    from rotation.yml (escaped), and the build's facts as ``extra.rotation`` for the theme."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.config import load_config as mkdocs_config
    from mkdocs.exceptions import ConfigurationError

    try:
        cfg = mkdocs_config(
            str(mkdocs_yml), docs_dir=str(docs_dir), site_dir=str(site_dir), strict=True
        )
    except ConfigurationError as exc:
        raise BuildError(f"{mkdocs_yml}: {str(exc).splitlines()[0]}") from None
    cfg.site_name = as_html(facts["title"])
    # `mkdocs serve` sets site_url to its own address, which instant navigation needs to match
    # (Material compares links with sitemap.xml); a build takes rotation.yml's URL.
    if facts.get("url") and not cfg.site_url:
        cfg.site_url = facts["url"]
    cfg.site_description = as_html(facts.get("description") or cfg.site_description or "")
    cfg.site_author = as_html(facts.get("author") or cfg.site_author or "")
    cfg.extra["rotation"] = dict(facts)
    if cfg.nav is None:
        cfg.nav = nav
    return cfg


def derived_config(cfg: MkDocsConfig, mkdocs_yml: Path) -> str:
    """``.build/mkdocs.yml``: the project's ``mkdocs.yml`` (inherited) with the generator's part,
    for ``mkdocs serve -f .build/mkdocs.yml`` and for other builders reading MkDocs configs."""
    theme_dir = cfg.theme.custom_dir
    derived: dict[str, Any] = {
        "INHERIT": str(mkdocs_yml.resolve()),
        "docs_dir": str(cfg.docs_dir),
        "site_dir": str(cfg.site_dir),
        "site_name": str(cfg.site_name),
        "site_description": str(cfg.site_description or ""),
        "site_author": str(cfg.site_author or ""),
        "extra": {"rotation": dict(cfg.extra["rotation"])},
        "nav": cfg.nav,
    }
    if cfg.site_url:
        derived["site_url"] = cfg.site_url
    if theme_dir:
        derived["theme"] = {"custom_dir": str(theme_dir)}
    head = "# Written by `rotation build`: the project's mkdocs.yml plus the generated part.\n"
    return head + yaml.safe_dump(derived, sort_keys=False, allow_unicode=True)


def publish(
    files: Mapping[str, bytes],
    *,
    project: Path,
    mkdocs_yml: Path,
    site_dir: Path,
    nav: list[Any],
    facts: Mapping[str, Any],
    cache_dir: Path | None = None,
) -> None:
    """Assemble the docs, build the site, all or nothing (``cache_dir``: :func:`run_mkdocs`).

    The docs folder and the site are built in temporary folders; only if MkDocs succeeds do they
    replace ``.build/docs`` and ``site_dir``. Otherwise both stay as they were.
    """
    work = project / layout.BUILD
    work.mkdir(exist_ok=True)
    authored = _authored_dir(mkdocs_yml)
    # Temporaries a killed run leaves are removed at the next start (generator.workdir).
    fresh_docs = Path(tempfile.mkdtemp(dir=work, prefix=new_name(layout.DOCS.name)))
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    new_site = Path(tempfile.mkdtemp(dir=site_dir.parent, prefix=new_name(site_dir.name)))
    try:
        assemble(files, authored, fresh_docs)
        full_nav = merged_nav(nav, authored_pages(authored))
        cfg = site_config(
            mkdocs_yml, docs_dir=fresh_docs, site_dir=new_site, nav=full_nav, facts=facts
        )
        run_mkdocs(cfg, cache_dir)
        drop_source_maps(new_site)
        if csp.apply(new_site) is None:
            log.warning(
                "no page carries the Content-Security-Policy meta tag of templates/theme/main.html "
                "(%s): the pages will run whatever scripts they hold",
                csp.MARKER,
            )
    except BaseException:
        shutil.rmtree(new_site, ignore_errors=True)
        shutil.rmtree(fresh_docs, ignore_errors=True)
        raise
    docs = project / layout.DOCS
    old_docs = _move_aside(docs, work)
    fresh_docs.rename(docs)
    old_site = _move_aside(site_dir, site_dir.parent)
    new_site.rename(site_dir)
    cfg.docs_dir, cfg.site_dir = str(docs), str(site_dir)
    (project / layout.DERIVED_CONFIG).write_text(derived_config(cfg, mkdocs_yml), encoding="utf-8")
    for leftover in (old_docs, old_site):
        if leftover is not None:
            shutil.rmtree(leftover, ignore_errors=True)


def _authored_dir(mkdocs_yml: Path) -> Path:
    """The folder of authored pages: ``docs_dir`` of the project's ``mkdocs.yml``."""
    try:
        raw = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_Lenient)
    except (OSError, yaml.YAMLError) as exc:
        raise BuildError(f"{mkdocs_yml}: {exc}") from None
    docs = (raw or {}).get("docs_dir", "docs") if isinstance(raw, dict) else "docs"
    return (mkdocs_yml.parent / str(docs)).resolve()


class _Lenient(yaml.SafeLoader):
    """Reads mkdocs.yml for one key, whatever tags it uses elsewhere (``!ENV``, ``!!python/``)."""


_Lenient.add_multi_constructor("", lambda loader, suffix, node: None)


def _move_aside(path: Path, into: Path) -> Path | None:
    if not path.exists():
        return None
    aside = Path(tempfile.mkdtemp(dir=into, prefix=old_name(path.name)))
    aside.rmdir()
    path.rename(aside)
    return aside


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_shutdown_registered = False


def _shutdown_at_exit(plugins: Any) -> None:
    """Shut plugins down once, when the process ends, as ``mkdocs serve`` does.

    MkDocs keeps one instance of every plugin with startup/shutdown events per process and reuses
    it for every build: the blog plugin makes its temporary folder when created and deletes it on
    shutdown, so shutting down after each build breaks the next one in the same process.
    """
    global _shutdown_registered  # noqa: PLW0603
    if not _shutdown_registered:
        _shutdown_registered = True
        atexit.register(plugins.on_shutdown)


def drop_source_maps(site: Path) -> None:
    """Remove the theme's source maps (``*.map``, 1.3 MB with Material 9): only a developer's
    browser tools ever ask for them, and a reader's site has no use for its sources' sources."""
    for path in list((site / "assets").rglob("*.map")):
        if path.is_file():
            path.unlink()


def run_mkdocs(cfg: MkDocsConfig, cache_dir: Path | None = None) -> None:
    """``mkdocs build --strict`` in-process, turning its failures into :class:`BuildError`.

    With ``cache_dir``, the theme's compiled templates are kept there between builds
    (:func:`generator.templating.template_cache`): a plugin added to this build's collection
    only, so the project's ``mkdocs.yml`` stays buildable by plain MkDocs.
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.exceptions import MkDocsException
    from mkdocs.plugins import BasePlugin

    if cache_dir is not None:

        class TemplateCache(BasePlugin):
            def on_env(self, env: Any, /, *, config: Any, files: Any) -> Any:
                env.bytecode_cache = template_cache(cache_dir)
                return env

        cfg.plugins["rotation-template-cache"] = TemplateCache()
    collect = _Collect()
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(collect)
    try:
        cfg.plugins.on_startup(command="build", dirty=False)
        _shutdown_at_exit(cfg.plugins)
        mkdocs_build(cfg)
    except MkDocsException as exc:
        detail = collect.messages[0] if collect.messages else str(exc)
        raise BuildError(f"mkdocs build --strict failed: {detail.splitlines()[0]}") from None
    finally:
        mkdocs_log.removeHandler(collect)
