"""Helpers for the several-processes tests: two app contexts (each with its own in-process state
and its own lease owner, as two server processes have) over one store and one data directory."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.context import AppContext
from app.principal import Principal
from app.services.sources.service import SourceInfo
from tests.conftest import STRONG_PASSWORD
from tests.integration.conftest import make_settings

SHORT_LEASES = {"lease_seconds": 3.0, "heartbeat_seconds": 0.2, "folder_grace_seconds": 60.0}
"""Leases short enough for a test to wait one out, long enough for a heartbeat every 0.2 s
to renew them on a busy machine."""


def contexts(
    workdir: Path, database_url: str, count: int = 2, **sections: dict[str, Any]
) -> list[AppContext]:
    """``count`` contexts over the same config, store and data directory (schema migrated)."""
    sections.setdefault("processes", SHORT_LEASES)
    sections.setdefault("demo", {"enabled": False})
    settings = make_settings(workdir, database_url, **sections)
    made = [AppContext(settings.model_copy(deep=True)) for _ in range(count)]
    made[0].db.upgrade()
    return made


def close(*ctxs: AppContext) -> None:
    """Stop the contexts as a server stops: queued ingests dropped, running ones finished."""
    for ctx in ctxs:
        ctx.jobs.shutdown()
        wait_for(lambda ctx=ctx: ctx.jobs.running() == 0, 120)  # type: ignore[misc]
        ctx.leases.close()
        ctx.queries.close()
        ctx.db.dispose()


@dataclass
class Team:
    """A tenant's admin and one workspace, as each context sees them."""

    principal: Principal
    workspace_id: uuid.UUID

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.principal.tenant_id


def team(ctx: AppContext, name: str = "Ada") -> Team:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    principal = ctx.accounts.register(name, email, STRONG_PASSWORD, None)
    workspace = ctx.workspaces(principal).create("Shared")
    return Team(principal, workspace.id)


def upload(ctx: AppContext, who: Team, filename: str, data: bytes) -> SourceInfo:
    """Upload like the REST route does (start, write the bytes, finish); ingest queued."""
    sources = ctx.sources(who.principal)
    started = sources.start_upload(who.workspace_id, filename, len(data))
    started.path.write_bytes(data)
    return sources.finish_upload(started.source_id)


def settled(ctx: AppContext, who: Team, source_id: uuid.UUID, timeout: float = 60) -> SourceInfo:
    return wait_for(
        lambda: (
            (info := ctx.sources(who.principal).get(source_id)).status in ("ready", "failed")
            and info
        ),
        timeout,
    )


def wait_for(condition: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
    return value


def numbers_csv(rows: int) -> bytes:
    return ("n,k\n" + "".join(f"{i},{i % 7}\n" for i in range(rows))).encode()


class Peak:
    """The most of the counts' sum seen while the block runs (sampled in a thread).

    Each count is read, then all are read again; a sample counts only when both reads agree, so
    a slot passed from one context to the other between two reads is never seen twice.
    """

    def __init__(self, *counts: Callable[[], int]) -> None:
        self.counts = counts
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            seen = [count() for count in self.counts]
            if seen == [count() for count in self.counts]:
                self.most = max(self.most, sum(seen))
            time.sleep(0.002)
