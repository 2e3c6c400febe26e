"""The import graph of `harmonia`, `harmoniad` and `harmonia_tui`: no circles, arrows only down.

A circle works until someone reorders two imports, and then fails at start-up with a half
initialised module; an arrow from the engine to the daemon or the dashboard drags a web server
or a terminal UI into every `harmonia run` (DESIGN.md). Both are read from the source with
`ast`, so a module that is imported only on some paths is checked all the same.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = {
    "harmonia": REPO / "harmonia",
    "harmoniad": REPO / "daemon" / "harmoniad",
    "harmonia_tui": REPO / "tui" / "harmonia_tui",
}
ABOVE_THE_ENGINE = ("harmoniad", "harmonia_tui")

Graph = dict[str, set[str]]


def modules(packages: Mapping[str, Path]) -> dict[str, tuple[Path, bool]]:
    """Every module's dotted name -> (its file, whether it is a package's `__init__`)."""
    found = {}
    for package, root in packages.items():
        for path in sorted(root.rglob("*.py")):
            parts = [package, *path.relative_to(root).with_suffix("").parts]
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(
    name: str, path: Path, is_package: bool, *, type_checking: bool = False
) -> set[str]:
    """What the module `name` imports, as dotted names (`from a import b`: `a` and `a.b`).

    Imports inside functions count: they run too, only later. Those under `if TYPE_CHECKING:`
    count only with `type_checking` (they never run)."""
    found: set[str] = set()
    package = name.split(".") if is_package else name.split(".")[:-1]

    def visit(nodes: list[ast.stmt] | list[ast.AST]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _type_checking(node) and not type_checking:
                visit(node.orelse)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                found.add(source)
                found.update(f"{source}.{alias.name}" for alias in node.names)
            else:
                visit(list(ast.iter_child_nodes(node)))

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)).body)
    return found


def import_graph(packages: Mapping[str, Path], *, type_checking: bool = False) -> Graph:
    """Module -> the modules of `packages` it imports (itself left out)."""
    known = modules(packages)
    return {
        name: {
            imported
            for imported in imported_names(name, path, is_package, type_checking=type_checking)
            if imported in known and imported != name
        }
        for name, (path, is_package) in known.items()
    }


def cycles(graph: Graph) -> list[list[str]]:
    """One circle of imports per strongly connected group of modules (Tarjan's algorithm,
    without recursion), each as a path that starts and ends at its first module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return [_circle(graph, group) for group in groups]


def _circle(graph: Graph, group: list[str]) -> list[str]:
    """A shortest path from the group's first module back to it, inside the group."""
    start, members = group[0], set(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node] & members):
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if successor not in came_from:
                    came_from[successor] = node
                    following.append(successor)
        frontier = following
    raise AssertionError(f"no circle through {start} in {group}")


def upward_arrows(graph: Graph) -> list[str]:
    return sorted(
        f"{module} imports {imported}"
        for module, imported_modules in graph.items()
        if module.split(".")[0] == "harmonia"
        for imported in imported_modules
        if imported.split(".")[0] in ABOVE_THE_ENGINE
    )


# ---- the tree as it is -----------------------------------------------------------------------


def test_the_three_packages_import_each_other_without_circles() -> None:
    found = cycles(import_graph(PACKAGES))
    for circle in found:
        print("import circle:", " -> ".join(circle))
    assert not found, f"{len(found)} import circle(s): " + "; ".join(
        " -> ".join(circle) for circle in found
    )


def test_the_engine_package_imports_neither_the_daemon_nor_the_dashboard() -> None:
    """Not even for type checking: the arrows of DESIGN.md point down only."""
    found = upward_arrows(import_graph(PACKAGES, type_checking=True))
    for arrow in found:
        print("upward arrow:", arrow)
    assert not found


# ---- the checks themselves, on a package made for them --------------------------------------


def _package(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {"pkg": root / "pkg"}


def test_a_circle_through_a_package_init_or_a_function_is_found(tmp_path: Path) -> None:
    packages = _package(
        tmp_path,
        {
            "__init__.py": "from pkg.a import A\n",
            "a.py": "from pkg import b\nA = 1\n",  # reads pkg: its __init__ is in the circle
            "b.py": "B = 1\n",
            "c.py": "def late():\n    from . import d\n",  # inside a function: it counts
            "d.py": "import pkg.c\n",
            "e.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .f import F\n",
            "f.py": "from .e import E\nF = 1\n",
        },
    )
    graph = import_graph(packages)
    assert graph["pkg.e"] == set()  # a TYPE_CHECKING import never runs
    assert sorted(cycles(graph)) == [["pkg", "pkg.a", "pkg"], ["pkg.c", "pkg.d", "pkg.c"]]
    assert ["pkg.e", "pkg.f", "pkg.e"] in cycles(import_graph(packages, type_checking=True))


@pytest.mark.parametrize(
    "text",
    ["import harmoniad.app\n", "from harmonia_tui import app\n", "from harmoniad import x\n"],
)
def test_an_engine_module_importing_the_daemon_or_the_dashboard_is_named(
    tmp_path: Path, text: str
) -> None:
    for package in ("harmonia", "harmoniad", "harmonia_tui"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / "app.py").write_text("")
    (tmp_path / "harmonia" / "engine.py").write_text(f"def f():\n    {text}")
    (tmp_path / "harmoniad" / "server.py").write_text("import harmonia.engine\n")
    graph = import_graph({p: tmp_path / p for p in ("harmonia", "harmoniad", "harmonia_tui")})
    arrows = upward_arrows(graph)
    assert arrows and all(a.startswith("harmonia.engine imports harmonia") for a in arrows)
