"""Helpers for the SQL workbench REST tests: URLs, runs, a long query, threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.integration.conftest import API, ApiUser

LONG_QUERY = (
    "SELECT sum(a.amount * b.amount - c.amount + d.order_id) AS n "
    "FROM orders a, orders b, orders c, orders d, orders e"
)
"""120^5 = 25 billion rows over the ORDERS source: runs far longer than any test waits."""


def sql_url(workspace_id: str, rest: str = "") -> str:
    return f"{API}/workspaces/{workspace_id}/sql{rest}"


def queries_url(workspace_id: str, rest: str = "") -> str:
    return f"{API}/workspaces/{workspace_id}/queries{rest}"


def run_sql(
    client: httpx.Client, user: ApiUser, workspace_id: str, sql: str, **extra: Any
) -> httpx.Response:
    return client.post(sql_url(workspace_id), json={"sql": sql, **extra}, headers=user.headers)


def cancel(client: httpx.Client, user: ApiUser, workspace_id: str, query_id: str) -> bool:
    response = client.post(sql_url(workspace_id, f"/{query_id}/cancel"), headers=user.headers)
    assert response.status_code == 200, response.text
    return bool(response.json()["cancelled"])


def cancel_when_running(
    client: httpx.Client, user: ApiUser, workspace_id: str, query_id: str
) -> None:
    """Cancel ``query_id`` as soon as the server has it (polling; fails after 30 s)."""
    deadline = time.monotonic() + 30
    while not cancel(client, user, workspace_id, query_id):
        assert time.monotonic() < deadline, f"query {query_id} never showed up as running"
        time.sleep(0.05)


class InThread:
    """``call()`` run in a thread: ``done`` is set when it returns; ``result`` or ``error``."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()

        def work() -> None:
            try:
                self.result = call()
            except BaseException as exc:  # handed to the test
                self.error = exc
            finally:
                self.done.set()

        self.thread = threading.Thread(target=work, daemon=True)
        self.thread.start()

    def wait(self, timeout: float = 60) -> Any:
        assert self.done.wait(timeout), "the call did not return"
        if self.error is not None:
            raise self.error
        return self.result
