"""``deploy/docker-compose.yml`` read as Docker Compose would read it (YAML with its anchors and
merge keys) and checked against the image and the nginx config it runs with. CI machines have
no Docker, so the stack itself is not started here; the same topology (PostgreSQL, two
``datapilot serve`` processes, nginx with ``deploy/nginx``) runs for real in ``tests/deploy``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.unit.test_packaging import image_env

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def compose() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return found


def apps() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose()["services"].items() if n.startswith("app")}


def test_two_app_processes_share_the_store_the_data_volume_and_the_secrets() -> None:
    found = apps()
    assert sorted(found) == ["app1", "app2"]
    data_dir = image_env()["DATAPILOT_STORAGE__DATA_DIR"]
    shared = ["DATAPILOT_DATABASE__URL", "DATAPILOT_SECRETS__SECRET_KEY",
              "DATAPILOT_SECRETS__ENCRYPTION_KEYS"]  # fmt: skip
    first, second = found["app1"], found["app2"]
    for app in (first, second):
        assert any(v.split(":")[1] == data_dir for v in app["volumes"])  # the image's data dir
        assert app["environment"]["DATAPILOT_DATABASE__URL"].startswith("postgresql+psycopg://")
        assert "@db:5432/" in app["environment"]["DATAPILOT_DATABASE__URL"]
    assert first["volumes"] == second["volumes"]
    for name in shared:
        assert first["environment"][name] == second["environment"][name]
    assert {a["environment"]["DATAPILOT_SERVER__NODE"] for a in (first, second)} == {
        "app1",
        "app2",
    }
    # the demo (first-start work) is made by one process only
    assert second["environment"]["DATAPILOT_DEMO__ENABLED"] == "false"


def test_migrations_run_once_before_the_apps_start() -> None:
    services = compose()["services"]
    assert services["migrate"]["command"] == ["datapilot", "db", "upgrade"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["app1"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["app2"]["depends_on"]["app1"]["condition"] == "service_healthy"


def test_nginx_routes_to_the_app_services_with_the_mounted_config() -> None:
    services = compose()["services"]
    nginx = services["nginx"]
    mounts = {v.split(":")[1]: DEPLOY / v.split(":")[0] for v in nginx["volumes"]}
    config = mounts["/etc/nginx/conf.d/default.conf"].read_text()
    assert mounts["/etc/nginx/datapilot-proxy.conf"].is_file()
    port = image_env().get("DATAPILOT_SERVER__PORT", "5006")
    upstreams = set(re.findall(r"server\s+(app\d+):(\d+);", config))
    assert upstreams == {("app1", port), ("app2", port)}
    # the node cookie's values are the apps' node names
    cookie_map = re.search(r"map \$cookie_dp_node \$dp_backend \{(.*?)\}", config, re.S)
    assert cookie_map is not None
    routed = dict(re.findall(r"^\s*(app\d+)\s+(\w+);", cookie_map.group(1), re.M))
    nodes = {a["environment"]["DATAPILOT_SERVER__NODE"] for a in apps().values()}
    assert set(routed) == nodes
    # only nginx's fixed address may speak for the client
    address = nginx["networks"]["datapilot"]["ipv4_address"]
    for app in apps().values():
        assert app["environment"]["DATAPILOT_SERVER__TRUSTED_PROXIES"] == address
