"""REST API v1: a workspace's live database connections (PostgreSQL, MySQL/MariaDB).

Editors and admins add, change and delete connections; every member tests, browses, previews,
profiles and queries them. The password is write-only: accepted on create and update, stored
encrypted, answered only as ``password_set``. Queries run in the database, read-only, after
the guard checked them in the server's dialect: a refusal answers 422 with ``position``; the
database's own refusal 422; a cancelled or timed-out query 409 with ``reason``; a server that
cannot be reached 502 with ``kind``; a tenant already running its allowed number of queries
429. A connection of another tenant or workspace is missing (404) on every route.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.framework import PREFIX, ApiRequest, Reply
from app.api.sources import SourceOut
from app.api.sql import sql_threads
from app.api.v1 import api
from app.services.connections import ConnectionInfo, ConnectionService
from app.services.connections.validation import KEEP
from app.services.errors import InvalidInput
from app.services.sources.snapshot import import_snapshot

CONNECTIONS = f"{PREFIX}/workspaces/{{workspace_id}}/connections"
CONNECTION = f"{CONNECTIONS}/{{connection_id}}"
QUERY_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
Kind = Literal["postgres", "mysql"]
Tls = Literal["disable", "prefer", "require", "verify-full"]
TABLE_QUERY = {
    "schema": "The schema (MySQL: database); the connection's own when left out",
    "table": "The table's name exactly as the list of tables gives it",
}


# -- schemas ----------------------------------------------------------------------------------------
class _Schema(BaseModel):
    """A model with a ``schema`` field (``schema_`` in Python: BaseModel has a ``schema``)."""

    model_config = ConfigDict(
        serialize_by_alias=True, validate_by_name=True, validate_by_alias=True
    )


class ConnectionTestOut(BaseModel):
    ok: bool = Field(description="Whether DataPilot could sign in")
    message: str = Field(description="What happened; a clear warning when the user can write")
    kind: str | None = Field(
        description="On failure: refused, unknown_host, auth, unknown_database, tls, timeout, other"
    )
    read_only: bool | None = Field(description="Whether the user cannot change anything")
    writes: list[str] = Field(description="What the user can write to")
    server_version: str | None


class ConnectionOut(_Schema):
    id: str
    workspace_id: str
    name: str
    kind: Kind
    host: str
    port: int
    database: str
    user: str
    tls: Tls
    schema_: str | None = Field(alias="schema", description="The schema browsed first")
    password_set: bool = Field(description="Whether a password is stored (it is never returned)")
    created_at: str
    updated_at: str
    last_check: ConnectionTestOut | None = Field(
        None, description="The last test of these settings; null when untested or changed since"
    )
    last_tested_at: str | None = None


class ConnectionList(BaseModel):
    items: list[ConnectionOut]


class ConnectionCreate(_Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: Kind
    host: str = Field(min_length=1, max_length=255)
    port: int | None = Field(None, ge=1, le=65535, description="Default 5432 or 3306")
    database: str = Field(min_length=1, max_length=255)
    user: str = Field(min_length=1, max_length=255)
    password: str = Field("", max_length=1000, description="Write-only; never returned")
    tls: Tls = "prefer"
    schema_: str | None = Field(None, alias="schema", max_length=255)


class ConnectionUpdate(_Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    host: str | None = Field(None, min_length=1, max_length=255)
    port: int | None = Field(None, ge=1, le=65535)
    database: str | None = Field(None, min_length=1, max_length=255)
    user: str | None = Field(None, min_length=1, max_length=255)
    password: str | None = Field(
        None, max_length=1000, description='A new write-only password; "" removes it'
    )
    tls: Tls | None = None
    schema_: str | None = Field(None, alias="schema", max_length=255)


class ConnectionSchemaList(BaseModel):
    items: list[str]


class RemoteTableOut(_Schema):
    schema_: str = Field(alias="schema")
    name: str
    kind: Literal["table", "view"]
    row_estimate: int | None = Field(description="From the server's statistics, not counted")


class RemoteTableList(BaseModel):
    items: list[RemoteTableOut]


class RemoteColumnOut(BaseModel):
    name: str
    type: Literal["text", "integer", "decimal", "date", "timestamp", "boolean"]
    server_type: str
    nullable: bool


class RemoteColumnList(BaseModel):
    table: RemoteTableOut
    items: list[RemoteColumnOut]


class RemoteRowsOut(BaseModel):
    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    truncated: bool = Field(description="More rows follow")
    elapsed_ms: float


class RemoteColumnProfileOut(BaseModel):
    name: str
    type: str
    null_fraction: float
    distinct: int = Field(description="Distinct values in the sample")
    min: Any
    max: Any


class RemoteProfileOut(BaseModel):
    table: RemoteTableOut
    sampled: bool = Field(description="Computed on a sample, not the whole table")
    sample_rows: int
    row_estimate: int | None
    note: str
    columns: list[RemoteColumnProfileOut]


class ConnectionRunBody(BaseModel):
    sql: str = Field(min_length=1, max_length=100_000, description="One read-only query")
    limit: int | None = Field(None, ge=1, description="Rows at most; capped by the server")
    query_id: str | None = Field(None, pattern=QUERY_ID_PATTERN, description="To cancel it")


class ConnectionCancelOut(BaseModel):
    cancelled: bool


# -- helpers ----------------------------------------------------------------------------------------
def _service(req: ApiRequest) -> ConnectionService:
    return req.ctx.connections(req.caller)


def _out(info: ConnectionInfo) -> ConnectionOut:
    return ConnectionOut.model_validate(info.as_json())


def _ids(req: ApiRequest) -> tuple[str, str]:
    return req.path["workspace_id"], req.path["connection_id"]


def _table(req: ApiRequest) -> tuple[str | None, str]:
    table = req.query.get("table")
    if not table:
        raise InvalidInput("Name the table: ?table=<name> (and &schema=<schema>).", "table")
    return req.query.get("schema") or None, table


def _int(req: ApiRequest, name: str, default: int) -> int:
    raw = req.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"'{name}' is a whole number; got {raw!r}.", name) from None


# -- the saved connections --------------------------------------------------------------------------
@api.operation(
    "GET", CONNECTIONS, "The workspace's connections (never a password)",
    response=ConnectionList, tag="connections",
)  # fmt: skip
def list_connections(req: ApiRequest) -> ConnectionList:
    return ConnectionList(items=[_out(i) for i in _service(req).list(req.path["workspace_id"])])


@api.operation(
    "POST", CONNECTIONS,
    "Add a PostgreSQL or MySQL/MariaDB connection (editor). Nothing is reached until it is "
    "tested or browsed; the password is stored encrypted and never returned.",
    body=ConnectionCreate, response=ConnectionOut, status=201, tag="connections",
    errors=(403, 409),
)  # fmt: skip
def create_connection(req: ApiRequest) -> Reply:
    b: ConnectionCreate = req.body
    info = _service(req).create(
        req.path["workspace_id"], name=b.name, kind=b.kind, host=b.host,
        port=b.port or (5432 if b.kind == "postgres" else 3306), database=b.database,
        user=b.user, password=b.password, tls=b.tls, schema=b.schema_,
    )  # fmt: skip
    location = f"{PREFIX}/workspaces/{info.workspace_id}/connections/{info.id}"
    return Reply(_out(info), 201, {"Location": location})


@api.operation("GET", CONNECTION, "One connection", response=ConnectionOut, tag="connections")
def get_connection(req: ApiRequest) -> ConnectionOut:
    return _out(_service(req).get(*_ids(req)))


@api.operation(
    "PATCH", CONNECTION,
    "Change a connection (editor); fields left out stay. Its open connections are closed.",
    body=ConnectionUpdate, response=ConnectionOut, tag="connections", errors=(403, 409),
)  # fmt: skip
def update_connection(req: ApiRequest) -> ConnectionOut:
    b: ConnectionUpdate = req.body
    sent = b.model_fields_set
    changes: dict[str, Any] = {}
    for field, name in (("name", "name"), ("host", "host"), ("port", "port"),
                        ("database", "database"), ("user", "user"), ("password", "password"),
                        ("tls", "tls"), ("schema_", "schema")):  # fmt: skip
        value = getattr(b, field)
        keep = field not in sent or (value is None and field != "schema_")
        changes[name] = KEEP if keep else value
    return _out(_service(req).update(*_ids(req), **changes))


@api.operation(
    "DELETE", CONNECTION, "Delete a connection (editor); the database is not touched",
    status=204, tag="connections", errors=(403,),
)  # fmt: skip
def delete_connection(req: ApiRequest) -> Reply:
    _service(req).delete(*_ids(req))
    return Reply(status=204)


@api.operation(
    "POST", f"{CONNECTION}/test",
    "Reach the database and check the user: 200 with ok false and the failure's kind when it "
    "cannot sign in; read_only false with a warning when the user can write",
    response=ConnectionTestOut, tag="connections", executor=sql_threads,
)  # fmt: skip
def test_connection_route(req: ApiRequest) -> ConnectionTestOut:
    return ConnectionTestOut.model_validate(_service(req).test(*_ids(req)).as_json())


@api.operation(
    "POST", f"{CONNECTIONS}/test",
    "Test connection settings before saving them (editor); nothing is stored. Answered like "
    "the test of a saved connection.",
    body=ConnectionCreate, response=ConnectionTestOut, tag="connections", errors=(403,),
    executor=sql_threads,
)  # fmt: skip
def test_connection_settings(req: ApiRequest) -> ConnectionTestOut:
    b: ConnectionCreate = req.body
    result = _service(req).test_settings(
        req.path["workspace_id"], kind=b.kind, host=b.host,
        port=b.port or (5432 if b.kind == "postgres" else 3306), database=b.database,
        user=b.user, password=b.password, tls=b.tls, schema=b.schema_,
    )  # fmt: skip
    return ConnectionTestOut.model_validate(result.as_json())


# -- browsing ---------------------------------------------------------------------------------------
@api.operation(
    "GET", f"{CONNECTION}/schemas", "The schemas (MySQL: databases) the user may read",
    response=ConnectionSchemaList, tag="connections", errors=(502,), executor=sql_threads,
)  # fmt: skip
def list_connection_schemas(req: ApiRequest) -> ConnectionSchemaList:
    return ConnectionSchemaList(items=_service(req).schemas(*_ids(req)))


@api.operation(
    "GET", f"{CONNECTION}/tables",
    "The tables and views of a schema with row counts estimated from the server's statistics",
    response=RemoteTableList, tag="connections", errors=(502,), executor=sql_threads,
    query={"schema": TABLE_QUERY["schema"]},
)  # fmt: skip
def list_connection_tables(req: ApiRequest) -> RemoteTableList:
    found = _service(req).tables(*_ids(req), req.query.get("schema") or None)
    return RemoteTableList(items=[RemoteTableOut.model_validate(t.as_json()) for t in found])


@api.operation(
    "GET", f"{CONNECTION}/columns", "A table's columns with their logical types",
    response=RemoteColumnList, tag="connections", errors=(502,), executor=sql_threads,
    query=TABLE_QUERY,
)  # fmt: skip
def list_connection_columns(req: ApiRequest) -> RemoteColumnList:
    table, columns = _service(req).columns(*_ids(req), *_table(req))
    return RemoteColumnList(
        table=RemoteTableOut.model_validate(table.as_json()),
        items=[RemoteColumnOut.model_validate(c.as_json()) for c in columns],
    )


@api.operation(
    "GET", f"{CONNECTION}/preview",
    "A page of a table's rows (primary-key order when it has one), read-only",
    response=RemoteRowsOut, tag="connections", errors=(409, 429, 502), executor=sql_threads,
    query={**TABLE_QUERY, "limit": "Rows per page (default 100, at most the server's cap)",
           "offset": "Rows to skip (default 0)"},
)  # fmt: skip
def preview_connection_table(req: ApiRequest) -> dict[str, Any]:
    schema, table = _table(req)
    limit, offset = _int(req, "limit", 100), _int(req, "offset", 0)
    found = _service(req).preview(*_ids(req), schema, table, limit=limit, offset=offset)
    return found.as_json()


@api.operation(
    "GET", f"{CONNECTION}/profile",
    "Null fraction, distinct values, minimum and maximum per column, on a bounded sample of "
    "the table ('sampled' and 'note' say so), never a full scan of a large table",
    response=RemoteProfileOut, tag="connections", errors=(409, 429, 502), executor=sql_threads,
    query=TABLE_QUERY,
)  # fmt: skip
def profile_connection_table(req: ApiRequest) -> dict[str, Any]:
    return _service(req).profile(*_ids(req), *_table(req)).as_json()


# -- SQL --------------------------------------------------------------------------------------------
@api.operation(
    "POST", f"{CONNECTION}/sql",
    "Run one read-only query in the database (checked in its dialect first), in a read-only "
    "transaction with the server's time limit; at most 'limit' rows ('truncated' says more)",
    body=ConnectionRunBody, response=RemoteRowsOut, tag="connections", errors=(409, 429, 502),
    executor=sql_threads,
)  # fmt: skip
def run_connection_sql(req: ApiRequest) -> dict[str, Any]:
    b: ConnectionRunBody = req.body
    return _service(req).run(*_ids(req), b.sql, limit=b.limit, query_id=b.query_id).as_json()


@api.operation(
    "POST", f"{CONNECTION}/sql/{{query_id}}/cancel",
    "Cancel your running query with this id on the connection",
    response=ConnectionCancelOut, tag="connections",
)  # fmt: skip
def cancel_connection_sql(req: ApiRequest) -> ConnectionCancelOut:
    return ConnectionCancelOut(cancelled=_service(req).cancel(*_ids(req), req.path["query_id"]))


# -- snapshots --------------------------------------------------------------------------------------
class SnapshotBody(_Schema):
    schema_: str | None = Field(
        None, alias="schema", max_length=255, description=TABLE_QUERY["schema"]
    )
    table: str = Field(min_length=1, max_length=255, description=TABLE_QUERY["table"])
    name: str | None = Field(
        None, min_length=1, max_length=200,
        description="The new source's name; the table's when left out (with (2), (3)… when "
        "taken). A name given that is taken is refused (409).",
    )  # fmt: skip


@api.operation(
    "POST", f"{CONNECTION}/snapshot",
    "Import a snapshot of a table (editor): its rows are streamed in batches into a new source "
    "of the workspace (Parquet, profiled like an upload), which can then be joined with files. "
    "Answers 202 with the source 'ingesting'; follow it on GET …/sources/{id}.",
    body=SnapshotBody, response=SourceOut, status=202, tag="connections",
    errors=(403, 409, 429, 502), executor=sql_threads,
)  # fmt: skip
def import_connection_snapshot(req: ApiRequest) -> Reply:
    b: SnapshotBody = req.body
    workspace_id, connection_id = _ids(req)
    info = import_snapshot(
        req.ctx.sources(req.caller), _service(req), workspace_id, connection_id, b.schema_,
        b.table, b.name,
    )  # fmt: skip
    location = f"{PREFIX}/workspaces/{info.workspace_id}/sources/{info.id}"
    return Reply(SourceOut.model_validate(info.as_json()), 202, {"Location": location})
