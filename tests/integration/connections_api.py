"""REST helpers for the connection routes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import API, ApiUser
from tests.integration.live_databases import LiveDatabase


def connections_url(workspace: str) -> str:
    return f"{API}/workspaces/{workspace}/connections"


def connection_url(workspace: str, connection: str) -> str:
    return f"{connections_url(workspace)}/{connection}"


def connection_body(live_db: LiveDatabase, who: str = "reader", **changes: Any) -> dict[str, Any]:
    spec = live_db.spec(who)
    return {
        "name": "Flights DB",
        "kind": spec.kind,
        "host": spec.host,
        "port": spec.port,
        "database": spec.database,
        "user": spec.user,
        "password": spec.password,
        "tls": spec.tls,
        **changes,
    }


def create_connection(
    client: httpx.Client, user: ApiUser, workspace: str, live_db: LiveDatabase, **changes: Any
) -> dict[str, Any]:
    response = client.post(
        connections_url(workspace), json=connection_body(live_db, **changes), headers=user.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
