"""Writing the pages' Content-Security-Policy (the built pages are checked in test_build.py)."""

from __future__ import annotations

import base64
import hashlib
import logging
import re

import pytest

from generator import csp
from generator.errors import BuildError

POLICY = (
    "default-src 'self'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'"
)
META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_apply_allows_theme_scripts_only(tmp_path, caplog):
    marker = csp.MARKER
    page = (
        f"<html><head>{marker}<script>theme()</script>"
        '<script id="__config" type="application/json">{"a": 1}</script></head><body>'
        '<article class="md-content__inner md-typeset"><p>x</p><script>content()</script>'
        "<article><script>nested()</script></article></article><script>footer()</script>"
        "</body></html>"
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(page)
    (tmp_path / "digest.html").write_text("<html><body>mail</body></html>")
    with caplog.at_level(logging.WARNING, logger="generator.csp"):
        rule = csp.apply(tmp_path)
    assert rule == POLICY.format(hashes=" ".join(sorted([_sha256("theme()"), _sha256("footer()")])))
    written = (tmp_path / "a" / "index.html").read_text()
    assert META.findall(written) == [rule]
    assert (tmp_path / "digest.html").read_text() == "<html><body>mail</body></html>"
    assert "a/index.html: 2 inline script(s) in the page's content will not run" in caplog.text


def test_apply_without_the_marker_changes_nothing_and_refuses_it_twice(tmp_path):
    (tmp_path / "index.html").write_text("<html><head></head></html>")
    assert csp.apply(tmp_path) is None
    (tmp_path / "index.html").write_text(f"<html><head>{csp.MARKER}{csp.MARKER}</head></html>")
    with pytest.raises(BuildError, match="there 2 times"):
        csp.apply(tmp_path)
