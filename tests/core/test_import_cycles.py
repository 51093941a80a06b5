"""No import circle inside pqa_tui, counting imports deferred into functions.

A deferred import hides a circle from the interpreter but not from the reader: the two modules
still depend on each other. Imports under ``if TYPE_CHECKING:`` never run and are not counted.
Importing a submodule (``from . import rules``) does not depend on the parent package's own
names, so it counts as an edge to the submodule only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pqa_tui

PACKAGE = Path(pqa_tui.__file__).parent


def modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package's ``__init__``)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    typing_only = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in node.body
        for n in ast.walk(stmt)
    }
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in typing_only
    ]


def import_graph() -> dict[str, set[str]]:
    """module -> the pqa_tui modules importing it runs (parent packages included)."""
    mods = modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}

    def add(src: str, target: str) -> None:
        # Importing a.b.c runs a and a.b first, except the packages src already sits in.
        parts = target.split(".")
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            if name in mods and name != src and not src.startswith(name + "."):
                graph[src].add(name)

    for name, (path, is_package) in mods.items():
        here = name.split(".") if is_package else name.split(".")[:-1]
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(name, alias.name)
                continue
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + [node.module or ""]).strip(".")
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                add(name, sub if sub in mods else base)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_deferred_imports():
    graph = import_graph()
    # cli/ingest.py imports the DuckDB engine inside a function (keeps --help fast): an edge.
    assert "pqa_tui.warehouse.engine" in graph["pqa_tui.cli.ingest"]
    assert "pqa_tui.scoring.rules" in graph["pqa_tui.backtest.replays"]
    assert "pqa_tui.scoring" not in graph["pqa_tui.scoring.compute"]  # `from . import rules`


def test_a_circle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_inside_pqa_tui():
    assert cycles(import_graph()) == []
