"""A dashboard over model tables that live in a database (PostgreSQL, MariaDB): its widgets, a
KPI and a values filter's choices are answered where the tables are, through the model service,
with the dashboard's filters applied; a widget mixing a database table and an uploaded file
says why it cannot be answered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.services.dashboards.service import DashboardService
from pipelines.query import QueryRunner, SandboxLimits
from pipelines.semantic.engines import EngineCache
from tests.integration.live_databases import AIRLINES, flights
from tests.integration.model_connections_data import TARGETS_CSV, distance_by_airline
from tests.integration.test_model_connections import Bench, bench, upload

__all__ = ["bench"]  # the fixture, shared with the model's own tests


def _semantic(widget_id: str, kind: str, **query: Any) -> dict[str, Any]:
    return {"id": widget_id, "kind": kind, "title": widget_id,
            "query": {"source": "semantic", "semantic": query}}  # fmt: skip


@pytest.fixture
def dashboards(bench: Bench) -> Iterator[DashboardService]:
    runner = QueryRunner(SandboxLimits(), per_tenant=2, cache_mb=16, workers=2)
    engines = EngineCache()
    yield DashboardService(
        bench.store.db, bench.files, runner, engines, bench.store.settings.sql, bench.admin,
        connections=bench.connections.service(bench.admin),
    )  # fmt: skip
    runner.close()
    engines.close()


def test_a_dashboard_on_database_tables_is_answered_in_the_database(
    bench: Bench, dashboards: DashboardService
) -> None:
    bench.models().save(bench.workspace_id, bench.model(), 0)
    carrier, name = AIRLINES[0]
    document = {
        "widgets": [
            _semantic(
                "by_airline", "bar", measures=["flights.distance"], dimensions=["airlines.name"]
            ),
            _semantic("total", "kpi", measures=["flights.distance"]),
        ],
        "filters": [{"id": "airline", "kind": "values", "field": "airlines.name"}],
    }
    made = dashboards.create(bench.workspace_id, "Flights", document=document)

    data = dashboards.data(bench.workspace_id, made.id)
    widgets = {k: v.as_json() for k, v in data.widgets.items()}
    assert widgets["by_airline"]["status"] == "ok", widgets["by_airline"]["error"]
    assert {r[0]: r[1] for r in widgets["by_airline"]["rows"]} == distance_by_airline()
    assert widgets["total"]["kpi"]["value"] == sum(r["distance"] for r in flights())

    filtered = dashboards.data(bench.workspace_id, made.id, filters={"airline": [name]})
    chosen = filtered.widgets["by_airline"].as_json()
    assert chosen["applied"] == ["airline"]
    assert [r[0] for r in chosen["rows"]] == [name]
    assert filtered.widgets["total"].as_json()["kpi"]["value"] == sum(
        r["distance"] for r in flights() if r["carrier"] == carrier
    )
    choices = dashboards.filter_values(bench.workspace_id, "airlines.name")
    assert sorted(choices) == sorted(n for _, n in AIRLINES)


def test_a_widget_mixing_a_database_table_and_a_file_says_why(
    bench: Bench, dashboards: DashboardService
) -> None:
    targets = upload(bench, "targets.csv", TARGETS_CSV)
    bench.models().save(bench.workspace_id, bench.model(str(targets.id)), 0)
    document = {
        "widgets": [
            _semantic(
                "mixed",
                "table",
                measures=["flights.distance", "targets.target"],
                dimensions=["airlines.name"],
            ),
        ]
    }
    made = dashboards.create(bench.workspace_id, "Mixed", document=document)

    mixed = dashboards.data(bench.workspace_id, made.id).widgets["mixed"].as_json()
    assert mixed["status"] == "error"
    assert "import a snapshot" in mixed["error"] and "uploaded file" in mixed["error"]
