"""Data, model and dashboard of the dashboards benchmark (``test_bench_dashboards.py``).

A star: ``orders`` (10 million rows by default, 2019 to 2026, in the order they were placed,
or shuffled with ``DATAPILOT_BENCH_DASHBOARD_SHUFFLED=1``) with ``customer_id``, ``product_id``,
``order_date``, ``amount`` and ``quantity``; ``customers`` (100,000: country and segment) and
``products`` (10,000: category). DuckDB writes the three Parquet files once into
``tests/benchmarks/.data/dashboards-<rows>`` (ignored by git). The dashboard has the eight
widgets of a realistic sales dashboard (a KPI with its previous period and sparkline, revenue by
month, by country, by category, the top 10 customers, a category x year pivot, orders by
segment and a scatter) and two filters: the order date and the customer's country.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from app.principal import Principal
from app.services.dashboards import DashboardService
from app.services.model import ModelService
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.service import SourceService
from app.services.sql.tables import load_tables
from app.services.workspaces import WorkspaceService
from pipelines.dashboards import DashboardDocument, FilterReach, active_filters, kpi_plan
from pipelines.query import QueryRunner
from pipelines.semantic import SemanticModel
from pipelines.semantic.engine import SemanticEngine
from pipelines.semantic.engines import EngineCache
from tests.conftest import STRONG_PASSWORD
from tests.integration.conftest import Store, open_store

HERE = Path(__file__).resolve().parent
ROWS = int(os.environ.get("DATAPILOT_BENCH_DASHBOARD_ROWS", "10000000"))
SHUFFLED = os.environ.get("DATAPILOT_BENCH_DASHBOARD_SHUFFLED") == "1"
"""Orders in random date order (no row group can be skipped by a date filter) instead of the
order they were placed in (an append-only table: later orders, later dates)."""
DAYS = 2922  # 2019-01-01 .. 2026-12-31
CUSTOMERS = 100_000
PRODUCTS = 10_000
TABLES = ("orders", "customers", "products")
TODAY = "2026-12-03"
"""The day the date filter's presets resolve against (fixed, so every run computes the same)."""

COUNTRIES = [
    "FR", "DE", "ES", "IT", "NL", "BE", "PT", "PL", "SE", "DK",
    "FI", "NO", "AT", "CH", "IE", "GB", "US", "CA", "BR", "JP",
]  # fmt: skip
SEGMENTS = ["Consumer", "Business", "Public", "Partner"]
CATEGORIES = [
    "Books", "Music", "Games", "Garden", "Kitchen", "Office",
    "Sports", "Toys", "Tools", "Beauty", "Health", "Outdoor",
]  # fmt: skip


def _list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


SELECTS = {
    "customers": f"""
        SELECT i AS customer_id,
               'Customer ' || i AS name,
               {_list(COUNTRIES)}[1 + CAST(hash(i * 5) % {len(COUNTRIES)} AS INTEGER)] AS country,
               {_list(SEGMENTS)}[1 + CAST(i % {len(SEGMENTS)} AS INTEGER)] AS segment
        FROM range(1, {CUSTOMERS + 1}) t(i)""",
    "products": f"""
        SELECT i AS product_id,
               'Product ' || i AS name,
               {_list(CATEGORIES)}[1 + CAST(hash(i * 3) % {len(CATEGORIES)} AS INTEGER)]
                   AS category
        FROM range(1, {PRODUCTS + 1}) t(i)""",
    "orders": """
        SELECT i AS order_id,
               CAST(1 + hash(i * 7) % {customers} AS BIGINT) AS customer_id,
               CAST(1 + hash(i * 11) % {products} AS BIGINT) AS product_id,
               DATE '2019-01-01' + {day} AS order_date,
               round(5 + (hash(i * 17) % 50000) / 100.0, 2)::DOUBLE AS amount,
               CAST(1 + hash(i * 19) % 9 AS BIGINT) AS quantity
        FROM range(1, {rows} + 1) t(i)""",
}


def generated(rows: int = ROWS) -> dict[str, Path]:
    """The three Parquet files (table name -> path), written on first use."""
    base = Path(os.environ.get("DATAPILOT_BENCH_DASHBOARD_DIR", HERE / ".data"))
    folder = base / f"dashboards-{rows}{'-shuffled' if SHUFFLED else ''}"
    paths = {name: folder / f"{name}.parquet" for name in TABLES}
    if (folder / ".complete").exists():
        return paths
    base.mkdir(parents=True, exist_ok=True)
    if base == HERE / ".data":
        (base / ".gitignore").write_text("*\n")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for name, select in SELECTS.items():
        day = (
            f"CAST(hash(i * 13) % {DAYS} AS INTEGER)"
            if SHUFFLED
            else f"CAST((i - 1) * {DAYS} // {rows} AS INTEGER)"
        )
        sql = select.format(rows=rows, customers=CUSTOMERS, products=PRODUCTS, day=day)
        con.execute(f"COPY ({sql}) TO '{paths[name]}' (FORMAT parquet)")
    con.close()
    (folder / ".complete").write_text("ok\n")
    return paths


# -- the semantic model ----------------------------------------------------------------------------
def _col(name: str, type_: str, role: str = "dimension", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "role": role, **extra}


def model_document(source_ids: dict[str, str]) -> dict[str, Any]:
    """The model of the star (``source_ids`` by table name)."""
    return {
        "tables": [
            {
                "name": "orders",
                "source_id": source_ids["orders"],
                "primary_key": "order_id",
                "columns": [
                    _col("order_id", "integer"),
                    _col("customer_id", "integer"),
                    _col("product_id", "integer"),
                    _col("order_date", "date"),
                    _col("amount", "decimal", "measure", aggregation="sum"),
                    _col("quantity", "integer", "measure", aggregation="sum"),
                ],
            },
            {
                "name": "customers",
                "source_id": source_ids["customers"],
                "primary_key": "customer_id",
                "columns": [
                    _col("customer_id", "integer"),
                    _col("name", "text"),
                    _col("country", "text"),
                    _col("segment", "text"),
                ],
            },
            {
                "name": "products",
                "source_id": source_ids["products"],
                "primary_key": "product_id",
                "columns": [
                    _col("product_id", "integer"),
                    _col("name", "text"),
                    _col("category", "text"),
                ],
            },
        ],
        "joins": [
            {
                "id": "orders_customers",
                "left_table": "orders",
                "right_table": "customers",
                "on": [{"left": "customer_id", "right": "customer_id"}],
            },
            {
                "id": "orders_products",
                "left_table": "orders",
                "right_table": "products",
                "on": [{"left": "product_id", "right": "product_id"}],
            },
        ],
        "measures": [],
    }


# -- the dashboard ---------------------------------------------------------------------------------
def _widget(widget_id: str, kind: str, x: int, y: int, **query: Any) -> dict[str, Any]:
    return {
        "id": widget_id,
        "kind": kind,
        "title": widget_id.replace("_", " ").capitalize(),
        "query": {"source": "semantic", "semantic": query},
        "position": {"x": x, "y": y, "w": 4, "h": 4},
    }


REVENUE = "orders.amount"
DOCUMENT: dict[str, Any] = {
    "widgets": [
        {
            **_widget("revenue_kpi", "kpi", 0, 0, measures=[REVENUE]),
            "chart": {"time_field": "orders.order_date"},
        },
        _widget(
            "revenue_by_month",
            "line",
            4,
            0,
            measures=[REVENUE],
            dimensions=["orders.order_date.month"],
            sort=[{"field": "orders.order_date.month"}],
        ),
        _widget(
            "revenue_by_country",
            "bar",
            8,
            0,
            measures=[REVENUE],
            dimensions=["customers.country"],
            sort=[{"field": REVENUE, "descending": True}],
        ),
        _widget(
            "revenue_by_category",
            "pie",
            0,
            4,
            measures=[REVENUE],
            dimensions=["products.category"],
        ),
        _widget(
            "top_customers",
            "table",
            4,
            4,
            measures=[REVENUE, "orders.quantity"],
            dimensions=["customers.name"],
            sort=[{"field": REVENUE, "descending": True}],
            limit=10,
        ),
        {
            **_widget(
                "category_by_year",
                "pivot",
                8,
                4,
                measures=[REVENUE],
                dimensions=["products.category", "orders.order_date.year"],
            ),
            "filters_off": ["period"],  # a pivot over every year
        },
        _widget(
            "orders_by_segment",
            "bar",
            0,
            8,
            measures=["orders.count"],
            dimensions=["customers.segment"],
        ),
        _widget(
            "quantity_vs_revenue",
            "scatter",
            4,
            8,
            measures=["orders.quantity", REVENUE],
            dimensions=["products.name"],
            limit=500,
        ),
    ],
    "filters": [
        {"id": "period", "kind": "date", "field": "orders.order_date", "preset": "last_year"},
        {"id": "country", "kind": "values", "field": "customers.country"},
    ],
}

FILTER_CHANGES: list[dict[str, Any]] = [
    {"country": ["FR", "DE"]},
    {"period": {"preset": "this_year"}},
    {"country": ["US"], "period": {"preset": "last_90_days"}},
]
"""Filter changes a user makes after the first render (each one new to the result cache)."""


# -- the workspace ---------------------------------------------------------------------------------
EMAIL = "bench@example.com"


@dataclass
class Loaded:
    """The benchmark's workspace in a real metadata store (SQLite in ``workdir/data``, where a
    server started on ``workdir`` finds it) and what the benchmarks look up in it."""

    workdir: Path
    store: Store
    admin: Principal
    workspace_id: uuid.UUID
    dashboard_id: uuid.UUID
    ingest_seconds: float

    def widget_sql(self, overrides: dict[str, Any] | None = None) -> list[tuple[str, str]]:
        """The SQL of every query the dashboard runs with ``overrides`` of its filters, by
        widget (a KPI also runs its previous period and its sparkline), as the engine writes
        it for the runner's sandbox."""
        files = SourceFiles(self.store.settings.storage.data_dir)
        models = ModelService(self.store.db, files, self.admin)
        model = models.get(self.workspace_id)
        document = DashboardDocument.model_validate(DOCUMENT)
        active = active_filters(document, dt.date.fromisoformat(TODAY), overrides)
        reach = FilterReach(model)
        engine = SemanticEngine(model, models.paths(self.workspace_id, model))
        found = []
        try:
            for widget in document.widgets:
                effective = reach.apply(widget, active)
                assert effective.query is not None
                found.append((widget.id, engine.compiled(effective.query).sql))
                plan = kpi_plan(reach, widget, effective)
                extras = (
                    {} if plan is None else {"previous": plan.previous, "sparkline": plan.sparkline}
                )
                for extra, query in extras.items():
                    if query is not None:
                        found.append((f"{widget.id} {extra}", engine.compiled(query).sql))
        finally:
            engine.close()
        return found

    def sandbox_tables(self) -> dict[str, Path]:
        """View name -> Parquet file, as the runner's sandbox names the tables."""
        files = SourceFiles(self.store.settings.storage.data_dir)
        with self.store.db.transaction() as session:
            return dict(load_tables(session, self.admin, files, self.workspace_id).paths)


def load_workspace(workdir: Path, parquet: dict[str, Path]) -> Loaded:
    """Upload the three Parquet files through :class:`SourceService` (the real ingest), save the
    model and the dashboard."""
    store = open_store(workdir, f"sqlite:///{workdir / 'data' / 'datapilot.db'}")
    admin = store.accounts.register("Bench", EMAIL, STRONG_PASSWORD, "Bench")
    files = SourceFiles(store.settings.storage.data_dir)
    workspace = WorkspaceService(store.db, admin, files).create("Sales")
    jobs = IngestJobs(workers=len(parquet))
    started = time.perf_counter()
    try:
        sources = SourceService(store.db, store.settings, files, jobs, admin)
        ids = {}
        for name, path in parquet.items():
            upload = sources.start_upload(workspace.id, path.name, path.stat().st_size, name=name)
            shutil.copyfile(path, upload.path)
            ids[name] = sources.finish_upload(upload.source_id).id
        deadline = time.monotonic() + 600
        for source_id in ids.values():
            while (info := sources.get(source_id)).status in ("uploading", "ingesting"):
                assert time.monotonic() < deadline, "ingest did not finish"
                time.sleep(0.05)
            assert info.status == "ready", info.error
    finally:
        jobs.shutdown()
    ingest_seconds = time.perf_counter() - started
    models = ModelService(store.db, files, admin)
    document = model_document({name: str(source_id) for name, source_id in ids.items()})
    models.save(workspace.id, SemanticModel.from_dict(document), 0)
    runner, engines = QueryRunner(), EngineCache()
    try:
        dashboards = DashboardService(store.db, files, runner, engines, store.settings.sql, admin)
        dashboard = dashboards.create(workspace.id, "Sales overview", document=DOCUMENT)
    finally:
        runner.close()
        engines.close()
    return Loaded(workdir, store, admin, workspace.id, dashboard.id, ingest_seconds)
