"""The import graph of ``generator/``: no circle anywhere, and a short chain from the CLI down to
the metrics. Imports inside functions count (they are dependencies too); imports under
``if TYPE_CHECKING:`` do not (they never run)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "generator"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(name: str, node: ast.AST) -> set[str]:
    """Modules of ``generator`` that ``node`` imports, as seen from module ``name``."""
    is_package = MODULES[name].name == "__init__.py"
    found: set[str] = set()
    if isinstance(node, ast.Import):
        found = {alias.name for alias in node.names}
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = name.split(".")
            base = base[: len(base) - node.level + (1 if is_package else 0)]
            origin = ".".join(base + ([node.module] if node.module else []))
        else:
            origin = node.module or ""
        found = {origin}
        # ``from generator import x``: an import of the module ``generator.x`` when x is one.
        found |= {f"{origin}.{a.name}" for a in node.names if f"{origin}.{a.name}" in MODULES}
    out = set()
    for module in found:
        # Importing ``a.b.c`` runs the packages ``a.b`` and ``a`` first.
        parts = module.split(".")
        out |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return {m for m in out if m in MODULES and m not in ("generator", name)}


def _walk(name: str, nodes: list[ast.stmt]) -> set[str]:
    deps: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and _is_type_checking(node):
            deps |= _walk(name, node.orelse)
            continue
        for child in ast.walk(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            deps |= _imported(name, child)
    return deps


@functools.cache
def graph() -> dict[str, frozenset[str]]:
    return {
        name: frozenset(_walk(name, ast.parse(path.read_text()).body))
        for name, path in MODULES.items()
    }


def find_cycle(edges: dict[str, frozenset[str]]) -> list[str]:
    """A circle of imports as a list of modules (first == last), or ``[]``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return []


def longest_chain(edges: dict[str, frozenset[str]], start: str, prefix: str) -> list[str]:
    """The longest import path from ``start`` to the first module starting with ``prefix`` (the
    layer the path reaches; imports inside that layer are its own business)."""

    @functools.cache
    def longest(node: str) -> tuple[str, ...]:
        if node.startswith(prefix):
            return (node,)
        best: tuple[str, ...] = ()
        for nxt in edges.get(node, ()):
            tail = longest(nxt)
            if tail and len(tail) + 1 > len(best):
                best = (node, *tail)
        return best

    return list(longest(start))


def test_the_walker_sees_function_level_imports_and_skips_type_checking():
    edges = graph()
    # pipeline.py imports fetch inside load_prices; sections/base.py imports the snapshot only
    # for type checking.
    assert "generator.fetch" in edges["generator.pipeline"]
    assert "generator.snapshot" not in edges["generator.sections.base"]
    assert find_cycle({"a": frozenset({"b"}), "b": frozenset({"a"})}) == ["a", "b", "a"]


def test_no_import_circle():
    cycle = find_cycle(graph())
    assert cycle == [], " -> ".join(cycle)


def test_config_imports_no_metrics():
    assert not {m for m in graph()["generator.config"] if m.startswith("generator.metrics")}


def test_the_cli_reaches_the_metrics_in_few_levels():
    chain = longest_chain(graph(), "generator.cli", "generator.metrics")
    # Levels = modules on the longest path from the CLI to the first metrics module, both
    # included: command -> registry -> section -> report or chart -> metrics. Presentation
    # modules take the snapshot and report types under TYPE_CHECKING, not as imports.
    assert len(chain) <= 6, " -> ".join(chain)
