"""The shipped templates and the workspaces they are mapped onto, built once for the package:
the demo Sales and HR workspaces, and the small ones of :mod:`.data` (English and French)."""

from __future__ import annotations

import pytest

from pipelines.ai.evaluation import Workspace
from pipelines.templates import Template, load_folders
from tests.unit.ai.demo_workspaces import demo_workspaces
from tests.unit.templates.data import hr_workspace, sales_workspace
from tests.unit.templates.workspaces import SHIPPED


@pytest.fixture(scope="package")
def templates() -> dict[str, Template]:
    return load_folders([SHIPPED])


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workspace]:
    return demo_workspaces(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="package")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workspace]:
    folder = tmp_path_factory.mktemp("small")
    return {
        f"{kind}_{language}": make(folder, language)
        for kind, make in (("sales", sales_workspace), ("hr", hr_workspace))
        for language in ("en", "fr")
    }
