"""The process-wide query runner: pooled sandboxes, per-tenant concurrency, cancel, result cache.

One :class:`QueryRunner` serves every tenant. Sandboxes are pooled per workspace and model
version (least recently used closed beyond ``max_sandboxes``; a newer model version retires the
older one). Queries run on a shared thread pool, but each tenant has its own semaphore, so one
tenant's heavy queries wait behind each other instead of taking every worker. Results are
cached per tenant, workspace, model version, table files, SQL, row and byte limit; a result
larger than its byte limit never exists, and none larger than the byte limit is cached. A query
asked for while the same one (same cache key) runs waits for that run and shares its result
(:mod:`pipelines.query.flights`). The tenant's turns, within this process and (with a
:class:`~pipelines.query.turns.SlotGate`) across server processes, are in
:mod:`pipelines.query.turns`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import CacheKey, ResultCache, normalise_sql
from .errors import QueryCancelled
from .fetch import RESULT_BATCH_ROWS
from .flights import Flight, Flights
from .results import SqlResult, approx_bytes
from .running import SandboxLimits
from .sandbox import Sandbox
from .turns import WAIT_STEP, SlotGate, TenantTurns
from .verdicts import table_fingerprint

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class WorkspaceKey:
    """Which sandbox a query needs: a tenant's workspace at one model version."""

    tenant_id: str
    workspace_id: str
    model_version: int


@dataclass
class _Entry:
    sandbox: Sandbox
    fingerprint: str
    leases: int = 0
    retired: bool = False


class _Query:
    """A query known to the runner, from the moment it asks for its tenant's turn."""

    def __init__(self, tenant_id: str, query_id: str) -> None:
        self.tenant_id = tenant_id
        self.query_id = query_id
        self.cancelled = threading.Event()
        self.finished = threading.Event()
        self.sandbox: Sandbox | None = None
        self.lock = threading.Lock()

    def attach(self, sandbox: Sandbox) -> None:
        with self.lock:
            if self.cancelled.is_set():
                raise QueryCancelled("user")
            self.sandbox = sandbox

    def cancel(self) -> None:
        with self.lock:
            self.cancelled.set()
            sandbox = self.sandbox
        if sandbox is not None:
            threading.Thread(target=self._cancel_in, args=(sandbox,), daemon=True).start()

    def _cancel_in(self, sandbox: Sandbox) -> None:
        # The query may not have reached the sandbox yet (queued on a worker): keep asking.
        while not self.finished.is_set():
            if sandbox.cancel(self.query_id):
                return
            self.finished.wait(WAIT_STEP / 2)


class QueryRunner:
    """Runs workspace SQL for every tenant of the process.

    Parameters
    ----------
    limits : SandboxLimits
        Memory, threads and time limit of each sandbox.
    per_tenant : int
        Queries one tenant may run at the same time; more wait for their turn.
    cache_mb : int
        Memory budget of the result cache (0 disables it).
    max_sandboxes : int
        Open sandboxes kept; the least recently used is closed beyond this.
    workers : int
        Threads running queries for all tenants together.
    gate : SlotGate, optional
        The tenant's slots shared with other server processes; without it ``per_tenant``
        holds for this process only.
    """

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        per_tenant: int = 2,
        cache_mb: int = 256,
        *,
        max_sandboxes: int = 32,
        workers: int = 8,
        gate: SlotGate | None = None,
    ) -> None:
        if per_tenant < 1 or max_sandboxes < 1 or workers < 1:
            raise ValueError("per_tenant, max_sandboxes and workers must be at least 1")
        self.limits = limits or SandboxLimits()
        self.per_tenant = per_tenant
        self.max_sandboxes = max_sandboxes
        self.cache = ResultCache(cache_mb * 1024 * 1024)
        self._flights = Flights()
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="datapilot-sql")
        self._pool: OrderedDict[WorkspaceKey, _Entry] = OrderedDict()
        self._turns = TenantTurns(per_tenant, gate)
        self._queries: dict[tuple[str, str], _Query] = {}
        self._counter = 0
        self._lock = threading.Lock()

    # -- public API ------------------------------------------------------------------------------
    def run(
        self,
        key: WorkspaceKey,
        tables: Mapping[str, Path],
        allowed_dir: Path,
        sql: str,
        *,
        limit: int,
        max_bytes: int | None = None,
        query_id: str | None = None,
        use_cache: bool = True,
    ) -> SqlResult:
        """Run guarded SQL in the workspace's sandbox and return at most ``limit`` rows.

        Parameters
        ----------
        key : WorkspaceKey
            Tenant, workspace and model version.
        tables : mapping of str to Path
            View name -> Parquet file of the workspace.
        allowed_dir : Path
            The workspace folder.
        sql : str
            One read-only statement (checked by the guard).
        limit : int
            Display limit.
        max_bytes : int, optional
            Display limit in bytes (ResultTooLarge beyond it); nothing larger is cached.
        query_id : str, optional
            Id for :meth:`cancel` (unique among the tenant's running queries).
        use_cache : bool
            Look the result up in, and store it into, the result cache; while the same query
            runs for another caller, wait for that run and share its result.

        Raises
        ------
        GuardError, QueryRefused, QueryFailed, QueryCancelled
            As :meth:`Sandbox.execute`; QueryCancelled also when cancelled while waiting for
            the tenant's turn or for the same query's run, or when a wait outlasts the time
            limit.
        """
        started = time.perf_counter()
        fingerprint = table_fingerprint(tables, allowed_dir)
        cache_key = CacheKey(
            str(key.tenant_id),
            str(key.workspace_id),
            key.model_version,
            fingerprint,
            _normalised(sql),
            limit,
            max_bytes,
        )
        if use_cache:
            hit = self.cache.get(cache_key)
            if hit is not None:
                elapsed = (time.perf_counter() - started) * 1000
                return replace(hit, cached=True, elapsed_ms=elapsed)
        query = self._register(key.tenant_id, query_id)
        flight: Flight | None = None
        result: SqlResult | None = None
        try:
            if use_cache:  # the same query running now for another caller: take its result
                timeout = self.limits.timeout_seconds
                flight, shared = self._flights.join(cache_key, query.cancelled, timeout, WAIT_STEP)
                if shared is not None:
                    elapsed = (time.perf_counter() - started) * 1000
                    return replace(shared, cached=True, elapsed_ms=elapsed)
            with self._turn(query), self._lease(key, tables, allowed_dir, fingerprint) as sandbox:
                query.attach(sandbox)
                future = self._executor.submit(self._execute, query, sandbox, sql, limit, max_bytes)
                result = future.result()
            if use_cache and (max_bytes is None or approx_bytes(result) <= max_bytes):
                self.cache.put(cache_key, result)  # before landing: later callers hit the cache
            return result
        finally:
            self._unregister(query)
            if flight is not None:
                self._flights.land(cache_key, flight, result)

    def stream(
        self,
        key: WorkspaceKey,
        tables: Mapping[str, Path],
        allowed_dir: Path,
        sql: str,
        *,
        max_rows: int,
        max_bytes: int | None = None,
        batch_rows: int = RESULT_BATCH_ROWS,
        query_id: str | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Guarded SQL as Arrow record batches (downloads); holds one of the tenant's turns.

        Refusals and errors of the start raise here; the batches are produced while the
        caller iterates. Close the iterator (or exhaust it) to free the turn.
        """
        query = self._register(key.tenant_id, query_id)
        fingerprint = table_fingerprint(tables, allowed_dir)
        turn = self._turn(query)
        lease = self._lease(key, tables, allowed_dir, fingerprint)
        try:
            turn.__enter__()
            try:
                sandbox = lease.__enter__()
                try:
                    query.attach(sandbox)
                    batches = sandbox.stream(
                        sql,
                        max_rows=max_rows,
                        max_bytes=max_bytes,
                        batch_rows=batch_rows,
                        query_id=query.query_id,
                    )
                except BaseException:
                    lease.__exit__(None, None, None)
                    raise
            except BaseException:
                turn.__exit__(None, None, None)
                raise
        except BaseException:
            self._unregister(query)
            raise

        def release() -> Iterator[Any]:
            try:
                yield None
                yield from batches
            finally:
                close = getattr(batches, "close", None)
                if close is not None:
                    close()
                lease.__exit__(None, None, None)
                turn.__exit__(None, None, None)
                self._unregister(query)

        wrapped = release()
        next(wrapped)  # started, so closing or collecting it runs the release above
        return wrapped

    def cancel(self, tenant_id: str, query_id: str) -> bool:
        """Cancel a tenant's running or waiting query; False when it has no such query."""
        with self._lock:
            query = self._queries.get((str(tenant_id), query_id))
        if query is None:
            return False
        query.cancel()
        return True

    def running(self, tenant_id: str) -> list[str]:
        """Ids of a tenant's queries that are running or waiting."""
        with self._lock:
            return [qid for (tenant, qid) in self._queries if tenant == str(tenant_id)]

    def executing(self, tenant_id: str) -> int:
        """A tenant's queries of this runner that hold a turn now (running, not waiting)."""
        return self._turns.holding(str(tenant_id))

    def open_sandboxes(self) -> list[WorkspaceKey]:
        """Keys of the pooled sandboxes, least recently used first."""
        with self._lock:
            return list(self._pool)

    def invalidate(self, tenant_id: str, workspace_id: str | None = None) -> None:
        """Forget cached results and close idle sandboxes of a tenant's workspace (or all)."""
        self.cache.invalidate(str(tenant_id), None if workspace_id is None else str(workspace_id))
        with self._lock:
            doomed = [
                key
                for key in self._pool
                if str(key.tenant_id) == str(tenant_id)
                and (workspace_id is None or str(key.workspace_id) == str(workspace_id))
            ]
            closing = [self._retire(key) for key in doomed]
        self._close(closing)

    def close(self) -> None:
        """Stop every query and close every sandbox."""
        with self._lock:
            entries = list(self._pool.values())
            self._pool.clear()
            queries = list(self._queries.values())
        for query in queries:
            query.cancel()
        for entry in entries:
            entry.retired = True
            entry.sandbox.close()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- queries and turns -----------------------------------------------------------------------
    def _register(self, tenant_id: str, query_id: str | None) -> _Query:
        with self._lock:
            if query_id is None:
                self._counter += 1
                query_id = f"q{self._counter}-{time.monotonic_ns()}"
            ident = (str(tenant_id), query_id)
            if ident in self._queries:
                raise ValueError(f"A query with id '{query_id}' is already running")
            query = self._queries[ident] = _Query(str(tenant_id), query_id)
        return query

    def _unregister(self, query: _Query) -> None:
        query.finished.set()
        with self._lock:
            if self._queries.get((query.tenant_id, query.query_id)) is query:
                del self._queries[(query.tenant_id, query.query_id)]

    def _turn(self, query: _Query) -> AbstractContextManager[None]:
        """Wait (cancellably, at most the time limit) for one of the tenant's query slots."""
        return self._turns.turn(query.tenant_id, query.cancelled, self.limits.timeout_seconds)

    def _execute(
        self, query: _Query, sandbox: Sandbox, sql: str, limit: int, max_bytes: int | None
    ) -> SqlResult:
        if query.cancelled.is_set():  # cancelled while queued for a worker
            raise QueryCancelled("user")
        return sandbox.execute(sql, limit=limit, max_bytes=max_bytes, query_id=query.query_id)

    # -- sandbox pool ----------------------------------------------------------------------------
    @contextmanager
    def _lease(
        self, key: WorkspaceKey, tables: Mapping[str, Path], allowed_dir: Path, fingerprint: str
    ) -> Iterator[Sandbox]:
        closing: list[_Entry] = []
        with self._lock:
            entry = self._pool.get(key)
            if entry is not None and entry.fingerprint != fingerprint:
                closing.append(self._retire(key))
                entry = None
            if entry is not None:
                entry.leases += 1
                self._pool.move_to_end(key)
        self._close(closing)
        if entry is None:
            entry = self._open(key, tables, allowed_dir, fingerprint)
        try:
            yield entry.sandbox
        finally:
            with self._lock:
                entry.leases -= 1
                idle_and_retired = entry.retired and entry.leases == 0
            if idle_and_retired:
                entry.sandbox.close()

    def _open(
        self, key: WorkspaceKey, tables: Mapping[str, Path], allowed_dir: Path, fingerprint: str
    ) -> _Entry:
        sandbox = Sandbox(tables, allowed_dir, self.limits)  # outside the lock: reads files
        spare: Sandbox | None = None
        closing: list[_Entry] = []
        with self._lock:
            entry = self._pool.get(key)
            if entry is not None and entry.fingerprint == fingerprint:
                spare = sandbox  # another thread opened it meanwhile
            else:
                if entry is not None:
                    closing.append(self._retire(key))
                entry = self._pool[key] = _Entry(sandbox, fingerprint)
                for other in list(self._pool):
                    if (
                        other.tenant_id == key.tenant_id
                        and other.workspace_id == key.workspace_id
                        and other.model_version < key.model_version
                    ):
                        closing.append(self._retire(other))
                while len(self._pool) > self.max_sandboxes:
                    closing.append(self._retire(next(iter(self._pool))))
            entry.leases += 1
        if spare is not None:
            spare.close()
        self._close(closing)
        return entry

    def _retire(self, key: WorkspaceKey) -> _Entry:
        """Take a sandbox out of the pool (call with the lock held); closed once idle."""
        entry = self._pool.pop(key)
        entry.retired = True
        return entry

    @staticmethod
    def _close(entries: list[_Entry]) -> None:
        for entry in entries:
            if entry.leases == 0:
                entry.sandbox.close()


def _normalised(sql: str) -> str:
    try:
        return normalise_sql(sql)
    except Exception:  # the tokenizer is lenient; never let the cache key break a query
        return sql.strip()
