"""One source in detail: how it was read, its schema (types editable), bad rows, paged data.

Shown by the Sources page for ``/sources?source=<id>``. Every read of the store or of the
Parquet file happens off the event loop (onload and callback threads) behind a loading state.
"""

from __future__ import annotations

import html
import threading
from typing import Any

import pandas as pd
import panel as pn

from app.pages.shell import STYLES, ShellState, notify_error, notify_success
from app.services.errors import DomainError
from app.services.sources.service import SourceInfo, SourceService
from app.services.workspaces import WorkspaceInfo
from components.data_table import PagedTable
from components.sources.cards import human_bytes, human_date, stage_label

PAGE_STYLES = [*STYLES, "/dp-static/sources.css"]
POLL_MS = 700

# What a user may read a column as; each maps to a ColumnOverride (format is asked separately).
TYPE_CHOICES: dict[str, dict[str, Any]] = {
    "text": {"type": "text"},
    "integer": {"type": "integer"},
    "decimal (1234.56)": {"type": "decimal", "decimal_separator": "."},
    "decimal (1,234.56)": {"type": "decimal", "decimal_separator": ".", "thousands_separator": ","},
    "decimal comma (1234,56)": {"type": "decimal", "decimal_separator": ","},
    "decimal comma (1.234,56)": {
        "type": "decimal",
        "decimal_separator": ",",
        "thousands_separator": ".",
    },
    "decimal comma (1 234,56)": {
        "type": "decimal",
        "decimal_separator": ",",
        "thousands_separator": " ",
    },
    "date": {"type": "date"},
    "timestamp": {"type": "timestamp"},
    "boolean": {"type": "boolean"},
}
DATE_FORMATS = [
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
]
DELIMITERS = {",": "comma ,", ";": "semicolon ;", "\t": "tab", "|": "pipe |"}
THOUSANDS = {",": "comma", ".": "dot", " ": "space", "'": "apostrophe", "": "none"}


def type_choice(spec: dict[str, Any]) -> str:
    """The ``TYPE_CHOICES`` label matching a detected column or an override."""
    kind = spec.get("type") or "text"
    if kind != "decimal":
        return str(kind) if kind in TYPE_CHOICES else "text"
    decimal = spec.get("decimal_separator") or "."
    thousands = spec.get("thousands_separator") or ""
    for label, choice in TYPE_CHOICES.items():
        if (
            choice["type"] == "decimal"
            and choice.get("decimal_separator", ".") == decimal
            and choice.get("thousands_separator", "") == thousands
        ):
            return label
    return "decimal comma (1234,56)" if decimal == "," else "decimal (1234.56)"


def override_for(choice: str, fmt: str) -> dict[str, Any]:
    spec = dict(TYPE_CHOICES.get(choice, {"type": "text"}))
    if spec["type"] in ("date", "timestamp") and fmt.strip():
        spec["format"] = fmt.strip()
    return spec


def _reading(choice: str, fmt: str) -> tuple[str, str]:
    """A (type, format) pair where the format only counts for dates and timestamps."""
    dated = TYPE_CHOICES.get(choice, {}).get("type") in ("date", "timestamp")
    return choice, fmt.strip() if dated else ""


def _detected_note(column: dict[str, Any] | None, forced: bool) -> str:
    if forced:
        return "set by you"
    if not column:
        return ""
    notes = []
    if column.get("source_format") and column.get("type") not in ("date", "timestamp"):
        notes.append(str(column["source_format"]))
    if column.get("percent"):
        notes.append("percent ÷ 100")
    if column.get("currency"):
        notes.append(f"currency {column['currency']} removed")
    if column.get("true_values"):
        notes.append("true: " + "/".join(column["true_values"][:3]))
    if column.get("ambiguous"):
        notes.append("ambiguous")
    if column.get("note"):
        notes.append(str(column["note"]))
    return "; ".join(notes)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class SourceDetail(pn.viewable.Viewer):
    """Header, format, bad rows, schema with type overrides, and a paged preview."""

    def __init__(
        self, state: ShellState, workspace: WorkspaceInfo, source_id: str, **params: Any
    ) -> None:
        super().__init__(**params)
        self.state = state
        self.workspace = workspace
        self.source_id = source_id
        self.service: SourceService = state.ctx.sources(state.principal)
        self.can_edit = state.principal.can_edit
        self.info: SourceInfo | None = None
        self._lock = threading.RLock()
        self._poller: Any = None
        self._initial: dict[str, tuple[str, str]] = {}
        self._preview_columns: list[str] = []

        def html_pane(css: str, **kw: Any) -> pn.pane.HTML:
            return pn.pane.HTML(
                kw.pop("object", ""),
                stylesheets=PAGE_STYLES,
                sizing_mode="stretch_width",
                css_classes=[css],
                **kw,
            )

        self._header = html_pane(
            "dp-detail-header",
            object="<a class='dp-back' href='/sources'>← All sources</a>"
            "<p class='dp-loading-text'>Loading the source…</p>",
        )
        self._progress = html_pane("dp-detail-progress", visible=False)
        self._failure = html_pane("dp-detail-failure", visible=False)
        self._retry = pn.widgets.Button(
            name="Retry",
            button_type="primary",
            visible=False,
            css_classes=["dp-detail-retry"],
            stylesheets=PAGE_STYLES,
            margin=(0, 5, 10, 5),
        )
        self._retry.on_click(lambda _: self._reingest(retry_only=True))
        self._retry_detected = pn.widgets.Button(
            name="Retry with detected types",
            visible=False,
            css_classes=["dp-detail-retry-detected"],
            stylesheets=PAGE_STYLES,
            margin=(0, 5, 10, 5),
        )
        self._retry_detected.on_click(lambda _: self._reingest(clear=True))
        self._format = html_pane("dp-detail-format", visible=False)
        self._bad_rows = html_pane("dp-detail-bad-rows", visible=False)

        self._schema_head = html_pane("dp-section-head", visible=False)
        # Built with the first profile (see _render_schema), never empty then replaced.
        self._schema: pn.widgets.Tabulator | None = None
        self._schema_slot = pn.Column(visible=False, sizing_mode="stretch_width")
        self._apply = pn.widgets.Button(
            name="Re-ingest with these types",
            button_type="primary",
            disabled=True,
            css_classes=["dp-schema-apply"],
            stylesheets=PAGE_STYLES,
        )
        self._apply.on_click(lambda _: self._reingest())
        self._reset = pn.widgets.Button(
            name="Undo my changes",
            disabled=True,
            css_classes=["dp-schema-undo"],
            stylesheets=PAGE_STYLES,
        )
        self._reset.on_click(lambda _: self._render_schema())
        self._clear = pn.widgets.Button(
            name="Use detected types",
            visible=False,
            css_classes=["dp-schema-clear"],
            stylesheets=PAGE_STYLES,
        )
        self._clear.on_click(lambda _: self._reingest(clear=True))
        self._pending = html_pane("dp-schema-pending")
        self._schema_tools = pn.Row(
            self._apply,
            self._reset,
            self._clear,
            self._pending,
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["dp-schema-tools"],
        )

        self._preview_head = html_pane("dp-section-head", visible=False)
        self._preview = PagedTable(fetch=self._fetch_page)
        self._preview_box = pn.Column(
            self._preview, visible=False, sizing_mode="stretch_width", css_classes=["dp-preview"]
        )
        self._layout = pn.Column(
            self._header,
            self._progress,
            self._failure,
            pn.Row(self._retry, self._retry_detected),
            self._format,
            self._bad_rows,
            self._schema_head,
            self._schema_slot,
            self._schema_tools,
            self._preview_head,
            self._preview_box,
            sizing_mode="stretch_width",
            css_classes=["dp-source-detail"],
        )
        pn.state.onload(self.load, threaded=True)

    # -- loading -------------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the source (off the event loop) and show everything about it."""
        try:
            info = self.service.get(self.source_id)
        except Exception as exc:
            self._header.object = (
                "<a class='dp-back' href='/sources'>← All sources</a>"
                f"<p class='dp-detail-gone'>{html.escape(_message(exc))}</p>"
            )
            return
        self._show(info)

    def _show(self, info: SourceInfo) -> None:
        with self._lock:
            before = self.info
            self.info = info
            self._render_header()
            self._render_state()
            if info.status in ("uploading", "ingesting"):
                self._start_polling()
                return
            settled = before is None or before.updated_at != info.updated_at
            if settled:
                self._render_format()
                self._render_bad_rows()
                self._render_schema()
        if info.status == "ready" and settled:
            self._show_preview()
        elif info.status != "ready":
            self._preview_head.visible = self._preview_box.visible = False

    def _start_polling(self) -> None:
        if self._poller is None and pn.state.curdoc is not None:
            self._poller = pn.state.add_periodic_callback(self._poll, period=POLL_MS)

    def _poll(self) -> None:
        try:
            info = self.service.get(self.source_id)
        except Exception as exc:
            self._stop_polling()
            notify_error(exc)
            return
        if info.status not in ("uploading", "ingesting"):
            self._stop_polling()
            if info.status == "ready":
                notify_success(f"“{info.name}” is ready: {info.row_count or 0:,} rows.")
        self._show(info)

    def _stop_polling(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None

    # -- rendering ---------------------------------------------------------------------------------
    def _render_header(self) -> None:
        info = self.info
        assert info is not None
        badge = {"ready": "Ready", "failed": "Failed", "uploading": "Uploading"}.get(
            info.status, "Ingesting"
        )
        facts = [
            f"<b>{info.row_count:,}</b> rows" if info.row_count is not None else "",
            f"<b>{info.column_count}</b> columns" if info.column_count is not None else "",
            f"<b>{human_bytes(info.size_bytes)}</b> on disk",
            f"uploaded {html.escape(human_date(info.created_at.isoformat()))}",
        ]
        meta = " · ".join(f for f in facts if f)
        self._header.object = (
            "<a class='dp-back' href='/sources'>← All sources</a>"
            "<div class='dp-detail-title'>"
            f"<h2 class='dp-detail-name'>{html.escape(info.name)}</h2>"
            f"<span class='dp-status {html.escape(info.status)}'>{badge}</span></div>"
            f"<div class='dp-detail-meta'><span class='dp-detail-file'>"
            f"{html.escape(info.filename)}</span> · {meta}</div>"
        )

    def _render_state(self) -> None:
        info = self.info
        assert info is not None
        busy = info.status in ("uploading", "ingesting")
        if busy:
            label, fraction = stage_label(
                {"stage": info.progress.stage, "fraction": info.progress.fraction}
                if info.progress
                else None,
                info.status,
            )
            width = f' style="width:{int(100 * fraction)}%"' if fraction is not None else ""
            bar = "dp-bar" if fraction is not None else "dp-bar indeterminate"
            self._progress.object = (
                f"<div class='dp-progress-box' role='status'><b>Reading the file again</b> · "
                f"{html.escape(label)}<div class='{bar}'><span{width}></span></div></div>"
            )
        self._progress.visible = busy
        failed = info.status == "failed"
        kept = info.status == "ready" and bool(info.error)
        if failed:
            self._failure.object = (
                "<div class='dp-failure-box' role='alert'><b>This source could not be read.</b>"
                f"<p>{html.escape(info.error or 'No reason was recorded.')}</p></div>"
            )
        elif kept:
            self._failure.object = (
                "<div class='dp-failure-box dp-kept' role='alert'><b>The file was not read "
                f"again.</b><p>{html.escape(info.error or '')}</p></div>"
            )
        self._failure.visible = failed or kept
        self._retry.visible = failed and self.can_edit
        self._retry_detected.visible = failed and self.can_edit and bool(info.overrides)
        if busy:
            self._apply.disabled = True
            self._schema_tools.visible = False
        if self._schema is not None:
            self._schema.disabled = busy or not self.can_edit

    def _render_format(self) -> None:
        info = self.info
        assert info is not None
        detected = info.detected or {}
        if not detected:
            self._format.visible = False
            return
        chips = [("Format", str(detected.get("file_format") or info.file_format).upper())]
        if detected.get("compression"):
            chips.append(("Compressed", str(detected["compression"])))
        if detected.get("encoding"):
            chips.append(
                (
                    "Encoding",
                    str(detected["encoding"]) + (" with BOM" if detected.get("bom") else ""),
                )
            )
        if detected.get("delimiter"):
            delim = str(detected["delimiter"])
            chips.append(("Delimiter", DELIMITERS.get(delim, repr(delim))))
        if detected.get("decimal_separator"):
            chips.append(
                ("Decimal", "comma ," if detected["decimal_separator"] == "," else "dot .")
            )
        if detected.get("thousands_separator"):
            chips.append(("Thousands", THOUSANDS.get(detected["thousands_separator"], "other")))
        if detected.get("file_format") not in ("parquet",):
            chips.append(("Header row", "yes" if detected.get("header", True) else "no"))
        if detected.get("skipped_lines"):
            chips.append(("Skipped lines", str(detected["skipped_lines"])))
        if detected.get("sheet"):
            chips.append(("Sheet", str(detected["sheet"])))
        markup = "".join(
            f"<span class='dp-chip'><span>{html.escape(k)}</span> {html.escape(v)}</span>"
            for k, v in chips
        )
        notes = list(detected.get("notes") or [])
        if detected.get("ambiguous_dates"):
            notes.append(
                "Dates in "
                + ", ".join(str(c) for c in detected["ambiguous_dates"])
                + " could be day/month or month/day; check them in the schema below."
            )
        notes_markup = "".join(f"<li>{html.escape(str(n))}</li>" for n in notes)
        self._format.object = (
            "<div class='dp-format'><h3>How the file was read</h3>"
            f"<div class='dp-chips'>{markup}</div>"
            + (f"<ul class='dp-notes'>{notes_markup}</ul>" if notes_markup else "")
            + "</div>"
        )
        self._format.visible = True

    def _render_bad_rows(self) -> None:
        bad = (self.info.bad_rows if self.info else None) or {}
        count = int(bad.get("count") or 0)
        if not count:
            self._bad_rows.visible = False
            return
        examples = list(bad.get("examples") or [])
        rows = "".join(
            f"<tr><td class='num'>{int(e.get('line') or 0):,}</td>"
            f"<td>{html.escape(str(e.get('reason') or ''))}</td>"
            f"<td><code>{html.escape(str(e.get('raw') or '')[:300])}</code></td></tr>"
            for e in examples
        )
        shown = f"; the first {len(examples)} are below" if examples else ""
        self._bad_rows.object = (
            "<div class='dp-bad-rows' role='status'>"
            f"<h3>{count:,} row{'s' if count != 1 else ''} could not be read</h3>"
            f"<p>They are not in the data{shown}. Fix them in the file and replace it, or "
            "change a column's type below.</p>"
            + (
                "<table><thead><tr><th>Line</th><th>Why</th><th>Content</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
                if rows
                else ""
            )
            + "</div>"
        )
        self._bad_rows.visible = True

    def _render_schema(self) -> None:
        info = self.info
        if info is None or not info.profile:
            self._schema_head.visible = self._schema_slot.visible = False
            self._schema_tools.visible = False
            return
        overrides = info.overrides or {}
        detections = {c.get("identifier"): c for c in ((info.detected or {}).get("columns") or [])}
        records = []
        self._initial = {}
        for column in info.profile.get("columns") or []:
            ident = str(column["identifier"])
            detection = detections.get(ident) or {}
            forced = overrides.get(ident)
            spec = forced or {
                "type": column.get("type"),
                "decimal_separator": detection.get("decimal_separator"),
                "thousands_separator": detection.get("thousands_separator"),
            }
            choice = type_choice(spec)
            fmt = str((forced or {}).get("format") or "")
            if not forced and column.get("type") in ("date", "timestamp"):
                fmt = str(detection.get("source_format") or "")
            self._initial[ident] = (choice, fmt)
            records.append(
                {
                    # Both escaped here: the cell is rendered with Tabulator's html formatter.
                    "label": f"<span class='dp-col-label'>"
                    f"{html.escape(str(column.get('label') or ident))}</span>"
                    f"<span class='dp-col-ident'>{html.escape(ident)}</span>",
                    "identifier": ident,
                    "type": choice,
                    "format": fmt,
                    "nulls": int(column.get("null_count") or 0),
                    # an estimate can overshoot; never show more values than non-null rows
                    "distinct": min(
                        int(column.get("distinct_approx") or 0),
                        max(0, int(info.row_count or 0) - int(column.get("null_count") or 0)),
                    ),
                    "min": _cell(column.get("min")),
                    "max": _cell(column.get("max")),
                    "how": _detected_note(detection, bool(forced)),
                }
            )
        frame = pd.DataFrame(
            records,
            columns=[
                "label",
                "identifier",
                "type",
                "format",
                "nulls",
                "distinct",
                "min",
                "max",
                "how",
            ],
        )
        editable = {"type", "format"} if self.can_edit else set()
        editors: dict[str, Any] = {c: None for c in frame.columns if c not in editable}
        if self.can_edit:
            editors["type"] = {"type": "list", "values": list(TYPE_CHOICES)}
            editors["format"] = {
                "type": "list",
                "values": DATE_FORMATS,
                "autocomplete": True,
                "freetext": True,
                "allowEmpty": True,
                "listOnEmpty": True,
            }
        settings: dict[str, Any] = dict(
            editors=editors,
            titles={
                "label": "Column · identifier",
                "type": "Type",
                "format": "Date format",
                "nulls": "Nulls",
                "distinct": "Distinct",
                "min": "Min",
                "max": "Max",
                "how": "Detected",
            },
            text_align={"nulls": "right", "distinct": "right"},
            formatters={"label": {"type": "html"}},
            hidden_columns=["identifier"],
            widths={
                "type": 200,
                "format": 120,
                "nulls": 70,
                "distinct": 80,
                "min": 130,
                "max": 130,
            },
        )
        if self._schema is None:
            self._schema = pn.widgets.Tabulator(
                value=frame,
                show_index=False,
                disabled=not self.can_edit,
                selectable=False,
                sortable=False,
                layout="fit_data_stretch",
                configuration={"columnDefaults": {"maxWidth": 240}},
                sizing_mode="stretch_width",
                max_height=520,
                css_classes=["dp-schema"],
                stylesheets=["/dp-static/sources.css"],
                **settings,
            )
            self._schema.param.watch(self._edited, "value")
            self._schema_slot.objects = [self._schema]
        else:
            self._schema.param.update(value=frame, **settings)
        self._schema_slot.visible = True
        approx = " (approximate)" if info.profile.get("distinct_estimated") else ""
        hint = (
            " Click a type or date format to change how a column is read, then re-ingest."
            if self.can_edit
            else ""
        )
        self._schema_head.object = (
            f"<div class='dp-section-title'><h3>Schema</h3><p>{len(records)} columns; distinct "
            f"counts are estimates{approx}.{hint}</p></div>"
        )
        self._schema_head.visible = True
        self._update_pending()

    def _show_preview(self) -> None:
        info = self.info
        assert info is not None
        total = info.row_count or 0
        self._preview_head.object = (
            "<div class='dp-section-title'><h3>Data</h3><p>"
            f"{total:,} rows, read page by page; click a column header to sort.</p></div>"
        )
        self._preview_head.visible = True
        self._preview_box.visible = True
        columns = [c["identifier"] for c in (info.profile or {}).get("columns") or []]
        if columns != self._preview_columns:  # a re-ingest may rename or retype columns
            self._preview_columns = columns
            self._preview.param.update(page=1, sort=[])
        self._preview.reload()

    # -- schema edits --------------------------------------------------------------------------------
    def _edited(self, _event: Any) -> None:
        # Watches ``value``: Panel applies a browser edit to the frame, then triggers it (the
        # table's edit event may be handled before the data arrives, so it is not used).
        self._update_pending()

    def _changes(self) -> dict[str, dict[str, Any]]:
        if self._schema is None:
            return {}
        frame = self._schema.value
        changed: dict[str, dict[str, Any]] = {}
        for _, row in frame.iterrows():
            ident = str(row["identifier"])
            now = _reading(str(row["type"]), str(row["format"] or ""))
            if _reading(*self._initial.get(ident, ("", ""))) != now:
                changed[ident] = override_for(*now)
        return changed

    def _update_pending(self) -> None:
        changed = self._changes() if self.can_edit else {}
        n = len(changed)
        self._apply.disabled = n == 0 or (
            self.info is not None and self.info.status in ("uploading", "ingesting")
        )
        self._reset.disabled = n == 0
        self._apply.name = (
            f"Re-ingest with {n} change{'s' if n != 1 else ''}"
            if n
            else "Re-ingest with these types"
        )
        self._pending.object = (
            "<span class='dp-pending'>Nothing changes until you re-ingest.</span>" if n else ""
        )
        ready = self.info is not None and self.info.status == "ready"
        forced = bool(ready and self.info and self.info.overrides)
        self._apply.visible = self._reset.visible = n > 0
        self._clear.visible = forced and n == 0
        self._schema_tools.visible = self.can_edit and ready and (n > 0 or forced)

    def _reingest(self, clear: bool = False, retry_only: bool = False) -> None:
        info = self.info
        if info is None:
            return
        if clear:
            overrides: dict[str, Any] = {}
        else:
            overrides = dict(info.overrides or {})
            if not retry_only:
                overrides.update(self._changes())
        try:
            self._apply.disabled = self._retry.disabled = True
            updated = self.service.retry(info.id, overrides=overrides)
        except Exception as exc:
            notify_error(exc)
            self._retry.disabled = False
            self._update_pending()
            return
        finally:
            self._retry.disabled = False
        self._preview_head.visible = self._preview_box.visible = False
        self._show(self.service.get(updated.id))

    # -- data ------------------------------------------------------------------------------------------
    def _fetch_page(self, page: int, size: int, sort: list[tuple[str, str]]) -> dict[str, Any]:
        return self.service.preview(self.source_id, page=page, size=size, sort=sort)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return str(exc)
    notify_error(exc)
    return "This source could not be loaded."
