"""Every notebook in ``notebooks/`` runs top to bottom in a real Jupyter kernel.

Data scientists use the same pipelines and components as the web app; a notebook that stops
running is a broken promise, so each one is executed here (nbclient, the venv's own ipykernel)
and must finish without an error cell.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_notebooks_folder_has_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ should hold at least one walkthrough"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_without_errors(path: Path, tmp_path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    env_before = os.environ.get("DATAPILOT_NOTEBOOK_WORKDIR")
    os.environ["DATAPILOT_NOTEBOOK_WORKDIR"] = str(tmp_path)
    try:
        client = NotebookClient(
            notebook,
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": str(ROOT)}},
        )
        client.execute()
    finally:
        if env_before is None:
            os.environ.pop("DATAPILOT_NOTEBOOK_WORKDIR", None)
        else:
            os.environ["DATAPILOT_NOTEBOOK_WORKDIR"] = env_before
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors
    # The notebook states what it showed: its last cell's output is checked by the notebook's
    # own asserts; here we only make sure the cells really ran.
    ran = [c for c in notebook.cells if c.cell_type == "code" and c.get("execution_count")]
    assert len(ran) == len([c for c in notebook.cells if c.cell_type == "code"])
