"""Helpers for Explore's REST tests: URLs, and conversations seeded through the server's store.

Conversations to read, continue, rate or delete over HTTP are recorded with
:class:`ExploreService` on the server's own metadata store, answered by a plain function in the
answerer's JSON shape (so these tests do not depend on what the real answerer says).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.services.explore import ExploreService, Question
from tests.integration.conftest import API, ApiUser, Store

QUERY = {"measures": ["orders.amount"], "dimensions": ["orders.customer"]}


def ai_url(workspace_id: str, rest: str = "") -> str:
    return f"{API}/workspaces/{workspace_id}/ai{rest}"


def answer_json(question: Question) -> Mapping[str, Any]:
    """What an answerer returns for a question answered by :data:`QUERY`."""
    return {
        "kind": "semantic",
        "semantic_query": QUERY,
        "sql": None,
        "columns": [
            {"name": "orders.customer", "label": "Customer", "type": "text", "role": "dimension"},
            {"name": "orders.amount", "label": "Amount", "type": "decimal", "role": "measure"},
        ],
        "rows": [["Ada", 120.5], ["Grace", 80.0]],
        "truncated": False,
        "chart_suggestion": {"kind": "bar", "x": "orders.customer", "y": ["orders.amount"]},
        "explanation": "Sum of Amount by Customer",
        "summary": "Ada leads.",
        "choices": [],
        "provider": "offline",
        "model": "",
        "usage": {"input_tokens": 0, "output_tokens": 0},
        "timings": {"llm_ms": 0.0, "query_ms": 2.5},
    }


def seed_turn(
    store: Store,
    user: ApiUser,
    workspace_id: str,
    question: str = "Revenue by customer",
    conversation_id: str | None = None,
) -> dict[str, Any]:
    """Ask ``question`` as ``user`` through the service on the server's store."""
    principal = store.accounts.principal_from_access_token(user.access_token)
    service = ExploreService(store.db, principal, store.settings.ai.limits)
    return service.ask(workspace_id, question, answer_json, conversation_id)
