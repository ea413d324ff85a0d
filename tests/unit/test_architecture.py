"""Dependencies point inwards: the domain and the use cases import no framework or adapter."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STDLIB = set(sys.stdlib_module_names)
ALLOWED = {
    "domain": {"domain"},
    "application": {"domain", "application", "structlog"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"no modules found in {layer}/"
    wrong = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in imported_modules(path)
        if module not in STDLIB and module != "__future__" and module not in ALLOWED[layer]
    }
    assert not wrong, "\n".join(sorted(wrong))


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import litestar\nfrom sqlalchemy import select\nfrom adapters.x import y\n")
    assert imported_modules(bad) == {"litestar", "sqlalchemy", "adapters"}


def test_no_adapter_imports_the_composition_root() -> None:
    """`bootstrap/` is the outermost ring: it builds the adapters, never the other way."""
    wrong = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "adapters").rglob("*.py")
        if "bootstrap" in imported_modules(path)
    )
    assert not wrong, "\n".join(wrong)


def test_one_use_case_per_module_with_one_execute() -> None:
    """Each module of application/use_cases/ holds one public use-case class whose only
    public method is `execute` (data classes for its input and output may sit beside it)."""
    wrong = []
    for path in sorted((ROOT / "application" / "use_cases").glob("*.py")):
        tree = ast.parse(path.read_text())
        use_cases = [
            node
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            and not node.name.startswith("_")
            and any(isinstance(item, ast.AsyncFunctionDef) for item in node.body)
        ]
        if path.name == "__init__.py":
            continue
        if len(use_cases) != 1:
            wrong.append(f"{path.name}: {len(use_cases)} use-case classes")
            continue
        public = {
            item.name
            for item in use_cases[0].body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            and not item.name.startswith("_")
        }
        if public != {"execute"}:
            wrong.append(f"{path.name}: public methods {sorted(public)}")
    assert not wrong, "\n".join(wrong)
