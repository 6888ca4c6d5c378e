"""The Explore page's state logic without a browser: what it says about answers and failures,
the SQL handoff to the SQL page, and the offline chat's icons."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import panel as pn
import pytest

from app.errors import Throttled
from app.pages.background import in_session
from app.pages.explore import wording
from app.pages.explore.answer import AnswerView
from app.pages.explore.chat import ExplorePage
from app.pages.sql.handoff import SqlHandoffs, sql_page_url
from app.principal import Principal
from app.services.errors import Conflict
from app.services.explore.answerer import ProviderFailed
from app.services.workspaces import WorkspaceInfo
from components.dashboards.add_form import AddToDashboardForm
from components.explore.chat import ICONS, OfflineChatInterface
from components.navigate import is_local_path
from pipelines.ai.errors import ProviderError
from pipelines.semantic.model import NumberFormat

ANSWER = {
    "kind": "semantic",
    "semantic_query": {"measures": ["orders.count"], "dimensions": ["orders.customer"]},
    "sql": "SELECT customer, count(*) FROM orders GROUP BY 1",
    "columns": [
        {"name": "orders.customer", "label": "Customer", "type": "text", "role": "dimension"},
        {"name": "orders.count", "label": "Number of orders", "type": "integer", "role": "measure"},
    ],
    "rows": [["Ada", 3], ["Bob", 1]],
    "truncated": False,
    "chart_suggestion": {"kind": "bar", "x": "orders.customer", "y": ["orders.count"]},
    "explanation": "Number of orders by customer.",
    "summary": "",
    "choices": [],
    "missing": [],
    "timings": {"context_ms": 2.0, "llm_ms": 0.0, "query_ms": 12.4, "chart_ms": 1.0},
}


def principal(user: uuid.UUID | None = None, tenant: uuid.UUID | None = None) -> Principal:
    return Principal(user or uuid.uuid4(), tenant or uuid.uuid4(), "viewer", "a@x.io", "A", "T")


def test_an_answer_with_rows_becomes_a_result_chart_and_columns() -> None:
    result = wording.answer_result(ANSWER)
    assert result.columns == ["orders.customer", "orders.count"]
    assert result.types == ["text", "integer"]
    assert result.page(1, 1, [("orders.count", "asc")])["rows"] == [["Bob", 1]]
    assert wording.chart_choice(ANSWER) == {
        "kind": "bar", "x": "orders.customer", "y": ["orders.count"], "series": None,
    }  # fmt: skip
    columns = wording.answer_columns(ANSWER)
    assert [(c.role, c.label) for c in columns] == [
        ("dimension", "Customer"),
        ("measure", "Number of orders"),
    ]
    assert wording.has_rows(ANSWER)
    assert not wording.has_rows({**ANSWER, "kind": "clarify"})


def test_steps_run_then_say_rows_and_time_or_that_nothing_ran() -> None:
    running = wording.steps_html(None)
    assert running.count("dp-step running") == 1 and "Understanding the question…" in running
    done = wording.steps_html(ANSWER)
    assert done.count("dp-step done") == 3 and "2 rows, 12 ms" in done
    declined = wording.steps_html({**ANSWER, "kind": "decline", "rows": []})
    assert "not answerable" in declined and declined.count("dp-step skipped") == 2
    assert "dp-step failed" in wording.steps_html(None, failed=True)


def test_explanation_and_query_are_escaped() -> None:
    hostile = {**ANSWER, "explanation": "<script>x</script>", "sql": "SELECT '<b>'"}
    assert "<script>" not in wording.explanation_html(hostile)
    assert "&lt;script&gt;" in wording.explanation_html(hostile)
    shown = wording.query_html(hostile)
    assert "SELECT &#x27;&lt;b&gt;&#x27;" in shown and "orders.count" in shown


def test_failures_say_what_happened_and_bugs_say_nothing_inside() -> None:
    limit = wording.describe_failure(Throttled("Your organisation asked 30 questions", 12))
    assert limit.kind == "limit" and "30 questions" in limit.message
    provider = wording.describe_failure(ProviderFailed(ProviderError("timeout", "Timed out")))
    assert provider.kind == "provider" and "Timed out" in provider.message
    assert "question is kept" in provider.message
    taken = wording.describe_failure(Conflict("A saved query named “x” already exists."))
    assert taken.kind == "input" and "already exists" in taken.message
    bug = wording.describe_failure(KeyError("internal detail"))
    assert bug.kind == "unexpected" and "internal detail" not in bug.message
    assert "role='alert'" in wording.failure_html(bug)


def test_feedback_notes_name_a_verified_example() -> None:
    saved = {"feedback": 1, "example_id": "e1", "note": None}
    assert wording.feedback_note(saved).startswith("Saved as a verified example")
    viewer = {"feedback": 1, "example_id": None, "note": "Only editors and admins …"}
    assert "Only editors" in wording.feedback_note(viewer)
    assert "not helpful" in wording.feedback_note({"feedback": -1, "example_id": None})


def test_a_stored_conversation_is_shown_as_question_answer_pairs() -> None:
    messages = [
        {"id": "u1", "role": "user", "question": "q1"},
        {"id": "a1", "role": "assistant", "question": "q1", "answer": ANSWER, "feedback": 1},
        {"id": "u2", "role": "user", "question": "q2"},
        {"id": "a2", "role": "assistant", "question": "q2", "answer": None, "feedback": None},
    ]
    pairs = wording.exchanges(messages)
    assert [(p.question, p.message_id, p.feedback) for p in pairs] == [
        ("q1", "a1", 1),
        ("q2", "a2", None),
    ]
    assert pairs[1].answer == {}
    assert wording.conversation_label({"title": "x" * 80}).endswith("…")
    assert wording.query_name("  revenue \n by month ") == "revenue by month"


def test_a_handoff_is_taken_once_by_its_user_in_its_workspace_only() -> None:
    handoffs = SqlHandoffs()
    owner, workspace = principal(), uuid.uuid4()
    token = handoffs.put(owner, workspace, "SELECT 1")
    assert sql_page_url(token) == f"/sql?handoff={token}"

    stranger = principal(tenant=owner.tenant_id)
    other_tenant = principal(user=owner.user_id)
    assert handoffs.take(stranger, workspace, token) is None
    assert handoffs.take(other_tenant, workspace, token) is None
    assert handoffs.take(owner, uuid.uuid4(), token) is None
    assert handoffs.take(owner, workspace, "guessed") is None
    assert handoffs.take(owner, workspace, token) == "SELECT 1"
    assert handoffs.take(owner, workspace, token) is None  # once


def test_old_handoffs_expire_and_the_store_stays_bounded() -> None:
    owner, workspace = principal(), uuid.uuid4()
    expired = SqlHandoffs(ttl=-1)
    token = expired.put(owner, workspace, "SELECT 1")
    assert expired.take(owner, workspace, token) is None
    small = SqlHandoffs(limit=2)
    first = small.put(owner, workspace, "SELECT 1")
    small.put(owner, workspace, "SELECT 2")
    small.put(owner, workspace, "SELECT 3")
    assert small.take(owner, workspace, first) is None
    with pytest.raises(ValueError):
        small.put(owner, workspace, "   ")


def test_navigation_only_follows_paths_of_this_site() -> None:
    assert is_local_path("/sql?handoff=abc")
    assert not is_local_path("//evil.example/x")
    assert not is_local_path("https://evil.example/")
    assert not is_local_path("/\\evil.example")


def test_the_chat_draws_every_icon_itself() -> None:
    chat = OfflineChatInterface(callback=lambda *a: None, user="Ada")
    chat.send("hello", respond=False)
    message = chat.objects[-1]
    assert message.edit_icon.icon.startswith("<svg") and not message.reaction_icons.options
    icons = [b.icon for b in chat._input_container.select(type(chat._buttons["send"]))]
    assert icons and all(str(i).startswith("<svg") for i in icons)
    assert all(svg.startswith("<svg") for svg in ICONS.values())


class Actions:
    """What an answer's buttons call, as plain functions (AnswerActions)."""

    def __init__(self, can_edit: bool) -> None:
        self.can_edit = can_edit
        self.forms: list[str] = []
        self.made: list[AddToDashboardForm] = []

    def ask(self, question: str) -> None: ...

    def open_sql(self, sql: str) -> None: ...

    def save_query(self, name: str, sql: str, chart: dict[str, Any] | None) -> str:
        return ""

    def give_feedback(self, message_id: str, value: int) -> str:
        return ""

    def dashboard_form(self, message_id: str) -> AddToDashboardForm:
        self.forms.append(message_id)
        self.made.append(
            AddToDashboardForm(list_dashboards=lambda: [{"id": "d1", "name": "Sales"}])
        )
        return self.made[-1]


def add_buttons(view: AnswerView) -> list[Any]:
    return [
        b
        for b in view.__panel__().select(pn.widgets.Button)
        if "dp-explore-add-dashboard" in b.css_classes
    ]


@pytest.mark.parametrize(
    ("kind", "can_edit", "message_id", "offered"),
    [
        ("semantic", True, "m1", True),
        ("sql", True, "m1", True),
        ("semantic", False, "m1", False),
        ("clarify", True, "m1", False),
        ("semantic", True, "", False),
    ],
)
def test_add_to_dashboard_is_offered_to_editors_on_answers_with_a_query(
    kind: str, can_edit: bool, message_id: str, offered: bool
) -> None:
    view = AnswerView(
        Actions(can_edit), question="q", answer={**ANSWER, "kind": kind}, message_id=message_id
    )
    assert bool(add_buttons(view)) is offered


def test_add_to_dashboard_opens_the_answers_form_once() -> None:
    actions = Actions(can_edit=True)
    view = AnswerView(actions, question="q", answer=ANSWER, message_id="m1")
    view._open_dashboard_form()
    view._open_dashboard_form()
    assert actions.forms == ["m1"]
    [form] = actions.made
    assert view._dashboard_holder.objects == [form.__panel__()]
    assert form.opened and form.dashboards == [{"id": "d1", "name": "Sales"}]


COMPARED = {
    **ANSWER,
    "columns": [
        {"name": "orders.day.month", "label": "Month", "type": "date", "role": "dimension"},
        {"name": "orders.amount", "label": "Amount", "type": "decimal", "role": "measure"},
        {"name": "orders.amount__previous_year", "label": "Amount (previous year)",
         "type": "decimal", "role": "measure"},
        {"name": "orders.amount__change_year", "label": "Amount change vs previous year",
         "type": "decimal", "role": "measure",
         "format": {"kind": "percent", "decimals": 1, "currency": None}},
    ],
    "rows": [["2024-01-01", 110.0, 100.0, 0.1], ["2024-02-01", 90.0, 100.0, -0.1]],
    "chart_suggestion": {"kind": "line", "x": "orders.day.month",
                         "y": ["orders.amount", "orders.amount__previous_year"]},
}  # fmt: skip


def test_a_comparisons_change_is_a_percent_in_the_answers_table() -> None:
    page = wording.table_fetch(COMPARED)(1, 25, [])

    change = page["columns"][3]
    assert change["format"] == NumberFormat(kind="percent", decimals=1)
    assert page["columns"][1]["role"] == "measure" and page["columns"][1]["format"] is None


def steps_shown(view: AnswerView) -> str:
    """The steps' HTML as the message shows it."""
    return str(view._steps.object)


def test_the_steps_show_the_step_the_answerer_says_is_running() -> None:
    view = AnswerView(Actions(can_edit=False), question="q")
    assert "dp-step running'><span class='dp-step-label'>Understanding" in steps_shown(view)

    in_session(view.show_step)("query", "attempt 2")

    shown = steps_shown(view)
    assert "dp-step done'><span class='dp-step-label'>Understanding the question<" in shown
    assert "dp-step running'><span class='dp-step-label'>Running the query…" in shown
    assert "attempt 2" in shown and shown.count("dp-step waiting") == 1
    view.fail(wording.Failure("No", "no", "provider"))
    view.show_step("result", "")
    assert "dp-step failed'><span class='dp-step-label'>Running the query" in steps_shown(view)


class AskingService:
    """Explore's service as the page uses it: ``ask`` reports the query step, notes what the
    asking message showed then, and answers."""

    def __init__(self) -> None:
        self.asking: AnswerView | None = None
        self.shown: list[str] = []

    def ask(self, workspace_id: Any, question: str, answer: Any, conversation_id: Any = None,
            on_step: Any = None) -> dict[str, Any]:  # fmt: skip
        assert self.asking is not None and on_step is not None
        on_step("query", "")
        self.shown.append(steps_shown(self.asking))
        return {**ANSWER, "conversation_id": "c1", "message_id": "m1"}

    def conversations(self, workspace_id: Any) -> list[dict[str, Any]]:
        return []

    def examples(self, workspace_id: Any) -> list[dict[str, Any]]:
        return []


class NoModels:
    def get(self, workspace_id: Any) -> Any:
        return SimpleNamespace(tables=[])

    def sources(self, workspace_id: Any) -> list[Any]:
        return []


def test_the_asking_message_shows_the_query_running_while_the_service_answers() -> None:
    service = AskingService()
    ctx = SimpleNamespace(
        explore=lambda p: service, models=lambda p: NoModels(), answer=lambda q: {}
    )
    state = SimpleNamespace(principal=principal(), ctx=ctx)
    now = datetime.now(UTC)
    page = ExplorePage(state, WorkspaceInfo(uuid.uuid4(), "Shop", "", now, now))  # type: ignore[arg-type]

    async def converse() -> list[Any]:
        replies = page._respond("How many orders?", "A", page.chat)
        asking = await anext(replies)
        service.asking = asking
        return [asking, *[reply async for reply in replies]]

    asking, answered = asyncio.run(converse())

    [shown] = service.shown
    assert "dp-step running'><span class='dp-step-label'>Running the query…" in shown
    assert "dp-step done'><span class='dp-step-label'>Understanding the question<" in shown
    assert answered is not asking and answered.answer["kind"] == "semantic"
    assert steps_shown(answered).count("dp-step done") == 3
