"""One source in detail: how it was read, its schema (types editable), bad rows, paged data.

Shown by the Sources page for ``/sources?source=<id>``. Every read of the store or of the
Parquet file happens off the event loop (onload and callback threads) behind a loading state.
The page's state is ``info`` (the source as last read) and ``settled`` (as last read with no
ingest running); every pane shows and hides itself from those.
"""

from __future__ import annotations

import html
import threading
from typing import Any

import panel as pn
import param

from app.pages.shell import STYLES, ShellState, notify_error, notify_success
from app.pages.sources.markup import bad_rows_markup, format_markup, header_markup, progress_markup
from app.services.errors import DomainError
from app.services.sources.service import SourceInfo, SourceService
from app.services.workspaces import WorkspaceInfo
from components.data_table import PagedTable
from components.sources.schema_editor import SchemaEditor

PAGE_STYLES = [*STYLES, "/dp-static/sources.css"]
POLL_MS = 700
BUSY = ("uploading", "ingesting")
BACK = "<a class='dp-back' href='/sources'>← All sources</a>"


class SourceDetail(pn.viewable.Viewer):
    """Header, format, bad rows, schema with type overrides, and a paged preview."""

    workspace = param.ClassSelector(class_=WorkspaceInfo, doc="The workspace the source is in.")
    source_id = param.String(default="", doc="The id of the source shown.")
    info = param.ClassSelector(
        class_=SourceInfo, allow_None=True, doc="The source as last read; None while loading."
    )
    settled = param.ClassSelector(
        class_=SourceInfo,
        allow_None=True,
        doc="The source as last read with no ingest running: what the format, bad rows, schema "
        "and data sections show.",
    )
    error = param.String(default="", doc="Why the source could not be loaded, shown instead.")
    running = param.Boolean(default=False, doc="A re-ingest is being asked for.")

    def __init__(
        self, state: ShellState, workspace: WorkspaceInfo, source_id: str, **params: Any
    ) -> None:
        super().__init__(workspace=workspace, source_id=source_id, **params)
        self.state = state
        self.service: SourceService = state.ctx.sources(state.principal)
        self.can_edit = state.principal.can_edit
        self._lock = threading.RLock()
        self._poller: Any = None
        self._preview_columns: list[str] = []

        def html_pane(css: str, markup: Any, visible: Any = True) -> pn.pane.HTML:
            return pn.pane.HTML(
                markup,
                visible=visible,
                stylesheets=PAGE_STYLES,
                sizing_mode="stretch_width",
                css_classes=[css],
            )

        self._retry = pn.widgets.Button(
            name="Retry",
            button_type="primary",
            visible=self._can_retry,
            disabled=self.param.running,
            css_classes=["dp-detail-retry"],
            stylesheets=PAGE_STYLES,
            margin=(0, 5, 10, 5),
        )
        self._retry.on_click(lambda _: self._reingest(retry_only=True))
        retry_detected = pn.widgets.Button(
            name="Retry with detected types",
            visible=self._can_retry_detected,
            css_classes=["dp-detail-retry-detected"],
            stylesheets=PAGE_STYLES,
            margin=(0, 5, 10, 5),
        )
        retry_detected.on_click(lambda _: self._reingest(clear=True))
        self._editor = SchemaEditor(
            can_edit=self.can_edit,
            ready=self._ready,
            busy=self._blocked,
            on_apply=self._reingest,
            on_clear=lambda: self._reingest(clear=True),
        )
        self._preview = PagedTable(fetch=self._fetch_page)
        self._layout = pn.Column(
            html_pane("dp-detail-header", self._header),
            html_pane("dp-detail-progress", self._progress, visible=self._busy),
            html_pane("dp-detail-failure", self._failure, visible=self._failure_shown),
            pn.Row(self._retry, retry_detected),
            html_pane("dp-detail-format", self._format, visible=self._format_shown),
            html_pane("dp-detail-bad-rows", self._bad_rows, visible=self._bad_rows_shown),
            self._editor,
            html_pane("dp-section-head", self._preview_head, visible=self._ready),
            pn.Column(
                self._preview,
                visible=self._ready,
                sizing_mode="stretch_width",
                css_classes=["dp-preview"],
            ),
            sizing_mode="stretch_width",
            css_classes=["dp-source-detail"],
        )
        pn.state.onload(self.load, threaded=True)

    # -- what the panes show -------------------------------------------------------------------------
    def _status(self) -> str:
        return self.info.status if self.info is not None else ""

    @param.depends("info")
    def _busy(self) -> bool:
        return self._status() in BUSY

    @param.depends("info")
    def _ready(self) -> bool:
        return self._status() == "ready"

    @param.depends("info", "running")
    def _blocked(self) -> bool:
        """Nothing can be applied while an ingest runs or is being asked for."""
        return self._busy() or self.running

    @param.depends("info")
    def _can_retry(self) -> bool:
        return self._status() == "failed" and self.can_edit

    @param.depends("info")
    def _can_retry_detected(self) -> bool:
        return self._can_retry() and bool(self.info and self.info.overrides)

    @param.depends("info")
    def _failure_shown(self) -> bool:
        return self._status() == "failed" or (self._ready() and bool(self.info and self.info.error))

    @param.depends("settled")
    def _format_shown(self) -> bool:
        return bool(self.settled and self.settled.detected)

    @param.depends("settled")
    def _bad_rows_shown(self) -> bool:
        return bool(self.settled and int((self.settled.bad_rows or {}).get("count") or 0))

    @param.depends("info", "error")
    def _header(self) -> str:
        if self.error:
            return f"{BACK}<p class='dp-detail-gone'>{html.escape(self.error)}</p>"
        if self.info is None:
            return f"{BACK}<p class='dp-loading-text'>Loading the source…</p>"
        return BACK + header_markup(self.info)

    @param.depends("info")
    def _progress(self) -> str:
        return progress_markup(self.info) if self._busy() and self.info else ""

    @param.depends("info")
    def _failure(self) -> str:
        info = self.info
        if info is None:
            return ""
        if info.status == "failed":
            return (
                "<div class='dp-failure-box' role='alert'><b>This source could not be read.</b>"
                f"<p>{html.escape(info.error or 'No reason was recorded.')}</p></div>"
            )
        return (
            "<div class='dp-failure-box dp-kept' role='alert'><b>The file was not read "
            f"again.</b><p>{html.escape(info.error or '')}</p></div>"
        )

    @param.depends("settled")
    def _format(self) -> str:
        return format_markup(self.settled) if self.settled else ""

    @param.depends("settled")
    def _bad_rows(self) -> str:
        return bad_rows_markup((self.settled.bad_rows if self.settled else None) or {})

    @param.depends("settled")
    def _preview_head(self) -> str:
        total = (self.settled.row_count if self.settled else None) or 0
        return (
            "<div class='dp-section-title'><h3>Data</h3><p>"
            f"{total:,} rows, read page by page; click a column header to sort.</p></div>"
        )

    # -- loading -------------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the source (off the event loop) and show everything about it."""
        try:
            info = self.service.get(self.source_id)
        except Exception as exc:
            self.error = _message(exc)
            return
        self._show(info)

    def _show(self, info: SourceInfo) -> None:
        with self._lock:
            before = self.info
            self.info = info
            if info.status in BUSY:
                self._start_polling()
                return
            settled = before is None or before.updated_at != info.updated_at
            if settled:
                self.settled = info
        if info.status == "ready" and settled:
            self._reload_preview(info)

    @param.depends("settled", watch=True)
    def _show_schema(self) -> None:
        info = self.settled
        if info is None:
            return
        self._editor.param.update(
            profile=info.profile or {},
            detected=info.detected or {},
            overrides=info.overrides or {},
            row_count=info.row_count or 0,
            revision=info.updated_at.isoformat(),
        )

    def _reload_preview(self, info: SourceInfo) -> None:
        columns = [c["identifier"] for c in (info.profile or {}).get("columns") or []]
        if columns != self._preview_columns:  # a re-ingest may rename or retype columns
            self._preview_columns = columns
            self._preview.param.update(page=1, sort=[])
        self._preview.reload()

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
        if info.status not in BUSY:
            self._stop_polling()
            if info.status == "ready":
                notify_success(f"“{info.name}” is ready: {info.row_count or 0:,} rows.")
        self._show(info)

    def _stop_polling(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None

    # -- changes -------------------------------------------------------------------------------------
    def _reingest(self, clear: bool = False, retry_only: bool = False) -> None:
        info = self.info
        if info is None:
            return
        if clear:  # back to the detected types; the names the user gave stay
            overrides: dict[str, Any] = {
                k: {"name": v["name"]} for k, v in (info.overrides or {}).items() if v.get("name")
            }
        else:
            overrides = dict(info.overrides or {})
            if not retry_only:
                overrides.update(self._editor.changes)
            overrides = {k: v for k, v in overrides.items() if v}  # {}: back to as detected
        self.running = True
        try:
            updated = self.service.retry(info.id, overrides=overrides)
        except Exception as exc:
            notify_error(exc)
            return
        finally:
            self.running = False
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
