"""The package's layout: no import cycles, few top-level modules, and each room imports only downward."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "aicost"

# Which subpackages each one may import. The domain in the middle imports only the standard library.
ALLOWED = {
    "model": {"model"},
    "engine": {"model", "engine"},
    "sheets": {"model", "engine", "sheets"},
    "catalogs": {"model", "engine", "sheets", "catalogs"},
    "render": {"model", "engine", "render"},
    "usage": {"model", "engine", "sheets", "usage"},  # sheets: the mapping file's safe YAML reader
    "cli": {"model", "engine", "sheets", "catalogs", "render", "usage", "cli"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every aicost module a file imports, at the top or inside a function (lazy imports count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("aicost"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1]
                    + ([base] if base else [])
                )
            if not base.startswith("aicost"):
                continue
            for alias in node.names:
                found.add(f"{base}.{alias.name}")
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for target in imports_of(path):
            # `from aicost.render import Format` names a module's attribute: keep the module
            while target not in modules and "." in target:
                target = target.rpartition(".")[0]
            if target in modules and target != name:
                targets.add(target)
        edges[name] = targets
    return edges


def test_graph_sees_real_edges() -> None:
    edges = graph()
    assert "aicost.engine.pricing" in edges["aicost.engine.estimate"]
    assert "aicost.cli.commands" in edges["aicost.cli.estimate"]


def test_no_import_cycles() -> None:
    edges = graph()
    # a package's __init__ is imported by each of its modules; that is not a cycle of our making
    for name in edges:
        edges[name] = {t for t in edges[name] if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def test_each_room_imports_only_downward() -> None:
    wrong = []
    for name, targets in graph().items():
        parts = name.split(".")
        if len(parts) < 3:
            continue
        room = parts[1]
        for target in targets:
            other = target.split(".")
            if len(other) >= 2 and other[1] in ALLOWED and other[1] not in ALLOWED[room]:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_model_imports_only_the_standard_library() -> None:
    outside = []
    for path in (PACKAGE / "model").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            outside += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in {"typer", "rich", "pydantic", "yaml"}
            ]
    assert outside == []


def test_at_most_eight_top_level_modules() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top
