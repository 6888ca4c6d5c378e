"""Long because: every use of a saved connection goes through this one service's shared helpers.

A workspace's live database connections: editors add, change and delete them; every member
tests, browses, previews, profiles and queries them.

The password is write-only: encrypted with the installation's master keys (the AI keys' vault)
before it reaches the store, decrypted only to open the connection's pool, answered only as
``password_set``, never logged. Every store query is scoped by the principal's tenant (another
tenant's connection is missing), and every statement runs read-only through the pipeline
(:mod:`pipelines.connections`), one of the tenant's query turns at a time.
"""

from __future__ import annotations

import builtins
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from app.principal import Principal
from app.services.ai.vault import KeyVault
from app.services.connections.errors import (
    ConnectionQueryCancelled,
    ConnectionQueryFailed,
    ConnectionSqlRefused,
    ConnectionUnavailable,
)
from app.services.connections.info import ConnectionInfo, connection_info
from app.services.connections.pools import ConnectionPools
from app.services.connections.validation import (
    KEEP,
    clean_host,
    clean_kind,
    clean_name,
    clean_password,
    clean_port,
    clean_query_id,
    clean_text,
    clean_tls,
)
from app.services.errors import Conflict, NotFound
from app.settings import ConnectionSettings
from app.store.connections import ConnectionRepository
from app.store.db import Database
from app.store.models import DatabaseConnection, utcnow
from app.store.repositories import WorkspaceRepository
from pipelines import connections as live
from pipelines.connections import (
    ConnectionCheck,
    ConnectionFailed,
    ConnectionSpec,
    ReadOnlyRunner,
    RemoteQueryCancelled,
    RemoteQueryFailed,
    RemoteResult,
    RemoteTable,
    SampledProfile,
    UnknownTable,
)
from pipelines.connections.ibis_backend import driver_error, open_ibis
from pipelines.connections.snapshot import export_parquet
from pipelines.query import GuardError

R = TypeVar("R")
log = logging.getLogger(__name__)
FIELDS = ("name", "kind", "host", "port", "database", "user", "password", "tls", "schema")


class ConnectionService:
    """The connections of the principal's tenant's workspaces."""

    def __init__(
        self,
        db: Database,
        vault: KeyVault,
        pools: ConnectionPools,
        settings: ConnectionSettings,
        principal: Principal,
    ) -> None:
        self.db = db
        self.vault = vault
        self.pools = pools
        self.settings = settings
        self.principal = principal

    # -- the saved connections -----------------------------------------------------------------
    def list(self, workspace_id: uuid.UUID | str) -> Sequence[ConnectionInfo]:
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            return [
                connection_info(r)
                for r in ConnectionRepository(session, self.principal).list(workspace)
            ]

    def get(self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str) -> ConnectionInfo:
        with self.db.transaction() as session:
            return connection_info(self._row(session, workspace_id, connection_id))

    def create(
        self,
        workspace_id: uuid.UUID | str,
        *,
        name: str,
        kind: str,
        host: str,
        port: int,
        database: str,
        user: str,
        password: str = "",
        tls: str = "prefer",
        schema: str | None = None,
    ) -> ConnectionInfo:
        """Save a connection (editor). Nothing is reached yet: :meth:`test` does that."""
        self.principal.require("editor", "add database connections")
        values = _clean(locals())
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            repo = ConnectionRepository(session, self.principal)
            if repo.by_name(workspace, values["name"]) is not None:
                raise Conflict(f"This workspace already has a connection “{values['name']}”.")
            row = DatabaseConnection(workspace_id=workspace, created_by=self.principal.user_id)
            self._apply(row, values)
            try:
                repo.add(row)
            except IntegrityError:
                raise Conflict(
                    f"This workspace already has a connection “{values['name']}”."
                ) from None
            log.info("connection %s added (%s at %s:%s)", row.id, row.kind, row.host, row.port)
            return connection_info(row)

    def update(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str, **changes: Any
    ) -> ConnectionInfo:
        """Change some fields (editor); ``password`` only when given (``""`` removes it).
        The connection's pool is closed, so the next query signs in with the new settings."""
        self.principal.require("editor", "change database connections")
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise TypeError(f"unknown fields {sorted(unknown)}")
        values = _clean({k: v for k, v in changes.items() if v is not KEEP})
        with self.db.transaction() as session:
            row = self._row(session, workspace_id, connection_id)
            repo = ConnectionRepository(session, self.principal)
            taken = repo.by_name(row.workspace_id, values.get("name", row.name))
            if taken is not None and taken.id != row.id:
                raise Conflict(f"This workspace already has a connection “{values['name']}”.")
            self._apply(row, values)
            row.updated_at = utcnow()
            row.last_check = row.last_tested_at = None  # a test of other settings
            session.flush()
            info = connection_info(row)
        self.pools.dispose(info.id)
        log.info("connection %s changed (%s); its pool is closed", info.id, ", ".join(values))
        return info

    def delete(self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str) -> None:
        """Delete a connection (editor) and close its pool; the database is not touched."""
        self.principal.require("editor", "delete database connections")
        with self.db.transaction() as session:
            row = self._row(session, workspace_id, connection_id)
            found = row.id
            ConnectionRepository(session, self.principal).delete(row)
        self.pools.dispose(found)
        log.info("connection %s deleted", found)

    # -- reaching the database -------------------------------------------------------------------
    def test(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str
    ) -> ConnectionCheck:
        """Reach the database and say whether the user can write (a failure is a result)."""
        spec, found, version = self._spec(workspace_id, connection_id)
        result = live.test_connection(spec)
        with self.db.transaction() as session:  # every member sees it, until the settings change
            row = self._row(session, workspace_id, connection_id)
            if row.updated_at.isoformat() == version:
                row.last_check, row.last_tested_at = result.as_json(), utcnow()
        verdict = "read-only" if result.read_only else "can write"
        log.info(
            "connection %s tested: %s", found, verdict if result.ok else f"failed ({result.kind})"
        )
        return result

    def test_settings(
        self,
        workspace_id: uuid.UUID | str,
        *,
        kind: str,
        host: str,
        port: int,
        database: str,
        user: str,
        password: str = "",
        tls: str = "prefer",
        schema: str | None = None,
    ) -> ConnectionCheck:
        """Test settings before they are saved (editor; nothing is stored)."""
        self.principal.require("editor", "test database connections")
        values = _clean(locals())
        with self.db.transaction() as session:
            self._workspace(session, workspace_id)
        spec = ConnectionSpec(
            kind=values["kind"], host=values["host"], port=values["port"],
            database=values["database"], user=values["user"], password=values["password"],
            tls=values["tls"], schema=values["schema"],
            connect_timeout=self.settings.connect_timeout_seconds,
        )  # fmt: skip
        result = live.test_connection(spec)
        log.info("unsaved connection settings tested: %s", "ok" if result.ok else result.kind)
        return result

    def schemas(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str
    ) -> builtins.list[str]:
        runner = self._runner(workspace_id, connection_id)
        return self._catalog(runner, lambda c: live.list_schemas(c, runner.spec.kind))

    def tables(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str, schema: str | None
    ) -> builtins.list[RemoteTable]:
        """The tables of ``schema`` (default: the connection's) with estimated row counts."""
        runner = self._runner(workspace_id, connection_id)
        name = schema or runner.spec.default_schema
        return self._catalog(runner, lambda c: live.list_tables(c, runner.spec.kind, name))

    def columns(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str, schema: str | None,
        table: str,
    ) -> tuple[RemoteTable, builtins.list[live.RemoteColumn]]:  # fmt: skip
        runner = self._runner(workspace_id, connection_id)
        return self._table(runner, schema, table)

    def describe(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str, schema: str | None,
        table: str,
    ) -> tuple[RemoteTable, builtins.list[live.RemoteColumn], builtins.list[str]]:  # fmt: skip
        """A catalog table, its columns and its primary key's columns (none for a view)."""
        runner = self._runner(workspace_id, connection_id)
        name = schema or runner.spec.default_schema

        def read(conn: Any) -> tuple[RemoteTable, list[live.RemoteColumn], list[str]]:
            found = live.find_table(conn, runner.spec.kind, name, table)
            return found, live.list_columns(conn, found), live.catalog.primary_key(conn, found)

        return self._catalog(runner, read)

    def preview(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str, schema: str | None,
        table: str, *, limit: int = 100, offset: int = 0,
    ) -> RemoteResult:  # fmt: skip
        """Rows ``offset`` to ``offset + limit`` (at most ``preview_limit``) of a catalog table."""
        runner = self._runner(workspace_id, connection_id)
        found, columns = self._table(runner, schema, table)
        with self._errors():
            key = self._catalog(runner, lambda c: live.catalog.primary_key(c, found))
            rows = min(max(1, limit), self.settings.preview_limit)
            return self._turn(
                lambda: live.preview(runner, found, columns, key, limit=rows, offset=max(0, offset))
            )

    def profile(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str, schema: str | None,
        table: str,
    ) -> SampledProfile:  # fmt: skip
        """The table's profile on at most ``profile_sample_rows`` rows (says when sampled)."""
        runner = self._runner(workspace_id, connection_id)
        found, columns = self._table(runner, schema, table)
        sample = self.settings.profile_sample_rows
        with self._errors():
            return self._turn(lambda: live.profile(runner, found, columns, sample_rows=sample))

    def run(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str, sql: str,
        *, limit: int | None = None, query_id: str | None = None,
    ) -> RemoteResult:  # fmt: skip
        """Guard ``sql`` in the connection's dialect and run it read-only, capped and timed."""
        runner = self._runner(workspace_id, connection_id)
        query_id = clean_query_id(query_id) if query_id else uuid.uuid4().hex
        cap = (
            self.settings.display_limit
            if limit is None
            else min(limit, self.settings.display_limit)
        )
        with self._errors():
            checked = live.check_remote_sql(sql, runner.spec.dialect)
            run_id = f"{self.principal.user_id}/{query_id}"
            try:
                return self._turn(
                    lambda: runner.execute(checked, max_rows=max(1, cap), query_id=run_id)
                )
            except ValueError:
                raise Conflict(
                    f"Your query “{query_id}” is still running; use another id."
                ) from None

    def cancel(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str, query_id: str
    ) -> bool:
        """Stop the caller's own query ``query_id`` on the connection; False if none runs."""
        runner = self._runner(workspace_id, connection_id)
        return runner.cancel(f"{self.principal.user_id}/{clean_query_id(query_id)}")

    # -- for the semantic model and snapshots ----------------------------------------------------
    def names(self, workspace_id: uuid.UUID | str) -> dict[str, str]:
        """Name of each of the workspace's connections, by id (text)."""
        return {str(i.id): i.name for i in self.list(workspace_id)}

    def model_backend(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str
    ) -> tuple[str, Callable[[], Any]]:
        """The connection's version (its ``updated_at``: new settings, new engines) and a
        function opening it as a read-only Ibis backend with the statement timeout. The
        credentials stay inside the function; nothing here logs them."""
        spec, _, version = self._spec(workspace_id, connection_id)
        timeout = self.settings.timeout_seconds

        def open_backend() -> Any:
            with self._errors():
                return open_ibis(spec, timeout)

        return version, open_backend

    def snapshot_reader(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str, schema: str | None,
        table: str,
    ) -> tuple[RemoteTable, builtins.list[live.RemoteColumn], Callable[..., Any]]:  # fmt: skip
        """The catalog table and its columns, and a function streaming its rows in batches
        (see :func:`pipelines.connections.snapshot.export_parquet`) to a Parquet file."""
        runner = self._runner(workspace_id, connection_id)
        found, columns = self._table(runner, schema, table)

        def export(dest: Any, **options: Any) -> Any:
            with self._errors(), self.pools.turn(self.principal.tenant_id):
                return export_parquet(runner, found, columns, dest, **options)

        return found, columns, export

    @contextmanager
    def query_turn(self) -> Iterator[None]:
        """One of the tenant's connection query turns, held while the block runs."""
        with self.pools.turn(self.principal.tenant_id):
            yield

    @contextmanager
    def model_errors(self) -> Iterator[None]:
        """Errors of a query the semantic engine ran on a connection, as domain errors."""
        with self._errors():
            try:
                yield
            except Exception as exc:
                translated = driver_error(exc, self.settings.timeout_seconds)
                if translated is None:
                    raise
                raise translated from None

    # -- helpers --------------------------------------------------------------------------------
    def _workspace(self, session: Any, workspace_id: uuid.UUID | str) -> uuid.UUID:
        workspace = WorkspaceRepository(session, self.principal).get(workspace_id)
        if workspace is None:
            raise NotFound("No such workspace.")
        return workspace.id

    def _row(
        self, session: Any, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str
    ) -> DatabaseConnection:
        workspace = self._workspace(session, workspace_id)
        row = ConnectionRepository(session, self.principal).in_workspace(workspace, connection_id)
        if row is None:
            raise NotFound("No such connection in this workspace.")
        return row

    def _apply(self, row: DatabaseConnection, values: dict[str, Any]) -> None:
        for field, column in (("name", "name"), ("kind", "kind"), ("host", "host"),
                              ("port", "port"), ("database", "database"), ("user", "username"),
                              ("tls", "tls"), ("schema", "schema_name")):  # fmt: skip
            if field in values:
                setattr(row, column, values[field])
        if "password" in values:
            password = values["password"]
            row.encrypted_password = self.vault.encrypt(password) if password else None

    def _spec(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str
    ) -> tuple[ConnectionSpec, uuid.UUID, str]:
        with self.db.transaction() as session:
            row = self._row(session, workspace_id, connection_id)
            token, version = row.encrypted_password, row.updated_at.isoformat()
            spec = ConnectionSpec(
                kind=row.kind,  # type: ignore[arg-type]
                host=row.host,
                port=row.port,
                database=row.database,
                user=row.username,
                tls=row.tls,  # type: ignore[arg-type]
                schema=row.schema_name,
                connect_timeout=self.settings.connect_timeout_seconds,
            )
            found = row.id
        password = self.vault.decrypt(token) if token else ""
        return spec.with_password(password), found, version

    def _runner(
        self, workspace_id: uuid.UUID | str, connection_id: uuid.UUID | str
    ) -> ReadOnlyRunner:
        spec, found, version = self._spec(workspace_id, connection_id)
        return self.pools.runner(found, version, spec)

    def _catalog(self, runner: ReadOnlyRunner, read: Callable[[Any], R]) -> R:
        with self._errors(), live.check.connect(runner.engine, runner.spec) as conn:
            try:
                return read(conn)
            finally:
                conn.rollback()

    def _table(
        self, runner: ReadOnlyRunner, schema: str | None, table: str
    ) -> tuple[RemoteTable, builtins.list[live.RemoteColumn]]:
        name = schema or runner.spec.default_schema

        def read(conn: Any) -> tuple[RemoteTable, builtins.list[live.RemoteColumn]]:
            found = live.find_table(conn, runner.spec.kind, name, table)
            return found, live.list_columns(conn, found)

        return self._catalog(runner, read)

    def _turn(self, work: Callable[[], R]) -> R:
        with self.pools.turn(self.principal.tenant_id):
            return work()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except ConnectionFailed as exc:
            log.warning("connection unreachable (%s): %s", exc.kind, exc.message)
            raise ConnectionUnavailable(exc) from None
        except GuardError as exc:
            raise ConnectionSqlRefused(exc) from None
        except RemoteQueryFailed as exc:
            raise ConnectionQueryFailed(exc) from None
        except RemoteQueryCancelled as exc:
            raise ConnectionQueryCancelled(exc) from None
        except UnknownTable as exc:
            raise NotFound(exc.message) from None


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """The checked values of the connection fields among ``values``."""
    checks: dict[str, Callable[[Any], Any]] = {
        "name": clean_name,
        "kind": clean_kind,
        "host": clean_host,
        "port": clean_port,
        "database": lambda v: clean_text(v, "database", "database name"),
        "user": lambda v: clean_text(v, "user", "user name"),
        "password": clean_password,
        "tls": clean_tls,
        "schema": lambda v: (
            clean_text(v, "schema", "schema", required=False) or None if v is not None else None
        ),
    }
    return {name: checks[name](values[name]) for name in FIELDS if name in values}
