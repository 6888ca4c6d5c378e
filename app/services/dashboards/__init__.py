"""Dashboards of a workspace: stored and versioned (:mod:`.service`), checked
(:mod:`.documents`) and evaluated widget by widget through the query runner (:mod:`.evaluate`)."""

from __future__ import annotations

from app.services.dashboards.adding import AddedWidget
from app.services.dashboards.documents import DashboardInfo, StaleDashboard
from app.services.dashboards.evaluate import ROW_LIMIT
from app.services.dashboards.service import DashboardData, DashboardService

__all__ = [
    "ROW_LIMIT",
    "AddedWidget",
    "DashboardData",
    "DashboardInfo",
    "DashboardService",
    "StaleDashboard",
]
