"""The configuration reference: every key of ``rotation.yml``, generated from the config model.

The Configuration page is built from pydantic's JSON schema of :class:`~generator.config.Config`
rather than written by hand, so it cannot fall behind the code: a key added to the model appears
on the page with its type, default and constraints as the validator enforces them, and its
description is the field's docstring (``use_attribute_docstrings``). A test fails when a key has
no description or is missing from the rendered page.

Cells are :class:`~markupsafe.Markup`: text escaped for HTML, ``|`` escaped for Markdown tables,
and code (``backticked`` in docstrings) as ``<code>`` elements, which show ``&`` and ``<`` as
they are where a Markdown code span holding an escaped entity would show the entity.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from markupsafe import Markup, escape
from pydantic import BaseModel

from generator.config import Config

Node = Mapping[str, Any]


@dataclass(frozen=True)
class Key:
    """One key of the reference: its path (``pairs[].a``), type, default and description."""

    path: str
    type: Markup
    default: Markup
    description: Markup


@dataclass(frozen=True)
class Section:
    """A top-level key that holds keys of its own, with all of them (at any depth), in order.

    ``key`` is empty for the first section, the table of every top-level key.
    """

    key: str
    title: str
    description: list[Markup]
    keys: list[Key]


def reference(model: type[BaseModel] = Config) -> list[Section]:
    """The sections of the reference: the top-level keys, then one per mapping or list of them."""
    schema = model.model_json_schema()
    defs: Mapping[str, Node] = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    top = [_key(name, node, name in required, defs) for name, node in schema["properties"].items()]
    sections = [
        Section(
            key="",
            title="Top-level keys",
            description=[_inline("The keys at the top of `rotation.yml`, in the file's order.")],
            keys=top,
        )
    ]
    for name, node in schema["properties"].items():
        target, prefix = _children(node, name, defs)
        if target is None:
            continue
        # A mapping's class docstring describes the section; a list's describes one item, so
        # the key's own description (also in the top-level table) introduces a list.
        is_list = prefix.endswith("[]")
        text = str((not is_list and target.get("description")) or node.get("description") or "")
        paragraphs = text.split("\n\n")
        sections.append(
            Section(
                key=name,
                title=name,
                description=[_inline(p) for p in paragraphs if p.strip()],
                keys=list(_walk(target, prefix, defs)),
            )
        )
    return sections


def _walk(node: Node, prefix: str, defs: Mapping[str, Node]) -> Iterator[Key]:
    """Every key of the object schema ``node``, depth first, paths starting with ``prefix``."""
    required = set(node.get("required", ()))
    for name, child in node.get("properties", {}).items():
        path = f"{prefix}.{name}"
        yield _key(path, child, name in required, defs)
        target, child_prefix = _children(child, path, defs)
        if target is not None:
            yield from _walk(target, child_prefix, defs)


def _children(node: Node, path: str, defs: Mapping[str, Node]) -> tuple[Node | None, str]:
    """The object schema holding the keys under ``path`` (through an optional section or a list
    of mappings), and the prefix of their paths (``pairs[]`` for a list); ``None`` for a leaf."""
    node = _resolve(_without_null(node), defs)
    if node.get("type") == "array" and "items" in node:
        item = _resolve(_without_null(node["items"]), defs)
        if "properties" in item:
            return item, f"{path}[]"
    if "properties" in node:
        return node, path
    return None, path


def _key(path: str, node: Node, required: bool, defs: Mapping[str, Node]) -> Key:
    description = str(node.get("description") or "")
    return Key(
        path=path,
        type=_inline(_type(node, defs)),
        default=_inline(_default(node, required, defs)),
        description=_inline(description),
    )


# --- types


def _resolve(node: Node, defs: Mapping[str, Node]) -> Node:
    ref = node.get("$ref")
    if isinstance(ref, str):
        return defs[ref.rsplit("/", 1)[-1]]
    return node


def _without_null(node: Node) -> Node:
    """``X | None`` as ``X`` (the key may be left out; its default says what that means)."""
    options = [o for o in node.get("anyOf", ()) if o.get("type") != "null"]
    return options[0] if len(options) == 1 else node


def _type(node: Node, defs: Mapping[str, Node]) -> str:
    """A reader's name for the schema's type, with its constraints: ``whole number, 2 to 400``."""
    node = _resolve(_without_null(node), defs)
    if "anyOf" in node:
        return " or ".join(_type(option, defs) for option in node["anyOf"])
    if "enum" in node:
        return "one of " + ", ".join(f"`{value}`" for value in node["enum"])
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return "mapping (keys below)"
    if kind == "array":
        return _array(node, defs)
    if kind == "string":
        return {
            "date": "date (YYYY-MM-DD)",
            "symbol": "symbol",
            "color": "colour (`#rrggbb`)",
        }.get(node.get("format", ""), "text" + (", not empty" if node.get("minLength") else ""))
    if kind == "integer":
        return "whole number" + _range(node)
    if kind == "number":
        return "number" + _range(node)
    if kind == "boolean":
        return "true or false"
    raise ValueError(f"no reader's name for the schema type {dict(node)!r}")


def _array(node: Node, defs: Mapping[str, Node]) -> str:
    if "prefixItems" in node:
        items = [_type(item, defs) for item in node["prefixItems"]]
        if len(set(items)) == 1:
            return f"list of {len(items)} {_plural(items[0])}"
        return "list: " + ", ".join(items)
    item = _type(node.get("items", {}), defs)
    text = f"list of {_plural(item)}" if not item.startswith("one of") else f"list, each {item}"
    if node.get("minItems"):
        text += f", at least {node['minItems']}"
    return text


_PLURALS = {
    "symbol": "symbols",
    "whole number": "whole numbers",
    "number": "numbers",
    "mapping (keys below)": "mappings (keys below)",
}


def _plural(name: str) -> str:
    head, sep, rest = name.partition(",")
    if head.startswith("colour"):
        return "colours" + name.removeprefix("colour")
    if head.startswith("list of"):
        return "lists of" + name.removeprefix("list of")
    return _PLURALS.get(head, head) + sep + rest


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _range(node: Node) -> str:
    low = node.get("minimum")
    high = node.get("maximum")
    above, below = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
    if low is not None and high is not None:
        return f", {_number(low)} to {_number(high)}"
    parts = []
    if low is not None:
        parts.append(f"at least {_number(low)}")
    if above is not None:
        parts.append(f"above {_number(above)}")
    if high is not None:
        parts.append(f"at most {_number(high)}")
    if below is not None:
        parts.append(f"below {_number(below)}")
    return (", " + " and ".join(parts)) if parts else ""


# --- defaults


def _default(node: Node, required: bool, defs: Mapping[str, Node]) -> str:
    if required:
        return "required"
    if "default" not in node:
        return "—"
    value = node["default"]
    if value is None:
        return "none (left out)"
    if isinstance(value, dict):
        return "see below"
    if _resolve(_without_null(node), defs).get("format") == "date":
        return f"`{value}`"  # YAML reads an unquoted ISO date as a date
    return f"`{_yaml(value)}`"


def _yaml(value: Any) -> str:
    """A value as it would be written in ``rotation.yml`` (flow style, one line; whole floats
    as integers, ``5`` rather than ``5.0``; strings quoted only where YAML needs it, as a colour
    must be: an unquoted ``#`` starts a comment)."""
    if value == "":
        return '""'
    text = yaml.safe_dump(_plain(value), default_flow_style=True, width=math.inf, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# --- text


_CODE = re.compile(r"``(.+?)``|`(.+?)`", re.DOTALL)


def _inline(text: str) -> Markup:
    """Docstring text as one line of table-safe Markup: whitespace collapsed, ``code`` (double or
    single backticks) as ``<code>``, everything else escaped, ``|`` as an entity."""
    out: list[str] = []
    position = 0
    flat = " ".join(text.split())
    for match in _CODE.finditer(flat):
        out.append(str(escape(flat[position : match.start()])))
        code = match.group(1) if match.group(1) is not None else match.group(2)
        out.append(f"<code>{escape(code)}</code>")
        position = match.end()
    out.append(str(escape(flat[position:])))
    return Markup("".join(out).replace("|", "&#124;"))
