"""Semantic query benchmark through the service: ModelService.query vs hand-written DuckDB.

The same three tables as ``test_bench_semantic.py`` are uploaded as CSV files into a workspace
of a real metadata store (SQLite) and ingested; the model is saved, and the same query then
runs through :meth:`ModelService.query` (store look-ups, engine, SQL, rows) and as hand-written
SQL on a plain DuckDB connection over the same Parquet files, alternating, best of several runs.
A second, tiny query (the distinct customer segments) shows the fixed cost per query.
Run with ``make bench`` (``pytest tests/benchmarks -s``). Environment:
``DATAPILOT_BENCH_SERVICE_ROWS`` (default 1,000,000 order items), ``DATAPILOT_BENCH_REPEAT``
(default 5), ``DATAPILOT_BENCH_SEMANTIC_MAX_RATIO`` (default 1.1) and
``DATAPILOT_BENCH_SEMANTIC_SLACK_MS`` (default 15).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import duckdb

from app.services.model import ModelService
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.service import SourceService
from app.services.workspaces import WorkspaceService
from pipelines.semantic import SemanticModel, SemanticQuery
from tests.benchmarks.test_bench_semantic import HAND_SQL, QUERY, generate, model
from tests.integration.conftest import open_store

ROWS = int(os.environ.get("DATAPILOT_BENCH_SERVICE_ROWS", "1000000"))
REPEAT = int(os.environ.get("DATAPILOT_BENCH_REPEAT", "5"))
MAX_RATIO = float(os.environ.get("DATAPILOT_BENCH_SEMANTIC_MAX_RATIO", "1.1"))
SLACK_MS = float(os.environ.get("DATAPILOT_BENCH_SEMANTIC_SLACK_MS", "15"))
SMALL_RUNS = 50

SMALL = SemanticQuery(dimensions=["customers.segment"])
SMALL_SQL = "SELECT DISTINCT segment FROM customers ORDER BY 1"


def upload(service: SourceService, workspace_id: uuid.UUID, csv: Path) -> str:
    """Upload and ingest ``csv``; the id of the ready source."""
    started = service.start_upload(workspace_id, csv.name, csv.stat().st_size)
    started.path.write_bytes(csv.read_bytes())
    source_id = service.finish_upload(started.source_id).id
    deadline = time.monotonic() + 600
    while (info := service.get(source_id)).status in ("uploading", "ingesting"):
        assert time.monotonic() < deadline, "ingest did not finish"
        time.sleep(0.1)
    assert info.status == "ready", info.error
    return str(source_id)


def best_ms(values: list[float]) -> float:
    return min(values) * 1000


def test_semantic_query_through_the_service_against_hand_written_duckdb(tmp_path: Path) -> None:
    (tmp_path / "generated").mkdir()
    parquet = generate(tmp_path / "generated", ROWS)
    csv = {}
    con = duckdb.connect()
    for name, path in parquet.items():
        csv[name] = tmp_path / f"{name}.csv"
        con.execute(f"COPY (SELECT * FROM read_parquet('{path}')) TO '{csv[name]}' (HEADER)")
    con.close()

    (tmp_path / "store").mkdir()
    store = open_store(tmp_path / "store", f"sqlite:///{tmp_path / 'store.db'}")
    jobs = IngestJobs(workers=1)
    try:
        admin = store.register("Bench")
        files = SourceFiles(store.settings.storage.data_dir)
        workspace = WorkspaceService(store.db, admin, files).create("Bench")
        sources = SourceService(store.db, store.settings, files, jobs, admin)
        ids = {name: upload(sources, workspace.id, path) for name, path in csv.items()}
        document = model().to_dict()
        for table in document["tables"]:
            table["source_id"] = ids[table["name"]]
        service = ModelService(store.db, files, admin)
        service.save(workspace.id, SemanticModel.from_dict(document), 0)
        paths = service.paths(workspace.id, service.get(workspace.id))

        hand = duckdb.connect()
        for name, path in paths.items():
            hand.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")

        def rounded(rows: list) -> list:
            return [[round(v, 4) if isinstance(v, float) else v for v in row] for row in rows]

        expected = [list(r) for r in hand.execute(HAND_SQL).fetchall()]
        assert rounded(service.query(workspace.id, QUERY).rows) == rounded(expected)

        times: dict[str, list[float]] = {"service": [], "duckdb": []}
        for _ in range(REPEAT):
            start = time.perf_counter()
            service.query(workspace.id, QUERY)
            times["service"].append(time.perf_counter() - start)
            start = time.perf_counter()
            hand.execute(HAND_SQL).fetchall()
            times["duckdb"].append(time.perf_counter() - start)

        small: dict[str, list[float]] = {"service": [], "duckdb": []}
        for _ in range(SMALL_RUNS):
            start = time.perf_counter()
            service.query(workspace.id, SMALL)
            small["service"].append(time.perf_counter() - start)
            start = time.perf_counter()
            hand.execute(SMALL_SQL).fetchall()
            small["duckdb"].append(time.perf_counter() - start)
        hand.close()
    finally:
        jobs.shutdown()
        store.db.dispose()

    ratio = best_ms(times["service"]) / best_ms(times["duckdb"])
    print(
        f"\n\nsemantic service benchmark: {ROWS:,} order items through ModelService.query "
        f"(SQLite store); {os.cpu_count()} cores, best of {REPEAT}"
    )
    print(f"{'query':<8} {'contender':<10} {'best ms':>9} {'median ms':>10}")
    for label, runs in (("revenue", times), ("segments", small)):
        for name, values in runs.items():
            median = sorted(values)[len(values) // 2] * 1000
            print(f"{label:<8} {name:<10} {best_ms(values):>9.2f} {median:>10.2f}")
    overhead = best_ms(small["service"]) - best_ms(small["duckdb"])
    print(f"ratio service / duckdb: {ratio:.3f}x; fixed cost per query: {overhead:.2f} ms")
    limit = best_ms(times["duckdb"]) * MAX_RATIO + SLACK_MS
    assert best_ms(times["service"]) <= limit, (
        f"the service took {best_ms(times['service']):.0f} ms, hand-written DuckDB "
        f"{best_ms(times['duckdb']):.0f} ms (limit {MAX_RATIO}x + {SLACK_MS:.0f} ms)"
    )
