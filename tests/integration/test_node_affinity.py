"""One process (no ``server.node``) answers exactly as before: no node header, no node cookie."""

from __future__ import annotations

import httpx

from tests.conftest import RunningServer


def test_a_single_process_sends_no_node_header_or_cookie(server: RunningServer) -> None:
    for path in ("/login", "/health"):
        answer = httpx.get(f"{server.base_url}{path}")
        assert answer.status_code == 200
        assert "x-datapilot-node" not in answer.headers
        assert not any(c.startswith("dp_node=") for c in answer.headers.get_list("set-cookie"))
