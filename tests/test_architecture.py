"""Import rules from DESIGN.md: layers run one way, no import cycles, Streamlit only in studio/ui
and pages, pages stay thin."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STUDIO = ROOT / "studio"
PAGES = [*sorted((ROOT / "pages").glob("*.py")), ROOT / "Home.py"]

# What a page may not import: SDKs, the ORM and SQL belong in studio/.
PAGE_FORBIDDEN = ("openai", "chromadb", "sqlalchemy", "sqlmodel", "httpx", "requests")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


# Layers run one way: a package imports only packages at its own rank or to its left.
# `access` (sign-in, roles) sits just above core so every domain package can check a permission.
LAYERS: dict[str, int] = {
    "core": 0,
    "access": 1,
    "knowledge": 2,
    "design": 3,
    "chat": 4,
    "compare": 5,
    "analytics": 6,
    "": 7,  # studio/startup.py and studio/__main__.py: the application's edges
    "cli": 7,  # python -m studio: one command group per capability
    "ui": 8,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    """The package a studio module belongs to ("" for the top-level modules and `studio`)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else ""


def studio_imports(path: Path, known: set[str]) -> set[str]:
    """Every studio module `path` imports, wherever the import is (inside functions and
    `if TYPE_CHECKING:` too: a lazy import hides a cycle, it does not remove it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "studio")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "studio":
                continue
            for alias in node.names:  # `from studio.chat import turn` imports a module
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return found


def import_graph(root: Path = STUDIO) -> dict[str, set[str]]:
    """studio module -> the studio modules it imports (package `__init__`s left out as targets
    when they only hold a docstring)."""
    paths = {module_name(p): p for p in root.rglob("*.py")} if root == STUDIO else {}
    known = set(paths)
    return {name: studio_imports(path, known) - {name} for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        mine = LAYERS[layer_of(module)]
        for target in sorted(targets):
            if target == "studio":
                continue  # the package itself (its __version__)
            theirs = LAYERS.get(layer_of(target))
            assert theirs is not None, f"{target} is in no layer; add its package to LAYERS"
            if theirs > mine:
                problems.append(f"{module} imports {target} (a layer above it)")
    return problems


def test_every_studio_package_has_a_layer() -> None:
    packages = {p.name for p in STUDIO.iterdir() if (p / "__init__.py").exists()}
    assert packages <= set(LAYERS), f"packages without a layer: {packages - set(LAYERS)}"


def test_layers_run_one_way() -> None:
    problems = upward_imports(import_graph())
    assert not problems, "\n".join(problems)


def test_no_import_cycles_between_modules() -> None:
    found = cycles(import_graph())
    assert not found, f"import cycles: {found}"


def test_the_layer_and_cycle_rules_catch_violations() -> None:
    graph = {
        "studio.core.db": {"studio.design.schemas"},  # core reaching up into design
        "studio.design.schemas": set(),
        "studio.chat.a": {"studio.chat.b"},
        "studio.chat.b": {"studio.chat.a"},
    }
    assert upward_imports(graph) == [
        "studio.core.db imports studio.design.schemas (a layer above it)"
    ]
    assert cycles(graph) == [["studio.chat.a", "studio.chat.b"]]


def test_each_package_says_what_it_is_for() -> None:
    for init in STUDIO.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, (
            f"{init.relative_to(ROOT)} needs a docstring saying what it is"
        )


def studio_modules_outside_ui() -> list[Path]:
    return [p for p in STUDIO.rglob("*.py") if "ui" not in p.relative_to(STUDIO).parts]


@pytest.mark.parametrize(
    "path", studio_modules_outside_ui(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_domain_code_does_not_import_streamlit(path: Path) -> None:
    offending = {m for m in imported_modules(path) if m.split(".")[0] == "streamlit"}
    assert not offending, f"{path.name} imports {offending}; Streamlit belongs in studio/ui/"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_do_not_import_sdks_or_the_orm(path: Path) -> None:
    offending = {m for m in imported_modules(path) if m.split(".")[0] in PAGE_FORBIDDEN}
    assert not offending, f"{path.name} imports {offending}; call studio/ instead"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_stay_thin(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 220, f"{path.name} has {lines} lines; move logic into studio/ or studio/ui/"


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nfrom openai import OpenAI\n", encoding="utf-8")
    assert {"streamlit", "openai"} <= imported_modules(bad)


def test_home_declares_the_navigation_before_importing_the_studio() -> None:
    # The first session after a start shows Streamlit's legacy pages/ sidebar until st.navigation
    # runs; the studio's imports and database start-up (seconds on a fresh install) come after it.
    tree = ast.parse((ROOT / "Home.py").read_text(encoding="utf-8"))
    order = [
        "navigation"
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and ast.unparse(node.value.func) == "st.navigation"
        else "studio import"
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("studio")
        else None
        for node in tree.body
    ]
    steps = [step for step in order if step]
    assert steps and steps[0] == "navigation", f"Home.py does {steps}; st.navigation must be first"
