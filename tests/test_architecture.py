"""Import rules from DESIGN.md: Streamlit only in studio/ui and pages; pages stay thin."""

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
