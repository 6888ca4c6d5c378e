"""``serve --workers``: which processes the supervisor plans; the node setting and cookie."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

from app.node_affinity import node_cookie
from app.settings import ConfigError, load_settings
from app.supervisor import WorkersFailed, plan


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DATAPILOT_"):
            monkeypatch.delenv(name)


def settings_with(tmp_path: Path, server: dict[str, object]):
    path = tmp_path / "datapilot.yaml"
    path.write_text(yaml.safe_dump({"server": server}))
    return load_settings(path)


def test_workers_take_consecutive_ports_named_by_port_and_only_the_first_loads_the_demo(
    tmp_path: Path,
) -> None:
    settings = settings_with(tmp_path, {"port": 8001, "host": "0.0.0.0"})

    children = plan(settings, 3, "/etc/dp.yaml", no_demo=False)

    assert [(c.port, c.node) for c in children] == [(8001, "8001"), (8002, "8002"), (8003, "8003")]
    assert children[0].args == [
        sys.executable, "-m", "app.cli", "--config", "/etc/dp.yaml",
        "serve", "--port", "8001", "--node", "8001", "--host", "0.0.0.0",
    ]  # fmt: skip
    assert [c.args[-1] == "--no-demo" for c in children] == [False, True, True]
    assert all(c.args[-1] == "--no-demo" for c in plan(settings, 2, None, no_demo=True))


def test_a_configured_node_name_prefixes_the_ports(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, {"port": 9000, "node": "web"})

    assert [c.node for c in plan(settings, 2, None, False)] == ["web-9000", "web-9001"]


@pytest.mark.parametrize(
    ("port", "workers", "message"),
    [(0, 2, "needs a fixed server.port"), (65535, 2, "ports 65535-65536 go beyond 65535")],
)
def test_workers_need_a_fixed_range_of_ports(
    tmp_path: Path, port: int, workers: int, message: str
) -> None:
    with pytest.raises(WorkersFailed, match=message):
        plan(settings_with(tmp_path, {"port": port}), workers, None, False)


def test_a_node_name_must_be_cookie_safe(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server\.node"):
        settings_with(tmp_path, {"node": "app 1;x=y"})


def test_the_node_cookie_is_http_only_lax_and_secure_over_https() -> None:
    assert node_cookie("app1", secure=False) == "dp_node=app1; Path=/; HttpOnly; SameSite=Lax"
    assert node_cookie("app1", secure=True).endswith("; SameSite=Lax; Secure")
