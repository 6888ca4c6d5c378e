"""What the Dashboards page says and how its address holds a view, as pure functions.

The address of a dashboard view is ``/dashboards?id=<id>``, plus ``filters`` (JSON: filter id
-> the viewer's choice, as :meth:`DashboardService.data` takes them) and ``cross`` (JSON list of
``{"widget_id", "field", "values"}``) when the viewer changed them: a copied link reproduces
what they saw.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

PRESET_LABELS = {
    "": "Any date",
    "last_7_days": "Last 7 days",
    "last_30_days": "Last 30 days",
    "last_90_days": "Last 90 days",
    "month_to_date": "Month to date",
    "this_year": "This year",
    "last_year": "Last year",
    "custom": "Custom range",
}
REFRESH_CHOICES = {"Off": 0, "Every minute": 60, "Every 5 minutes": 300, "Every hour": 3600}
MAX_URL_JSON = 8_000


def board_url(
    dashboard_id: uuid.UUID | str,
    filters: Mapping[str, Any] | None = None,
    cross: Sequence[Mapping[str, Any]] | None = None,
    *,
    edit: bool = False,
) -> str:
    """The address of a dashboard with the viewer's filters and cross-filters."""
    query: dict[str, str] = {"id": str(dashboard_id)}
    if filters:
        query["filters"] = json.dumps(filters, separators=(",", ":"), sort_keys=True)
    if cross:
        query["cross"] = json.dumps(list(cross), separators=(",", ":"))
    if edit:
        query["edit"] = "1"
    return "/dashboards?" + urlencode(query)


def read_view(args: Mapping[str, Sequence[bytes | str]]) -> dict[str, Any]:
    """The dashboard id, filters and cross-filters of a session's URL arguments; parts that
    cannot be read are dropped (the dashboard then opens as saved)."""

    def first(name: str) -> str:
        values = args.get(name) or []
        value = values[0] if values else ""
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    view: dict[str, Any] = {"id": None, "filters": {}, "cross": [], "edit": first("edit") == "1"}
    try:
        view["id"] = uuid.UUID(first("id")) if first("id") else None
    except ValueError:
        view["id"] = None
    for name, kind in (("filters", dict), ("cross", list)):
        text = first(name)
        if not text or len(text) > MAX_URL_JSON:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, kind):
            view[name] = value
    return view


def as_of_text(moment: dt.datetime | None) -> str:
    """ "Data as of 3 Dec 2026 14:05 UTC" from the sources' latest load."""
    if moment is None:
        return "No data loaded yet"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return f"Data as of {moment.astimezone(dt.UTC):%d %b %Y %H:%M} UTC"


def chip_text(field_label: str, values: Sequence[Any]) -> str:
    """A cross-filter chip: "Country: France, Spain"."""
    shown = ", ".join("(empty)" if v is None else str(v) for v in values[:3])
    more = f" +{len(values) - 3}" if len(values) > 3 else ""
    return f"{field_label}: {shown}{more}"


def toggle_value(values: Sequence[Any], value: Any, additive: bool) -> list[Any]:
    """The values of a cross-filter after a click on ``value`` (Ctrl/Cmd-click adds it, or
    takes it out when it is already there; a plain click keeps only it)."""
    if not additive:
        return [value]
    if value in values:
        return [v for v in values if v != value]
    return [*values, value]
