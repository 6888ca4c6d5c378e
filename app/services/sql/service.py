"""The SQL workbench of a workspace: run, cancel and download SQL, history and saved queries.

Every SQL goes through the SQL guard and the workspace's sandbox (both in
:mod:`pipelines.query`); the tables it sees are described in :mod:`app.services.sql.tables`.
Everyone with access to a workspace runs queries and sees their own history (the last
``sql.history_size``); editors and admins save, change and delete the workspace's saved queries.

Errors of the SQL itself leave this service as the query pipeline raises them
(:class:`~pipelines.query.GuardError` with the position at fault,
:class:`~pipelines.query.QueryFailed`, :class:`~pipelines.query.QueryCancelled`); the edges
(REST problem JSON, page notification) translate them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.principal import Principal
from app.services.errors import Conflict, InvalidInput
from app.services.sources.files import SourceFiles
from app.services.sql.export import ExportFormat, export
from app.services.sql.saved import SavedQueries
from app.services.sql.tables import (
    Column,
    WorkspaceTables,
    check_query_id,
    check_sql_text,
    load_tables,
    workspace_of,
)
from app.settings import SqlSettings
from app.store.db import Database
from app.store.models import QueryHistory
from app.store.repositories import QueryHistoryRepository
from pipelines.charts import ChartSuggestion, ResultColumn, suggest_chart
from pipelines.query import (
    GuardError,
    QueryCancelled,
    QueryFailed,
    QueryRunner,
    SqlResult,
    check_sql,
)
from pipelines.query.verdicts import table_fingerprint

MB = 2**20


@dataclass(frozen=True)
class SqlRun:
    """One executed query: the id it ran under, its result and the suggested chart."""

    query_id: str
    result: SqlResult
    chart: ChartSuggestion

    def as_json(self) -> dict[str, Any]:
        """``{query_id, columns, types, rows, truncated, elapsed_ms, chart}``."""
        return {"query_id": self.query_id, **self.result.as_json(), "chart": self.chart.as_json()}


class SqlService(SavedQueries):
    """SQL use cases of one Principal over the process-wide :class:`QueryRunner`."""

    def __init__(
        self,
        db: Database,
        files: SourceFiles,
        runner: QueryRunner,
        settings: SqlSettings,
        principal: Principal,
    ) -> None:
        self.db = db
        self.files = files
        self.runner = runner
        self.settings = settings
        self.principal = principal

    # -- the workspace's tables ------------------------------------------------------------------
    def workspace_tables(self, workspace_id: uuid.UUID | str) -> WorkspaceTables:
        """What SQL in ``workspace_id`` may read (NotFound for a workspace not the caller's)."""
        with self.db.transaction() as session:
            return load_tables(session, self.principal, self.files, workspace_id)

    def tables(self, workspace_id: uuid.UUID | str) -> dict[str, list[Column]]:
        """Table name -> ``[(column, logical type)]``, for completion and the schema list."""
        return self.workspace_tables(workspace_id).columns

    # -- running ----------------------------------------------------------------------------------
    def execute(
        self,
        workspace_id: uuid.UUID | str,
        sql: str,
        limit: int | None = None,
        query_id: str | None = None,
    ) -> SqlRun:
        """Run ``sql`` and keep it in the caller's history (also when it fails).

        Parameters
        ----------
        limit
            Rows to return at most; ``None`` or more than ``sql.display_limit`` means the
            display limit. More rows set ``truncated``; rows of more than ``sql.display_max_mb``
            are refused (ResultTooLarge, a QueryFailed).
        query_id
            The id :meth:`cancel` stops it by; one is made up when not given.

        Raises
        ------
        Conflict
            The caller's query ``query_id`` is still running.
        GuardError
            The SQL is not one read-only query over the workspace's tables (with the position).
        QueryFailed
            DuckDB refused or failed it (the message names the table, column or function).
        QueryCancelled
            Cancelled by the user or stopped by the time limit (the message says which).
        """
        check_sql_text(sql)
        rows = self._limit(limit)
        query_id = check_query_id(query_id) if query_id else uuid.uuid4().hex
        tables = self.workspace_tables(workspace_id)
        runner_id = tables.run_id(self.principal.user_id, query_id)
        if runner_id in self.runner.running(str(self.principal.tenant_id)):
            raise Conflict(f"Your query “{query_id}” is still running; use another query id.")
        try:
            result = tables.run(
                self.runner,
                self.principal,
                sql,
                limit=rows,
                max_bytes=self.settings.display_max_mb * MB,
                query_id=query_id,
            )
        except (GuardError, QueryFailed, QueryCancelled) as exc:
            self._remember(tables, sql, error=_message(exc))
            raise
        self._remember(tables, sql, elapsed_ms=result.elapsed_ms, row_count=len(result.rows))
        return SqlRun(query_id, result, self.suggest(tables, result))

    def run(
        self,
        workspace_id: uuid.UUID | str,
        sql: str,
        limit: int | None = None,
        query_id: str | None = None,
    ) -> dict[str, Any]:
        """:meth:`execute` as JSON: ``{query_id, columns, types, rows, truncated, elapsed_ms,
        chart}`` (dates as ISO text, the chart as :meth:`ChartSuggestion.as_json`)."""
        return self.execute(workspace_id, sql, limit, query_id).as_json()

    def cancel(self, workspace_id: uuid.UUID | str, query_id: str) -> bool:
        """Stop the caller's query ``query_id`` in the workspace; False when none is running."""
        check_query_id(query_id)
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
        runner_id = f"{workspace.id}/{self.principal.user_id}/{query_id}"
        return bool(self.runner.cancel(str(self.principal.tenant_id), runner_id))

    def suggest(self, tables: WorkspaceTables, result: SqlResult) -> ChartSuggestion:
        """The chart for ``result``, using the roles and formats the model gives its columns."""
        columns = []
        for name, kind in zip(result.columns, result.types, strict=True):
            known = tables.roles.get(name)
            if known is None:
                columns.append(ResultColumn(name=name, type=kind))
                continue
            columns.append(
                ResultColumn(
                    name=name,
                    type=kind,
                    role=known.role,  # type: ignore[arg-type]
                    format=known.format,
                    label=known.label,
                    aggregation=known.aggregation,
                )
            )
        return suggest_chart(columns, result.rows)

    def download(
        self, workspace_id: uuid.UUID | str, sql: str, fmt: ExportFormat
    ) -> Iterator[bytes]:
        """The whole result of ``sql`` (at most ``sql.download_max_rows`` rows) as CSV or
        Parquet chunks, computed batch by batch as they are read.

        The workspace, the guard and DuckDB's start of the query are checked before this
        returns (NotFound, GuardError, QueryFailed); it holds one of the tenant's query turns
        until the iterator is exhausted or closed (closing it stops the query). Reading past
        ``sql.download_max_mb`` raises ResultTooLarge from the iterator. CSV text cells that
        start like a formula get a leading ``'`` unless ``sql.csv_neutralise_formulas`` is off.
        """
        check_sql_text(sql)
        if fmt not in ("csv", "parquet"):
            raise InvalidInput(f"Unknown download format “{fmt}”; use csv or parquet.", "format")
        tables = self.workspace_tables(workspace_id)
        # Refuse before waiting for a turn; the sandbox's own check then reuses the verdict.
        check_sql(sql, tables.paths, scope=table_fingerprint(tables.paths, tables.allowed_dir))
        batches = self.runner.stream(
            tables.sandbox_key(self.principal.tenant_id),
            tables.paths,
            tables.allowed_dir,
            sql,
            max_rows=self.settings.download_max_rows,
            max_bytes=self.settings.download_max_mb * MB,
        )
        return export(batches, fmt, neutralise_formulas=self.settings.csv_neutralise_formulas)

    # -- history ----------------------------------------------------------------------------------
    def history(self, workspace_id: uuid.UUID | str) -> list[dict[str, Any]]:
        """The caller's last queries in the workspace, newest first: ``id``, ``sql``,
        ``created_at`` (datetime), ``elapsed_ms``, ``row_count`` and ``error`` (None if it
        ran)."""
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            rows = QueryHistoryRepository(session, self.principal).recent(
                workspace.id, self.principal.user_id, self.settings.history_size
            )
            return [_history_entry(row) for row in rows]

    def _remember(
        self,
        tables: WorkspaceTables,
        sql: str,
        *,
        elapsed_ms: float | None = None,
        row_count: int | None = None,
        error: str | None = None,
    ) -> None:
        """Add a query to the caller's history and drop what is beyond ``history_size``."""
        with self.db.transaction() as session:
            history = QueryHistoryRepository(session, self.principal)
            history.add(
                QueryHistory(
                    workspace_id=tables.workspace_id,
                    user_id=self.principal.user_id,
                    sql=sql,
                    elapsed_ms=elapsed_ms,
                    row_count=row_count,
                    error=None if error is None else error[:2000],
                )
            )
            history.trim(tables.workspace_id, self.principal.user_id, self.settings.history_size)

    # -- helpers ----------------------------------------------------------------------------------
    def _limit(self, limit: int | None) -> int:
        if limit is None:
            return self.settings.display_limit
        if limit < 1:
            raise InvalidInput("The limit must be at least 1 row.", "limit")
        return min(limit, self.settings.display_limit)


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc)


def _history_entry(row: QueryHistory) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "sql": row.sql,
        "created_at": row.created_at,
        "elapsed_ms": row.elapsed_ms,
        "row_count": row.row_count,
        "error": row.error,
    }
