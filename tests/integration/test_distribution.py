"""The non-editable wheel (what the Dockerfile installs) carries everything the app needs.

Its server runs the way the image runs it: the Dockerfile's command in its working directory,
with the files and variables the Dockerfile gives it (no Docker engine here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import ROOT, RunningServer, free_port
from tests.unit.test_packaging import _exec_form, _final, image_env, image_workdir

PACKAGES = ("app", "components", "pipelines")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel --no-deps .`` of a clean copy of the tree (as the Dockerfile's build stage)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(src), "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    (built,) = out.glob("datapilot-*.whl")
    return built


@pytest.fixture(scope="module")
def site(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel unpacked, as site-packages would hold it."""
    target = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def _source_files() -> set[str]:
    files = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                files.add(path.relative_to(ROOT).as_posix())
    return files


def test_wheel_contains_every_file_of_the_packages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "app/templates/login.html",
        "app/static/vendor/zxcvbn.js",
        "app/store/migrations/env.py",
        "app/store/migrations/versions/0001_foundation_tenants_users_workspaces_.py",
    ):
        assert required in names
    assert _source_files() - names == set()


def test_wheel_requires_every_runtime_dependency(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(metadata).decode())
    required = {r.replace(" ", "") for r in message.get_all("Requires-Dist") if "extra ==" not in r}
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert required == {d.replace(" ", "") for d in declared}


def _from_wheel_env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAPILOT_")}
    env["PYTHONPATH"] = str(site)  # ahead of the editable install of the working tree
    env["PYTHONUNBUFFERED"] = "1"
    return env


DATAPILOT = [sys.executable, "-m", "app.cli"]  # the `datapilot` script (app.cli:main)


def _image_command(instruction: str) -> list[str]:
    """The Dockerfile's CMD or HEALTHCHECK command, with the `datapilot` script run from here."""
    (args,) = _final().args(instruction)
    command = _exec_form(args.split(" CMD ", 1)[-1])
    assert command[0] == "datapilot", command
    return [*DATAPILOT, *command[1:]]


@dataclass
class Container:
    """The image's working directory and environment, on this machine."""

    workdir: Path
    env: dict[str, str]

    def run(self, command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=self.workdir,
            env=self.env | env,
            capture_output=True,
            text=True,
            timeout=60,
        )


@pytest.fixture(scope="module")
def container(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Container:
    """``docker run -p P:P -v data:/data -e DATAPILOT_SERVER__PORT=P`` without Docker."""
    root = tmp_path_factory.mktemp("image")
    env = _from_wheel_env(site) | image_env()
    assert env["DATAPILOT_STORAGE__DATA_DIR"] == "/data"
    env["DATAPILOT_STORAGE__DATA_DIR"] = str(root / "data")  # the volume
    env["DATAPILOT_SERVER__PORT"] = str(free_port())
    return Container(image_workdir(root), env)


@pytest.fixture(scope="module")
def wheel_server(container: Container) -> Iterator[RunningServer]:
    """The image's command (``datapilot serve``) running from the unpacked wheel."""
    port = container.env["DATAPILOT_SERVER__PORT"]
    data_dir = Path(container.env["DATAPILOT_STORAGE__DATA_DIR"])
    log_path = container.workdir.parent / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _image_command("CMD"),
            cwd=container.workdir,
            env=container.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(f"http://127.0.0.1:{port}", data_dir, log_path, process)
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, server.log()
        assert time.monotonic() < deadline, server.log()
        try:
            if httpx.get(f"{server.base_url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    yield server
    server.stop()


def test_the_app_imports_from_the_wheel_not_the_working_tree(site: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import app; print(app.__file__)"],
        cwd=tmp_path,
        env=_from_wheel_env(site),
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(result.stdout.strip()).is_relative_to(site)


def test_server_from_the_wheel_migrates_and_serves_templates_and_static_files(
    wheel_server: RunningServer,
) -> None:
    with wheel_server.client() as client:
        login = client.get("/login")
        assert login.status_code == 200
        assert "<form" in login.text
        meter = client.get("/dp-static/vendor/zxcvbn.js")
        assert meter.status_code == 200
        assert "zxcvbn" in meter.text
    assert (wheel_server.data_dir / "datapilot.db").exists()


def test_the_image_creates_no_demo_account_and_prints_no_password(
    wheel_server: RunningServer, container: Container
) -> None:
    log = wheel_server.log()
    assert "DataPilot is running on" in log
    assert "password" not in log.lower()
    assert "demo" not in log.lower()
    users = container.run([*DATAPILOT, "admin", "list-users"])
    assert users.returncode == 0, users.stderr
    assert users.stdout.strip() == "no users"


def test_dockerfile_healthcheck_passes_on_a_running_server(
    wheel_server: RunningServer, container: Container
) -> None:
    result = container.run(_image_command("HEALTHCHECK"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"healthy: {wheel_server.base_url}/health"


def test_dockerfile_healthcheck_follows_the_port_of_a_mounted_config(
    wheel_server: RunningServer, container: Container, tmp_path: Path
) -> None:
    """``-v ./datapilot.yaml:/app/config/datapilot.yaml`` naming the port, and no variable."""
    port = int(wheel_server.base_url.rsplit(":", 1)[1])
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "datapilot.yaml").write_text(yaml.safe_dump({"server": {"port": port}}))
    env = {k: v for k, v in container.env.items() if k != "DATAPILOT_SERVER__PORT"}
    result = Container(tmp_path, env).run(_image_command("HEALTHCHECK"))
    assert result.returncode == 0, result.stderr


def test_dockerfile_healthcheck_fails_when_nothing_answers(container: Container) -> None:
    result = container.run(_image_command("HEALTHCHECK"), DATAPILOT_SERVER__PORT=str(free_port()))
    assert result.returncode == 1
    assert "no answer from http://127.0.0.1:" in result.stderr
