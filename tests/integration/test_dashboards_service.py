"""DashboardService over a real metadata store (SQLite and PostgreSQL), real sources, the real
query runner: storing, versions, roles, and evaluating every widget."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.principal import Principal
from app.services.dashboards import DashboardService, StaleDashboard
from app.services.dashboards.evaluate import NO_MODEL
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.services.model import ModelService
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.service import SourceInfo, SourceService
from app.services.workspaces import WorkspaceService
from pipelines.query import QueryRunner, SandboxLimits
from pipelines.semantic import SemanticModel
from pipelines.semantic.engines import EngineCache
from tests.integration.conftest import Store, open_store
from tests.integration.dashboards_data import CSVS, DOCUMENT, Answers, model_document, where


@dataclass
class Bench:
    store: Store
    files: SourceFiles
    runner: QueryRunner
    engines: EngineCache
    admin: Principal
    viewer: Principal
    workspace_id: uuid.UUID

    def service(self, principal: Principal | None = None) -> DashboardService:
        return DashboardService(
            self.store.db,
            self.files,
            self.runner,
            self.engines,
            self.store.settings.sql,
            principal or self.admin,
        )


@pytest.fixture
def bench(database_url: str, tmp_path: Path) -> Iterator[Bench]:
    store = open_store(tmp_path, database_url)
    admin = store.register("Ada")
    viewer, _password = store.add_member(admin, "viewer")
    files = SourceFiles(store.settings.storage.data_dir)
    workspace = WorkspaceService(store.db, admin, files).create("Sales")
    runner = QueryRunner(SandboxLimits(), per_tenant=2, cache_mb=16, workers=4)
    engines = EngineCache()
    yield Bench(store, files, runner, engines, admin, viewer, workspace.id)
    runner.close()
    engines.close()
    store.db.dispose()


@pytest.fixture
def loaded(bench: Bench) -> Iterator[Bench]:
    """``bench`` with the four sources uploaded and the model saved."""
    jobs = IngestJobs(workers=2)
    sources = SourceService(bench.store.db, bench.store.settings, bench.files, jobs, bench.admin)
    ids = {}
    for name, text in CSVS.items():
        started = sources.start_upload(bench.workspace_id, f"{name}.csv", len(text), name=name)
        started.path.write_bytes(text.encode())
        ids[name] = str(sources.finish_upload(started.source_id).id)
    for source_id in ids.values():
        info = upload_wait(sources, uuid.UUID(source_id))
        assert info.status == "ready", info.error
    models = ModelService(bench.store.db, bench.files, bench.admin, engines=bench.engines)
    models.save(bench.workspace_id, SemanticModel.from_dict(model_document(ids)), 0)
    yield bench
    jobs.shutdown()


def upload_wait(sources: SourceService, source_id: uuid.UUID) -> SourceInfo:
    deadline = time.monotonic() + 60
    while (info := sources.get(source_id)).status in ("uploading", "ingesting"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return info


# -- storing ---------------------------------------------------------------------------------------
def test_create_get_and_list_round_trip(bench: Bench) -> None:
    service = bench.service()
    made = service.create(bench.workspace_id, "  Sales   overview ", "Weekly")
    got = service.get(bench.workspace_id, made.id)
    assert (got.name, got.description, got.version) == ("Sales overview", "Weekly", 1)
    assert got.created_by == bench.admin.user_id
    assert [d.id for d in service.list(bench.workspace_id)] == [made.id]


def test_search_matches_name_or_description_case_insensitively(bench: Bench) -> None:
    service = bench.service()
    service.create(bench.workspace_id, "Revenue", "money in")
    service.create(bench.workspace_id, "Support", "tickets and REVENUE at risk")
    service.create(bench.workspace_id, "Stock 100%", "")
    assert [d.name for d in service.list(bench.workspace_id, "revenue")] == ["Revenue", "Support"]
    assert [d.name for d in service.list(bench.workspace_id, "100%")] == ["Stock 100%"]
    assert service.list(bench.workspace_id, "%") == service.list(bench.workspace_id, "100%")


def test_names_are_unique_in_a_workspace(bench: Bench) -> None:
    service = bench.service()
    service.create(bench.workspace_id, "Revenue")
    with pytest.raises(Conflict, match="already has a dashboard named"):
        service.create(bench.workspace_id, "REVENUE")


def test_update_bumps_the_version_and_a_stale_one_changes_nothing(bench: Bench) -> None:
    service = bench.service()
    made = service.create(bench.workspace_id, "Revenue")
    saved = service.update(bench.workspace_id, made.id, 1, name="Revenue 2024")
    assert (saved.name, saved.version, saved.updated_by) == ("Revenue 2024", 2, bench.admin.user_id)
    with pytest.raises(StaleDashboard) as stale:
        service.update(bench.workspace_id, made.id, 1, name="Lost edit")
    assert stale.value.current == 2 and stale.value.status == 409
    assert service.get(bench.workspace_id, made.id).name == "Revenue 2024"


def test_duplicate_names_the_copy(bench: Bench) -> None:
    service = bench.service()
    made = service.create(bench.workspace_id, "Revenue", "d", {"widgets": [DOCUMENT["widgets"][6]]})
    first = service.duplicate(bench.workspace_id, made.id)
    second = service.duplicate(bench.workspace_id, made.id)
    assert (first.name, second.name) == ("Copy of Revenue", "Copy of Revenue (2)")
    assert first.document == made.document and first.version == 1


def test_viewers_read_but_never_write(bench: Bench) -> None:
    made = bench.service().create(bench.workspace_id, "Revenue")
    viewer = bench.service(bench.viewer)
    assert viewer.get(bench.workspace_id, made.id).name == "Revenue"
    for write in (
        lambda: viewer.create(bench.workspace_id, "Mine"),
        lambda: viewer.update(bench.workspace_id, made.id, 1, name="Mine"),
        lambda: viewer.delete(bench.workspace_id, made.id),
        lambda: viewer.duplicate(bench.workspace_id, made.id),
    ):
        with pytest.raises(Forbidden):
            write()
    assert bench.service().get(bench.workspace_id, made.id).version == 1


def test_a_bad_document_names_the_field(bench: Bench) -> None:
    bad = {"widgets": [{"id": "w", "kind": "bar", "position": {"x": 10, "w": 4}}]}
    with pytest.raises(InvalidInput, match=r"document\.widgets\.0") as error:
        bench.service().create(bench.workspace_id, "Broken", document=bad)
    assert error.value.field is not None and error.value.field.startswith("document.widgets.0")


def test_another_tenants_dashboard_is_not_found(bench: Bench) -> None:
    made = bench.service().create(bench.workspace_id, "Revenue")
    other = bench.store.register("Eve")
    with pytest.raises(NotFound):
        bench.service(other).get(bench.workspace_id, made.id)
    with pytest.raises(NotFound):
        bench.service(other).delete(bench.workspace_id, made.id)


def test_delete_removes_it(bench: Bench) -> None:
    service = bench.service()
    made = service.create(bench.workspace_id, "Revenue")
    service.delete(bench.workspace_id, made.id)
    with pytest.raises(NotFound, match="No such dashboard"):
        service.get(bench.workspace_id, made.id)


# -- against the model -------------------------------------------------------------------------------
def test_a_widget_with_an_unknown_field_is_refused_naming_it(loaded: Bench) -> None:
    widget = {"id": "w9", "kind": "bar", "query": {"semantic": {"measures": ["orders.profit"]}}}
    with pytest.raises(InvalidInput, match=r"Widget 'w9'.*'orders\.profit'") as error:
        loaded.service().create(loaded.workspace_id, "Bad", document={"widgets": [widget]})
    assert error.value.field == "widgets.w9"


def test_data_evaluates_every_widget_against_known_answers(loaded: Bench, tmp_path: Path) -> None:
    service = loaded.service()
    made = service.create(loaded.workspace_id, "Sales", document=DOCUMENT)
    answers = Answers(tmp_path / "csv")
    period = ("2024-02-01", "2024-03-15")

    data = service.data(
        loaded.workspace_id,
        made.id,
        filters={"period": list(period), "country": ["FR", "DE"]},
        today=dt.date(2024, 3, 15),
    )

    widgets = {k: v.as_json() for k, v in data.widgets.items()}
    expected = answers.rows(
        "SELECT c.country, sum(o.amount) FROM orders o LEFT JOIN customers c USING (customer_id) "
        f"WHERE {where(period, ['FR', 'DE'])} GROUP BY 1 ORDER BY 1"
    )
    assert widgets["revenue"]["status"] == "ok", widgets["revenue"]["error"]
    assert [[r[0], round(r[1], 6)] for r in widgets["revenue"]["rows"]] == expected
    assert widgets["revenue"]["applied"] == ["period", "country"]
    assert widgets["stock"]["unreached"][0]["filter_id"] == "period"
    assert "No join path from table 'stock'" in widgets["stock"]["unreached"][0]["reason"]
    assert widgets["statuses"]["status"] == "ok"
    assert {u["filter_id"] for u in widgets["statuses"]["unreached"]} == {"period", "country"}
    assert widgets["by_status"]["switched_off"] == ["country"]
    assert widgets["note"]["status"] == "text"
    assert data.data_as_of is not None


def test_one_failing_widget_never_fails_the_others(loaded: Bench) -> None:
    service = loaded.service()
    made = service.create(loaded.workspace_id, "Sales", document=DOCUMENT)
    broken = dict(DOCUMENT)
    gone = {"id": "gone", "kind": "bar", "query": {"source": "sql", "sql": "SELECT nope FROM x"}}
    broken["widgets"] = [*DOCUMENT["widgets"], gone]
    service.update(loaded.workspace_id, made.id, 1, document=broken)

    data = service.data(loaded.workspace_id, made.id)

    assert data.widgets["gone"].status == "error"
    assert data.widgets["gone"].error
    assert data.widgets["revenue"].status == "ok"


class MeetingPool(ThreadPoolExecutor):
    """A real thread pool whose tasks first wait for each other: if the service ran its widget
    workers one after the other, the first would never meet the second (BrokenBarrierError)."""

    def __init__(self, parties: int) -> None:
        super().__init__(parties + 2)
        self.barrier = threading.Barrier(parties, timeout=30)
        self.met = 0

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        def meet():  # type: ignore[no-untyped-def]
            self.barrier.wait()
            self.met += 1
            return fn(*args, **kwargs)

        return super().submit(meet)


def test_widgets_are_evaluated_side_by_side(loaded: Bench) -> None:
    pool = MeetingPool(parties=loaded.runner.per_tenant)
    service = DashboardService(
        loaded.store.db,
        loaded.files,
        loaded.runner,
        loaded.engines,
        loaded.store.settings.sql,
        loaded.admin,
        executor=pool,
    )
    made = service.create(loaded.workspace_id, "Sales", document=DOCUMENT)

    data = service.data(loaded.workspace_id, made.id)

    pool.shutdown()
    assert pool.met == loaded.runner.per_tenant == 2
    assert list(data.widgets) == [w["id"] for w in DOCUMENT["widgets"]]
    assert {w.status for w in data.widgets.values()} == {"ok", "text"}


def test_without_a_model_semantic_widgets_say_so(bench: Bench) -> None:
    service = bench.service()
    made = service.create(bench.workspace_id, "Early", document=DOCUMENT)

    data = service.data(bench.workspace_id, made.id)

    assert data.widgets["revenue"].status == "error"
    assert data.widgets["revenue"].error == NO_MODEL
    assert data.widgets["note"].status == "text"


def test_a_filter_on_an_unknown_field_is_refused_naming_it(loaded: Bench) -> None:
    document = {"filters": [{"id": "region", "kind": "values", "field": "customers.region"}]}
    with pytest.raises(InvalidInput, match=r"Filter 'region'.*no column 'region'") as error:
        loaded.service().create(loaded.workspace_id, "Bad", document=document)
    assert error.value.field == "filters.region"


def test_a_widget_whose_field_left_the_model_loads_and_shows_an_error(loaded: Bench) -> None:
    service = loaded.service()
    made = service.create(loaded.workspace_id, "Sales", document=DOCUMENT)
    models = ModelService(loaded.store.db, loaded.files, loaded.admin, engines=loaded.engines)
    model = models.get(loaded.workspace_id)
    orders = model.table("orders")
    assert orders is not None
    orders.columns = [c for c in orders.columns if c.name != "amount"]
    models.save(loaded.workspace_id, model, model.version)

    assert service.get(loaded.workspace_id, made.id).name == "Sales"
    renamed = service.update(loaded.workspace_id, made.id, 1, name="Sales (old)")
    data = service.data(loaded.workspace_id, made.id)

    assert renamed.version == 2
    assert data.widgets["revenue"].status == "error"
    assert "amount" in (data.widgets["revenue"].error or "")
    assert data.widgets["tickets"].status == "ok"


def test_a_not_in_filter_then_another_passes_the_sql_guard(loaded: Bench, tmp_path: Path) -> None:
    # The engine writes NOT (x IN (...)) AND y ...; the guard once took it for a call of NOT.
    filters = [
        {"field": "customers.country", "op": "not_in", "value": ["FR"]},
        {"field": "orders.status", "op": "ne", "value": "refunded"},
    ]
    widget = {
        "id": "w",
        "kind": "table",
        "query": {"semantic": {"measures": ["orders.amount"], "filters": filters}},
    }
    service = loaded.service()
    made = service.create(loaded.workspace_id, "Not in", document={"widgets": [widget]})

    data = service.data(loaded.workspace_id, made.id).widgets["w"]

    assert data.status == "ok", data.error
    [[expected]] = Answers(tmp_path / "csv").rows(
        "SELECT sum(o.amount) FROM orders o JOIN customers c USING (customer_id) "
        "WHERE c.country NOT IN ('FR') AND o.status <> 'refunded'"
    )
    assert round(float(data.rows[0][0]), 2) == round(expected, 2)


def test_rows_beyond_the_limit_are_cut_and_flagged(loaded: Bench) -> None:
    service = DashboardService(
        loaded.store.db,
        loaded.files,
        loaded.runner,
        loaded.engines,
        loaded.store.settings.sql,
        loaded.admin,
        row_limit=2,
    )
    made = service.create(loaded.workspace_id, "Sales", document=DOCUMENT)

    data = service.data(loaded.workspace_id, made.id, widget_ids=["revenue"])

    assert list(data.widgets) == ["revenue"]
    assert len(data.widgets["revenue"].rows) == 2 and data.widgets["revenue"].truncated


def test_a_second_load_comes_from_the_runners_result_cache(loaded: Bench) -> None:
    service = loaded.service()
    made = service.create(loaded.workspace_id, "Sales", document=DOCUMENT)

    first = service.data(loaded.workspace_id, made.id, filters={"country": ["FR"]})
    second = service.data(loaded.workspace_id, made.id, filters={"country": ["FR"]})

    assert not first.widgets["revenue"].cached
    assert second.widgets["revenue"].cached
    assert second.widgets["revenue"].rows == first.widgets["revenue"].rows


def test_filter_values_are_the_distinct_values_of_a_dimension_most_frequent_first(
    loaded: Bench,
) -> None:
    service = loaded.service(loaded.viewer)
    # Three customers in FR, two in DE, one in ES; ties (the order statuses) by value.
    assert service.filter_values(loaded.workspace_id, "customers.country") == ["FR", "DE", "ES"]
    assert service.filter_values(loaded.workspace_id, "customers.country", search="e") == [
        "DE",
        "ES",
    ]
    assert service.filter_values(loaded.workspace_id, "orders.status", limit=2) == [
        "open",
        "paid",
    ]
    with pytest.raises(InvalidInput, match="no column 'region'"):
        service.filter_values(loaded.workspace_id, "customers.region")
    with pytest.raises(NotFound):
        bench_other = loaded.store.register("Eve")
        loaded.service(bench_other).filter_values(loaded.workspace_id, "customers.country")


def test_reach_says_which_widgets_each_filter_reaches_without_running(loaded: Bench) -> None:
    from pipelines.dashboards import DashboardDocument

    found = loaded.service().reach(loaded.workspace_id, DashboardDocument.model_validate(DOCUMENT))
    assert found["country"]["tickets"] == "applies"
    assert found["country"]["by_status"] == "off"
    assert found["country"]["stock"].startswith("No join path from table 'stock'")
    assert "note" not in found["country"]
