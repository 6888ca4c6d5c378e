"""The REST routes Tornado matches in order: a literal segment wins over a path parameter."""

from __future__ import annotations

import re
from typing import Any

from app.api.framework import Api, ApiRequest


def test_a_literal_route_goes_before_a_parameter_route_declared_earlier() -> None:
    api = Api()

    def handler(req: ApiRequest) -> dict[str, Any]:
        return {}

    api.operation("GET", "/api/v1/things/{thing_id}", "One thing")(handler)
    api.operation("POST", "/api/v1/things/widgets", "Add a widget")(handler)

    routes = api.routes(ctx=None)  # type: ignore[arg-type]  # the context only rides along

    first = next(
        pattern for pattern, _, _ in routes if re.fullmatch(pattern, "/api/v1/things/widgets")
    )
    assert "widgets" in first and "thing_id" not in first
    assert any(re.fullmatch(p, "/api/v1/things/abc") and "thing_id" in p for p, _, _ in routes)
