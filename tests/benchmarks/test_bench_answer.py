"""Offline answering benchmark: DataPilot's own work per question on the Sales sample.

For 20 questions, the median time to answer offline (catalog and index cached) plus run the
semantic query, against running the same query's generated SQL in raw DuckDB over the same
Parquet files. The difference is DataPilot's added time per question (target at most
``DATAPILOT_BENCH_ANSWER_MAX_MS``, default 50 ms). Run with ``make bench``.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date
from pathlib import Path

import duckdb

from pipelines.ai.evaluation import build_workspace, load_questions
from pipelines.ai.offline import OfflineAnswerer
from pipelines.semantic import SemanticEngine
from tests.unit.ai.demo_workspaces import QUESTIONS

MAX_MS = float(os.environ.get("DATAPILOT_BENCH_ANSWER_MAX_MS", "50"))
REPEAT = int(os.environ.get("DATAPILOT_BENCH_REPEAT", "5"))


def test_answer_overhead_per_question(tmp_path: Path) -> None:
    from app.demo import DEMO_WORKSPACES

    sales = next(w for w in DEMO_WORKSPACES if w.name == "Sales")
    ws = build_workspace("Sales", {s.name: s.path for s in sales.sources}, tmp_path)
    questions, today = load_questions(QUESTIONS)
    answerer = OfflineAnswerer(ws.catalog)
    engine = SemanticEngine(ws.model, ws.paths)
    asked = [
        q.question for q in questions
        if q.workspace == "Sales" and q.expect == "answer" and not q.previous
    ][:20]  # fmt: skip
    con = duckdb.connect()
    for table, path in ws.paths.items():
        con.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{path}')")
    added: list[float] = []
    for question in asked:
        query = answerer.answer(question, today=date(2025, 3, 15)).query
        assert query is not None, question
        sql = engine.sql(query)
        ours, raw = [], []
        for _ in range(REPEAT):
            start = time.perf_counter()
            draft = answerer.answer(question, today=today)
            assert draft.query is not None
            engine.execute(draft.query)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            con.execute(sql).fetchall()
            raw.append(time.perf_counter() - start)
        added.append((min(ours) - min(raw)) * 1000)
    median = statistics.median(added)
    print(f"\nanswer + run vs raw DuckDB, added per question: median {median:.1f} ms, "
          f"max {max(added):.1f} ms over {len(asked)} questions")  # fmt: skip
    assert median <= MAX_MS
