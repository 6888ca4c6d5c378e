"""SqlService over a real metadata store (SQLite and PostgreSQL), real sources, the real query
runner and sandbox: tables, runs, history, cancel, saved queries and downloads."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from app.principal import Principal
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.services.model import ModelService
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.service import SourceInfo, SourceService
from app.services.sql.service import SqlService
from app.services.workspaces import WorkspaceService
from pipelines.query import GuardError, QueryCancelled, QueryFailed, QueryRunner, SandboxLimits
from tests.integration.conftest import Store, open_store
from tests.integration.model_api import ORDERS_TOTAL, orders_model
from tests.integration.sources_api import ORDERS
from tests.integration.test_model_service import upload_settled

SQL_SETTINGS = {"display_limit": 25, "download_max_rows": 70, "history_size": 5}
LONG_QUERY = (
    "SELECT sum(a.amount * b.amount - c.amount + d.order_id) AS n "
    "FROM orders a, orders b, orders c, orders d, orders e"
)
"""120^5 = 25 billion rows: runs far longer than any test waits, until cancelled."""


@dataclass
class Workbench:
    """A tenant admin, a viewer, a workspace with the ORDERS source, and the query runner."""

    store: Store
    files: SourceFiles
    runner: QueryRunner
    admin: Principal
    viewer: Principal
    workspace_id: uuid.UUID
    orders: SourceInfo

    def sql(self, principal: Principal | None = None) -> SqlService:
        return SqlService(
            self.store.db, self.files, self.runner, self.store.settings.sql, principal or self.admin
        )

    def save_model(self) -> None:
        models = ModelService(self.store.db, self.files, self.admin)
        models.save(self.workspace_id, orders_model(str(self.orders.id)), expected_version=0)


@pytest.fixture
def bench(database_url: str, tmp_path: Path) -> Iterator[Workbench]:
    store = open_store(tmp_path, database_url, sql=SQL_SETTINGS)
    admin = store.register("Ada")
    viewer, _password = store.add_member(admin, "viewer")
    files = SourceFiles(store.settings.storage.data_dir)
    workspace = WorkspaceService(store.db, admin, files).create("Sales")
    jobs = IngestJobs(workers=1)
    sources = SourceService(store.db, store.settings, files, jobs, admin)
    orders = upload_settled(sources, workspace.id, ORDERS.encode())
    assert orders.status == "ready", orders.error
    sql = store.settings.sql
    runner = QueryRunner(
        SandboxLimits(sql.memory_limit_mb, sql.threads, sql.timeout_seconds),
        per_tenant=sql.per_tenant_queries,
        cache_mb=sql.cache_mb,
    )
    yield Workbench(store, files, runner, admin, viewer, workspace.id, orders)
    runner.close()
    jobs.shutdown()
    store.db.dispose()


def start_in_thread(call: Any) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``call()`` in a thread; the dict gets its ``result`` or its ``error``."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = call()
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, outcome


def cancel_when_running(service: SqlService, workspace_id: uuid.UUID, query_id: str) -> None:
    deadline = time.monotonic() + 30
    while not service.cancel(workspace_id, query_id):
        assert time.monotonic() < deadline, "the query never showed up as running"
        time.sleep(0.05)


# -- tables ------------------------------------------------------------------------------------------
def test_without_a_model_each_ready_source_is_a_table_named_like_the_model_would(
    bench: Workbench,
) -> None:
    assert bench.sql().tables(bench.workspace_id) == {
        "orders": [
            ("order_id", "integer"),
            ("customer", "text"),
            ("amount", "decimal"),
            ("shipped", "text"),
        ]
    }


def test_with_a_saved_model_the_tables_are_the_models(bench: Workbench) -> None:
    model = orders_model(str(bench.orders.id))
    model.tables[0].name = "sales"
    ModelService(bench.store.db, bench.files, bench.admin).save(bench.workspace_id, model, 0)
    service = bench.sql()

    assert list(service.tables(bench.workspace_id)) == ["sales"]
    assert service.run(bench.workspace_id, "SELECT count(*) AS n FROM sales")["rows"] == [[120]]
    with pytest.raises(GuardError, match="orders"):
        service.run(bench.workspace_id, "SELECT count(*) FROM orders")


def test_a_model_table_whose_source_is_deleted_is_not_a_table(bench: Workbench) -> None:
    bench.save_model()
    SourceService(
        bench.store.db, bench.store.settings, bench.files, IngestJobs(1), bench.admin
    ).delete(bench.orders.id)
    assert bench.sql().tables(bench.workspace_id) == {}


def test_a_workspace_without_sources_has_no_tables_but_runs_sql(bench: Workbench) -> None:
    empty = WorkspaceService(bench.store.db, bench.admin, bench.files).create("Empty")
    service = bench.sql()

    assert service.tables(empty.id) == {}
    assert service.run(empty.id, "SELECT 40 + 2 AS answer")["rows"] == [[42]]
    with pytest.raises(GuardError, match="orders"):
        service.run(empty.id, "SELECT * FROM orders")


def test_another_tenants_workspace_is_not_found(bench: Workbench) -> None:
    other = bench.store.register("Eve")
    service = bench.sql(other)
    for call in (
        lambda: service.tables(bench.workspace_id),
        lambda: service.run(bench.workspace_id, "SELECT 1 AS one"),
        lambda: service.history(bench.workspace_id),
        lambda: service.cancel(bench.workspace_id, "q1"),
        lambda: service.saved(bench.workspace_id),
        lambda: list(service.download(bench.workspace_id, "SELECT 1 AS one", "csv")),
    ):
        with pytest.raises(NotFound, match="No such workspace"):
            call()


# -- running ------------------------------------------------------------------------------------------
def test_a_query_returns_columns_types_rows_and_a_chart(bench: Workbench) -> None:
    bench.save_model()

    body = bench.sql(bench.viewer).run(
        bench.workspace_id,
        "SELECT customer, sum(amount) AS amount FROM orders GROUP BY customer ORDER BY customer",
    )

    assert body["columns"] == ["customer", "amount"]
    assert body["types"] == ["text", "decimal"]
    assert [r[0] for r in body["rows"]] == [f"Customer {i}" for i in range(7)]
    assert sum(r[1] for r in body["rows"]) == pytest.approx(ORDERS_TOTAL)
    assert body["truncated"] is False
    assert body["elapsed_ms"] >= 0
    assert (body["chart"]["kind"], body["chart"]["x"], body["chart"]["y"]) == (
        "bar",
        "customer",
        ["amount"],
    )
    assert body["query_id"]


def test_the_limit_truncates_and_the_display_limit_caps_it(bench: Workbench) -> None:
    service = bench.sql()

    ten = service.run(bench.workspace_id, "SELECT * FROM orders ORDER BY order_id", limit=10)
    capped = service.run(bench.workspace_id, "SELECT * FROM orders ORDER BY order_id", limit=1000)
    small = service.run(bench.workspace_id, "SELECT * FROM orders WHERE order_id <= 3", limit=3)

    assert (len(ten["rows"]), ten["truncated"]) == (10, True)
    assert [r[0] for r in ten["rows"]] == list(range(1, 11))
    assert (len(capped["rows"]), capped["truncated"]) == (SQL_SETTINGS["display_limit"], True)
    assert (len(small["rows"]), small["truncated"]) == (3, False)
    with pytest.raises(InvalidInput) as refused:
        service.run(bench.workspace_id, "SELECT 1 AS one", limit=0)
    assert refused.value.field == "limit"


def test_a_refused_query_names_the_part_at_fault_and_is_kept_in_history(bench: Workbench) -> None:
    sql = "SELECT *\nFROM read_csv('/etc/passwd')"
    service = bench.sql()

    with pytest.raises(GuardError) as refused:
        service.run(bench.workspace_id, sql)

    assert "read_csv" in refused.value.message
    assert refused.value.line == 2
    assert sql[refused.value.start : refused.value.end].lower().startswith("read_csv")
    (entry,) = service.history(bench.workspace_id)
    assert entry["sql"] == sql
    assert "read_csv" in entry["error"]
    assert entry["row_count"] is None


def test_a_query_duckdb_cannot_run_fails_naming_the_column(bench: Workbench) -> None:
    with pytest.raises(QueryFailed, match="revenue"):
        bench.sql().run(bench.workspace_id, "SELECT revenue FROM orders")


def test_empty_sql_is_invalid_input(bench: Workbench) -> None:
    with pytest.raises(InvalidInput, match="Write a SQL query"):
        bench.sql().run(bench.workspace_id, "  \n ")


# -- cancel ---------------------------------------------------------------------------------------
def test_a_running_query_is_cancelled_by_its_user(bench: Workbench) -> None:
    service = bench.sql()
    thread, outcome = start_in_thread(
        lambda: service.run(bench.workspace_id, LONG_QUERY, query_id="long-1")
    )

    cancel_when_running(service, bench.workspace_id, "long-1")
    thread.join(30)

    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), QueryCancelled), outcome
    assert outcome["error"].reason == "user"
    assert service.history(bench.workspace_id)[0]["error"] == "The query was cancelled."


def test_a_query_id_cancels_only_the_callers_own_query(bench: Workbench) -> None:
    admin = bench.sql()
    thread, outcome = start_in_thread(
        lambda: admin.run(bench.workspace_id, LONG_QUERY, query_id="mine")
    )
    try:
        # The viewer's cancel of the same id finds nothing of theirs, while the query runs.
        deadline = time.monotonic() + 30
        while not _running(bench, "mine"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert bench.sql(bench.viewer).cancel(bench.workspace_id, "mine") is False
        assert thread.is_alive()
    finally:
        cancel_when_running(admin, bench.workspace_id, "mine")
        thread.join(30)
    assert isinstance(outcome.get("error"), QueryCancelled)


def _running(bench: Workbench, query_id: str) -> bool:
    """Whether the admin's ``query_id`` runs, seen from the runner (without cancelling it)."""
    runner_id = f"{bench.workspace_id}/{bench.admin.user_id}/{query_id}"
    return runner_id in bench.runner.running(str(bench.admin.tenant_id))


# -- history --------------------------------------------------------------------------------------
def test_history_is_newest_first_capped_and_per_user(bench: Workbench) -> None:
    admin, viewer = bench.sql(), bench.sql(bench.viewer)
    for n in range(7):
        admin.run(bench.workspace_id, f"SELECT {n} AS n")
    viewer.run(bench.workspace_id, "SELECT 'viewer' AS who")

    mine = admin.history(bench.workspace_id)
    theirs = viewer.history(bench.workspace_id)

    assert [e["sql"] for e in mine] == [f"SELECT {n} AS n" for n in (6, 5, 4, 3, 2)]
    assert all(e["error"] is None and e["row_count"] == 1 for e in mine)
    assert [e["sql"] for e in theirs] == ["SELECT 'viewer' AS who"]


# -- saved queries --------------------------------------------------------------------------------
def test_saved_queries_round_trip(bench: Workbench) -> None:
    service = bench.sql()
    chart = {"kind": "bar", "x": "customer", "y": ["amount"]}

    saved = service.save_query(
        bench.workspace_id, "  By customer ", "SELECT customer, sum(amount) AS amount FROM orders "
        "GROUP BY 1", "Revenue per customer", chart,
    )  # fmt: skip
    renamed = service.update_saved(bench.workspace_id, saved["id"], name="Per customer")

    assert saved["name"] == "By customer"
    assert saved["chart"] == chart
    assert service.get_saved(bench.workspace_id, saved["id"]) == renamed
    assert (renamed["name"], renamed["sql"], renamed["chart"]) == (
        "Per customer",
        saved["sql"],
        chart,
    )
    assert renamed["updated_at"] >= saved["updated_at"]
    assert [q["name"] for q in service.saved(bench.workspace_id)] == ["Per customer"]
    service.delete_saved(bench.workspace_id, saved["id"])
    assert service.saved(bench.workspace_id) == []
    with pytest.raises(NotFound, match="saved query"):
        service.get_saved(bench.workspace_id, saved["id"])


def test_a_duplicate_name_is_a_conflict_whatever_its_case(bench: Workbench) -> None:
    service = bench.sql()
    service.save_query(bench.workspace_id, "Totals", "SELECT 1 AS one")
    other = service.save_query(bench.workspace_id, "Others", "SELECT 2 AS two")

    with pytest.raises(Conflict, match="“totals” already exists"):
        service.save_query(bench.workspace_id, "totals", "SELECT 3 AS three")
    with pytest.raises(Conflict):
        service.update_saved(bench.workspace_id, other["id"], name="TOTALS")
    assert [q["name"] for q in service.saved(bench.workspace_id)] == ["Others", "Totals"]


def test_a_saved_query_must_pass_the_guard(bench: Workbench) -> None:
    with pytest.raises(GuardError, match="nowhere"):
        bench.sql().save_query(bench.workspace_id, "Bad", "SELECT * FROM nowhere")
    assert bench.sql().saved(bench.workspace_id) == []


def test_an_unknown_chart_kind_is_invalid_input_on_the_chart(bench: Workbench) -> None:
    with pytest.raises(InvalidInput) as refused:
        bench.sql().save_query(bench.workspace_id, "X", "SELECT 1 AS one", chart={"kind": "donut"})
    assert refused.value.field == "chart.kind"
    assert "donut" in str(refused.value)


def test_a_viewer_reads_saved_queries_but_cannot_change_them(bench: Workbench) -> None:
    saved = bench.sql().save_query(bench.workspace_id, "Totals", "SELECT 1 AS one")
    viewer = bench.sql(bench.viewer)

    assert viewer.get_saved(bench.workspace_id, saved["id"])["name"] == "Totals"
    for call in (
        lambda: viewer.save_query(bench.workspace_id, "Mine", "SELECT 1 AS one"),
        lambda: viewer.update_saved(bench.workspace_id, saved["id"], name="Mine"),
        lambda: viewer.delete_saved(bench.workspace_id, saved["id"]),
    ):
        with pytest.raises(Forbidden, match="viewer"):
            call()
    assert [q["name"] for q in viewer.saved(bench.workspace_id)] == ["Totals"]


def test_a_saved_query_of_another_workspace_is_not_found(bench: Workbench) -> None:
    service = bench.sql()
    saved = service.save_query(bench.workspace_id, "Totals", "SELECT 1 AS one")
    other = WorkspaceService(bench.store.db, bench.admin, bench.files).create("Other")

    with pytest.raises(NotFound, match="saved query"):
        service.get_saved(other.id, saved["id"])
    with pytest.raises(NotFound, match="saved query"):
        service.delete_saved(other.id, saved["id"])
    with pytest.raises(NotFound, match="saved query"):
        service.get_saved(bench.workspace_id, "not-a-uuid")


# -- downloads ------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_download_holds_the_whole_result_read_back_by_duckdb(
    bench: Workbench, fmt: str, tmp_path: Path
) -> None:
    sql = "SELECT order_id, customer, amount FROM orders WHERE order_id <= 60 ORDER BY order_id"
    path = tmp_path / f"result.{fmt}"

    path.write_bytes(b"".join(bench.sql().download(bench.workspace_id, sql, fmt)))  # type: ignore[arg-type]

    reader = "read_csv" if fmt == "csv" else "read_parquet"
    rows = duckdb.sql(f"SELECT * FROM {reader}('{path}') ORDER BY order_id").fetchall()
    assert len(rows) == 60
    assert rows[0][:2] == (1, "Customer 1")
    assert float(rows[0][2]) == pytest.approx(3.1)


def test_a_download_stops_at_the_download_row_limit(bench: Workbench) -> None:
    chunks = bench.sql().download(
        bench.workspace_id, "SELECT a.order_id FROM orders a, orders b", "csv"
    )
    lines = b"".join(chunks).decode().splitlines()
    assert len(lines) == 1 + SQL_SETTINGS["download_max_rows"]


def test_a_download_is_guarded_before_anything_runs(bench: Workbench) -> None:
    with pytest.raises(GuardError, match="read_parquet"):
        bench.sql().download(bench.workspace_id, "SELECT * FROM read_parquet('x')", "parquet")
    with pytest.raises(InvalidInput, match="xlsx"):
        bench.sql().download(bench.workspace_id, "SELECT 1 AS one", "xlsx")  # type: ignore[arg-type]
