"""Model tables that read a live connection's table: checked against its catalog, queried there.

Nothing is copied: a query whose tables live in one connection runs through the semantic engine
on an Ibis backend of that connection (read-only session, statement timeout, one of the
tenant's connection query turns), kept in the engine cache under the connection's version, so
changed connection settings open a new engine. The credentials come from the
:class:`~app.services.connections.ConnectionService` and are never logged.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import TypeVar

from app.services.connections import ConnectionService
from app.services.connections.errors import ConnectionUnavailable
from app.services.engine_lease import TablePaths, use_engine
from app.services.errors import InvalidInput, NotFound
from app.services.model_homes import Home, choose_home, elsewhere_problems, homes
from pipelines.semantic.backends import BoundTable
from pipelines.semantic.engine import SemanticEngine
from pipelines.semantic.engines import EngineCache, EngineKey, model_digest
from pipelines.semantic.model import ConnectionTable, SemanticModel
from pipelines.semantic.query import SemanticError, SemanticQuery
from pipelines.semantic.sources import SourceColumn, SourceSchema
from pipelines.semantic.validate import Issue
from pipelines.semantic.validate import validate as validate_model

T = TypeVar("T")


def no_connections(table: str | None) -> SemanticError:
    return SemanticError(
        f"Table “{table}” is in a database connection, which this part of DataPilot cannot "
        "query yet; import a snapshot of it as a source to use it here.",
        table,
    )


def names_of(
    connections: ConnectionService | None, workspace_id: uuid.UUID | str
) -> dict[str, str]:
    """The workspace's connections by id (none without a connection service)."""
    return {} if connections is None else connections.names(workspace_id)


def check_references(
    model: SemanticModel,
    saved: SemanticModel,
    connections: ConnectionService | None,
    workspace_id: uuid.UUID | str,
) -> None:
    """Refuse a model whose connection tables are not in the workspace.

    Every connection must be one of the workspace's (another tenant's or workspace's is
    missing); every table reference not in the ``saved`` model must exist in the connection's
    catalog. A database that cannot be reached does not block a save (validation reports it).

    Raises
    ------
    InvalidInput
        Naming the table and the connection or the missing table.
    """
    names = names_of(connections, workspace_id)
    known = references(saved)
    for table in model.tables:
        ref = table.connection
        if ref is None:
            continue
        field = f"tables.{table.name}.connection"
        if ref.connection_id not in names:
            raise InvalidInput(
                f"Table “{table.name}” uses a database connection that is not in this "
                "workspace; pick one of the workspace's connections or remove the table.",
                field,
            )
        if (ref.connection_id, ref.schema_name, ref.table) in known or connections is None:
            continue
        try:
            connections.columns(workspace_id, ref.connection_id, ref.schema_name, ref.table)
        except NotFound:
            raise InvalidInput(
                f"Table “{table.name}”: the database “{names[ref.connection_id]}” has no table "
                f"{ref.display}; pick one its list of tables gives.",
                field,
            ) from None
        except ConnectionUnavailable:
            continue


def references(model: SemanticModel) -> set[tuple[str, str, str]]:
    return {
        (t.connection.connection_id, t.connection.schema_name, t.connection.table)
        for t in model.tables
        if t.connection is not None
    }


def schemas(
    model: SemanticModel,
    connections: ConnectionService | None,
    workspace_id: uuid.UUID | str,
) -> tuple[dict[str, SourceSchema], list[Issue]]:
    """The schema of each connection table of ``model`` from its catalog (keyed by
    :attr:`~pipelines.semantic.model.Table.source_key`), and issues for those that cannot be read."""
    found: dict[str, SourceSchema] = {}
    issues: list[Issue] = []
    refs: dict[str, tuple[str, ConnectionTable]] = {
        t.source_key: (t.name, t.connection) for t in model.tables if t.connection is not None
    }
    if not refs:
        return found, issues
    names = names_of(connections, workspace_id)
    for key, (name, ref) in refs.items():
        where = names.get(ref.connection_id)
        problem = None
        if connections is None or where is None:
            problem = f"Table {name} uses a database connection that was deleted; remove the table"
        else:
            try:
                table, columns = connections.columns(
                    workspace_id, ref.connection_id, ref.schema_name, ref.table
                )
            except NotFound:
                problem = (
                    f"Table {name}: the database “{where}” has no table {ref.display} any more; "
                    "remove the table or restore it in the database"
                )
            except ConnectionUnavailable as exc:
                problem = f"Table {name}: the database “{where}” cannot be reached: {exc}"
            else:
                found[key] = SourceSchema(
                    source_id=key,
                    name=f"{where}: {ref.display}",
                    row_count=table.row_estimate or 0,
                    columns=tuple(SourceColumn(c.name, c.name, c.type) for c in columns),
                )
        if problem is not None:
            issues.append(Issue("error", "connection_table_unreadable", problem, table=name))
    return found, issues


def issues(
    model: SemanticModel,
    file_sources: Mapping[str, SourceSchema],
    connections: ConnectionService | None,
    workspace_id: uuid.UUID | str,
) -> list[Issue]:
    """:func:`~pipelines.semantic.validate.validate` of a model with connection tables: their
    columns from the catalog, a clear issue for one that cannot be read (instead of "source
    deleted"), and a warning for each join across engines."""
    live, unreadable = schemas(model, connections, workspace_id)
    found = validate_model(model, {**file_sources, **live})
    tables = {i.table for i in unreadable}
    found = [i for i in found if not (i.code == "source_deleted" and i.table in tables)]
    found += cross_engine_joins(model, homes(model, names_of(connections, workspace_id)))
    return [*unreadable, *found]


def plan(
    model: SemanticModel,
    query: SemanticQuery,
    connections: ConnectionService | None,
    workspace_id: uuid.UUID | str,
) -> tuple[Home, dict[str, str]]:
    """Where ``query`` runs, and why each table elsewhere cannot be read by it.

    Raises
    ------
    SemanticError
        When the query names tables of two places, or a connection not in the workspace.
    """
    names = names_of(connections, workspace_id)
    table_homes = homes(model, names)
    anchor, home = choose_home(model, query, table_homes)
    if not home.is_files and connections is None:
        raise no_connections(anchor)
    if not home.is_files and home.key not in names:
        raise SemanticError(
            f"Table “{anchor}” uses a database connection that is not in this workspace; "
            "pick one of the workspace's connections for it.",
            anchor,
        )
    return home, elsewhere_problems(anchor, home, table_homes)


def cross_engine_joins(model: SemanticModel, homes: Mapping[str, Home]) -> list[Issue]:
    """A warning for each join between tables that live in different places."""
    issues = []
    for join in model.joins:
        left, right = homes.get(join.left_table), homes.get(join.right_table)
        if left is None or right is None or left.key == right.key:
            continue
        issues.append(
            Issue(
                "warning",
                "join_across_engines",
                f"Join {join.id}: {join.left_table} and {join.right_table} live in different "
                f"places ({left.label}, {right.label}); a query cannot use both, import a "
                "snapshot of the connection's table as a source to join them",
                join_id=join.id,
            )
        )
    return issues


def run_live(
    engines: EngineCache,
    connections: ConnectionService | None,
    tenant_id: uuid.UUID,
    workspace_id: uuid.UUID,
    model: SemanticModel,
    home: Home,
    problems: Mapping[str, str],
    work: Callable[[SemanticEngine], T],
) -> T:
    """``work(engine)`` on the engine of the connection ``home`` (kept in ``engines``)."""
    bound = {
        t.name: BoundTable(t.connection.table, t.connection.schema_name)
        for t in model.tables
        if t.connection is not None and t.connection.connection_id == home.key
    }
    if connections is None:
        raise no_connections(next(iter(bound), None))
    version, open_backend = connections.model_backend(workspace_id, home.key)
    identity = "\n".join(
        [f"connection\0{home.key}\0{version}"]
        + [f"{name}\0{ref.database}\0{ref.name}" for name, ref in sorted(bound.items())]
    )
    key = EngineKey(
        tenant_id=str(tenant_id),
        workspace_id=str(workspace_id),
        model_version=model.version,
        # the home in the digest: the workspace's DuckDB engine of the same model is not stale
        model=f"{model_digest(model)}@{home.key}",
        files=hashlib.sha256(identity.encode()).hexdigest(),
    )
    paths = TablePaths({}, problems)

    def open_engine() -> SemanticEngine:
        return SemanticEngine(model, con=open_backend(), tables=bound, close_con=True)

    try:
        with connections.query_turn(), connections.model_errors(), _engine_lock(key):
            return use_engine(engines, key, model, paths, work, open_engine)
    except ConnectionUnavailable:
        # a broken session must not stay cached: the next query signs in again
        engines.invalidate(str(tenant_id), str(workspace_id))
        raise


_ENGINE_LOCKS: dict[EngineKey, threading.Lock] = {}
_ENGINE_LOCKS_GUARD = threading.Lock()


def _engine_lock(key: EngineKey) -> threading.Lock:
    """One query at a time on a database engine: it holds one driver connection, and MySQL's
    (mysqlclient) must not be used by two threads at once (a dashboard's widgets run side by
    side). Queries on different connections or models still run in parallel."""
    with _ENGINE_LOCKS_GUARD:
        if len(_ENGINE_LOCKS) > 4096:  # engines of old model versions: forget unheld locks
            for old in [k for k, lock in _ENGINE_LOCKS.items() if not lock.locked()]:
                del _ENGINE_LOCKS[old]
        return _ENGINE_LOCKS.setdefault(key, threading.Lock())
