"""The layering rules hold, and the checks that enforce them bite.

The import contracts live in pyproject.toml (``[tool.importlinter]``); ``make test`` runs
``lint-imports`` on them and this module does too, so the suite fails on a violation. To prove
the contracts catch what they promise, they are also run against a small fake tree in a temp
folder that breaks each rule once.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT

CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

MAX_LINES = 450
LONG_BECAUSE = "Long because:"


def _lint_imports(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` with ``folder``'s pyproject.toml over the packages in ``folder``."""
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(folder / "pyproject.toml"), "--no-cache"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _contract(kind: str, module: str) -> str:
    """The name of the contract of type ``kind`` whose sources (or ancestors) include ``module``."""
    for contract in CONFIG["contracts"]:
        modules = contract.get("source_modules", []) + contract.get("ancestors", [])
        if contract["type"] == kind and module in modules:
            return str(contract["name"])
    raise AssertionError(f"no {kind} contract on {module}")


def _add_module(root: Path, dotted: str, imports: tuple[str, ...] = ()) -> None:
    """Create ``dotted`` as a package (with its parents) importing ``imports``."""
    folder = root.joinpath(*dotted.split("."))
    for parent in [folder, *folder.relative_to(root).parents][:-1]:
        (root / parent).mkdir(parents=True, exist_ok=True)
        (root / parent / "__init__.py").touch()
    with (folder / "__init__.py").open("a") as init:
        init.writelines(f"import {name}\n" for name in imports)


def _fake_tree(root: Path, edges: list[tuple[str, str]]) -> Path:
    """A tree with every module the contracts name, the imports they ignore, and ``edges``."""
    (root / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    for contract in CONFIG["contracts"]:
        for key in ("source_modules", "forbidden_modules", "ancestors"):
            for module in contract.get(key, []):
                _add_module(root, module)
        for ignored in contract.get("ignore_imports", []):
            importer, imported = (part.strip() for part in ignored.split("->"))
            assert "*" not in ignored, "teach _fake_tree about wildcards"
            _add_module(root, imported)
            _add_module(root, importer, (imported,))
    for importer, imported in edges:
        _add_module(root, imported)
        _add_module(root, importer, (imported,))
    return root


def test_the_repository_keeps_its_import_contracts() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_tree_that_follows_the_rules_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint_imports(_fake_tree(tmp_path, []))
    assert result.returncode == 0, result.stdout + result.stderr


# One forbidden import per rule, each with the contract that must catch it. One lint-imports run
# over a tree holding all of them keeps the test fast; the report names every import it caught.
FORBIDDEN = [
    ("pipelines.ingest.reader", "app.settings", "forbidden", "pipelines"),
    ("pipelines.charts.rules", "components.charts", "forbidden", "pipelines"),
    ("components.sql.editor", "app.services.sql", "forbidden", "components"),
    ("app.store.models", "app.pages.shell", "forbidden", "app.store"),
    ("app.store.models", "app.services.accounts", "forbidden", "app.store"),
    ("app.store.models", "app.api.framework", "forbidden", "app.store"),
    ("app.store.models", "app.auth.oidc", "forbidden", "app.store"),
]
CYCLE = [
    ("pipelines.semantic.fields", "pipelines.semantic.filters"),
    ("pipelines.semantic.filters", "pipelines.semantic.fields"),
]


def test_each_contract_catches_a_forbidden_import(tmp_path: Path) -> None:
    edges = [(importer, imported) for importer, imported, _, _ in FORBIDDEN] + CYCLE
    result = _lint_imports(_fake_tree(tmp_path, edges))
    report = result.stdout
    assert result.returncode != 0, report
    for importer, imported, kind, module in FORBIDDEN:
        assert f"{_contract(kind, module)} BROKEN" in report, report
        assert f"{importer} -> {imported}" in report, report
    assert f"{_contract('acyclic_siblings', 'pipelines')} BROKEN" in report, report
    assert "No cycles are allowed in pipelines.semantic" in report, report


# -- module size -------------------------------------------------------------------------------
def _too_long() -> list[str]:
    offenders: list[str] = []
    for package in ("app", "components", "pipelines"):
        for path in sorted((ROOT / package).rglob("*.py")):
            lines = path.read_text().count("\n")
            if lines <= MAX_LINES:
                continue
            docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
            if any(LONG_BECAUSE in line for line in docstring.splitlines()[:3]):
                continue
            offenders.append(f"{path.relative_to(ROOT).as_posix()} ({lines} lines)")
    return offenders


def test_modules_over_450_lines_say_why() -> None:
    offenders = _too_long()
    assert not offenders, (
        f"Modules over {MAX_LINES} lines: split them, or start the module docstring with a "
        f"one-line reason ('{LONG_BECAUSE} ...'): " + ", ".join(offenders)
    )
