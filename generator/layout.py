"""Where things go: the one place that knows the folders and URLs of a project and its site.

A project holds ``rotation.yml``, ``mkdocs.yml`` (whose ``docs_dir`` holds the authored pages),
``templates/`` and ``overrides/``, and the work folder ``.build/``. ``rotation build`` assembles
the docs MkDocs builds from in ``.build/docs/``: the authored files, and the generated ones at the
paths they are served at. Weekly posts are pages of Material's blog plugin (``posts/<session>/``,
served at ``blog/week-<session>/``); each post's charts and data files are served beside one
another at ``blog/<session>/``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

BUILD = Path(".build")
"""The work folder, relative to the project: run report, assembled docs, derived config."""
DOCS = BUILD / "docs"
"""The docs folder of the last good build (what ``mkdocs serve -f .build/mkdocs.yml`` shows)."""
RUN_REPORT = BUILD / "run-report.json"
"""What the last build or fetch found, symbol by symbol (:class:`generator.validate.RunReport`)."""
LOCK = BUILD / "rotation.lock"
"""Held by every command that writes, for its whole run (:mod:`generator.workdir`); it names the
holder's pid and start time."""
DERIVED_CONFIG = BUILD / "mkdocs.yml"
"""The project's ``mkdocs.yml`` with what the generator adds (nav, site fields, docs folder)."""
POSTS = "posts"
"""Where posts' pages sit in the docs folder (``blog.post_dir`` in mkdocs.yml)."""
BLOG = "blog"
"""The blog plugin's folder (``blog.blog_dir``); its authored index lists the posts."""
BLOG_INDEX = f"{BLOG}/index.md"


def session_folder(session: pd.Timestamp) -> str:
    return f"{session:%Y-%m-%d}"


def post_slug(session: pd.Timestamp) -> str:
    return f"week-{session_folder(session)}"


def post_page(session: pd.Timestamp) -> str:
    """The post's page in the docs folder (the blog plugin reads posts from ``posts/``)."""
    return f"{POSTS}/{session_folder(session)}/index.md"


def post_url(session: pd.Timestamp) -> str:
    """The post's path under the site root (``blog.post_url_format: "{slug}"`` in mkdocs.yml)."""
    return f"{BLOG}/{post_slug(session)}/"


def post_assets(session: pd.Timestamp) -> str:
    """Where a post's charts and data files are, in the docs folder and on the site alike."""
    return f"{BLOG}/{session_folder(session)}/"
