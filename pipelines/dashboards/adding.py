"""A new widget for a dashboard: where it goes, which kind it is, and its chart settings.

A saved SQL query or an Explore answer carries a chart (kind, x, y, and for bars whether they
are horizontal); :func:`widget_kind` and :func:`chart_settings` turn it into the widget's kind
and :class:`ChartSettings`. :func:`append_widget` adds the widget below every tile
(:func:`first_free`) with an id the document does not use yet.

    doc, widget = append_widget(document, WidgetDraft("bar", "Revenue", query, settings))
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .document import (
    GRID_COLUMNS,
    MAX_WIDGETS,
    ChartSettings,
    DashboardDocument,
    Position,
    Widget,
    WidgetKind,
    WidgetQuery,
)

CHART_TO_WIDGET: dict[str, WidgetKind] = {
    "kpi": "kpi",
    "line": "line",
    "area": "area",
    "bar": "bar",
    "pie": "pie",
    "scatter": "scatter",
    "table": "table",
}
"""Widget kind of each chart kind of :mod:`pipelines.charts` (horizontal bars: ``hbar``)."""
TILE_SIZES: dict[str, tuple[int, int]] = {"kpi": (3, 3), "table": (6, 6)}
"""Width and height of a new tile by widget kind; others are 6 by 5."""
DEFAULT_TILE = (6, 5)
MAX_TITLE = 200


class TooManyWidgets(ValueError):
    """The dashboard already holds :data:`MAX_WIDGETS` widgets."""


@dataclass(frozen=True)
class WidgetDraft:
    """A widget before it has an id and a place: kind, title, query and chart settings."""

    kind: WidgetKind
    title: str
    query: WidgetQuery
    chart: ChartSettings = field(default_factory=ChartSettings)


def first_free(positions: Mapping[str, Position], w: int = 6, h: int = 5) -> Position:
    """Where a new tile of ``w`` by ``h`` goes: below every tile, at the left."""
    bottom = max((p.y + p.h for p in positions.values()), default=0)
    return Position(x=0, y=bottom, w=min(w, GRID_COLUMNS), h=h)


def widget_kind(chart_kind: str | None, horizontal: bool = False) -> WidgetKind:
    """The widget kind showing a chart of ``chart_kind`` (a table when there is none or it is
    unknown); horizontal bars are ``hbar``."""
    kind = CHART_TO_WIDGET.get(chart_kind or "table", "table")
    return "hbar" if kind == "bar" and horizontal else kind


def chart_settings(
    x: str | None = None, y: Sequence[str] | str | None = None, series: str | None = None
) -> ChartSettings:
    """:class:`ChartSettings` from a chart's axes (``y`` one column or several)."""
    columns = [y] if isinstance(y, str) else [str(v) for v in y or ()]
    return ChartSettings(x=x or None, y=columns, series=series or None)


def draft_from_chart(
    title: str, query: WidgetQuery, chart: Mapping[str, Any] | None
) -> WidgetDraft:
    """A draft from a chart as JSON (``{kind, x, y, horizontal?, series?}``, as a saved query
    or an answer's ``chart_suggestion`` holds it); no chart gives a table."""
    chart = chart or {}
    kind = widget_kind(chart.get("kind"), bool(chart.get("horizontal", False)))
    settings = chart_settings(chart.get("x"), chart.get("y"), chart.get("series"))
    if kind in ("kpi", "table"):
        settings = ChartSettings()  # the axes mean nothing to a KPI or a table
    return WidgetDraft(kind, short_title(title), query, settings)


def short_title(text: str) -> str:
    """``text`` on one line, cut to :data:`MAX_TITLE` characters."""
    one_line = " ".join(str(text or "").split())
    return one_line if len(one_line) <= MAX_TITLE else one_line[: MAX_TITLE - 1] + "…"


def new_widget_id(taken: Sequence[str] | set[str]) -> str:
    """An id no widget of ``taken`` has: ``w-`` and 8 hex digits."""
    used = set(taken)
    while True:
        candidate = f"w-{uuid.uuid4().hex[:8]}"
        if candidate not in used:
            return candidate


def append_widget(
    document: DashboardDocument, draft: WidgetDraft
) -> tuple[DashboardDocument, Widget]:
    """``document`` with the drafted widget added below every tile, and that widget.

    Raises
    ------
    TooManyWidgets
        When the document holds :data:`MAX_WIDGETS` widgets already.
    """
    if len(document.widgets) >= MAX_WIDGETS:
        raise TooManyWidgets(
            f"This dashboard holds {MAX_WIDGETS} widgets, the most it can; "
            "add to another dashboard."
        )
    w, h = TILE_SIZES.get(draft.kind, DEFAULT_TILE)
    position = first_free({x.id: x.position for x in document.widgets}, w, h)
    widget = Widget(
        id=new_widget_id({x.id for x in document.widgets}),
        kind=draft.kind,
        title=draft.title,
        query=draft.query,
        chart=draft.chart,
        position=position,
    )
    updated = document.model_copy(update={"widgets": [*document.widgets, widget]})
    return DashboardDocument.model_validate(updated.model_dump(mode="json")), widget
