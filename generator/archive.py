"""The archive of weekly posts: where each lives, reading and writing it, publishing it.

``rotation backfill`` writes one folder per week into ``data/posts/<kind>/<session>/`` (the
post's Markdown, ``metrics.json``, CSV tables and charts, and its manifest ``post.json``);
``rotation build`` publishes the folders dated on or before its as-of session.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from generator import layout
from generator.workdir import new_name, old_name

log = logging.getLogger(__name__)

MANIFEST = "post.json"


def post_title(session: pd.Timestamp) -> str:
    return f"Week to {session.day} {session:%B %Y}"


@dataclass(frozen=True)
class ArchivedPost:
    session: pd.Timestamp
    folder: Path
    manifest: Mapping[str, Any]

    @property
    def document(self) -> dict[str, Any]:
        return json.loads((self.folder / "metrics.json").read_text(encoding="utf-8"))

    def files(self) -> dict[str, bytes]:
        """The post's files, relative to its folder (the manifest stays in the archive)."""
        return {
            p.relative_to(self.folder).as_posix(): p.read_bytes()
            for p in sorted(self.folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST
        }

    def images(self) -> list[str]:
        """The post's PNG charts (``charts/<name>.png``), the headline pair's ratio first: the
        images of its feed item and e-mail, and where it is shared."""
        names = [f"charts/{p.name}" for p in sorted((self.folder / "charts").glob("*.png"))]
        return sorted(names, key=lambda name: not name.startswith("charts/ratio-"))


def archived(folder: Path) -> list[ArchivedPost]:
    """The posts in an archive folder, oldest first; half-written or foreign folders are skipped."""
    out = []
    for path in sorted(folder.glob("????-??-??")) if folder.is_dir() else []:
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
            session = pd.Timestamp(manifest["session"])
        except (OSError, ValueError, KeyError) as exc:
            log.warning("%s: not a complete post (%s); skipped", path, exc)
            continue
        out.append(ArchivedPost(session, path, manifest))
    return out


def write_post(folder: Path, session: pd.Timestamp, files: Mapping[str, bytes]) -> None:
    """Replace the post's folder as a whole: written beside it, then swapped in by renames."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{session:%Y-%m-%d}"
    # Temporaries a killed run leaves are removed at the next start (generator.workdir).
    fresh = Path(tempfile.mkdtemp(dir=folder, prefix=new_name(target.name)))
    try:
        for name, content in files.items():
            path = fresh / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            path.chmod(0o644)
        fresh.chmod(0o755)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=folder, prefix=old_name(target.name)))
            old.rmdir()
            target.rename(old)
        fresh.rename(target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- publishing


def published_posts(folder: Path, as_of: pd.Timestamp) -> list[ArchivedPost]:
    """Archived posts a site as of ``as_of`` may show: none dated after it (no look-ahead)."""
    return [p for p in archived(folder) if p.session <= as_of]


def social_image(post: ArchivedPost) -> str:
    """The post's headline chart as a PNG, from the site's root ("" if it has none): the image of
    its link previews, and of the site's while it is the newest post."""
    images = post.images()
    return layout.post_assets(post.session) + images[0] if images else ""


def _with_image(text: str, image: str) -> str:
    """The post's Markdown with ``image`` in its front matter, for the theme's link preview: added
    where the post is published, so the archived record keeps its bytes."""
    opening = "---\n"
    if not image or not text.startswith(opening):
        return text
    return f"{opening}image: {json.dumps(image)}\n{text.removeprefix(opening)}"


def latest_link(posts: list[ArchivedPost]) -> dict[str, str] | None:
    """Title and Markdown link (from the docs folder's root) of the newest post."""
    if not posts:
        return None
    session = posts[-1].session
    return {"title": post_title(session), "link": layout.post_page(session)}


def post_site_files(posts: list[ArchivedPost]) -> dict[str, bytes]:
    """The archived posts as files of the docs folder: each page at ``posts/<session>/`` for the
    blog plugin, its charts and data files together at ``blog/<session>/`` (where they are
    served), and the page's links to them pointing there."""
    out: dict[str, bytes] = {}
    for post in posts:
        page = layout.post_page(post.session)
        assets = layout.post_assets(post.session)
        back = "../" * (page.count("/"))
        files = post.files()
        text = files.pop("index.md").decode()
        for name, content in files.items():
            out[assets + name] = content
            text = text.replace(f"]({name})", f"]({back}{assets}{name})")
        out[page] = _with_image(text, social_image(post)).encode()
    if not posts:
        return out
    latest = posts[-1]
    log.info("%d weekly posts, the latest %s", len(posts), f"{latest.session:%Y-%m-%d}")
    return out
