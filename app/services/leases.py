"""Leases: what lets several server processes share one store and one data directory.

Each :class:`~app.context.AppContext` (one per server process) has an owner id, made at start
from the host (its name and process id namespace), the process id and a random part
(``host~namespace:pid:random``), and a
:class:`Leases` object that writes it into the store beside what the process works on:

* a **source** it uploads, ingests or replaces (``sources.lease_owner`` and ``lease_expires``);
* a **slot** of a cross-process limit (``process_leases``: ``query:<tenant>`` slots 0..n-1 for
  a tenant's concurrent queries, ``ingest:<tenant>`` for its ingests; see
  :class:`TenantSlots`), or a one-slot **mutex** (first-start demo data, see :meth:`mutex`).

A heartbeat thread renews every lease of the owner every ``processes.heartbeat_seconds``, so a
lease outlives its renewal by ``processes.lease_seconds``. A lease whose expiry has passed
belongs to a process that is gone (killed, crashed, cut off from the store): another process may
then recover the source or take the slot. On the same host a dead owner is noticed at once
(its process id no longer runs), so a server restarted after ``kill -9`` recovers immediately.

Expiry times come from each process's own clock: keep the hosts' clocks in sync (NTP) to well
within ``lease_seconds``.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.settings import ProcessSettings
from app.store.db import Database
from app.store.models import ProcessLease, Source, utcnow

log = logging.getLogger("datapilot.leases")

MUTEX_STEP = 0.1
"""Seconds between tries of a mutex another process holds."""


def this_host() -> str:
    """This host as owner ids name it: the host name and, where there is one, the process id
    namespace (containers sharing the host name but not their process ids differ)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()[:80]}~{namespace}"


def new_owner() -> str:
    """A fresh owner id: ``host:pid:random`` (unique even for two contexts of one process)."""
    return f"{this_host()}:{os.getpid()}:{secrets.token_hex(6)}"


def owner_gone(owner: str | None) -> bool:
    """True when ``owner`` is known dead: no owner, or one of this host whose process id no
    longer runs. An owner on another host is never known dead here (only its lease expiry says)."""
    if not owner:
        return True
    host, _, rest = owner.rpartition(":")[0].rpartition(":")
    try:
        pid = int(rest)
    except ValueError:
        return False
    if host != this_host() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # runs, as another user
        return False
    return False


def lease_alive(owner: str | None, expires: datetime | None, now: datetime) -> bool:
    """Whether a lease still protects what it covers."""
    return expires is not None and expires > now and not owner_gone(owner)


class Leases:
    """The leases of one server process (or of one app context in tests).

    Parameters
    ----------
    db
        The shared metadata store.
    settings
        Lease and heartbeat periods.
    owner
        The owner id written into the store (a fresh :func:`new_owner` when not given).
    """

    def __init__(self, db: Database, settings: ProcessSettings, owner: str | None = None) -> None:
        self.db = db
        self.settings = settings
        self.owner = owner or new_owner()
        self._postgres = db.engine.dialect.name == "postgresql"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tasks: list[tuple[float, Callable[[], object]]] = []
        self._lock = threading.Lock()
        self._sources: set[uuid.UUID] = set()  # leased now (renewed only while any is held)
        self._slots: set[str] = set()

    # -- periods -------------------------------------------------------------------------------------
    def expiry(self) -> datetime:
        """When a lease taken or renewed now expires."""
        return utcnow() + timedelta(seconds=self.settings.lease_seconds)

    def source_lease(self, source_id: uuid.UUID) -> dict[str, object]:
        """Column values that lease the source's row to this process (starts the heartbeat)."""
        with self._lock:
            self._sources.add(source_id)
        self.start()
        return {"lease_owner": self.owner, "lease_expires": self.expiry()}

    def hold_source(self, source_id: uuid.UUID) -> None:
        """Lease an existing source's row to this process (its ``updated_at`` unchanged)."""
        values = self.source_lease(source_id)
        with self.db.transaction() as session:
            session.execute(
                update(Source)
                .where(Source.id == source_id)
                .values(**values, updated_at=Source.updated_at)
            )

    def release_source(self, source_id: uuid.UUID | str) -> None:
        """This process no longer works on the source."""
        with self._lock:
            self._sources.discard(_uuid(source_id))
        with self.db.transaction() as session:
            session.execute(
                update(Source)
                .where(Source.id == source_id, Source.lease_owner == self.owner)
                .values(lease_owner=None, lease_expires=None, updated_at=Source.updated_at)
            )

    # -- slots ---------------------------------------------------------------------------------------
    def try_take(self, name: str, limit: int) -> str | None:
        """One free slot of the limit ``name`` (``limit`` slots in all, across processes): its
        holder token, or None when every slot is held by a live lease.

        One short transaction: a gone owner's slots are freed, then the first free slot is
        inserted unless another process inserted it first (``ON CONFLICT DO NOTHING``).
        """
        self.start()
        now = utcnow()
        holder = secrets.token_hex(16)
        with self._slot_transaction() as session:
            held = session.execute(
                select(
                    ProcessLease.slot,
                    ProcessLease.holder,
                    ProcessLease.owner,
                    ProcessLease.expires_at,
                ).where(ProcessLease.name == name)
            ).all()
            dead = [row for row in held if not lease_alive(row.owner, row.expires_at, now)]
            if dead:  # a gone owner's slots free up for everyone (by holder: not a new taker's)
                session.execute(
                    delete(ProcessLease).where(
                        ProcessLease.holder.in_([row.holder for row in dead])
                    )
                )
            taken = {row.slot for row in held} - {row.slot for row in dead}
            got = False
            for slot in (n for n in range(limit) if n not in taken):
                values = {
                    "name": name,
                    "slot": slot,
                    "holder": holder,
                    "owner": self.owner,
                    "expires_at": self.expiry(),
                }
                statement = self._insert().values(**values).on_conflict_do_nothing()
                if session.execute(statement.returning(ProcessLease.slot)).first() is not None:
                    got = True
                    break
        if not got:
            return None
        with self._lock:
            self._slots.add(holder)
        return holder

    def give_back(self, holder: str) -> None:
        """Free the slot taken under ``holder``."""
        with self._lock:
            self._slots.discard(holder)
        with self._slot_transaction() as session:
            session.execute(delete(ProcessLease).where(ProcessLease.holder == holder))

    def _insert(self) -> Any:
        """The store's INSERT with ``on_conflict_do_nothing`` (PostgreSQL's or SQLite's)."""
        return (pg_insert if self._postgres else sqlite_insert)(ProcessLease)

    @contextmanager
    def _slot_transaction(self) -> Iterator[Session]:
        """A transaction for slot rows. On PostgreSQL its commit does not wait for the WAL to
        reach the disk (``synchronous_commit = off``): a slot lost to a database crash is only
        free early, and this halves what a slot costs a query."""
        with self.db.transaction() as session:
            if self._postgres:
                session.execute(text("SET LOCAL synchronous_commit = off"))
            yield session

    @contextmanager
    def mutex(self, name: str, wait_seconds: float = 600.0) -> Iterator[None]:
        """Run the block while no other process runs a block of the same ``name``.

        Raises
        ------
        TimeoutError
            Another process held it for longer than ``wait_seconds``.
        """
        deadline = time.monotonic() + wait_seconds
        while (holder := self.try_take(name, 1)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"another server process still holds “{name}”")
            time.sleep(MUTEX_STEP)
        try:
            yield
        finally:
            self.give_back(holder)

    # -- heartbeat -----------------------------------------------------------------------------------
    def renew(self) -> None:
        """Push back the expiry of every lease this process holds."""
        with self._lock:
            if not self._sources and not self._slots:
                return
        until = self.expiry()
        with self.db.transaction() as session:
            session.execute(
                update(Source)
                .where(Source.lease_owner == self.owner)
                .values(lease_expires=until, updated_at=Source.updated_at)
            )
            session.execute(
                update(ProcessLease)
                .where(ProcessLease.owner == self.owner)
                .values(expires_at=until)
            )

    def every(self, seconds: float, task: Callable[[], object]) -> None:
        """Also run ``task`` every ``seconds`` in the heartbeat thread (first run right away)."""
        with self._lock:
            self._tasks.append((seconds, task))
        self.start()

    def start(self) -> None:
        """Start the heartbeat thread (once; taking a lease starts it too)."""
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._beat, name="leases", daemon=True)
            self._thread.start()

    def close(self, release: bool = True) -> None:
        """Stop the heartbeat; with ``release``, free this process's slots and source leases
        (a clean stop). ``release=False`` leaves them to expire, as a crash would."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(self.settings.heartbeat_seconds + 5)
        if release:
            with self.db.transaction() as session:
                session.execute(delete(ProcessLease).where(ProcessLease.owner == self.owner))
                session.execute(
                    update(Source)
                    .where(Source.lease_owner == self.owner)
                    .values(lease_expires=utcnow(), updated_at=Source.updated_at)
                )

    def _beat(self) -> None:
        due: dict[int, float] = {}
        while not self._stop.is_set():
            try:
                self.renew()
            except Exception:  # the store may be briefly away; the next beat tries again
                log.warning("could not renew the leases of %s", self.owner, exc_info=True)
            with self._lock:
                tasks = list(enumerate(self._tasks))
            for index, (seconds, task) in tasks:
                if time.monotonic() < due.get(index, 0.0):
                    continue
                due[index] = time.monotonic() + seconds
                try:
                    task()
                except Exception:
                    log.exception("periodic task of %s failed", self.owner)
            self._stop.wait(self.settings.heartbeat_seconds)


class NoLeases:
    """No leases (a service built without a process's :class:`Leases`: tools, some tests)."""

    def source_lease(self, source_id: uuid.UUID) -> dict[str, object]:
        return {}

    def hold_source(self, source_id: uuid.UUID) -> None:
        return

    def release_source(self, source_id: uuid.UUID | str) -> None:
        return


class TenantSlots:
    """A per-tenant limit that holds across every process sharing the store.

    Why slots in the store, not PostgreSQL advisory locks: the embedded SQLite store has no
    advisory locks, yet two processes may share it on one host; a session-level advisory lock
    pins a pooled connection for the whole query (and one connection shared by threads would
    take the same lock twice, as PostgreSQL locks are re-entrant per session); and the slots use
    the same owner, heartbeat and expiry as the ingest leases, so a crashed holder's slot frees
    the same way (at once on its own host, after ``lease_seconds`` from another). The price is
    two small writes per query (take, give back), next to the query itself.

    ``try_acquire`` and ``release`` are the :class:`pipelines.query.runner.SlotGate` protocol.
    """

    def __init__(self, leases: Leases, kind: str, limit: int) -> None:
        self.leases = leases
        self.kind = kind
        self.limit = limit

    def name(self, tenant_id: object) -> str:
        return f"{self.kind}:{tenant_id}"

    def try_acquire(self, tenant_id: object) -> str | None:
        return self.leases.try_take(self.name(tenant_id), self.limit)

    def release(self, token: object) -> None:
        self.leases.give_back(str(token))


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
