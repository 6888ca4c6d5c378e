"""A tenant's turns: how many of its queries run at the same time.

Each tenant has ``per_tenant`` turns in this process (a semaphore). With several server
processes over one store, a :class:`SlotGate` (the app's store-backed tenant slots) makes the
limit hold across all of them: a query takes one of the process's own turns first, then one of
the tenant's slots in the gate, and gives both back when it ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from .errors import QueryCancelled

WAIT_STEP = 0.05
"""Seconds between checks for a cancel while a query waits for its tenant's turn."""
GATE_STEP = 0.1
"""Seconds between tries of a :class:`SlotGate` whose slots are all taken."""


class SlotGate(Protocol):
    """Slots of a per-tenant limit shared with other processes."""

    def try_acquire(self, tenant_id: str) -> object | None:
        """A token for one of the tenant's free slots, or None when all are taken."""

    def release(self, token: object) -> None:
        """Free the slot taken under ``token``."""


class TenantTurns:
    """``per_tenant`` turns per tenant, in this process and (with ``gate``) across processes."""

    def __init__(self, per_tenant: int, gate: SlotGate | None = None) -> None:
        self.per_tenant = per_tenant
        self.gate = gate
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._holding: dict[str, int] = {}
        self._lock = threading.Lock()

    def holding(self, tenant_id: str) -> int:
        """The tenant's queries that hold a turn now (running, not waiting)."""
        with self._lock:
            return self._holding.get(str(tenant_id), 0)

    @contextmanager
    def turn(self, tenant_id: str, cancelled: threading.Event, timeout: float) -> Iterator[None]:
        """Wait (cancellably, at most ``timeout`` seconds) for one of the tenant's turns.

        Raises
        ------
        QueryCancelled
            ``cancelled`` was set, or no turn came within ``timeout``.
        """
        with self._lock:
            semaphore = self._semaphores.setdefault(
                tenant_id, threading.BoundedSemaphore(self.per_tenant)
            )
        deadline = time.monotonic() + timeout
        while not semaphore.acquire(timeout=WAIT_STEP):
            _check(cancelled, deadline, timeout)
        token: object | None = None
        try:
            if self.gate is not None:
                while (token := self.gate.try_acquire(tenant_id)) is None:
                    _check(cancelled, deadline, timeout)
                    cancelled.wait(GATE_STEP)
            with self._lock:
                self._holding[tenant_id] = self._holding.get(tenant_id, 0) + 1
            try:
                yield
            finally:
                with self._lock:
                    self._holding[tenant_id] -= 1
                    if not self._holding[tenant_id]:
                        del self._holding[tenant_id]
        finally:
            if self.gate is not None and token is not None:
                self.gate.release(token)
            semaphore.release()


def _check(cancelled: threading.Event, deadline: float, timeout: float) -> None:
    if cancelled.is_set():
        raise QueryCancelled("user")
    if time.monotonic() > deadline:
        raise QueryCancelled("timeout", timeout)
