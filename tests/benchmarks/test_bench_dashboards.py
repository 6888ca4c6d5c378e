"""Dashboards benchmark (issue 10): first render, many sessions at once, open/close cycles.

The data (``dashboards_data.py``): 10 million orders (2019 to 2026, in the order they were
placed) joined to 100,000 customers and 10,000 products, written once as Parquet by DuckDB into ``tests/benchmarks/.data``, then uploaded into
a workspace of a real metadata store (SQLite) through :class:`SourceService` (the real ingest,
a few seconds), with the model and an eight-widget dashboard (ten queries: the KPI also runs its
previous period and its sparkline) saved through the services.

1. First render through :meth:`DashboardService.data` of a fresh :class:`AppContext` (a new
   query runner, result cache and engine cache; the OS file cache is warm, as on a server that
   ran before; making the context is not timed): cold, warm (result cache) and after each of
   three filter changes (new to the cache), against the same ten
   queries' SQL run one after the other on a fresh DuckDB connection with views over the same
   Parquet files. Targets: cold <= 1 s, warm <= 150 ms, a filter change <= 500 ms.
2. 25 sessions open the dashboard at once: 25 threads, each its own HTTP client, GET
   ``.../dashboards/{id}/data`` from a real ``datapilot serve`` on the same store, on a server
   that just started (cold: the target, p95 <= 3 s), again (warm), and with 9 of the 10
   queries new to the running server's cache (``today`` a year later). The server's RSS before and
   after gives the memory per session of the data path (the Panel page is not there yet).
3. 100 open/close cycles of a dashboard session in one AppContext (open = evaluate every
   widget with one of 20 country filters, close = drop the service and the data), after three
   warm-up sessions with other date ranges (DuckDB's working memory, the sandbox and the engine
   of a server that ran before): RSS grows by at most 50 MB; no thread, sandbox (DuckDB
   connection) or semantic engine is left behind.

Run with ``make bench`` (``pytest tests/benchmarks -s``). Environment:
``DATAPILOT_BENCH_DASHBOARD_ROWS`` (default 10,000,000), ``DATAPILOT_BENCH_DASHBOARD_DIR``
(data folder), ``DATAPILOT_BENCH_DASHBOARD_SHUFFLED=1`` (orders in random date order, so no
Parquet row group can be skipped by a date filter) and ``DATAPILOT_BENCH_REPEAT`` (rounds of part 1, default 3 here).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import psutil
import pytest

from app.context import AppContext
from app.services.dashboards import DashboardData, DashboardService
from app.services.dashboards.evaluate import ROW_LIMIT
from tests.benchmarks.dashboards_data import (
    COUNTRIES,
    EMAIL,
    FILTER_CHANGES,
    ROWS,
    TODAY,
    Loaded,
    generated,
    load_workspace,
)
from tests.conftest import STRONG_PASSWORD, start_server

REPEAT = int(os.environ.get("DATAPILOT_BENCH_REPEAT", "3"))
COLD_MS, WARM_MS, CHANGE_MS = 1000.0, 150.0, 500.0
SESSIONS, SESSIONS_P95_MS = 25, 3000.0
CYCLES, CYCLE_COUNTRIES, GROWTH_MB = 100, 20, 50.0
WARM_UP = ("last_year", "this_year", "last_90_days")
MB = 2**20
TODAY_DATE = dt.date.fromisoformat(TODAY)
SHARED = "the machine is shared with other test runs: timings are noisy"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    workspace = load_workspace(tmp_path_factory.mktemp("dashboards"), generated())
    print(
        f"\n\ndashboards benchmark data: {ROWS:,} orders, uploaded as Parquet through "
        f"SourceService and ingested in {workspace.ingest_seconds:.1f} s"
    )
    yield workspace
    workspace.store.db.dispose()


def close_context(ctx: AppContext) -> None:
    ctx.queries.close()
    ctx.engines.close()
    ctx.widget_threads.shutdown()
    ctx.sql_threads.shutdown()
    ctx.jobs.shutdown()
    ctx.db.dispose()


def rss_mb(pid: int | None = None) -> float:
    return float(psutil.Process(pid).memory_info().rss) / MB


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def plain(rows: list[Any]) -> list[tuple[Any, ...]]:
    """Rows comparable across the service and raw DuckDB (floats rounded, in a fixed order)."""
    cells = [
        tuple(round(v, 4) if isinstance(v, float) else v for v in row) for row in rows
    ]  # fmt: skip
    return sorted(cells, key=repr)


def all_ok(data: DashboardData) -> None:
    failed = {w: d.error for w, d in data.widgets.items() if d.status != "ok"}
    assert not failed, f"widgets failed: {failed}"


# -- 1. first render -------------------------------------------------------------------------------
def raw_run(con: duckdb.DuckDBPyConnection, queries: list[tuple[str, str]]) -> dict[str, float]:
    """Each query's seconds, one after the other, fetching what the runner fetches."""
    spent = {}
    for label, sql in queries:
        start = time.perf_counter()
        con.execute(sql).fetchmany(ROW_LIMIT + 1)
        spent[label] = time.perf_counter() - start
    return spent


def raw_connection(tables: dict[str, Path]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, path in tables.items():
        con.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{path}')")
    return con


def test_first_render_cold_warm_and_after_a_filter_change(loaded: Loaded) -> None:
    tables = loaded.sandbox_tables()
    steps = {"first render": loaded.widget_sql()}
    for number, change in enumerate(FILTER_CHANGES, 1):
        steps[f"filter change {number}"] = loaded.widget_sql(change)
    widget_sql = [(label, sql) for label, sql in steps["first render"] if " " not in label]
    with raw_connection(tables) as con:
        expected = {
            label: plain(con.execute(sql).fetchmany(ROW_LIMIT)) for label, sql in widget_sql
        }

    service_ms: dict[str, list[float]] = {"cold": [], "warm": []}
    raw_ms: dict[str, list[float]] = {step: [] for step in steps}
    per_query_raw: dict[str, float] = {}
    per_widget_cold: dict[str, float] = {}
    for round_ in range(REPEAT):
        order = ("raw", "service") if round_ % 2 == 0 else ("service", "raw")
        for contender in order:
            if contender == "raw":
                with raw_connection(tables) as con:  # fresh: nothing cached but the OS's
                    for step in raw_ms:
                        spent = raw_run(con, steps[step])
                        raw_ms[step].append(sum(spent.values()) * 1000)
                        if step == "first render":
                            for label, seconds in spent.items():
                                per_query_raw[label] = min(
                                    per_query_raw.get(label, 1e9), seconds * 1000
                                )
                continue
            ctx = AppContext(loaded.store.settings)
            try:
                service = ctx.dashboards(loaded.admin)

                def timed(
                    filters: dict[str, Any] | None = None,
                    service: DashboardService = service,
                ) -> tuple[float, DashboardData]:
                    start = time.perf_counter()
                    data = service.data(
                        loaded.workspace_id, loaded.dashboard_id, filters, today=TODAY_DATE
                    )
                    return (time.perf_counter() - start) * 1000, data

                ms, cold = timed()
                all_ok(cold)
                # (the KPI's sparkline is the month line's SQL: one of the two may share a run)
                assert sum(w.cached for w in cold.widgets.values()) <= 1
                service_ms["cold"].append(ms)
                for widget_id, widget in cold.widgets.items():
                    per_widget_cold[widget_id] = min(
                        per_widget_cold.get(widget_id, 1e9), widget.elapsed_ms
                    )
                if round_ == 0:  # the service shows what raw DuckDB computes
                    for widget_id, widget in cold.widgets.items():
                        assert plain(widget.rows) == expected[widget_id], widget_id
                    assert [(w.widget_id, w.sql) for w in cold.widgets.values()] == widget_sql
                ms, warm = timed()
                assert all(w.cached for w in warm.widgets.values())
                service_ms["warm"].append(ms)
                for number, change in enumerate(FILTER_CHANGES, 1):
                    ms, changed = timed(change)
                    all_ok(changed)
                    service_ms.setdefault(f"filter change {number}", []).append(ms)
            finally:
                close_context(ctx)

    best = {step: min(values) for step, values in service_ms.items()}
    raw_best = {step: min(values) for step, values in raw_ms.items()}
    raw_of = {"cold": "first render", "warm": "first render"}
    targets = {"cold": COLD_MS, "warm": WARM_MS}
    print(
        f"\n\ndashboard first render: 8 widgets (10 queries) over {ROWS:,} orders joined to "
        f"customers and products; DashboardService.data in a fresh AppContext vs the same SQL "
        f"one after the other in raw DuckDB {duckdb.__version__} (fresh connection, views over "
        f"the same Parquet; OS file cache warm); best of {REPEAT}, {os.cpu_count()} cores; {SHARED}"
    )
    print(
        f"{'step':<16} {'datapilot ms':>13} {'median ms':>10} {'raw duckdb ms':>14} "
        f"{'ratio':>7} {'target ms':>10}"
    )
    for step, values in service_ms.items():
        raw = raw_best[raw_of.get(step, step)]
        median = sorted(values)[len(values) // 2]
        target = targets.get(step, CHANGE_MS)
        print(
            f"{step:<16} {best[step]:>13.1f} {median:>10.1f} {raw:>14.1f} "
            f"{best[step] / raw:>6.2f}x {target:>10.0f}"
        )
    print(f"{'query (cold)':<28} {'widget ms':>10} {'raw ms':>8}")
    for label, ms in per_query_raw.items():
        widget = f"{per_widget_cold[label]:>10.1f}" if label in per_widget_cold else f"{'':>10}"
        print(f"{label:<28} {widget} {ms:>8.1f}")
    changes = [step for step in best if step.startswith("filter change")]
    slowest_change = max(best[step] for step in changes)
    missed = [
        f"cold {best['cold']:.0f} ms > {COLD_MS:.0f}" if best["cold"] > COLD_MS else "",
        f"warm {best['warm']:.0f} ms > {WARM_MS:.0f}" if best["warm"] > WARM_MS else "",
        f"filter change {slowest_change:.0f} ms > {CHANGE_MS:.0f}"
        if slowest_change > CHANGE_MS
        else "",
    ]
    assert not any(missed), "missed: " + "; ".join(m for m in missed if m)


# -- 2. sessions at once ---------------------------------------------------------------------------
def open_at_once(base_url: str, path: str, token: str, sessions: int) -> list[float]:
    """``sessions`` clients GET ``path`` at the same moment; each one's milliseconds until its
    whole answer was read (every widget ok)."""
    barrier = threading.Barrier(sessions)
    spent: list[float] = []
    failures: list[str] = []

    def session() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
            barrier.wait()
            start = time.perf_counter()
            response = client.get(path)
            body = response.json()
            spent.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            failures.append(f"{response.status_code} {body}")
        elif any(w["status"] != "ok" for w in body["widgets"]):
            failures.append(str([w.get("error") for w in body["widgets"]]))

    threads = [threading.Thread(target=session) for _ in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    return spent


def test_25_sessions_open_the_dashboard_at_once(loaded: Loaded) -> None:
    server = start_server(loaded.workdir, demo=False)
    try:
        process = psutil.Process(server.process.pid)
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            login = {"email": EMAIL, "password": STRONG_PASSWORD}
            response = client.post("/api/v1/auth/login", json=login)
            assert response.status_code == 200, response.text
            token = response.json()["access_token"]
        path = (
            f"/api/v1/workspaces/{loaded.workspace_id}/dashboards/{loaded.dashboard_id}/data"
            f"?today={TODAY}"
        )
        started_mb, started_threads = rss_mb(process.pid), process.num_threads()
        cold = open_at_once(server.base_url, path, token, SESSIONS)
        cold_mb, cold_threads = rss_mb(process.pid), process.num_threads()
        warm = open_at_once(server.base_url, path, token, SESSIONS)
        warm_mb, warm_threads = rss_mb(process.pid), process.num_threads()
        # A year later "last year" is another year: 9 of the 10 queries are new to the cache.
        later = path.replace(TODAY, str(TODAY_DATE.replace(year=TODAY_DATE.year + 1)))
        running = open_at_once(server.base_url, later, token, SESSIONS)
        running_mb, running_threads = rss_mb(process.pid), process.num_threads()
    finally:
        server.stop()

    print(
        f"\n\ndashboard sessions: {SESSIONS} HTTP clients GET .../dashboards/{{id}}/data at once "
        f"(8 widgets, 10 queries over {ROWS:,} orders) from a real server on this store; "
        f"{os.cpu_count()} cores; {SHARED}"
    )
    print(f"{'server':<22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'RSS MB':>8} {'threads':>8}")
    print(f"{'started':<22} {'':>8} {'':>8} {'':>8} {started_mb:>8.0f} {started_threads:>8}")
    for label, spent, mb, count in (
        ("just started (cold)", cold, cold_mb, cold_threads),
        ("again (warm)", warm, warm_mb, warm_threads),
        ("running, 9/10 new", running, running_mb, running_threads),
    ):
        print(
            f"{label:<22} {percentile(spent, 0.5):>8.0f} {percentile(spent, 0.95):>8.0f} "
            f"{max(spent):>8.0f} {mb:>8.0f} {count:>8}"
        )
    print(
        f"memory per session of the data path: {(warm_mb - started_mb) / SESSIONS:.1f} MB "
        "(RSS after the cold and warm rounds - RSS at start, / sessions); the Panel page's "
        "own memory per browser session is not measured here"
    )
    p95 = percentile(cold, 0.95)
    assert p95 <= SESSIONS_P95_MS, (
        f"p95 of {SESSIONS} sessions opening at once on a just-started server: {p95:.0f} ms "
        f"(target {SESSIONS_P95_MS:.0f} ms)"
    )


# -- 3. open/close cycles --------------------------------------------------------------------------
def test_100_open_close_cycles_leave_nothing_behind(loaded: Loaded) -> None:
    before_context = threading.active_count()
    ctx = AppContext(loaded.store.settings)

    def cycle(filters: dict[str, Any]) -> None:
        """Open a session (its service evaluates every widget), then close it (drop it)."""
        service = ctx.dashboards(loaded.admin)
        data = service.data(loaded.workspace_id, loaded.dashboard_id, filters, today=TODAY_DATE)
        all_ok(data)
        del service, data

    try:
        # A server that ran before: its sandbox, engine and DuckDB's working memory are there.
        for preset in WARM_UP:
            cycle({"period": preset})
        gc.collect()
        first = {
            "RSS MB": rss_mb(),
            "threads": threading.active_count(),
            "sandboxes": len(ctx.queries.open_sandboxes()),
            "engines": len(ctx.engines.open_engines()),
        }
        started = time.perf_counter()
        peak = first["RSS MB"]
        for number in range(CYCLES):
            cycle({"country": [COUNTRIES[number % CYCLE_COUNTRIES]]})
            peak = max(peak, rss_mb())
        seconds = time.perf_counter() - started
        gc.collect()
        after = {
            "RSS MB": rss_mb(),
            "threads": threading.active_count(),
            "sandboxes": len(ctx.queries.open_sandboxes()),
            "engines": len(ctx.engines.open_engines()),
        }
    finally:
        close_context(ctx)
    closed_threads = threading.active_count()

    print(
        f"\n\ndashboard sessions opened and closed: {CYCLES} cycles in one AppContext "
        f"({CYCLE_COUNTRIES} different country filters, so {CYCLE_COUNTRIES} cycles run their "
        f"10 queries and the rest come from the result cache) in {seconds:.1f} s; {SHARED}"
    )
    print(f"{'':<12} {'warmed up':>10} {'after all':>10} {'growth':>8} {'limit':>8}")
    for key in first:
        limit = f"{GROWTH_MB:.0f}" if key == "RSS MB" else "0"
        growth = after[key] - first[key]
        print(f"{key:<12} {first[key]:>10.0f} {after[key]:>10.0f} {growth:>8.0f} {limit:>8}")
    print(
        f"peak RSS {peak:.0f} MB; threads before the context {before_context}, after closing it "
        f"{closed_threads}"
    )
    assert after["RSS MB"] - first["RSS MB"] <= GROWTH_MB, (
        f"RSS grew by {after['RSS MB'] - first['RSS MB']:.0f} MB over {CYCLES} sessions"
    )
    assert after["threads"] <= first["threads"], "sessions left threads behind"
    assert after["sandboxes"] <= first["sandboxes"], "sessions left DuckDB sandboxes open"
    assert after["engines"] <= first["engines"], "sessions left semantic engines open"
    assert closed_threads <= before_context, "closing the context left threads behind"
