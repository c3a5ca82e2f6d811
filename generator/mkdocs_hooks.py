"""MkDocs hooks: serve the generated folder at the site root, and carry the build's facts.

``rotation build`` writes the generated pages into ``site_src/generated/`` so that they never mix
with authored files. These hooks, loaded by ``mkdocs.yml`` (so ``mkdocs serve`` behaves exactly
like ``rotation build``):

* re-root ``generated/<path>`` at ``<path>``, so Home is the site root and an authored page links
  a generated one by the path it is served at (``[Methodology](methodology.md)``);
* refuse an authored file that would land on the same URL as a generated one, rather than
  silently overwriting either;
* copy the facts of the build (title, URL, as-of session, source, sample flag) from
  ``generated/build.json`` into the MkDocs config, where the theme shows them on every page;
  title, description and author are text from ``rotation.yml``, escaped for HTML here because
  MkDocs' theme templates print them as they are;
* build the navigation, unless ``mkdocs.yml`` sets its own ``nav``: the generated pages in the
  generator's order, then every authored page, so a page added to ``site_src/`` appears without
  editing any configuration.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

GENERATED = "generated"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    info_path = Path(config.docs_dir) / GENERATED / "build.json"
    if not info_path.is_file():
        raise PluginError(f"{info_path} not found: run `rotation build` to generate the pages")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    config.site_name = as_html(info["title"])
    # `mkdocs serve` sets site_url to its own address, which instant navigation needs to match
    # (Material compares links with sitemap.xml): keep it; a build takes rotation.yml's URL.
    if info.get("url") and not config.site_url:
        config.site_url = info["url"]
    config.site_description = as_html(info.get("description") or config.site_description or "")
    config.site_author = as_html(info.get("author") or config.site_author or "")
    config.extra["rotation"] = info
    if config.nav is None:
        config.nav = info["nav"] + authored_pages(Path(config.docs_dir))
    return config


def as_html(text: str) -> Markup:
    """``text`` escaped for HTML, as :class:`Markup` so that it is escaped exactly once.

    MkDocs renders its theme without autoescaping, and Material prints ``site_name``,
    ``site_description`` and ``site_author`` into pages, attributes included, as they are: a
    title such as ``<b>Rotation</b>`` or ``S&P "Monitor"`` from ``rotation.yml`` would become
    markup (or break an attribute). Where a template does escape (``| e``), Markup is left as it
    is, so no ``&amp;lt;`` shows.
    """
    return escape(text)


POSTS = "posts/"
"""Where ``rotation build`` puts the archived weekly posts in the generated folder."""
BLOG = "blog"
"""The blog plugin's folder: its index is in the generated nav, its posts never in any nav."""


def authored_pages(docs_dir: Path) -> list[Any]:
    """Hand-written Markdown pages outside the generated and blog folders, for the navigation:
    pages at the top of ``site_src/`` one by one, those in a folder as one section named after
    it (``site_src/guide/*.md`` -> "Guide"), each in file-name order."""
    pages = sorted(
        p.relative_to(docs_dir)
        for p in docs_dir.rglob("*.md")
        if p.relative_to(docs_dir).parts[0] not in (GENERATED, BLOG) and not p.name.startswith(".")
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


def on_files(files: Files, config: MkDocsConfig) -> Files:
    prefix = f"{GENERATED}/"
    authored = {f.dest_uri: f for f in files if not f.src_uri.startswith(prefix)}
    out = []
    for f in files:
        if not f.src_uri.startswith(prefix):
            out.append(f)
            continue
        if f.src_uri == f"{GENERATED}/build.json":
            continue
        # Re-rooted at the generated folder: the page's path (for links and the nav) is the path
        # it is served at, so an authored page links `methodology.md`, not `generated/...`.
        moved = File(
            f.src_uri.removeprefix(prefix),
            src_dir=str(Path(f.src_dir) / GENERATED),
            dest_dir=f.dest_dir,
            use_directory_urls=f.use_directory_urls,
        )
        if moved.src_uri.startswith(POSTS) and not moved.is_documentation_page():
            # A post's charts and data sit beside the post in the archive; the blog plugin moves
            # some media (not JSON) of its post folder under blog/. Move all of them, together.
            moved.dest_uri = BLOG + moved.dest_uri.removeprefix(POSTS.rstrip("/"))
        if moved.dest_uri in authored:
            raise PluginError(
                f"{config.docs_dir}/{authored[moved.dest_uri].src_uri} would overwrite the "
                f"generated page {f.src_uri}: rename or move the authored file"
            )
        out.append(moved)
    return Files(out)
