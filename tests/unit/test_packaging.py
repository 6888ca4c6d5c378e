"""Dockerfile and environment.yml stay in step with pyproject.toml.

There is no Docker engine here, so the Dockerfile is checked by reading it, and settings are
loaded the way the container loads them: in its working directory with the files it copies and
the variables it sets (``image`` below). tests/integration/test_distribution.py runs the image's
command and its healthcheck from the wheel against a real server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from app.cli_health import NoKnownPort, health_url
from app.services import templates
from app.settings import load_settings
from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


# -- Dockerfile ----------------------------------------------------------------------------------
@dataclass
class Stage:
    image: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, name: str) -> list[str]:
        return [args for instruction, args in self.instructions if instruction == name]

    def index(self, name: str) -> int:
        return [instruction for instruction, _ in self.instructions].index(name)

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.args("ENV"):
            values.update(dict(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", args)))
        return values


def dockerfile_stages() -> list[Stage]:
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    stages: list[Stage] = []
    for line in joined.splitlines():
        if not line.strip():
            continue
        instruction, _, args = line.strip().partition(" ")
        instruction, args = instruction.upper(), " ".join(args.split())
        if instruction == "FROM":
            stages.append(Stage(image=args.split()[0]))
        else:
            stages[-1].instructions.append((instruction, args))
    return stages


def _exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"use the exec form (a JSON list): {args}"
    return value


def _final() -> Stage:
    return dockerfile_stages()[-1]


def image_env() -> dict[str, str]:
    """The ``DATAPILOT_*`` variables the runtime stage sets."""
    return {k: v for k, v in _final().env().items() if k.startswith("DATAPILOT_")}


def image_workdir(root: Path) -> Path:
    """The runtime stage's WORKDIR under ``root``, holding the files it copies from the tree."""
    final = _final()
    workdir = root / final.args("WORKDIR")[-1].lstrip("/")
    workdir.mkdir(parents=True)
    for args in final.args("COPY"):
        if args.startswith("--"):  # --from=build: the wheel, not a file of the tree
            continue
        *sources, dest = args.split()
        target = workdir / dest if not dest.startswith("/") else root / dest.lstrip("/")
        assert dest.endswith("/") or len(sources) == 1, args
        for source in sources:
            path = target / Path(source).name if dest.endswith("/") else target
            path.parent.mkdir(parents=True, exist_ok=True)
            if (ROOT / source).is_dir():  # COPY dir dest/ copies the directory's contents
                shutil.copytree(ROOT / source, target, dirs_exist_ok=True)
            else:
                shutil.copy(ROOT / source, path)
    return workdir


@pytest.fixture
def image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings load as in the container: its working directory, files and variables only."""
    for name in list(os.environ):
        if name.startswith("DATAPILOT_"):
            monkeypatch.delenv(name)
    for name, value in image_env().items():
        monkeypatch.setenv(name, value)
    workdir = image_workdir(tmp_path)
    monkeypatch.chdir(workdir)
    return workdir


def test_dockerfile_runs_on_a_slim_python_311_or_newer() -> None:
    match = re.fullmatch(r"python:3\.(\d+)(\.\d+)?-slim(-\w+)?", _final().image)
    assert match, _final().image
    assert int(match.group(1)) >= 11


def test_dockerfile_runs_as_a_non_root_user() -> None:
    final = _final()
    (user,) = final.args("USER")
    assert user.split(":")[0] not in {"root", "0"}
    assert final.index("USER") < final.index("CMD")
    assert any("useradd" in run and user.split(":")[0] in run for run in final.args("RUN"))


def test_dockerfile_declares_the_data_directory_as_a_volume() -> None:
    final = _final()
    env = final.env()
    data_dir = env["DATAPILOT_STORAGE__DATA_DIR"]
    (volume,) = final.args("VOLUME")
    assert data_dir in _exec_form(volume)
    assert env["DATAPILOT_SERVER__HOST"] == "0.0.0.0"
    user = final.args("USER")[0].split(":")[0]
    # The volume must be writable by that user, or `serve` cannot create its store.
    assert any(re.search(rf"chown \S*{user}\S* {data_dir}\b", run) for run in final.args("RUN"))


def test_dockerfile_exposes_5006_and_healthchecks_with_datapilot_health() -> None:
    final = _final()
    assert final.args("EXPOSE") == ["5006"]
    (healthcheck,) = final.args("HEALTHCHECK")
    command = _exec_form(healthcheck.split(" CMD ", 1)[1])
    # The same entry point and settings as `serve`, so no port is written here.
    assert command == ["datapilot", "health"]
    assert PYPROJECT["project"]["scripts"]["datapilot"] == "app.cli:main"
    assert "5006" not in healthcheck


def test_the_image_starts_without_the_demo(image: Path) -> None:
    assert (image / "config" / "datapilot.yaml").is_file()
    assert load_settings().demo.enabled is False


def test_the_image_ships_the_sales_and_hr_templates(
    image: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installed from the wheel, the templates are the image's ``config/templates``."""
    monkeypatch.setattr(templates, "SHIPPED", image / "not-a-source-checkout")
    monkeypatch.setattr(templates, "_LIBRARIES", {})
    folders = templates.template_folders(load_settings())
    assert [f.resolve() for f in folders] == [(image / "config" / "templates").resolve()]
    assert {"sales", "hr"} <= set(templates.load_library(load_settings()))


def test_an_environment_variable_turns_the_demo_on(
    image: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAPILOT_DEMO__ENABLED", "true")
    assert load_settings().demo.enabled is True


def test_the_image_healthcheck_targets_the_configured_port(image: Path) -> None:
    settings = load_settings()
    assert settings.server.port == 5006  # what EXPOSE documents
    assert health_url(settings) == "http://127.0.0.1:5006/health"


def test_the_image_healthcheck_follows_a_port_from_the_environment(
    image: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAPILOT_SERVER__PORT", "8080")
    assert health_url(load_settings()) == "http://127.0.0.1:8080/health"


def test_the_image_healthcheck_follows_the_port_of_a_mounted_config(image: Path) -> None:
    (image / "config" / "datapilot.yaml").write_text(yaml.safe_dump({"server": {"port": 7000}}))
    settings = load_settings()
    assert (settings.server.port, settings.server.host) == (7000, "0.0.0.0")
    assert health_url(settings) == "http://127.0.0.1:7000/health"


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("::", "http://[::1]:5006/health"),
        ("10.1.2.3", "http://10.1.2.3:5006/health"),
        ("fd00::7", "http://[fd00::7]:5006/health"),
    ],
)
def test_the_health_command_asks_the_address_the_server_listens_on(
    image: Path, monkeypatch: pytest.MonkeyPatch, host: str, url: str
) -> None:
    monkeypatch.setenv("DATAPILOT_SERVER__HOST", host)
    assert health_url(load_settings()) == url


def test_the_health_command_refuses_a_random_port(
    image: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAPILOT_SERVER__PORT", "0")
    with pytest.raises(NoKnownPort, match="no known port"):
        health_url(load_settings())


def test_dockerfile_command_is_datapilot_serve() -> None:
    (cmd,) = _final().args("CMD")
    assert _exec_form(cmd) == ["datapilot", "serve"]


def test_dockerfile_builds_a_wheel_of_every_package() -> None:
    build = dockerfile_stages()[0]
    copied = {
        path.rstrip("/")
        for args in build.args("COPY")
        if "--from" not in args
        for path in args.split()[:-1]
    }
    packages = {
        p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert {"pyproject.toml", "README.md"} | packages <= copied
    assert any(re.search(r"pip wheel .*--no-deps.* \.$", run) for run in build.args("RUN")), (
        "the build stage should build a wheel of the project (`pip wheel --no-deps ... .`)"
    )


def test_dockerfile_installs_the_wheel_with_every_runtime_dependency() -> None:
    installs = [run for run in _final().args("RUN") if "pip install" in run]
    assert any(re.search(r"datapilot-\S*\.whl", run) for run in installs)
    # MySQL/MariaDB connections: the image has the optional driver (and the library it needs).
    assert any(re.search(r"datapilot-\S*\.whl\)?\[mysql\]", run) for run in installs)
    for run in installs:
        # Non-editable, and pip resolves [project] dependencies from the wheel's metadata.
        assert "--no-deps" not in run and " -e " not in run, run


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "data"} <= ignored
    assert not {"app", "components", "pipelines", "config", "pyproject.toml", "README.md"} & ignored


# -- environment.yml -----------------------------------------------------------------------------
def _lower_bounds(requirements: list[str]) -> dict[str, str | None]:
    bounds: dict[str, str | None] = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement.split("#")[0])
        assert match, requirement
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        lower = re.search(r">=\s*([0-9][^,;\s]*)", match.group(3))
        bounds[name] = lower.group(1) if lower else None
    return bounds


def test_environment_yml_lists_the_same_packages_and_lower_bounds_as_pyproject() -> None:
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    expected = _lower_bounds(project["dependencies"] + extras["test"] + extras["mysql"])
    expected["python"] = project["requires-python"].removeprefix(">=")

    conda: list[str] = []
    for entry in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]:
        if isinstance(entry, dict):
            conda += [pip for pip in entry["pip"] if not pip.startswith("-")]
        elif entry != "pip":
            conda.append(entry)

    assert _lower_bounds(conda) == expected
