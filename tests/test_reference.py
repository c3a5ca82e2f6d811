"""The Configuration page: generated from the config model, complete, and in the navigation."""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from generator import reference, render, templating
from generator.config import Config
from generator.sections.about import CONFIGURATION
from tests_support import REPO, sample_report, snapshot_of, unmark

PAGE = CONFIGURATION.page
ROW = re.compile(r'^\| <code class="rm-key">(?P<path>[^<]+)</code> \| (?P<rest>.*) \|$')


def model_keys(model: type[BaseModel], prefix: str = "") -> dict[str, str | None]:
    """Every key path of ``model`` and its description, walking the Python types (not the JSON
    schema the page is generated from): a key the generator missed is still found here."""
    keys: dict[str, str | None] = {}
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        keys[path] = field.description
        for nested, is_list in _nested_models(field.annotation):
            keys |= model_keys(nested, f"{path}[]." if is_list else f"{path}.")
    return keys


def _nested_models(annotation: object) -> list[tuple[type[BaseModel], bool]]:
    """Models inside ``X``, ``X | None`` and ``tuple[X, ...]``, with whether they are items."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, False)]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return [found for arg in args for found in _nested_models(arg)]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return [(model, True) for model, _ in _nested_models(args[0])]
    return []


def rendered_rows(text: str) -> dict[str, list[str]]:
    """Key path -> [type, default, description] cells of every table row of the page."""
    rows: dict[str, list[str]] = {}
    for line in unmark(text).splitlines():
        match = ROW.match(line)
        if match:
            assert match["path"] not in rows, f"{match['path']} listed twice"
            rows[match["path"]] = match["rest"].split(" | ")
    return rows


@pytest.fixture(scope="module")
def page() -> str:
    env = templating.make_environment(REPO / "templates")
    context = {"config_reference": reference.reference()}
    return templating.render_pages(env, context, [PAGE])["configuration.md"].decode()


def test_every_config_key_has_a_description():
    keys = model_keys(Config)
    assert len(keys) > 80, "the walk reaches the nested sections"
    assert {"site.title", "pairs[].a", "data.max_failed_share", "weekly.since", "posts"} <= set(
        keys
    )
    assert {"rotation.groups[].symbols", "theme.dark.text", "breadth.lists[].file"} <= set(keys)
    undocumented = sorted(path for path, text in keys.items() if not (text or "").strip())
    assert undocumented == [], f"give these keys a docstring: {undocumented}"


def test_every_config_key_is_on_the_page_with_type_default_and_description(page):
    rows = rendered_rows(page)
    keys = model_keys(Config)
    assert sorted(set(keys) - set(rows)) == [], "keys missing from the Configuration page"
    assert sorted(set(rows) - set(keys)) == [], "the page lists keys the config does not have"
    for path, cells in rows.items():
        assert len(cells) == 3, (path, cells)
        assert all(cell.strip() for cell in cells), (path, cells)
        # Descriptions are the docstrings, on one line, escaped for HTML and for the table.
        words = re.sub(r"``?", "", " ".join((keys[path] or "").split()))
        first = words.split()[0].replace("'", "&#39;")
        assert first in cells[2], (path, first, cells[2])


@pytest.mark.parametrize(
    ("path", "type_", "default"),
    [
        ("metrics.ma_short", "whole number, 2 to 400", "<code>50</code>"),
        ("data.max_failed_share", "number, 0 to 1", "<code>0.1</code>"),
        ("data.rescale_tolerance", "number, above 0 and below 0.5", "<code>0.0001</code>"),
        ("data.yield_range", "list of 2 numbers", "<code>[-1, 25]</code>"),
        ("weekly.since", "date (YYYY-MM-DD)", "<code>2026-01-02</code>"),
        ("universe[].symbol", "symbol", "required"),
        ("universe", "list of mappings (keys below), at least 1", "required"),
        ("pairs[].label", "text", "<code>&#34;&#34;</code>"),
        ("headline", "whole number, at least 0", "<code>0</code>"),
        ("style_box", "mapping (keys below)", "none (left out)"),
        ("style_box.grid", "list of 3 lists of 3 symbols", "none (left out)"),
        (
            "style_box.preset",
            "one of <code>russell</code>, <code>sp</code>, <code>vanguard</code>, "
            "<code>custom</code>",
            "<code>russell</code>",
        ),
        ("site", "mapping (keys below)", "see below"),
        ("theme.primary", "colour (<code>#rrggbb</code>)", "<code>&#39;#5d6cc0&#39;</code>"),
        ("theme.dark.text", "colour (<code>#rrggbb</code>)", "<code>&#39;#bfc1c7&#39;</code>"),
        ("posts", "text", "<code>data/posts</code>"),
    ],
)
def test_types_and_defaults_read_as_written_in_rotation_yml(page, path, type_, default):
    assert rendered_rows(page)[path][:2] == [type_, default]


def test_periods_list_their_allowed_values(page):
    type_, default, _ = rendered_rows(page)["periods"]
    assert type_.startswith("list, each one of <code>1W</code>, <code>1M</code>")
    assert default == "<code>[1W, 1M, 3M, YTD, 1Y]</code>"


def test_sections_follow_the_top_level_keys(page):
    headings = [line[3:] for line in unmark(page).splitlines() if line.startswith("## ")]
    assert headings[0] == "Top-level keys"
    assert headings[1:] == [
        "site",
        "universe",
        "pairs",
        "metrics",
        "style_box",
        "rotation",
        "breadth",
        "rates",
        "risk",
        "history",
        "watchlist",
        "valuation",
        "claims",
        "weekly",
        "data",
        "theme",
    ]
    assert "Colours are hex, <code>#rrggbb</code> or <code>#rgb</code>, in quotes" in page


class _Doc(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    window: int = Field(5, ge=1)
    """Sessions | bars <b>window</b>."""
    kind: Literal["a", "b"] = "a"


class _Root(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")

    items: tuple[_Doc, ...] = ()
    """The items."""
    start: dt.date | None = None
    """First day."""


def test_the_page_follows_the_model_and_the_check_catches_a_missing_docstring():
    sections = reference.reference(_Root)
    assert [s.title for s in sections] == ["Top-level keys", "items"]
    keys = {k.path: k for s in sections for k in s.keys}
    assert list(keys) == ["items", "start", "items[].window", "items[].kind"]
    window = keys["items[].window"]
    assert (window.type, window.default) == ("whole number, at least 1", "<code>5</code>")
    # Escaped for HTML, and | cannot split the table cell.
    assert window.description == "Sessions &#124; bars &lt;b&gt;window&lt;/b&gt;."
    assert keys["start"].type == "date (YYYY-MM-DD)"
    assert keys["start"].default == "none (left out)"
    assert model_keys(_Root)["items[].kind"] is None, "the completeness test would fail on it"


def test_configuration_page_is_for_forkers():
    pages = snapshot_of(sample_report(), members={}).pages()
    assert PAGE in pages
    nav = render.navigation(pages)
    forkers = next(entry["For forkers"] for entry in nav if "For forkers" in entry)
    assert forkers == [{"Configuration": "configuration.md"}]
    about = next(entry["About"] for entry in nav if "About" in entry)
    assert {"Configuration": "configuration.md"} not in about
