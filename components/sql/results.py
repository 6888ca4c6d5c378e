"""The result of a SQL query: a summary, a Table | Chart toggle, downloads.

The table pages over the rows the result already holds (``result.page(page, size, sort)``),
so only one page at a time reaches the browser. The chart starts with the suggested kind and
offers the others; the one-line reason of the suggestion is shown beside the picker. The
CSV / Parquet downloads are fetched by the browser from ``download_url`` (a
:class:`~components.downloads.StreamDownload`), never sent over the websocket.

    view = ResultView(download_url="/api/v1/workspaces/<id>/sql/download", csrf=token)
    view.sql = sql                            # the query the downloads run again in full
    view.show(result, suggestion, columns)   # SqlResult, ChartSuggestion, [ResultColumn]
    view.mark_stale()                         # the next run failed: dimmed, "from the previous run"
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import panel as pn
import param

from components.assets import read_asset
from components.charts import Chart
from components.data_table import PagedTable
from components.downloads import StreamDownload
from pipelines.charts import CHART_KINDS, ChartSuggestion, ResultColumn

KIND_LABELS = {
    "kpi": "KPI",
    "line": "Line",
    "area": "Area",
    "bar": "Bar",
    "pie": "Pie",
    "scatter": "Scatter",
    "table": "Table",
}
DOWNLOAD_FORMATS = {"csv": "CSV", "parquet": "Parquet"}

_CSS = read_asset(__file__, "results.css")


def page_of(
    result: Any,
    page: int,
    size: int,
    sort: Sequence[tuple[str, str]],
    columns: Sequence[ResultColumn] = (),
) -> dict[str, Any]:
    """One page of ``result`` in :class:`PagedTable`'s shape; columns are named ``c0, c1, …``.

    Positional identifiers keep Tabulator away from result names it would misread (dots,
    duplicates); sorting maps them back to the result's column names. ``columns`` (the
    result's typed columns, in order) give the table their roles and number formats.
    """
    names = list(result.columns)
    by_id = {f"c{i}": name for i, name in enumerate(names)}
    wanted = [(by_id[c], d) for c, d in sort if c in by_id]
    data = result.page(page, size, wanted)
    total_rows = int(data.get("total_rows") or 0)
    pages = data.get("total_pages") or data.get("pages") or max(1, -(-total_rows // size))
    typed = list(columns) if len(columns) == len(names) else []
    described = []
    for i, (name, kind) in enumerate(zip(names, result.types, strict=False)):
        column: dict[str, Any] = {"identifier": f"c{i}", "label": name, "type": kind}
        if typed:
            column.update(role=typed[i].role, format=typed[i].format)
        described.append(column)
    return {
        "columns": described,
        "rows": data.get("rows") or [],
        "total_rows": total_rows,
        "total_pages": int(pages),
        "page": int(data.get("page") or page),
    }


class ResultView(pn.viewable.Viewer):
    """One query result as a paged table or a chart, with CSV / Parquet downloads."""

    view = param.Selector(default="Table", objects=["Table", "Chart"], doc="What is shown.")
    kind = param.Selector(default="table", objects=list(CHART_KINDS), doc="The chart's kind.")
    download_url = param.String(
        default="",
        doc="URL the browser POSTs ``{sql, format}`` to for the full result; empty hides the "
        "downloads.",
    )
    csrf = param.String(default="", doc="Sent with each download as ``X-CSRF-Token``.")
    sql = param.String(default="", doc="The query whose full result the downloads fetch.")

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._result: Any = None
        self._suggestion: ChartSuggestion | None = None
        self._columns: list[ResultColumn] = []
        self._summary = pn.pane.HTML(
            "", stylesheets=[_CSS], css_classes=["dp-result-summary"], margin=(4, 8)
        )
        self._note = pn.pane.HTML(
            "", stylesheets=[_CSS], visible=False, css_classes=["dp-result-truncated"]
        )
        self._stale_note = pn.pane.HTML(
            "<div class='rv-stale' role='status'><b>From the previous run.</b> The last query "
            "returned no result; the rows below are those of the query before it.</div>",
            stylesheets=[_CSS],
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["dp-result-stale-note"],
            margin=(4, 8),
        )
        self._toggle = pn.widgets.RadioButtonGroup.from_param(
            self.param.view,
            label="",
            description=None,
            color="primary",
            variant="outline",
            css_classes=["dp-result-toggle"],
            margin=(4, 8),
        )
        self._downloads = StreamDownload(
            url=self.download_url,
            csrf=self.csrf,
            payload={"sql": self.sql},
            formats=dict(DOWNLOAD_FORMATS),
            css_classes=["dp-result-downloads"],
            inline_errors=False,  # shown across the result's width instead, see below
            visible=bool(self.download_url),
            margin=(4, 5, 4, 8),
        )
        self._download_error = pn.pane.HTML(
            "",
            stylesheets=[_CSS],
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["dp-download-error"],
            margin=(0, 8, 4, 8),
        )
        self._downloads.param.watch(self._download_failed, "failed")
        self._downloads.param.watch(self._download_started, "busy")
        self._bar = pn.Row(
            self._toggle,
            self._summary,
            pn.layout.HSpacer(),
            self._downloads,
            sizing_mode="stretch_width",
            stylesheets=[_CSS],
            css_classes=["dp-result-bar"],
        )
        self._table = PagedTable(fetch=self._fetch, height=420)
        self._kind = pn.widgets.Select(
            options={label: kind for kind, label in KIND_LABELS.items() if kind in CHART_KINDS},
            value=self.kind,
            width=150,
            margin=(4, 8),
            css_classes=["dp-chart-kind"],
        )
        self._kind.param.watch(lambda e: setattr(self, "kind", e.new), "value")
        self._reason = pn.pane.HTML(
            "", stylesheets=[_CSS], css_classes=["dp-chart-reason"], margin=(4, 8)
        )
        self._chart_slot = pn.Column(sizing_mode="stretch_width", min_height=380)
        self._chart_box = pn.Column(
            pn.Row(self._kind, self._reason, sizing_mode="stretch_width"),
            self._chart_slot,
            sizing_mode="stretch_width",
            css_classes=["dp-chart-box"],
        )
        self._empty = pn.pane.HTML("", stylesheets=[_CSS], css_classes=["dp-result-empty"])
        self._body = pn.Column(
            sizing_mode="stretch_width", stylesheets=[_CSS], css_classes=["dp-result-body"]
        )
        self._layout = pn.Column(
            self._stale_note,
            self._bar,
            self._download_error,
            self._note,
            self._body,
            sizing_mode="stretch_width",
            css_classes=["dp-result"],
            visible=False,
        )
        self._chart: Chart | None = None  # built on first use, then updated
        self._chart_stale = True

    # -- public ------------------------------------------------------------------------------------
    def show(
        self,
        result: Any,
        suggestion: ChartSuggestion | None,
        columns: Sequence[ResultColumn],
    ) -> None:
        """Show a new result (an ``SqlResult``) with its suggested chart and typed columns."""
        self._result = result
        self._suggestion = suggestion
        self._columns = list(columns)
        self._chart_stale = True
        self._set_stale(False)
        rows = len(result.rows)
        elapsed = float(getattr(result, "elapsed_ms", 0.0) or 0.0)
        self._summary.object = (
            f"<span class='rv-summary'><b>{rows:,}</b> row{'s' if rows != 1 else ''} · "
            f"{len(result.columns)} column{'s' if len(result.columns) != 1 else ''} "
            f"<span class='rv-muted'>· {elapsed:,.0f} ms</span></span>"
        )
        if result.truncated:
            self._note.object = (
                f"<div class='rv-note' role='status'>Truncated: showing the first "
                f"{rows:,} rows. The downloads hold the whole result.</div>"
            )
        self._note.visible = bool(result.truncated)
        self._downloads.visible = bool(self.download_url)
        self._download_error.visible = False
        kind = suggestion.kind if suggestion is not None else "table"
        with param.parameterized.batch_call_watchers(self):
            self.kind = kind
        self._kind.value = kind
        self._reason.object = (
            f"<span class='rv-reason'>{html.escape(suggestion.reason)}</span>"
            if suggestion is not None
            else ""
        )
        self._layout.visible = True
        if rows == 0:
            self._empty.object = (
                "<div class='rv-empty' role='status'>The query ran and returned no rows.</div>"
            )
            self._toggle.visible = False
            self._body.objects = [self._empty]
            return
        self._toggle.visible = True
        self._table.param.update(page=1, sort=[])
        self._table.reload()
        self._arrange()

    def chart_spec(self) -> dict[str, Any] | None:
        """``{kind, x, y}`` of the chart as currently chosen, or None without a result."""
        if self._result is None:
            return None
        return self._axes()

    def clear(self) -> None:
        """Hide the result."""
        self._result = None
        self._set_stale(False)
        self._layout.visible = False

    def mark_stale(self) -> None:
        """Dim the result shown and say it is the previous run's (the latest run failed)."""
        if self._result is not None:
            self._set_stale(True)

    @property
    def stale(self) -> bool:
        """Whether the result shown is marked as the previous run's."""
        return self._stale_note.visible

    # -- internals ---------------------------------------------------------------------------------
    def _set_stale(self, stale: bool) -> None:
        self._stale_note.visible = stale
        for part, css in ((self._bar, "dp-result-bar"), (self._body, "dp-result-body")):
            part.css_classes = [css, "dp-result-stale"] if stale else [css]

    def _download_failed(self, event: param.parameterized.Event) -> None:
        if not event.new:
            return
        problem = event.new.get("problem") or {}
        label = DOWNLOAD_FORMATS.get(event.new.get("format", ""), "file")
        detail = problem.get("detail") or problem.get("title") or "The download failed."
        self._download_error.object = (
            f"<div class='rv-error' role='alert'><b>The {label} download failed.</b> "
            f"{html.escape(str(detail))}</div>"
        )
        self._download_error.visible = True

    def _download_started(self, event: param.parameterized.Event) -> None:
        if event.new:
            self._download_error.visible = False

    @param.depends("download_url", "csrf", "sql", watch=True)
    def _sync_downloads(self) -> None:
        self._downloads.param.update(
            url=self.download_url, csrf=self.csrf, payload={"sql": self.sql}
        )
        self._downloads.visible = bool(self.download_url)

    def _fetch(self, page: int, size: int, sort: list[tuple[str, str]]) -> dict[str, Any]:
        if self._result is None:
            return {"columns": [], "rows": [], "total_rows": 0, "total_pages": 1, "page": 1}
        return page_of(self._result, page, size, sort, self._columns)

    @param.depends("view", "kind", watch=True)
    def _arrange(self) -> None:
        if self._result is None or not self._result.rows:
            return
        if self.view == "Table":
            self._body.objects = [self._table]
            return
        self._draw_chart()
        self._body.objects = [self._chart_box]

    def _axes(self) -> dict[str, Any]:
        suggestion = self._suggestion
        if suggestion is not None and suggestion.kind == self.kind:
            return {"kind": self.kind, "x": suggestion.x, "y": list(suggestion.y)}
        return {"kind": self.kind, "x": None, "y": []}  # the chart plans its own axes

    def _draw_chart(self) -> None:
        """Build or update the chart (only while it is shown: a chart costs more than a page)."""
        params = self._axes()
        if self._chart is None:
            self._chart = Chart(columns=self._columns, rows=self._result.rows, **params)
            self._chart_slot.objects = [
                pn.Column(self._chart, sizing_mode="stretch_width", css_classes=["dp-result-chart"])
            ]
        elif self._chart_stale:
            self._chart.param.update(columns=self._columns, rows=self._result.rows, **params)
        elif (self._chart.kind, self._chart.x, list(self._chart.y)) != (
            params["kind"],
            params["x"],
            params["y"],
        ):
            self._chart.param.update(**params)
        self._chart_stale = False

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
