"""SQL handed to the SQL page by another page ("Open in SQL editor" on an Explore answer).

The SQL never travels in the URL: the sending page stores it here under a random one-time token
for its user and workspace (:meth:`SqlHandoffs.put`) and opens ``/sql?handoff=<token>``; the SQL
page takes it back once (:meth:`SqlHandoffs.take`), only for the same user of the same tenant in
the same workspace, within :data:`HANDOFF_TTL` seconds. A token from anyone else, an old one or
one already used gives nothing. The SQL page then runs the text through its normal path (the
SQL guard and the workspace's sandbox, recorded in the user's history), exactly as if the user
had typed it and pressed Run: the text came from the server, never from the address bar.

Handoffs live in this server process's memory (a browser navigates within one server).
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import panel as pn
from panel.io.state import set_curdoc

from app.principal import Principal

HANDOFF_TTL = 600.0
MAX_HANDOFFS = 1000
MAX_HANDOFF_SQL = 200_000


@dataclass(frozen=True)
class Handoff:
    """SQL waiting for one user's SQL page in one workspace."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    sql: str
    at: float


class SqlHandoffs:
    """One-time handoffs of SQL text between a user's pages, kept a few minutes."""

    def __init__(self, ttl: float = HANDOFF_TTL, limit: int = MAX_HANDOFFS) -> None:
        self.ttl = ttl
        self.limit = limit
        self._kept: dict[str, Handoff] = {}
        self._lock = threading.Lock()

    def put(self, principal: Principal, workspace_id: uuid.UUID, sql: str) -> str:
        """Keep ``sql`` for ``principal``'s SQL page in ``workspace_id``; returns the token."""
        if not sql.strip() or len(sql) > MAX_HANDOFF_SQL:
            raise ValueError("There is no SQL to open, or it is too long for the SQL editor.")
        token = secrets.token_urlsafe(18)
        now = time.monotonic()
        entry = Handoff(principal.tenant_id, principal.user_id, workspace_id, sql, now)
        with self._lock:
            self._expire(now)
            while len(self._kept) >= self.limit:
                self._kept.pop(next(iter(self._kept)))
            self._kept[token] = entry
        return token

    def take(self, principal: Principal, workspace_id: uuid.UUID, token: str | None) -> str | None:
        """The SQL stored under ``token`` for this user and workspace, once; None otherwise."""
        if not token:
            return None
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            entry = self._kept.get(token)
            if entry is None or (entry.tenant_id, entry.user_id, entry.workspace_id) != (
                principal.tenant_id,
                principal.user_id,
                workspace_id,
            ):
                return None
            del self._kept[token]
        return entry.sql

    def _expire(self, now: float) -> None:
        for token in [t for t, e in self._kept.items() if now - e.at > self.ttl]:
            del self._kept[token]


HANDOFFS = SqlHandoffs()
"""The server's handoffs (per process; tokens are bound to their user and workspace)."""


def sql_page_url(token: str) -> str:
    """The SQL page's address that takes the handoff ``token``."""
    return f"/sql?handoff={quote(token)}"


def session_token() -> str | None:
    """The ``handoff`` argument of the current Panel session's URL, if any."""
    values = (pn.state.session_args or {}).get("handoff") or []
    if not values:
        return None
    value = values[0]
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def handed_sql(principal: Principal, workspace_id: uuid.UUID) -> str:
    """The SQL handed to this session's SQL page in ``workspace_id`` (taken once), or ""."""
    return HANDOFFS.take(principal, workspace_id, session_token()) or ""


def run_after_drawing(run: Callable[[str], object], sql: str) -> None:
    """``run(sql)`` on the session's event loop, after what is already queued: the SQL page loads
    in a thread, and a result drawn while the browser still builds the page names models it
    does not know yet."""
    doc = pn.state.curdoc
    if doc is None or doc.session_context is None:
        run(sql)
        return

    def later() -> None:
        with set_curdoc(doc):
            run(sql)

    doc.add_next_tick_callback(later)
