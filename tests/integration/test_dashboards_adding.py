"""Adding a saved SQL query or an Explore answer to a dashboard, through DashboardService over a
real metadata store (SQLite and PostgreSQL), real sources and the real query runner."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from app.principal import Principal
from app.services.dashboards import DashboardService, StaleDashboard
from app.services.errors import Forbidden, InvalidInput, NotFound
from app.services.explore import ExploreService, Question
from app.services.sql.service import SqlService
from tests.integration import test_dashboards_service as base
from tests.integration.test_dashboards_service import Bench

# The service tests' fixtures: a workspace (bench) with the sources loaded and the model saved.
bench = base.bench
loaded = base.loaded

QUESTION = "Revenue by country"
SEMANTIC = {"measures": ["orders.amount"], "dimensions": ["customers.country"]}
STATUS_SQL = "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status"


def answer(kind: str = "semantic", **extra: Any) -> dict[str, Any]:
    """An answer in the shape of pipelines.ai Answer.as_json()."""
    return {
        "kind": kind,
        "semantic_query": SEMANTIC if kind == "semantic" else None,
        "sql": STATUS_SQL if kind == "sql" else None,
        "columns": [],
        "rows": [],
        "chart_suggestion": {
            "kind": "bar",
            "x": "customers.country",
            "y": ["orders.amount"],
            "horizontal": True,
        },
        "explanation": "",
        "choices": [],
        **extra,
    }


def ask(bench: Bench, principal: Principal, reply: dict[str, Any], question: str = QUESTION) -> str:
    """Record ``question`` answered by ``reply`` in a conversation; the answer's message id."""

    def answerer(_question: Question) -> Mapping[str, Any]:
        return reply

    explore = ExploreService(bench.store.db, principal, bench.store.settings.ai.limits)
    return str(explore.ask(bench.workspace_id, question, answerer)["message_id"])


def save_query(bench: Bench, chart: dict[str, Any] | None) -> str:
    sql = SqlService(
        bench.store.db, bench.files, bench.runner, bench.store.settings.sql, bench.admin
    )
    return str(
        sql.save_query(bench.workspace_id, "Orders by status", STATUS_SQL, chart=chart)["id"]
    )


def test_a_semantic_answer_becomes_a_semantic_widget_that_evaluates(loaded: Bench) -> None:
    service = loaded.service()
    message_id = ask(loaded, loaded.admin, answer())

    added = service.add_answer(loaded.workspace_id, message_id, new_dashboard_name="Sales")

    info = service.get(loaded.workspace_id, added.dashboard_id)
    assert (info.name, info.version, added.version, added.created) == ("Sales", 1, 1, True)
    widget = info.document.widget(added.widget_id)
    assert (widget.kind, widget.title) == ("hbar", QUESTION)
    assert widget.query is not None and widget.query.source == "semantic"
    assert widget.query.semantic is not None
    assert widget.query.semantic.model_dump(include={"measures", "dimensions"}) == SEMANTIC
    assert widget.query.answer_id == message_id
    assert (widget.chart.x, widget.chart.y) == ("customers.country", ["orders.amount"])
    data = service.data(loaded.workspace_id, added.dashboard_id).widgets[added.widget_id]
    assert data.status == "ok" and sorted(r[0] for r in data.rows) == ["DE", "ES", "FR"]


def test_a_saved_query_goes_below_every_tile_as_the_next_version(loaded: Bench) -> None:
    service = loaded.service()
    saved_id = save_query(loaded, {"kind": "pie", "x": "status", "y": ["n"]})
    sql_answer = ask(loaded, loaded.admin, answer("sql"))
    first = service.add_answer(loaded.workspace_id, sql_answer, new_dashboard_name="Ops")

    added = service.add_saved_query(loaded.workspace_id, saved_id, dashboard_id=first.dashboard_id)

    info = service.get(loaded.workspace_id, first.dashboard_id)
    assert (added.version, info.version, added.created) == (2, 2, False)
    old, new = info.document.widgets
    assert old.query is not None and (old.query.source, old.query.sql) == ("sql", STATUS_SQL)
    assert new.id == added.widget_id and (new.kind, new.title) == ("pie", "Orders by status")
    assert new.query is not None and new.query.saved_query_id == saved_id
    assert (new.query.source, new.query.sql) == ("sql", STATUS_SQL)
    assert (new.chart.x, new.chart.y) == ("status", ["n"])
    assert new.position.y == old.position.y + old.position.h and new.position.x == 0
    data = service.data(loaded.workspace_id, info.id).widgets[new.id]
    assert data.status == "ok" and [r[0] for r in data.rows] == ["open", "paid", "refunded"]


class RacedService(DashboardService):
    """A service whose saves lose the race ``races`` times: someone renames the dashboard just
    before each of its saves."""

    races = 1

    def update(self, workspace_id: Any, dashboard_id: Any, expected_version: int, **parts: Any):  # type: ignore[no-untyped-def]
        if self.races and "document" in parts:
            self.races -= 1
            other = DashboardService(
                self.db, self.files, self.runner, self.engines, self.settings, self.principal
            )
            other.update(workspace_id, dashboard_id, expected_version, name=f"Renamed {self.races}")
        return super().update(workspace_id, dashboard_id, expected_version, **parts)


def raced(bench: Bench, races: int) -> RacedService:
    service = RacedService(
        bench.store.db,
        bench.files,
        bench.runner,
        bench.engines,
        bench.store.settings.sql,
        bench.admin,
    )
    service.races = races
    return service


def test_a_save_in_between_is_retried_once_onto_the_new_version(loaded: Bench) -> None:
    made = loaded.service().create(loaded.workspace_id, "Sales")
    message_id = ask(loaded, loaded.admin, answer())

    added = raced(loaded, 1).add_answer(loaded.workspace_id, message_id, dashboard_id=made.id)

    info = loaded.service().get(loaded.workspace_id, made.id)
    assert (added.version, info.version, info.name) == (3, 3, "Renamed 0")
    assert [w.id for w in info.document.widgets] == [added.widget_id]


def test_a_second_save_in_between_is_a_conflict_and_adds_nothing(loaded: Bench) -> None:
    made = loaded.service().create(loaded.workspace_id, "Sales")
    message_id = ask(loaded, loaded.admin, answer())

    with pytest.raises(StaleDashboard) as stale:
        raced(loaded, 2).add_answer(loaded.workspace_id, message_id, dashboard_id=made.id)

    info = loaded.service().get(loaded.workspace_id, made.id)
    assert stale.value.status == 409 and stale.value.current == info.version == 3
    assert info.document.widgets == []


def test_viewers_add_nothing(loaded: Bench) -> None:
    made = loaded.service().create(loaded.workspace_id, "Sales")
    message_id = ask(loaded, loaded.viewer, answer())
    viewer = loaded.service(loaded.viewer)
    with pytest.raises(Forbidden):
        viewer.add_answer(loaded.workspace_id, message_id, dashboard_id=made.id)
    with pytest.raises(Forbidden):
        viewer.add_answer(loaded.workspace_id, message_id, new_dashboard_name="Mine")
    assert [d.name for d in loaded.service().list(loaded.workspace_id)] == ["Sales"]
    assert loaded.service().get(loaded.workspace_id, made.id).version == 1


def test_refusals_name_the_problem(loaded: Bench) -> None:
    service = loaded.service()
    made = service.create(loaded.workspace_id, "Sales")
    clarify = ask(loaded, loaded.admin, answer("clarify", semantic_query=None))
    with pytest.raises(InvalidInput, match="Only an answer with a query"):
        service.add_answer(loaded.workspace_id, clarify, dashboard_id=made.id)
    good = ask(loaded, loaded.admin, answer())
    with pytest.raises(InvalidInput, match="Choose a dashboard, or name a new one"):
        service.add_answer(loaded.workspace_id, good, made.id, new_dashboard_name="Other")
    with pytest.raises(InvalidInput, match="Choose a dashboard, or name a new one"):
        service.add_answer(loaded.workspace_id, good)
    with pytest.raises(NotFound, match="No such dashboard"):
        service.add_answer(loaded.workspace_id, good, dashboard_id=uuid.uuid4())
    with pytest.raises(NotFound, match="No such saved query"):
        service.add_saved_query(loaded.workspace_id, uuid.uuid4(), dashboard_id=made.id)
    assert service.get(loaded.workspace_id, made.id).version == 1


def test_someone_elses_answer_is_not_found(loaded: Bench) -> None:
    editor, _password = loaded.store.add_member(loaded.admin, "editor")
    theirs = ask(loaded, editor, answer())
    with pytest.raises(NotFound, match="No such answer of yours"):
        loaded.service().add_answer(loaded.workspace_id, theirs, new_dashboard_name="Sales")
    assert loaded.service().list(loaded.workspace_id) == []
