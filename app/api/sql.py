"""REST API v1: the SQL workbench of a workspace (run, cancel, download, history, tables) and
its saved queries.

Every SQL passes the SQL guard and runs in the workspace's sandbox. A refusal by the guard
answers 422 with the ``position`` at fault; a query DuckDB cannot run answers 422; a result
larger than the server's byte limit (``sql.display_max_mb``, ``sql.download_max_mb``, or one
value over ``sql.value_max_mb``) answers **422** with ``limit`` naming which (the request asks
for something the server will not produce; 413 would blame the request's own body); a query
cancelled by its user or stopped by the time limit answers **409** (the request conflicted with
a cancel; the detail says which). A download that passes its byte limit after its first chunk
was sent is cut off (the client sees an incomplete body) and the server logs it. Everyone with access to a workspace runs queries and sees
their own history; editors and admins save, change and delete saved queries. A workspace of
another tenant is missing (404) on every route, and so is another workspace's saved query.

Every route takes a bearer token; the download also takes the browser session with its CSRF
header, so the SQL page streams files straight from it instead of over Panel's websocket.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.framework import PREFIX, ApiRequest, Reply, Stream
from app.api.v1 import api
from app.context import AppContext
from app.errors import InvalidSql
from app.services.errors import Conflict, InvalidInput
from app.services.sql.export import MEDIA_TYPES
from app.services.sql.saved import MAX_DESCRIPTION, MAX_NAME, SavedChart
from app.services.sql.service import SqlService
from app.services.sql.tables import MAX_SQL_CHARS
from pipelines.query import GuardError, QueryCancelled, QueryFailed, ResultTooLarge

SQL = f"{PREFIX}/workspaces/{{workspace_id}}/sql"
QUERIES = f"{PREFIX}/workspaces/{{workspace_id}}/queries"
SAVED = f"{QUERIES}/{{query_id}}"
QUERY_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"


# -- schemas ----------------------------------------------------------------------------------------
class RunBody(BaseModel):
    sql: str = Field(min_length=1, max_length=MAX_SQL_CHARS, description="One read-only query")
    limit: int | None = Field(
        None, ge=1, description="Rows to return at most; capped by the server's display limit"
    )
    query_id: str | None = Field(
        None,
        pattern=QUERY_ID_PATTERN,
        description="Your id for the query, to cancel it from another request",
    )


class ChartOut(BaseModel):
    kind: Literal["kpi", "line", "area", "bar", "pie", "scatter", "table"]
    x: str | None
    y: list[str]
    reason: str = Field(description="Why this chart, in one line")
    horizontal: bool = False
    top_n: int | None = Field(None, description="Bars: the top N categories, the rest as Other")
    series: str | None = Field(None, description="Lines: the category that splits the lines")


class RunOut(BaseModel):
    query_id: str
    columns: list[str]
    types: list[str] = Field(
        description="Logical type of each column: integer, decimal, text, date, timestamp, "
        "boolean or other"
    )
    rows: list[list[Any]] = Field(description="Values in the order of columns; dates as ISO text")
    truncated: bool = Field(description="True when the query has more rows than returned")
    elapsed_ms: float
    cached: bool = Field(False, description="True when the rows came from the result cache")
    chart: ChartOut = Field(description="The suggested chart for the result")


class CancelOut(BaseModel):
    cancelled: bool = Field(description="False when no query of yours with that id is running")


class DownloadBody(BaseModel):
    sql: str = Field(min_length=1, max_length=MAX_SQL_CHARS)
    format: Literal["csv", "parquet"] = "csv"


class HistoryOut(BaseModel):
    id: str
    sql: str
    created_at: str
    elapsed_ms: float | None
    row_count: int | None = Field(description="Rows returned (null when it failed)")
    error: str | None = Field(description="Why it failed, or null")


class HistoryList(BaseModel):
    items: list[HistoryOut] = Field(description="Your last queries in this workspace, newest first")


class TableColumnOut(BaseModel):
    name: str
    type: str


class TableOut(BaseModel):
    name: str
    columns: list[TableColumnOut]


class TableList(BaseModel):
    items: list[TableOut] = Field(description="The tables SQL in this workspace reads, by name")


class SavedBody(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    sql: str = Field(min_length=1, max_length=MAX_SQL_CHARS)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    chart: SavedChart | None = Field(None, description="The chart to show it as; null: suggested")


class SavedOut(BaseModel):
    id: str
    name: str
    sql: str
    description: str
    chart: SavedChart | None
    created_by: str | None = Field(description="The user who saved it; null once deleted")
    created_at: str
    updated_at: str


class SavedList(BaseModel):
    items: list[SavedOut] = Field(description="The workspace's saved queries, by name")


# -- errors -----------------------------------------------------------------------------------------
class FailedSql(InvalidInput):
    """DuckDB could not run the query: 422, with the line and column when DuckDB gave them."""

    def __init__(self, error: QueryFailed) -> None:
        super().__init__(error.message, "sql")
        self.position = {"start": None, "end": None, "line": error.line, "column": error.column}

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"position": self.position}


class TooLargeSql(InvalidInput):
    """The result passed a byte limit: 422 with ``limit`` (display, download or value)."""

    def __init__(self, error: ResultTooLarge) -> None:
        super().__init__(error.message, "sql")
        self.limit = error.limit
        self.max_bytes = error.max_bytes

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"limit": self.limit, "max_bytes": self.max_bytes}


class CancelledSql(Conflict):
    """The query was cancelled by its user or stopped by the time limit: 409."""

    def __init__(self, error: QueryCancelled) -> None:
        super().__init__(error.message)
        self.reason = error.reason

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"cancelled": True, "reason": self.reason}


@contextmanager
def sql_errors() -> Iterator[None]:
    """Translate the query pipeline's errors into problem answers."""
    try:
        yield
    except GuardError as exc:
        raise InvalidSql(exc) from None
    except ResultTooLarge as exc:
        raise TooLargeSql(exc) from None
    except QueryFailed as exc:
        raise FailedSql(exc) from None
    except QueryCancelled as exc:
        raise CancelledSql(exc) from None


# -- helpers ----------------------------------------------------------------------------------------
def sql_threads(ctx: AppContext) -> Executor:
    """The SQL routes' own threads: long queries never take the shared request threads."""
    return ctx.sql_threads


def _service(req: ApiRequest) -> SqlService:
    return req.ctx.sql(req.caller)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _saved_out(entry: dict[str, Any]) -> SavedOut:
    return SavedOut.model_validate({key: _iso(value) for key, value in entry.items()})


# -- running ----------------------------------------------------------------------------------------
@api.operation(
    "POST",
    SQL,
    "Run one read-only SQL query on the workspace's tables. Returns at most 'limit' rows "
    "(capped by the display limit; 'truncated' says there were more) and a suggested chart. "
    "A refusal by the SQL guard answers 422 with 'position' {start, end, line, column}; a "
    "query that cannot run answers 422; a result larger than the display byte limit answers "
    "422 with 'limit' (display or value) and 'max_bytes'; a cancelled or timed-out query "
    "answers 409 with 'reason' user or timeout.",
    body=RunBody,
    response=RunOut,
    tag="sql",
    errors=(409,),
    executor=sql_threads,
)
def run_sql(req: ApiRequest) -> dict[str, Any]:
    body: RunBody = req.body
    with sql_errors():
        return _service(req).run(req.path["workspace_id"], body.sql, body.limit, body.query_id)


@api.operation(
    "POST",
    f"{SQL}/{{query_id}}/cancel",
    "Cancel your running query with this id (as sent in 'query_id' when it was started)",
    response=CancelOut,
    tag="sql",
)
def cancel_sql(req: ApiRequest) -> CancelOut:
    cancelled = _service(req).cancel(req.path["workspace_id"], req.path["query_id"])
    return CancelOut(cancelled=cancelled)


@api.operation(
    "POST",
    f"{SQL}/download",
    "Download the whole result of a query as CSV (with a header) or Parquet, streamed as it "
    "is computed; at most the server's download row and byte limits. Refusals as for running "
    "a query; a result past the byte limit answers 422 with 'limit' download when that shows "
    "in the first chunk, and is cut off (an incomplete body) when it shows later. CSV text "
    "cells starting with = + - @ tab or CR get a leading ' unless the server turned it off. "
    "Besides a bearer token, the signed-in browser session may call it with the session's "
    "CSRF token in the X-CSRF-Token header (the SQL page's download buttons do).",
    body=DownloadBody,
    tag="sql",
    errors=(403, 409),
    produces={
        MEDIA_TYPES["csv"]: "UTF-8 CSV with a header line",
        MEDIA_TYPES["parquet"]: "A Parquet file",
    },
    executor=sql_threads,
    browser=True,
)
def download_sql(req: ApiRequest) -> Stream:
    body: DownloadBody = req.body
    with sql_errors():
        chunks = _service(req).download(req.path["workspace_id"], body.sql, body.format)
        first = next(chunks, b"")  # errors of the query itself still become a problem answer
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Stream(
        chain([first], chunks), MEDIA_TYPES[body.format], filename=f"query-{stamp}.{body.format}"
    )


@api.operation(
    "GET",
    f"{SQL}/history",
    "Your last queries in this workspace (the server keeps the last 50 by default), newest "
    "first, with how long each took or why it failed",
    response=HistoryList,
    tag="sql",
)
def sql_history(req: ApiRequest) -> HistoryList:
    entries = _service(req).history(req.path["workspace_id"])
    return HistoryList(
        items=[HistoryOut.model_validate({k: _iso(v) for k, v in e.items()}) for e in entries]
    )


@api.operation(
    "GET",
    f"{SQL}/tables",
    "The tables SQL in this workspace reads and their columns: the model's tables whose "
    "source is ready, or one table per ready source when there is no model yet",
    response=TableList,
    tag="sql",
)
def sql_tables(req: ApiRequest) -> TableList:
    tables = _service(req).tables(req.path["workspace_id"])
    return TableList(
        items=[
            TableOut(name=name, columns=[TableColumnOut(name=c, type=t) for c, t in columns])
            for name, columns in tables.items()
        ]
    )


# -- saved queries ----------------------------------------------------------------------------------
@api.operation(
    "GET", QUERIES, "The workspace's saved queries", response=SavedList, tag="saved queries"
)
def list_saved_queries(req: ApiRequest) -> SavedList:
    entries = _service(req).saved(req.path["workspace_id"])
    return SavedList(items=[_saved_out(e) for e in entries])


@api.operation(
    "POST",
    QUERIES,
    "Save a query under a name (editor or admin). The SQL is checked by the SQL guard (422 "
    "with 'position'); a name already used in the workspace answers 409.",
    body=SavedBody,
    response=SavedOut,
    status=201,
    tag="saved queries",
    errors=(403, 409),
)
def create_saved_query(req: ApiRequest) -> SavedOut:
    body: SavedBody = req.body
    with sql_errors():
        entry = _service(req).save_query(
            req.path["workspace_id"], body.name, body.sql, body.description, body.chart
        )
    return _saved_out(entry)


@api.operation("GET", SAVED, "One saved query", response=SavedOut, tag="saved queries")
def get_saved_query(req: ApiRequest) -> SavedOut:
    return _saved_out(_service(req).get_saved(req.path["workspace_id"], req.path["query_id"]))


@api.operation(
    "PUT",
    SAVED,
    "Replace a saved query's name, SQL, description and chart (editor or admin); checks as "
    "for saving",
    body=SavedBody,
    response=SavedOut,
    tag="saved queries",
    errors=(403, 409),
)
def update_saved_query(req: ApiRequest) -> SavedOut:
    body: SavedBody = req.body
    with sql_errors():
        entry = _service(req).update_saved(
            req.path["workspace_id"],
            req.path["query_id"],
            name=body.name,
            sql=body.sql,
            description=body.description,
            chart=body.chart,
        )
    return _saved_out(entry)


@api.operation(
    "DELETE",
    SAVED,
    "Delete a saved query (editor or admin)",
    status=204,
    tag="saved queries",
    errors=(403,),
)
def delete_saved_query(req: ApiRequest) -> Reply:
    _service(req).delete_saved(req.path["workspace_id"], req.path["query_id"])
    return Reply(status=204)
