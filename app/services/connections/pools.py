"""The process's pools of live connections and each tenant's turns to query them.

One :class:`~pipelines.connections.ReadOnlyRunner` (an engine with a bounded pool) per saved
connection, kept while the row is unchanged: an update or delete disposes it here, and a row
changed by another process is noticed by its ``updated_at`` and reopened. A tenant runs at most
``per_tenant_queries`` queries, previews and profiles at once over all its connections; more
wait up to ``queue_seconds``, then are refused with a message. With a ``gate`` (the store's
tenant slots, as the app gives it) that limit holds across every server process together.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from app.services.errors import Throttled
from app.settings import ConnectionSettings
from pipelines.connections import ConnectionSpec, ReadOnlyRunner, open_engine
from pipelines.query import QueryCancelled
from pipelines.query.turns import SlotGate, TenantTurns


class ConnectionPools:
    """Runners by connection id, and per-tenant query turns (over every process with a
    ``gate``)."""

    def __init__(self, settings: ConnectionSettings, gate: SlotGate | None = None) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._runners: dict[uuid.UUID, tuple[str, ReadOnlyRunner]] = {}
        self._turns = TenantTurns(settings.per_tenant_queries, gate)

    def runner(
        self, connection_id: uuid.UUID, version: str, spec: ConnectionSpec
    ) -> ReadOnlyRunner:
        """The runner of ``connection_id`` at ``version`` (its ``updated_at``), opened if needed."""
        stale = None
        with self._lock:
            found = self._runners.get(connection_id)
            if found is not None and found[0] == version:
                return found[1]
            if found is not None:
                stale = found[1]
            engine = open_engine(spec, pool_size=self.settings.pool_size)
            made = ReadOnlyRunner(spec, engine, self.settings.timeout_seconds)
            self._runners[connection_id] = (version, made)
        if stale is not None:
            stale.dispose()
        return made

    def dispose(self, connection_id: uuid.UUID) -> bool:
        """Close the pool of ``connection_id`` (after an update or delete)."""
        with self._lock:
            found = self._runners.pop(connection_id, None)
        if found is None:
            return False
        found[1].dispose()
        return True

    def open_count(self) -> int:
        with self._lock:
            return len(self._runners)

    def dispose_all(self) -> None:
        with self._lock:
            runners = [r for _, r in self._runners.values()]
            self._runners.clear()
        for runner in runners:
            runner.dispose()

    @contextmanager
    def turn(self, tenant_id: uuid.UUID) -> Iterator[None]:
        """Hold one of the tenant's query turns while the block runs (Throttled if none frees)."""
        held = ExitStack()
        try:
            held.enter_context(
                self._turns.turn(str(tenant_id), threading.Event(), self.settings.queue_seconds)
            )
        except QueryCancelled:  # no turn came in time
            raise Throttled(
                f"Your organisation already runs {self.settings.per_tenant_queries} queries on its "
                "database connections; try again when one has finished.",
                retry_after=max(1, round(self.settings.queue_seconds)),
            ) from None
        with held:
            yield
