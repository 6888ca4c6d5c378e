"""Running a template's dashboard on a test workspace: every widget's rows through the semantic
engine (comparisons, over-time and new-vs-returning parts included), and a DuckDB oracle over the same files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.ai.evaluation import Workspace
from pipelines.semantic.query import QueryResult
from pipelines.templates import BuiltDashboard, Template, TemplateMapping, map_template

SHIPPED = Path(__file__).resolve().parents[3] / "config" / "templates"


def mapped(template: Template, workspace: Workspace) -> TemplateMapping:
    return map_template(template, workspace.catalog, workspace.model)


def results(workspace: Workspace, built: BuiltDashboard) -> dict[str, QueryResult]:
    """Every widget's result, queried on the model with the template's measures added."""
    model = workspace.model.model_copy(
        update={"measures": [*workspace.model.measures, *built.measures]}
    )
    model.bind(dict(workspace.paths))
    found = {}
    for widget in built.document.widgets:
        assert widget.query is not None and widget.query.semantic is not None
        q = widget.query.semantic
        found[widget.id] = model.query(
            q.measures,
            q.dimensions,
            q.filters,
            q.sort,
            q.limit,
            q.compare,
            q.over_time,
            q.first_seen,
        )
    return found


def run(workspace: Workspace, built: BuiltDashboard) -> dict[str, list[list[Any]]]:
    """Every widget's rows (see :func:`results`)."""
    return {name: result.rows for name, result in results(workspace, built).items()}


def duck(workspace: Workspace, sql: str) -> Any:
    """The first value of ``sql`` over the workspace's tables, in plain DuckDB."""
    con = duckdb.connect()
    try:
        for table, path in workspace.paths.items():
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
        row = con.execute(sql).fetchone()
        assert row is not None
        return row[0]
    finally:
        con.close()
