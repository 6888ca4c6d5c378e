"""Semantic engines kept per workspace, model and table files, so a query only runs its SQL.

Opening an engine costs a DuckDB connection and a schema read of every Parquet file it touches;
compiling costs milliseconds more. :class:`EngineCache` keeps engines (each with its compiled
queries) under an :class:`EngineKey` that names everything an answer depends on: the workspace,
the model's version and content, and each table's file with its size, modification time and
inode. A save, a re-ingest or a deleted source therefore never meets an old engine: the key
changes, and the older engines of that workspace are retired as soon as a newer one opens.

The cache is bounded and thread-safe. An engine in use when it is retired or evicted is closed
when its last user is done with it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .engine import SemanticEngine
from .model import SemanticModel

__all__ = ["EngineCache", "EngineKey", "files_identity", "model_digest"]

MAX_ENGINES = 16
"""Engines kept in all (least recently used closed first)."""
PER_WORKSPACE = 2
"""Engines kept per workspace (the saved model and one being edited, say)."""


@dataclass(frozen=True)
class EngineKey:
    """What an engine's answers depend on."""

    tenant_id: str
    workspace_id: str
    model_version: int
    model: str
    """:func:`model_digest` of the model (an edited, unsaved model differs from the saved one)."""
    files: str
    """:func:`files_identity` of the tables' Parquet files."""


def model_digest(model: SemanticModel) -> str:
    """A digest of the model's whole document, version included."""
    return hashlib.sha256(model.model_dump_json().encode()).hexdigest()


def files_identity(paths: Mapping[str, Path]) -> str:
    """A digest of each table's name, file, size, modification time and inode."""
    parts = []
    for name in sorted(paths):
        path = Path(paths[name])
        try:
            stat = path.stat()
            parts.append(f"{name}\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}")
        except OSError:
            parts.append(f"{name}\0{path}\0missing")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass
class _Entry:
    engine: SemanticEngine
    leases: int = 0
    retired: bool = False


class EngineCache:
    """Engines by :class:`EngineKey`, least recently used closed beyond ``max_engines``.

    Parameters
    ----------
    max_engines
        Engines kept in all.
    per_workspace
        Engines kept per tenant workspace.
    """

    def __init__(self, max_engines: int = MAX_ENGINES, per_workspace: int = PER_WORKSPACE) -> None:
        if max_engines < 1 or per_workspace < 1:
            raise ValueError("max_engines and per_workspace must be at least 1")
        self.max_engines = max_engines
        self.per_workspace = per_workspace
        self._entries: OrderedDict[EngineKey, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def open_engines(self) -> list[EngineKey]:
        """Keys of the kept engines, least recently used first."""
        with self._lock:
            return list(self._entries)

    @contextmanager
    def lease(
        self, key: EngineKey, open_engine: Callable[[], SemanticEngine]
    ) -> Iterator[SemanticEngine]:
        """The engine for ``key`` (opened with ``open_engine`` when none is kept), held open
        while the ``with`` block runs."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.leases += 1
                self._entries.move_to_end(key)
        if entry is None:
            entry = self._add(key, open_engine())  # outside the lock: opening reads files
        try:
            yield entry.engine
        finally:
            with self._lock:
                entry.leases -= 1
                idle_and_retired = entry.retired and entry.leases == 0
            if idle_and_retired:
                entry.engine.close()

    def invalidate(self, tenant_id: str, workspace_id: str | None = None) -> int:
        """Close the engines of a tenant's workspace (or of all its workspaces); how many."""
        with self._lock:
            doomed = [
                key
                for key in self._entries
                if key.tenant_id == str(tenant_id)
                and (workspace_id is None or key.workspace_id == str(workspace_id))
            ]
            idle = [self._retire(key) for key in doomed]
        _close(idle)
        return len(doomed)

    def close(self) -> None:
        """Close every engine (those in use once their users are done)."""
        with self._lock:
            idle = [self._retire(key) for key in list(self._entries)]
        _close(idle)

    # -- helpers ---------------------------------------------------------------------------------
    def _add(self, key: EngineKey, engine: SemanticEngine) -> _Entry:
        idle: list[SemanticEngine | None] = []
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                idle.append(engine)  # another thread opened it meanwhile
            else:
                entry = self._entries[key] = _Entry(engine)
                idle += self._make_room(key)
            entry.leases += 1
        _close(idle)
        return entry

    def _make_room(self, key: EngineKey) -> list[SemanticEngine | None]:
        """Retire what ``key`` makes stale, then beyond the bounds (call with the lock held)."""
        doomed: list[SemanticEngine | None] = []
        same = [k for k in self._entries if _same_workspace(k, key) and k != key]
        for other in same:
            stale = other.model_version < key.model_version or (
                other.model == key.model and other.files != key.files
            )
            if stale:
                doomed.append(self._retire(other))
        same = [k for k in self._entries if _same_workspace(k, key)]
        while len(same) > self.per_workspace:
            doomed.append(self._retire(same.pop(0)))
        while len(self._entries) > self.max_engines:
            doomed.append(self._retire(next(iter(self._entries))))
        return doomed

    def _retire(self, key: EngineKey) -> SemanticEngine | None:
        """Take ``key``'s engine out (lock held): returned when idle, so the caller closes it
        after releasing the lock; otherwise its last user closes it."""
        entry = self._entries.pop(key)
        entry.retired = True
        return entry.engine if entry.leases == 0 else None


def _close(engines: list[SemanticEngine | None]) -> None:
    for engine in engines:
        if engine is not None:
            engine.close()


def _same_workspace(a: EngineKey, b: EngineKey) -> bool:
    return a.tenant_id == b.tenant_id and a.workspace_id == b.workspace_id


def warm_up() -> None:
    """Load what the first semantic query of a process would wait for (Ibis's DuckDB backend,
    its SQL compiler and sqlglot's DuckDB dialect, about a third of a second): a server calls it
    in a background thread at start, so the first dashboard opened does not pay for it."""
    import ibis

    con = ibis.duckdb.connect()
    try:
        table = ibis.memtable({"n": [1, 2]})
        con.compile(table.group_by("n").aggregate(c=table.n.count()).order_by("n"))
    finally:
        con.disconnect()
