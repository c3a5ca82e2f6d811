"""The pages' Content-Security-Policy: only the site's own scripts, styles, images and data.

The theme (``templates/theme/main.html``) puts a ``<meta http-equiv="Content-Security-Policy">``
holding :data:`MARKER` at the top of every page's head. After MkDocs wrote the site, :func:`apply`
replaces it with :func:`policy`: the fixed directives below plus the SHA-256 hash of every inline
script the theme wrote into the built pages, outside the pages' content (Material's
``__md_scope`` set-up, which differs with the page's depth, the palette restore, the tab
restore), so that those run and no other inline script does. The same policy goes into every
page, so instant navigation, which keeps the first page's policy, never meets a script of another
page that it would refuse. ``mkdocs serve`` leaves the marker, an unknown directive browsers
ignore, so its live-reload script runs there.

Why each source is allowed:

- ``default-src 'self'``: anything not named below comes from the site only.
- ``script-src 'self'`` + hashes: Material's bundle, the vega bundle and ``charts.js`` are files
  of the site; no ``'unsafe-inline'``, no ``'unsafe-eval'``: the live charts run Vega's
  expression *interpreter* (``ast: true`` in ``charts.js``), never ``new Function``.
- ``style-src 'self'``: Material's and the site's style sheets. The tables' alignment is an
  ``align`` attribute (``tables: use_align_attribute`` in ``mkdocs.yml``), not a style attribute,
  and vega-embed's and vega-tooltip's default styles, which they would inject as ``<style>``
  elements, are in ``assets/rotation.css`` instead (``charts.js`` turns the injection off).
- ``img-src 'self' data:``: the chart fallbacks and the favicon; ``data:`` for the icons Material's
  style sheet carries as ``data:image/svg+xml`` masks (a ``data:`` image requests nothing).
- ``font-src 'self'``: no web fonts are loaded (``theme.font: false``); only the site's own would.
- ``connect-src 'self'``: the search index, the charts' specs and their theme, instant navigation.
- ``worker-src 'self'``: Material's search worker, a file of the site.
- ``object-src 'none'``, ``base-uri 'self'``, ``form-action 'self'``: no plug-ins, no ``<base>``
  pointing elsewhere, no form posting elsewhere. ``frame-ancestors`` is ignored in a meta tag.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from generator.errors import BuildError

log = logging.getLogger(__name__)

MARKER = '<meta http-equiv="Content-Security-Policy" content="rotation-csp">'
"""The theme's placeholder, which :func:`apply` replaces in every built page."""

DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("worker-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
)

_JS_TYPES = {
    "",
    "module",
    "text/javascript",
    "application/javascript",
    "application/ecmascript",
    "application/x-ecmascript",
    "application/x-javascript",
    "text/ecmascript",
    "text/jscript",
    "text/livescript",
    "text/x-ecmascript",
    "text/x-javascript",
}
"""``type`` values of a script the browser runs (HTML's JavaScript MIME types, and modules);
any other type (``application/json``) is a data block."""


class _InlineScripts(HTMLParser):
    """The text of every inline script a browser would run, exactly as the page holds it, apart
    into those of the page's content (inside Material's ``article.md-content__inner``, where the
    Markdown and every text of rotation.yml go) and those of the theme (everywhere else)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.theme: list[str] = []
        self.content: list[str] = []
        self._current: list[str] | None = None
        self._in_content = False
        self._articles = 0  # open <article> elements since the content's own

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "article":
            if self._in_content:
                self._articles += 1
            elif "md-content__inner" in (found.get("class") or "").split():
                self._in_content, self._articles = True, 0
            return
        if tag != "script":
            return
        kind = (found.get("type") or "").split(";")[0].strip().lower()
        self._current = [] if kind in _JS_TYPES and "src" not in found else None

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self._in_content:
            if self._articles:
                self._articles -= 1
            else:
                self._in_content = False
        if tag == "script" and self._current is not None:
            (self.content if self._in_content else self.theme).append("".join(self._current))
            self._current = None


def inline_scripts(html: str) -> tuple[list[str], list[str]]:
    """The inline scripts of ``html`` that a browser executes (not ``src`` or JSON ones): those
    of the theme and those of the page's content."""
    parser = _InlineScripts()
    parser.feed(html)
    parser.close()
    return parser.theme, parser.content


def script_hash(text: str) -> str:
    """The CSP source expression that allows an inline script with exactly this text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def policy(hashes: Iterable[str] = ()) -> str:
    """The policy, with ``hashes`` (CSP source expressions) allowed as inline scripts."""
    allowed = sorted(set(hashes))
    return "; ".join(
        " ".join([name, sources, *(allowed if name == "script-src" else [])])
        for name, sources in DIRECTIVES
    )


def apply(site_dir: Path) -> str | None:
    """Write the policy into every built page carrying :data:`MARKER`; return it (``None`` when no
    page carries it: a theme override without the meta tag).

    Allowed are the inline scripts of the theme in all these pages, so every page has the same
    policy; an inline script in a page's content (an authored page's raw HTML, or text that
    became markup) is not, and is named in a warning: the browser will not run it.
    """
    pages: dict[Path, str] = {}
    hashes: set[str] = set()
    for page in sorted(site_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        count = text.count(MARKER)
        if count == 0:
            continue
        if count > 1:
            raise BuildError(f"{page}: the Content-Security-Policy meta tag is there {count} times")
        pages[page] = text
        theme, content = inline_scripts(text)
        hashes.update(script_hash(script) for script in theme)
        if content:
            log.warning(
                "%s: %d inline script(s) in the page's content will not run: the pages' "
                "Content-Security-Policy allows only the site's script files",
                page.relative_to(site_dir).as_posix(),
                len(content),
            )
    if not pages:
        return None
    rule = policy(hashes)
    tag = f'<meta http-equiv="Content-Security-Policy" content="{rule}">'
    for page, text in pages.items():
        page.write_text(text.replace(MARKER, tag, 1), encoding="utf-8")
    return rule
