"""Connection services over a real store for tests (the same objects the server builds)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from app.principal import Principal
from app.services.ai.vault import KeyVault
from app.services.connections import ConnectionInfo, ConnectionPools, ConnectionService
from app.services.leases import Leases, TenantSlots
from app.settings import ConnectionSettings
from tests.integration.conftest import Store
from tests.integration.live_databases import LiveDatabase


class Connections:
    """Builds :class:`ConnectionService` for principals over one store and one set of pools."""

    def __init__(self, store: Store, shared_limit: bool = False, **settings: Any) -> None:
        """With ``shared_limit``, the tenant's turns are slots in the store, as a server
        process has them (each :class:`Connections` is then one process)."""
        self.store = store
        self.settings = ConnectionSettings(**{"connect_timeout_seconds": 3, **settings})
        self.vault = KeyVault(store.settings.secrets.encryption_keys)
        self.leases = Leases(store.db, store.settings.processes) if shared_limit else None
        gate = (
            None
            if self.leases is None
            else TenantSlots(self.leases, "connection-query", self.settings.per_tenant_queries)
        )
        self.pools = ConnectionPools(self.settings, gate=gate)

    def service(self, principal: Principal) -> ConnectionService:
        return ConnectionService(self.store.db, self.vault, self.pools, self.settings, principal)

    def close(self) -> None:
        self.pools.dispose_all()
        if self.leases is not None:
            self.leases.close()


def add_connection(
    service: ConnectionService, workspace_id: Any, live_db: LiveDatabase, who: str = "reader",
    name: str = "Flights DB",
) -> ConnectionInfo:  # fmt: skip
    spec = live_db.spec(who)
    return service.create(
        workspace_id, name=name, kind=spec.kind, host=spec.host, port=spec.port,
        database=spec.database, user=spec.user, password=spec.password, tls=spec.tls,
    )  # fmt: skip


def sleep_sql(kind: str, seconds: int) -> str:
    return f"SELECT pg_sleep({seconds}) AS slept" if kind == "postgres" else (
        f"SELECT SLEEP({seconds}) AS slept"
    )  # fmt: skip


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Poll ``condition`` until it holds (no fixed sleeps)."""
    pause = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        pause.wait(0.05)
    raise AssertionError("condition not met in time")


def sleeping(live_db: LiveDatabase, user: str, seconds: int) -> Callable[[], bool]:
    """Whether ``user`` runs the sleep of ``seconds`` on the server right now."""
    import sqlalchemy as sa

    def check() -> bool:
        admin = live_db.admin()
        try:
            with admin.connect() as conn:
                if live_db.kind == "postgres":
                    sql = (
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                        f"AND query LIKE '%pg_sleep({seconds})%' AND usename = :u"
                    )
                else:
                    sql = (
                        "SELECT count(*) FROM information_schema.processlist "
                        f"WHERE info LIKE '%SLEEP({seconds})%' AND user = :u"
                    )
                return bool(conn.execute(sa.text(sql), {"u": user}).scalar())
        finally:
            admin.dispose()

    return check
