"""The per-workspace DuckDB sandbox: views over the workspace's Parquet files and nothing else.

Each sandbox owns one in-memory DuckDB database. After the views are created, external access
is switched off except for the workspace folder, extension install/load is off, memory and
threads are capped, spilling to disk is disabled and the configuration is locked, so no SQL can
undo any of it. Independently of the SQL guard, DuckDB's own parser must see exactly one SELECT
statement. Every query runs on its own cursor; a timer interrupts it at the time limit and
:meth:`Sandbox.cancel` interrupts it on request.

Results are bounded by bytes as well as rows (:mod:`pipelines.query.fetch`).
"""

# SQL text is assembled from sql.literal()/sql.ident() quoted parts and fixed fragments.
# ruff: noqa: S608

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ..ingest.sql import ident, literal
from .errors import (
    QueryCancelled,
    QueryFailed,
    QueryRefused,
    ResultTooLarge,
    clean_message,
    error_position,
)
from .fetch import (
    RESULT_BATCH_ROWS,
    SIZE_CHECKED,
    VALUE_LIMIT_MARK,
    fetch_rows,
    size_checked_macro,
)
from .results import SqlResult, logical_type
from .running import Run, SandboxLimits, timed
from .verdicts import table_fingerprint

__all__ = ["Sandbox", "SandboxLimits"]  # SandboxLimits lives in .running; named here too

if TYPE_CHECKING:
    import pyarrow as pa


def _refuse_links(folder: Path) -> None:
    """Refuse a workspace folder that holds a symbolic link anywhere inside it.

    DuckDB resolves ``..`` in a path before it checks ``allowed_directories``, but the operating
    system then follows links: ``<ws>/link/../x`` passes the check as ``<ws>/x`` and is opened
    as ``<target of link>/../x``, outside the workspace. No link, no such escape.
    """
    pending = [folder]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    link = Path(entry.path).relative_to(folder)
                    raise QueryFailed(
                        f"The workspace folder contains a symbolic link, '{link}'; SQL cannot "
                        "run in this workspace until it is removed (a link could lead outside)."
                    )
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))


class Sandbox:
    """A locked-down DuckDB database that sees one workspace's tables.

    Parameters
    ----------
    tables : mapping of str to Path
        View name (the model's identifier) -> Parquet file inside ``allowed_dir``.
    allowed_dir : Path
        The workspace folder; the only place DuckDB may read.
    limits : SandboxLimits
        Memory, threads and time limit.

    Raises
    ------
    ValueError
        A table name is empty or repeated, or a table's file lies outside ``allowed_dir``.
    QueryFailed
        A table's file cannot be read, or the folder holds a symbolic link.
    """

    def __init__(
        self, tables: Mapping[str, Path], allowed_dir: Path, limits: SandboxLimits | None = None
    ) -> None:
        self.limits = limits or SandboxLimits()
        self.allowed_dir = Path(allowed_dir).resolve()
        if not self.allowed_dir.is_dir():
            raise ValueError("The workspace folder does not exist")
        self.tables = self._checked_tables(tables)
        _refuse_links(self.allowed_dir)
        self._known = self._known_paths(allowed_dir, tables)
        # Verdicts of the guard are remembered per table set and files (the runner computes
        # the same fingerprint from the same arguments, so its pre-checks are shared).
        self.scope = table_fingerprint(tables, allowed_dir)
        self._lock = threading.Lock()
        self._runs: dict[str, Run] = {}
        self._closed = False
        self._con = duckdb.connect(":memory:")
        try:
            self._set_up()
        except BaseException:
            self._con.close()
            raise

    # -- set-up ----------------------------------------------------------------------------------
    def _checked_tables(self, tables: Mapping[str, Path]) -> dict[str, Path]:
        checked: dict[str, Path] = {}
        seen: dict[str, str] = {}
        for name, path in tables.items():
            if not name or not name.strip():
                raise ValueError("A table name is empty")
            if name.lower() in seen:
                raise ValueError(f"Table '{name}' is given twice (also as '{seen[name.lower()]}')")
            seen[name.lower()] = name
            resolved = Path(path).resolve()
            if not resolved.is_relative_to(self.allowed_dir):
                raise ValueError(f"Table '{name}': its file is outside the workspace folder")
            checked[name] = resolved
        return checked

    def _known_paths(self, allowed_dir: Path, tables: Mapping[str, Path]) -> dict[str, str]:
        known: dict[str, str] = {}
        for folder in (str(allowed_dir).rstrip("/"), str(self.allowed_dir)):
            known[folder + "/"] = ""  # paths inside the workspace become relative to it
            known[folder] = "."
        for name, path in tables.items():
            known[str(path)] = f"<table {name}>"
            known[str(self.tables[name])] = f"<table {name}>"
        return known

    def _set_up(self) -> None:
        con = self._con
        for name, path in self.tables.items():
            try:
                con.execute(
                    f"CREATE VIEW {ident(name)} AS SELECT * FROM read_parquet({literal(path)})"
                )
            except duckdb.Error as exc:
                message = clean_message(str(exc).splitlines()[0], self._known)
                raise QueryFailed(f"Table '{name}' cannot be read: {message}") from None
        for name in SIZE_CHECKED:
            con.execute(size_checked_macro(name, self.limits.value_max_mb * 2**20))
        # temp_directory cannot change once external access is off; '' disables spilling.
        for statement in (
            "SET temp_directory = ''",
            "SET GLOBAL python_enable_replacements = false",
            f"SET allowed_directories = [{literal(str(self.allowed_dir).rstrip('/') + '/')}]",
            "SET enable_external_access = false",
            "SET autoinstall_known_extensions = false",
            "SET autoload_known_extensions = false",
            f"SET memory_limit = '{int(self.limits.memory_limit_mb)}MiB'",
            f"SET threads = {int(self.limits.threads)}",
        ):
            con.execute(statement)
        self._progress_off(con)
        con.execute("SET lock_configuration = true")

    @staticmethod
    def _progress_off(con: duckdb.DuckDBPyConnection) -> None:
        """No progress bar. In Jupyter it starts off, and DuckDB refuses to change the setting
        at all without ipywidgets (even to off): set it only when it is on."""
        row = con.execute("SELECT current_setting('enable_progress_bar')").fetchone()
        if row is not None and row[0]:
            con.execute("SET enable_progress_bar = false")

    def setting(self, name: str) -> Any:
        """The current value of a DuckDB setting (for checks and diagnostics)."""
        with self._lock:
            cursor = self._con.cursor()
        try:
            row = cursor.execute("SELECT current_setting(?)", [name]).fetchone()
        finally:
            cursor.close()
        return None if row is None else row[0]

    # -- running ---------------------------------------------------------------------------------
    def execute(
        self,
        sql: str,
        *,
        limit: int,
        max_bytes: int | None = None,
        query_id: str | None = None,
        guard: bool = True,
        allow_list: bool = True,
    ) -> SqlResult:
        """Run one SELECT and return at most ``limit`` rows.

        Parameters
        ----------
        sql : str
            One read-only statement.
        limit : int
            Display limit; ``truncated`` tells whether there were more rows.
        max_bytes : int, optional
            Display limit in bytes (Arrow size of the rows kept); more raises ResultTooLarge.
        query_id : str, optional
            Id under which :meth:`cancel` can stop the query.
        guard : bool
            Run the SQL guard first (tests switch it off to prove the sandbox holds alone).
        allow_list : bool
            Without the guard, the sandbox still checks the SQL with DuckDB's own parser
            against the same allow-list; tests switch this off too, to prove the locked
            connection holds on its own.

        Raises
        ------
        GuardError
            The guard refused the SQL.
        QueryRefused
            DuckDB's parser does not see exactly one SELECT statement.
        QueryCancelled
            Cancelled, or stopped at the time limit.
        ResultTooLarge
            The rows (or one value) are larger than ``max_bytes`` (or the value limit).
        QueryFailed
            DuckDB reported an error (message without server paths).
        """
        if limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        started = time.perf_counter()
        run = self._begin(query_id)
        try:
            statement = self._statement(run.cursor, sql, guard, allow_list)
            with timed(run):
                try:
                    # DuckDB's result streams: only the rows fetched are ever produced.
                    run.cursor.execute(statement)
                    described = run.cursor.description or []
                    fetched = fetch_rows(run.cursor, limit + 1, max_bytes)
                except Exception as exc:  # DuckDB's, or a byte limit
                    raise self._error(exc, run, sql) from None
        finally:
            run.end()
            self._forget(run)
        return SqlResult(
            columns=[d[0] for d in described],
            types=[logical_type(d[1]) for d in described],
            rows=[list(row) for row in fetched[:limit]],
            truncated=len(fetched) > limit,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def stream(
        self,
        sql: str,
        *,
        max_rows: int,
        max_bytes: int | None = None,
        batch_rows: int = RESULT_BATCH_ROWS,
        query_id: str | None = None,
        guard: bool = True,
        allow_list: bool = True,
    ) -> Iterator[pa.RecordBatch]:
        """Run one SELECT and yield its rows as Arrow record batches (for downloads).

        The SQL is checked and the query started before this returns, so refusals raise here.
        At least one batch (possibly empty) is yielded, so a writer always sees the schema.
        The time limit counts the time spent inside DuckDB, not the consumer's.

        Parameters
        ----------
        sql : str
            One read-only statement.
        max_rows : int
            Stop after this many rows.
        max_bytes : int, optional
            Download limit in bytes: the batch that passes it raises ResultTooLarge instead of
            being yielded (so does the start, when the first batch alone passes it).
        batch_rows : int
            Rows per batch (the last may be smaller).
        query_id : str, optional
            Id under which :meth:`cancel` can stop the download.
        guard : bool
            Run the SQL guard first.
        allow_list : bool
            As for :meth:`execute`.
        """
        if max_rows < 0 or batch_rows < 1:
            raise ValueError("max_rows must not be negative and batch_rows must be positive")
        run = self._begin(query_id)
        try:
            statement = self._statement(run.cursor, sql, guard, allow_list)
            with timed(run):
                try:
                    reader = run.cursor.sql(statement.query).to_arrow_reader(batch_rows)
                except duckdb.Error as exc:
                    raise self._error(exc, run, sql) from None
        except BaseException:
            run.end()
            self._forget(run)
            raise
        batches = self._batches(run, reader, sql, max_rows, max_bytes)
        next(batches)  # started, so closing or collecting it ends the query (see _batches)
        return batches

    def _batches(
        self,
        run: Run,
        reader: pa.RecordBatchReader,
        sql: str,
        max_rows: int,
        max_bytes: int | None,
    ) -> Iterator[Any]:
        import pyarrow as pa

        try:
            yield None  # consumed by stream(): from here on, ``finally`` runs on close
            left, sent, total = max_rows, False, 0
            while left > 0:
                with timed(run):
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        break
                    except Exception as exc:  # DuckDB errors arrive wrapped by Arrow
                        raise self._error(exc, run, sql) from None
                if batch.num_rows > left:
                    batch = batch.slice(0, left)
                total += batch.nbytes
                if max_bytes is not None and total > max_bytes:
                    raise ResultTooLarge("download", max_bytes)
                left -= batch.num_rows
                sent = True
                yield batch
            if not sent:
                yield pa.RecordBatch.from_pylist([], schema=reader.schema)
        finally:
            run.end()
            self._forget(run)

    def cancel(self, query_id: str) -> bool:
        """Interrupt the running query ``query_id``; False when no such query is running."""
        with self._lock:
            run = self._runs.get(query_id)
        if run is None:
            return False
        threading.Thread(target=run.stop, args=("user",), daemon=True).start()
        return True

    def running(self) -> list[str]:
        """Ids of the queries running now."""
        with self._lock:
            return list(self._runs)

    def close(self) -> None:
        """Stop running queries and close the database."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            runs = list(self._runs.values())
        for run in runs:
            threading.Thread(target=run.stop, args=("user",), daemon=True).start()
        for run in runs:
            run.done.wait(5)
        self._con.close()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- helpers ---------------------------------------------------------------------------------
    def _begin(self, query_id: str | None) -> Run:
        query_id = query_id or uuid.uuid4().hex
        with self._lock:
            if self._closed:
                raise QueryFailed("This workspace's query engine was closed; run the query again.")
            if query_id in self._runs:
                raise ValueError(f"A query with id '{query_id}' is already running")
            run = Run(query_id, self._con.cursor(), self.limits.timeout_seconds)
            self._runs[query_id] = run
        return run

    def _forget(self, run: Run) -> None:
        with self._lock:
            if self._runs.get(run.query_id) is run:
                del self._runs[run.query_id]

    def _statement(
        self, cursor: duckdb.DuckDBPyConnection, sql: str, guard: bool, allow_list: bool = True
    ) -> duckdb.Statement:
        if guard:
            from .guard import check_sql

            check_sql(sql, self.tables, scope=self.scope)
        try:
            statements = cursor.extract_statements(sql)
        except duckdb.Error as exc:
            raise self._error(exc, None, sql) from None
        if not statements:
            raise QueryRefused("There is no SQL statement to run.")
        if len(statements) > 1:
            raise QueryRefused(
                f"Only one statement can run at a time; this SQL has {len(statements)}."
            )
        statement = statements[0]
        if statement.type != duckdb.StatementType.SELECT:
            kind = statement.type.name.replace("_", " ")
            raise QueryRefused(f"Only SELECT queries can run here; this is a {kind} statement.")
        if not guard and allow_list:
            # The sandbox's own layer: DuckDB's parser (not sqlglot) must see one SELECT over
            # this workspace's tables calling only allowed functions, so settings and catalog
            # functions are refused even when the guard is bypassed.
            from . import native
            from .refusals import GuardError

            try:
                native.check(sql, {name.lower(): name for name in self.tables})
            except GuardError as exc:
                raise QueryRefused(exc.message, line=exc.line, column=exc.column) from None
        return statement

    def _error(self, exc: Exception, run: Run | None, sql: str) -> Exception:
        if isinstance(exc, QueryFailed):  # already ours (a byte limit)
            return exc
        if VALUE_LIMIT_MARK in str(exc):
            return ResultTooLarge("value", self.limits.value_max_mb * 2**20)
        if run is not None and run.reason is not None:
            return QueryCancelled(run.reason, self.limits.timeout_seconds)
        if isinstance(exc, duckdb.InterruptException):
            return QueryCancelled("user")
        if isinstance(exc, duckdb.OutOfMemoryException):
            return QueryFailed(
                "The query needs more memory than this workspace's limit of "
                f"{self.limits.memory_limit_mb} MB; aggregate or filter more, or add a LIMIT."
            )
        raw = str(exc).strip()
        line, column = error_position(raw, sql)
        return QueryFailed(clean_message(raw, self._known), line=line, column=column)
