"""Text from the config or the data made inert, one function per place it goes.

Names, labels, groups and site fields are written by whoever edits ``rotation.yml`` (for a fork,
whoever sends a pull request), and member lists and provider metadata come from outside. Such
text is shown, never obeyed: it must not become markup in a page, a link or an image, a heading,
an attribute, a Vega expression, or a spreadsheet formula. Each output has its own rules, so each
has its own function here, and the writers of that output call it for every outside value:

* :func:`markdown` for Markdown page and post bodies and table cells (the templates' ``finalize``
  applies it to every ``{{ ... }}``, so no template can forget it);
* :func:`markupsafe.escape` for HTML and XML (the feed and the e-mail digest are Jinja with
  autoescape, and their Markdown-free text needs nothing more);
* :func:`csv_cell` for the CSV downloads;
* :func:`terminal` for what a command prints (``rotation check-claims``).

Charts never use outside text as a Vega field name or in an expression's code: their data
columns have fixed or neutral keys (``c0``, ``c1``... in the watchlist chart), and names reach a
spec only as data values.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

_MARKDOWN = {c: f"&#{ord(c)};" for c in "\\`*_{}[]#|!~^"}
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}
"""Characters that open Markdown syntax, as numeric character references: ``[``/``]``/``!``
(links and images), ``{``/``}`` (``attr_list`` attributes, Jinja), `````` ` `````` (code), ``*``
/``_`` (emphasis), ``#`` (headings, ids), ``|`` (table cells), ``\\`` (escapes), ``~``/``^``.
A reference renders as the character itself and can never start syntax."""
_TABLE = str.maketrans(_HTML | _MARKDOWN)
_BLOCK_START = re.compile(r"^(?:[-+*=>]|\d{1,9}[.)])(?=\s|[-=]|$)")
"""A value that, at the start of a line, would begin a list, quote or setext underline."""
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def markdown(value: Any) -> Markup:
    """``value`` as literal text in a Markdown page: HTML-escaped, every character that opens
    Markdown syntax written as a character reference, line breaks made spaces (a label cannot
    start a heading or a list on a line of its own). Markup (``__html__``: formatted numbers, the
    templates' own markup) passes through.

    References are decoded in text and in raw HTML, not inside a Markdown code span: templates
    put outside text in ``<code>``, never between backticks."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    text = _LINE_BREAKS.sub(" ", str(value)).translate(_TABLE)
    start = _BLOCK_START.match(text)
    if start:
        text = f"&#{ord(text[0])};{text[1:]}"
    return Markup(text)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (OWASP's list)."""


def csv_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a string that starts like a formula gets a
    leading ``'``. Numbers stay numbers (a negative return is ``-0.05``, not a formula)."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


_UNPRINTABLE = re.compile(r"[^\x20-\x7e\u00a0-\u2fff]")


def terminal(text: str) -> str:
    """Text a terminal shows as it is: control characters (an escape sequence that would clear
    or recolour the screen) and anything beyond common scripts and symbols become ``?``."""
    return _UNPRINTABLE.sub("?", text)
