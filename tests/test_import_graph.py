"""The code's shape: data flows one way (landing -> ingestion -> quality -> orchestration -> bi, reporting), no import
circle (function-level imports count too), no private Dagster API, nothing configures by writing to
os.environ, and nothing imports the Dagster code location's entry module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("ingestion", "quality", "orchestration", "sample_data", "bi", "reporting", "engines")
# What each package may import from the others: the one-way flow.
ALLOWED = {
    "ingestion": set(),
    "sample_data": {"ingestion"},
    "quality": {"ingestion"},
    "orchestration": {"ingestion", "quality", "sample_data"},
    # BI tools read what orchestration publishes (the serving file's setting).
    "bi": {"orchestration"},
    # The HTML report reads the serving file that orchestration publishes, and the dbt vars it was built with.
    "reporting": {"ingestion", "orchestration"},
    # The second engine builds the same dbt project from the raw layer ingestion wrote (the contract's tables),
    # with orchestration's settings and dbt executable.
    "engines": {"ingestion", "orchestration"},
}
# The command line is the one module that reaches forward: `salesops report` runs the report on what the
# pipeline published, `salesops spark-build` / `compare-engines` the second engine (lazily, so no import
# circle: test_no_import_circle walks function-level imports too).
ENTRY_POINT_IMPORTS = {"orchestration.cli": {"reporting", "engines"}}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, ast.Module]:
    files = [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")]
    return {_module_name(p): ast.parse(p.read_text(encoding="utf-8"), filename=str(p)) for p in files}


def _imports(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


SOURCES = _sources()
GRAPH = {
    module: {name for name in _imports(tree) if name in SOURCES and name != module} for module, tree in SOURCES.items()
}


def test_imports_are_absolute():
    # The rules below read absolute module names; a relative import would slip past them.
    relative = {
        m: [n.lineno for n in ast.walk(t) if isinstance(n, ast.ImportFrom) and n.level > 0] for m, t in SOURCES.items()
    }
    assert {m: lines for m, lines in relative.items() if lines} == {}


def test_no_private_dagster_api():
    private = {m: sorted(n for n in _imports(t) if n.startswith("dagster._")) for m, t in SOURCES.items()}
    assert {m: names for m, names in private.items() if names} == {}


def test_nothing_imports_the_code_location_entry_module():
    assert [m for m, imported in GRAPH.items() if "orchestration.definitions" in imported] == []


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_only_what_comes_before_them(package: str):
    wrong = {
        module: sorted(
            i
            for i in imported
            if i.split(".")[0] not in ALLOWED[package] | {package} | ENTRY_POINT_IMPORTS.get(module, set())
        )
        for module, imported in GRAPH.items()
        if module.split(".")[0] == package
    }
    assert {m: i for m, i in wrong.items() if i} == {}


def test_no_import_circle():
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    circles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                circles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert circles == []


def _writes_environment(tree: ast.Module) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Subscript) and ast.unparse(target.value) == "os.environ":
                lines.append(node.lineno)
        if isinstance(node, ast.Call) and ast.unparse(node.func) in (
            "os.environ.setdefault",
            "os.environ.update",
            "os.environ.pop",
            "os.putenv",
        ):
            lines.append(node.lineno)
    return lines


def test_settings_never_travel_by_writing_the_environment():
    writes = {m: _writes_environment(t) for m, t in SOURCES.items()}
    assert {m: lines for m, lines in writes.items() if lines} == {}


def test_the_checks_can_fail():
    # The graph the tests above read is the project's: a broken walk would make them pass on nothing.
    assert "orchestration.code_location" in GRAPH["orchestration.definitions"]
    assert "ingestion.contract" in GRAPH["orchestration.assets.raw"]
    assert _writes_environment(ast.parse("import os\nos.environ['X'] = '1'\n")) == [2]
