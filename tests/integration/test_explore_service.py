"""ExploreService over a real metadata store (SQLite and PostgreSQL): asking records turns,
conversations per user and workspace, feedback and verified examples, per-tenant limits and the
audit log of AI calls.

The answer function is the service's injection seam (the server installs the real answerer
there); these tests give it a plain function returning an answer's JSON, as an answerer would.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.ai_limits import AiLimitSettings
from app.principal import Principal
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound, Throttled
from app.services.explore import (
    AnswererMissing,
    ExploreService,
    Question,
    answerer_not_installed,
)
from app.services.explore.answering import MAX_STORED_ROWS
from app.services.explore.limits import month_start
from app.store.models import AiCall, utcnow
from tests.integration.conftest import Store

QUERY = {"measures": ["orders.amount"], "dimensions": ["orders.customer"]}
NO_LIMITS = AiLimitSettings(rate_per_minute=0, monthly_token_budget=0)


def answer_json(kind: str = "semantic", rows: int = 2, **extra: Any) -> dict[str, Any]:
    """An answer in the shape of pipelines.ai Answer.as_json()."""
    return {
        "kind": kind,
        "semantic_query": QUERY if kind == "semantic" else None,
        "sql": "SELECT 1" if kind == "sql" else None,
        "columns": [{"name": "orders.customer", "label": "Customer", "type": "text"}],
        "rows": [[f"c{i}", i] for i in range(rows)],
        "truncated": False,
        "chart_suggestion": {"kind": "bar", "x": "orders.customer", "y": ["orders.amount"]},
        "explanation": "Sum of Amount by Customer",
        "choices": [],
        "provider": "anthropic",
        "model": "claude-test",
        "usage": {"input_tokens": 120, "output_tokens": 30},
        "timings": {"llm_ms": 5.0},
        **extra,
    }


@dataclass
class Answerer:
    """Answers every question with ``reply`` and keeps what it was asked."""

    reply: dict[str, Any] = field(default_factory=answer_json)
    asked: list[Question] = field(default_factory=list)

    def __call__(self, question: Question) -> Mapping[str, Any]:
        self.asked.append(question)
        return self.reply


@dataclass
class Tenant:
    store: Store
    admin: Principal
    editor: Principal
    viewer: Principal
    workspace: uuid.UUID

    def explore(
        self, principal: Principal | None = None, limits: AiLimitSettings = NO_LIMITS
    ) -> ExploreService:
        return ExploreService(self.store.db, principal or self.admin, limits)


def make_tenant(store: Store, name: str) -> Tenant:
    admin = store.register(name, organisation=f"{name} Org")
    editor, _ = store.add_member(admin, "editor")
    viewer, _ = store.add_member(admin, "viewer")
    workspace = store.workspaces(admin).create(f"{name} sales")
    return Tenant(store, admin, editor, viewer, uuid.UUID(str(workspace.id)))


@pytest.fixture
def acme(store: Store) -> Tenant:
    return make_tenant(store, "Acme")


@pytest.fixture
def other(store: Store) -> Tenant:
    return make_tenant(store, "Other")


@pytest.fixture
def answerer() -> Iterator[Answerer]:
    yield Answerer()


def calls(store: Store, tenant: Tenant) -> list[AiCall]:
    with store.db.transaction() as session:
        return list(
            session.scalars(
                select(AiCall).where(AiCall.tenant_id == tenant.admin.tenant_id).order_by(AiCall.at)
            )
        )


# -- asking and conversations ------------------------------------------------------------------
def test_a_question_starts_a_conversation_with_the_question_and_its_answer(
    acme: Tenant, answerer: Answerer
) -> None:
    explore = acme.explore()

    result = explore.ask(acme.workspace, "  Revenue by customer?  ", answerer)

    assert result["kind"] == "semantic" and result["rows"] == [["c0", 0], ["c1", 1]]
    (listed,) = explore.conversations(acme.workspace)
    assert (listed["id"], listed["title"]) == (result["conversation_id"], "Revenue by customer?")
    messages = explore.conversation(acme.workspace, listed["id"])["messages"]
    assert [(m["role"], m["question"], m["kind"]) for m in messages] == [
        ("user", "Revenue by customer?", None),
        ("assistant", "Revenue by customer?", "semantic"),
    ]
    assert messages[1]["id"] == result["message_id"]
    assert messages[1]["answer"]["semantic_query"] == QUERY


def test_a_follow_up_is_answered_with_the_earlier_turns(acme: Tenant, answerer: Answerer) -> None:
    explore = acme.explore()
    first = explore.ask(acme.workspace, "Revenue by customer", answerer)
    answerer.reply = answer_json("clarify", rows=0, explanation="Which year?", choices=["2024"])
    explore.ask(acme.workspace, "only 2024", answerer, first["conversation_id"])

    explore.ask(acme.workspace, "as a bar chart", answerer, first["conversation_id"])

    assert answerer.asked[0].history == []
    history = answerer.asked[2].history
    assert [(t["question"], t["kind"]) for t in history] == [
        ("Revenue by customer", "semantic"),
        ("only 2024", "clarify"),
    ]
    assert history[0]["semantic_query"] == QUERY and history[0]["chart"] == "bar"
    assert (history[1]["text"], history[1]["choices"]) == ("Which year?", ("2024",))
    assert len(explore.conversations(acme.workspace)) == 1


def test_a_stored_answer_keeps_at_most_the_row_cap(acme: Tenant, answerer: Answerer) -> None:
    answerer.reply = answer_json(rows=MAX_STORED_ROWS + 50)
    explore = acme.explore()

    result = explore.ask(acme.workspace, "All customers", answerer)

    assert len(result["rows"]) == MAX_STORED_ROWS + 50 and result["truncated"] is False
    stored = explore.conversation(acme.workspace, result["conversation_id"])["messages"][1]
    assert len(stored["answer"]["rows"]) == MAX_STORED_ROWS
    assert stored["answer"]["truncated"] is True


def test_viewers_ask_questions(acme: Tenant, answerer: Answerer) -> None:
    result = acme.explore(acme.viewer).ask(acme.workspace, "Revenue", answerer)
    assert result["kind"] == "semantic"
    assert answerer.asked[0].principal == acme.viewer


def test_conversations_are_their_owners_only(acme: Tenant, answerer: Answerer) -> None:
    mine = acme.explore(acme.editor).ask(acme.workspace, "Secret margin", answerer)
    colleague = acme.explore(acme.viewer)
    cid = mine["conversation_id"]

    assert colleague.conversations(acme.workspace) == []
    with pytest.raises(NotFound):
        colleague.conversation(acme.workspace, cid)
    with pytest.raises(NotFound):
        colleague.ask(acme.workspace, "and by month", answerer, cid)
    with pytest.raises(NotFound):
        colleague.delete_conversation(acme.workspace, cid)
    with pytest.raises(NotFound):
        colleague.feedback(acme.workspace, mine["message_id"], 1)
    assert len(acme.explore(acme.editor).conversation(acme.workspace, cid)["messages"]) == 2


def test_another_tenant_sees_nothing_and_changes_nothing(
    acme: Tenant, other: Tenant, answerer: Answerer
) -> None:
    mine = acme.explore().ask(acme.workspace, "Payroll", answerer)
    example = acme.explore().add_example(acme.workspace, "Payroll total", QUERY)
    stranger = other.explore()
    attempts = [
        lambda: stranger.conversations(acme.workspace),
        lambda: stranger.conversation(acme.workspace, mine["conversation_id"]),
        lambda: stranger.conversation(other.workspace, mine["conversation_id"]),
        lambda: stranger.delete_conversation(other.workspace, mine["conversation_id"]),
        lambda: stranger.ask(acme.workspace, "Payroll", answerer),
        lambda: stranger.ask(other.workspace, "x", answerer, mine["conversation_id"]),
        lambda: stranger.feedback(other.workspace, mine["message_id"], 1),
        lambda: stranger.examples(acme.workspace),
        lambda: stranger.add_example(acme.workspace, "Mine now", QUERY),
        lambda: stranger.update_example(other.workspace, example["id"], "Mine", QUERY),
        lambda: stranger.delete_example(other.workspace, example["id"]),
        lambda: stranger.audit(acme.workspace, "x"),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()

    assert len(answerer.asked) == 1
    assert stranger.examples(other.workspace) == []
    owner = acme.explore()
    assert [e["question"] for e in owner.examples(acme.workspace)] == ["Payroll total"]
    assert len(owner.conversation(acme.workspace, mine["conversation_id"])["messages"]) == 2


def test_deleting_a_conversation_removes_its_messages_but_keeps_examples(
    acme: Tenant, answerer: Answerer
) -> None:
    explore = acme.explore()
    result = explore.ask(acme.workspace, "Revenue by customer", answerer)
    explore.feedback(acme.workspace, result["message_id"], 1)

    explore.delete_conversation(acme.workspace, result["conversation_id"])

    assert explore.conversations(acme.workspace) == []
    with pytest.raises(NotFound):
        explore.conversation(acme.workspace, result["conversation_id"])
    with pytest.raises(NotFound):
        explore.feedback(acme.workspace, result["message_id"], -1)
    assert [e["question"] for e in explore.examples(acme.workspace)] == ["Revenue by customer"]


def test_an_empty_or_too_long_question_is_refused_before_asking(
    acme: Tenant, answerer: Answerer
) -> None:
    for text in ("   ", "x" * 2001):
        with pytest.raises(InvalidInput) as caught:
            acme.explore().ask(acme.workspace, text, answerer)
        assert caught.value.field == "question"
    assert answerer.asked == [] and calls(acme.store, acme) == []


# -- feedback and verified examples --------------------------------------------------------------
def test_thumbs_up_saves_a_verified_example_used_by_later_questions(
    acme: Tenant, answerer: Answerer
) -> None:
    explore = acme.explore(acme.editor)
    result = explore.ask(acme.workspace, "Revenue by customer", answerer)

    saved = explore.feedback(acme.workspace, result["message_id"], 1)
    explore.ask(acme.workspace, "Revenue per client", answerer)

    (example,) = explore.examples(acme.workspace)
    assert saved["example_id"] == example["id"] and saved["note"] is None
    assert (example["question"], example["semantic_query"]["measures"]) == (
        "Revenue by customer",
        ["orders.amount"],
    )
    assert answerer.asked[1].examples == [
        {"question": "Revenue by customer", "query": example["semantic_query"]}
    ]
    messages = explore.conversation(acme.workspace, result["conversation_id"])["messages"]
    assert messages[1]["feedback"] == 1


def test_thumbs_up_on_the_same_question_replaces_the_examples_query(
    acme: Tenant, answerer: Answerer
) -> None:
    explore = acme.explore()
    first = explore.ask(acme.workspace, "Top customers", answerer)
    explore.feedback(acme.workspace, first["message_id"], 1)
    better = {"measures": ["orders.amount"], "dimensions": ["orders.customer"], "limit": 5}
    answerer.reply = answer_json(semantic_query=better)
    second = explore.ask(acme.workspace, "top customers", answerer)

    explore.feedback(acme.workspace, second["message_id"], 1)

    (example,) = explore.examples(acme.workspace)
    assert example["semantic_query"]["limit"] == 5


def test_thumbs_down_records_feedback_without_an_example(acme: Tenant, answerer: Answerer) -> None:
    explore = acme.explore()
    result = explore.ask(acme.workspace, "Revenue", answerer)

    down = explore.feedback(acme.workspace, result["message_id"], -1)

    assert (down["feedback"], down["example_id"]) == (-1, None)
    assert explore.examples(acme.workspace) == []
    messages = explore.conversation(acme.workspace, result["conversation_id"])["messages"]
    assert messages[1]["feedback"] == -1


def test_a_viewers_thumbs_up_is_recorded_but_makes_no_example(
    acme: Tenant, answerer: Answerer
) -> None:
    explore = acme.explore(acme.viewer)
    result = explore.ask(acme.workspace, "Revenue", answerer)

    up = explore.feedback(acme.workspace, result["message_id"], 1)

    assert up["example_id"] is None and "editors and admins" in up["note"]
    assert explore.examples(acme.workspace) == []


def test_thumbs_up_on_an_sql_answer_makes_no_example(acme: Tenant, answerer: Answerer) -> None:
    answerer.reply = answer_json("sql")
    explore = acme.explore()
    result = explore.ask(acme.workspace, "Median order", answerer)

    up = explore.feedback(acme.workspace, result["message_id"], 1)

    assert up["example_id"] is None and "semantic query" in up["note"]


def test_feedback_is_one_or_minus_one_on_an_answer(acme: Tenant, answerer: Answerer) -> None:
    explore = acme.explore()
    result = explore.ask(acme.workspace, "Revenue", answerer)
    with pytest.raises(InvalidInput):
        explore.feedback(acme.workspace, result["message_id"], 0)
    question_id = explore.conversation(acme.workspace, result["conversation_id"])["messages"][0]
    with pytest.raises(NotFound):
        explore.feedback(acme.workspace, question_id["id"], 1)


def test_examples_are_written_by_editors_and_read_by_everyone(acme: Tenant) -> None:
    editor, viewer = acme.explore(acme.editor), acme.explore(acme.viewer)

    added = editor.add_example(acme.workspace, "Revenue by customer", QUERY)
    changed = editor.update_example(
        acme.workspace, added["id"], "Revenue per customer", {**QUERY, "limit": 3}
    )

    assert viewer.examples(acme.workspace) == [changed]
    assert changed["semantic_query"]["limit"] == 3
    for write in (
        lambda: viewer.add_example(acme.workspace, "Mine", QUERY),
        lambda: viewer.update_example(acme.workspace, added["id"], "Mine", QUERY),
        lambda: viewer.delete_example(acme.workspace, added["id"]),
    ):
        with pytest.raises(Forbidden):
            write()
    editor.delete_example(acme.workspace, added["id"])
    assert viewer.examples(acme.workspace) == []


def test_an_example_question_is_unique_in_its_workspace(acme: Tenant) -> None:
    explore = acme.explore()
    explore.add_example(acme.workspace, "Revenue by customer", QUERY)
    other = explore.add_example(acme.workspace, "Orders by month", QUERY)

    with pytest.raises(Conflict):
        explore.add_example(acme.workspace, "REVENUE by customer", QUERY)
    with pytest.raises(Conflict):
        explore.update_example(acme.workspace, other["id"], "revenue BY customer", QUERY)
    assert len(explore.examples(acme.workspace)) == 2


def test_an_example_needs_a_valid_semantic_query(acme: Tenant) -> None:
    explore = acme.explore()
    with pytest.raises(InvalidInput) as caught:
        explore.add_example(acme.workspace, "Revenue", {"measures": "orders.amount", "x": 1})
    assert caught.value.field is not None and caught.value.field.startswith("semantic_query")
    with pytest.raises(InvalidInput, match="at least one measure or dimension"):
        explore.add_example(acme.workspace, "Revenue", {})
    assert explore.examples(acme.workspace) == []


# -- limits and the audit log ---------------------------------------------------------------------
def test_every_question_is_audited_with_provider_model_and_tokens(
    acme: Tenant, answerer: Answerer
) -> None:
    acme.explore(acme.viewer).ask(acme.workspace, "Revenue   by\ncustomer", answerer)

    (call,) = calls(acme.store, acme)
    assert (call.user_id, call.workspace_id) == (acme.viewer.user_id, acme.workspace)
    assert (call.provider, call.model, call.input_tokens, call.output_tokens) == (
        "anthropic",
        "claude-test",
        120,
        30,
    )
    assert (call.question, call.outcome, call.error) == ("Revenue by customer", "semantic", None)


def test_a_failing_answerer_is_audited_with_its_error_kind_only(acme: Tenant) -> None:
    def broken(question: Question) -> Mapping[str, Any]:
        raise RuntimeError("provider said: invalid key sk-secret-123")

    with pytest.raises(RuntimeError):
        acme.explore().ask(acme.workspace, "Revenue", broken)

    (call,) = calls(acme.store, acme)
    assert (call.outcome, call.error) == (None, "RuntimeError")
    assert "sk-secret" not in repr(vars(call))
    assert acme.explore().conversations(acme.workspace) == []


def test_without_an_answerer_the_question_is_refused_with_503(acme: Tenant) -> None:
    with pytest.raises(AnswererMissing) as caught:
        acme.explore().ask(acme.workspace, "Revenue", answerer_not_installed)
    assert caught.value.status == 503
    assert "answerer is not installed" in str(caught.value)


def test_past_the_rate_a_question_is_refused_with_429_and_not_asked(
    acme: Tenant, other: Tenant, answerer: Answerer
) -> None:
    limits = AiLimitSettings(rate_per_minute=2, monthly_token_budget=0)
    acme.explore(acme.viewer, limits).ask(acme.workspace, "one", answerer)
    acme.explore(acme.editor, limits).ask(acme.workspace, "two", answerer)

    with pytest.raises(Throttled) as caught:
        acme.explore(acme.admin, limits).ask(acme.workspace, "three", answerer)

    assert caught.value.status == 429
    assert "2 questions in the last minute" in str(caught.value)
    assert "rate_per_minute" in str(caught.value)
    assert 1 <= caught.value.retry_after <= 60
    assert [q.text for q in answerer.asked] == ["one", "two"]
    assert len(calls(acme.store, acme)) == 2
    other.explore(other.admin, limits).ask(other.workspace, "unaffected", answerer)


def test_questions_asked_at_once_never_pass_the_rate_together(acme: Tenant) -> None:
    """Eight questions at the same moment with a rate of three: exactly three are answered
    (each checks the limit only once the ones before it are recorded)."""
    limits = AiLimitSettings(rate_per_minute=3, monthly_token_budget=0)
    start = threading.Barrier(8)
    answerer = Answerer()

    def ask(i: int) -> str:
        explore = acme.explore(acme.editor, limits)
        start.wait()
        try:
            explore.ask(acme.workspace, f"question {i}", answerer)
        except Throttled:
            return "refused"
        return "answered"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(ask, range(8)))

    assert outcomes.count("answered") == 3
    assert len(answerer.asked) == 3
    assert len(calls(acme.store, acme)) == 3


def test_past_the_monthly_budget_a_question_is_refused_until_next_month(
    acme: Tenant, answerer: Answerer
) -> None:
    limits = AiLimitSettings(rate_per_minute=0, monthly_token_budget=1000)
    explore = acme.explore(acme.admin, limits)
    with acme.store.db.transaction() as session:  # last month's spending does not count
        session.add(
            AiCall(
                tenant_id=acme.admin.tenant_id,
                question="old",
                at=month_start(utcnow()) - timedelta(seconds=1),
                input_tokens=10_000,
            )
        )
    explore.ask(acme.workspace, "fine", answerer)
    explore.audit(acme.workspace, "summary", provider="openai", input_tokens=800, output_tokens=60)

    with pytest.raises(Throttled) as caught:
        explore.ask(acme.workspace, "over", answerer)

    assert "1,010 of 1,000 tokens" in str(caught.value)
    assert "monthly_token_budget" in str(caught.value)
    assert caught.value.retry_after >= 1
    assert [q.text for q in answerer.asked] == ["fine"]


def test_check_limits_passes_under_the_limits(acme: Tenant) -> None:
    limits = AiLimitSettings(rate_per_minute=1, monthly_token_budget=10)
    acme.explore(acme.admin, limits).check_limits()
    acme.explore(acme.admin, limits).audit(acme.workspace, "x", input_tokens=10)
    with pytest.raises(Throttled):
        acme.explore(acme.admin, limits).check_limits()


def test_the_audit_log_is_read_by_admins_of_its_tenant_only(
    acme: Tenant, other: Tenant, answerer: Answerer
) -> None:
    acme.explore(acme.viewer).ask(acme.workspace, "Revenue", answerer)

    (entry,) = acme.explore().calls()
    assert (entry["question"], entry["user_id"]) == ("Revenue", str(acme.viewer.user_id))
    assert other.explore().calls() == []
    with pytest.raises(Forbidden):
        acme.explore(acme.editor).calls()
