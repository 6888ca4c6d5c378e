""" "Add to dashboard…" for the pages that make widgets (SQL's saved queries, Explore's answers).

:func:`add_form` gives an :class:`AddToDashboardForm` wired to the session's
:class:`DashboardService`: it lists the workspace's dashboards and adds through the service
(which retries once when someone saved the dashboard meanwhile). The form's buttons run in
Panel's callback threads, never on the event loop.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from app.pages.shell import ShellState, notify_success
from app.services.dashboards import AddedWidget, DashboardService
from app.services.dashboards.documents import StaleDashboard
from app.services.errors import DomainError
from components.dashboards.add_form import AddToDashboardForm

log = logging.getLogger("datapilot.pages")

Adder = Callable[[DashboardService, str | None, str | None], AddedWidget]
"""``(service, dashboard_id | None, new_name | None) -> AddedWidget``."""


def dashboard_url(dashboard_id: uuid.UUID | str) -> str:
    """The Dashboards page showing ``dashboard_id``."""
    return f"/dashboards?id={dashboard_id}"


def describe(exc: Exception) -> str:
    """What the form says of a failed add (a bug is logged and said generically)."""
    if isinstance(exc, StaleDashboard):
        return (
            "The dashboard kept changing while the widget was added; nothing was added. "
            "Try again in a moment."
        )
    if isinstance(exc, DomainError):
        return str(exc)
    log.error("adding to a dashboard failed unexpectedly", exc_info=exc)
    return "Something went wrong on our side; it has been logged. Try again."


def add_form(state: ShellState, workspace_id: uuid.UUID | str, adder: Adder) -> AddToDashboardForm:
    """A form adding with ``adder`` to a dashboard of ``workspace_id`` as the session's user."""
    service = state.ctx.dashboards(state.principal)

    def listed() -> list[dict[str, Any]]:
        return [{"id": str(d.id), "name": d.name} for d in service.list(workspace_id)]

    def add(dashboard_id: str | None, new_name: str | None) -> dict[str, Any]:
        added = adder(service, dashboard_id, new_name)
        notify_success(f"Added to “{added.dashboard_name}”.")
        return {"name": added.dashboard_name, "url": dashboard_url(added.dashboard_id)}

    return AddToDashboardForm(list_dashboards=listed, add=add, describe=describe)


def saved_query_adder(workspace_id: uuid.UUID | str, saved_query_id: str) -> Adder:
    """Adds the saved query ``saved_query_id``."""

    def adder(service: DashboardService, target: str | None, name: str | None) -> AddedWidget:
        return service.add_saved_query(workspace_id, saved_query_id, target, name)

    return adder


def answer_adder(workspace_id: uuid.UUID | str, message_id: str) -> Adder:
    """Adds the Explore answer ``message_id``."""

    def adder(service: DashboardService, target: str | None, name: str | None) -> AddedWidget:
        return service.add_answer(workspace_id, message_id, target, name)

    return adder
