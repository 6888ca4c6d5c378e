"""SQL page: an editor that completes the workspace's schema, results as a table or a chart.

Queries run in a worker thread (never on the event loop); while one runs, a periodic callback
shows the elapsed time every 200 ms and Cancel stops it through the service. Errors appear
under the editor with their line and column, and the editor marks the spot; the SQL text is
never lost. History (the user's last queries) and saved queries are in the side panel.

Downloads of the whole result (CSV or Parquet) are fetched by the browser from the REST route
``POST /api/v1/workspaces/<id>/sql/download`` with the session cookie and the session's CSRF
token, and saved as the response streams in: the file never crosses Panel's websocket.
"""

from __future__ import annotations

import html
import logging
import threading
import time
import uuid
from typing import Any

import panel as pn
from panel.io.state import set_curdoc

from app.pages.shell import STYLES, ShellState, notify_error, notify_success, workspace_page
from app.pages.sql.feedback import RunOutcome, describe_failure, history_detail, history_state
from app.services.workspaces import WorkspaceInfo
from components.feedback import EmptyState
from components.sql.editor import SqlEditor
from components.sql.panels import QueryList, SchemaBrowser, schema_items
from components.sql.results import ResultView
from pipelines.charts import ResultColumn

log = logging.getLogger("datapilot.pages")
PAGE_STYLES = [*STYLES, "/dp-static/sql.css"]
ICON = "⌨"
TICK_MS = 200
SIDE_WIDTH = 290


def download_url(workspace_id: uuid.UUID | str) -> str:
    """The REST route the page's download buttons fetch the whole result from."""
    return f"/api/v1/workspaces/{workspace_id}/sql/download"


class SqlWorkbench(pn.viewable.Viewer):
    """The SQL page of one workspace."""

    def __init__(self, state: ShellState, workspace: WorkspaceInfo, **params: Any) -> None:
        super().__init__(**params)
        self.state = state
        self.workspace = workspace
        self.service = state.ctx.sql(state.principal)
        self.can_edit = state.principal.can_edit
        self._lock = threading.Lock()
        self._running: dict[str, Any] | None = None
        self._ticker: Any = None
        self._roles: dict[str, Any] = {}
        self._last_sql = ""

        self.editor = SqlEditor(
            height=230, autofocus=True, css_classes=["dp-sql-editor"], margin=(0, 5)
        )
        self.editor.param.watch(lambda _: self.run(), "run")
        self._run_btn = pn.widgets.Button(
            label="Run  (Ctrl+Enter)",
            color="primary",
            css_classes=["dp-sql-run"],
            stylesheets=PAGE_STYLES,
            margin=(6, 5),
        )
        self._run_btn.on_click(lambda _: self.editor.request_run())
        self._cancel_btn = pn.widgets.Button(
            label="Cancel",
            color="danger",
            variant="outline",
            visible=False,
            css_classes=["dp-sql-cancel"],
            stylesheets=PAGE_STYLES,
            margin=(6, 5),
        )
        self._cancel_btn.on_click(lambda _: self.cancel())
        self._status = pn.pane.HTML(
            "", stylesheets=PAGE_STYLES, css_classes=["dp-sql-status"], margin=(6, 5)
        )
        self._save_btn = pn.widgets.Button(
            label="Save query…",
            css_classes=["dp-sql-save-open"],
            stylesheets=PAGE_STYLES,
            visible=self.can_edit,  # viewers run queries but do not save them
            margin=(6, 5),
        )
        self._save_btn.on_click(lambda _: self._open_save())
        self._save_name = pn.widgets.TextInput(
            placeholder="Name, e.g. Revenue by month",
            width=280,
            css_classes=["dp-sql-save-name"],
            stylesheets=PAGE_STYLES,
        )
        self._save_name.param.watch(lambda _: self._save(), "enter_pressed")
        save = pn.widgets.Button(
            label="Save", color="primary", css_classes=["dp-sql-save"], margin=(5, 4)
        )
        save.on_click(lambda _: self._save())
        close = pn.widgets.Button(label="Cancel", css_classes=["dp-sql-save-cancel"], margin=(5, 4))
        close.on_click(lambda _: setattr(self._save_form, "visible", False))
        self._save_form = pn.Row(
            self._save_name,
            save,
            close,
            visible=False,
            css_classes=["dp-sql-save-form"],
            stylesheets=PAGE_STYLES,
        )
        self._message = pn.pane.HTML(
            "",
            visible=False,
            sizing_mode="stretch_width",
            stylesheets=PAGE_STYLES,
            css_classes=["dp-sql-message"],
            margin=(4, 5),
        )
        self._results = ResultView(download_url=download_url(workspace.id), csrf=state.csrf)
        self.schema = SchemaBrowser(
            on_pick=self.editor.insert, css_classes=["dp-sql-schema"], sizing_mode="stretch_width"
        )
        self.history = QueryList(
            actions=["run"],
            empty_text="Queries you run appear here; click one to load it.",
            on_action=self._history_action,
            css_classes=["dp-sql-history"],
            sizing_mode="stretch_width",
        )
        self.saved = QueryList(
            actions=["run", "delete"] if self.can_edit else ["run"],
            empty_text=(
                "No saved queries yet. Save the query in the editor with “Save query…”."
                if self.can_edit
                else "No saved queries yet; editors of your team can save queries here."
            ),
            on_action=self._saved_action,
            css_classes=["dp-sql-saved"],
            sizing_mode="stretch_width",
        )
        self._deleting: str | None = None  # the saved query the user is asked about
        self._delete_text = pn.pane.HTML("", stylesheets=PAGE_STYLES, margin=(4, 5))
        delete = pn.widgets.Button(
            label="Delete", color="danger", css_classes=["dp-sql-delete-yes"], margin=(5, 4)
        )
        delete.on_click(lambda _: self._delete_saved())
        keep = pn.widgets.Button(label="Cancel", css_classes=["dp-sql-delete-no"], margin=(5, 4))
        keep.on_click(lambda _: self._ask_delete(None))
        self._delete_ask = pn.Column(
            self._delete_text,
            pn.Row(delete, keep),
            visible=False,
            sizing_mode="stretch_width",
            css_classes=["dp-sql-delete-ask"],
        )
        self._side = pn.Tabs(
            ("Tables", self.schema),
            ("History", self.history),
            ("Saved", pn.Column(self._delete_ask, self.saved, sizing_mode="stretch_width")),
            width=SIDE_WIDTH,
            css_classes=["dp-sql-side"],
            stylesheets=PAGE_STYLES,
            margin=(0, 12, 0, 5),
        )
        toolbar = pn.Row(
            self._run_btn,
            self._cancel_btn,
            self._status,
            pn.layout.HSpacer(),
            self._save_btn,
            sizing_mode="stretch_width",
            css_classes=["dp-sql-toolbar"],
        )
        self._main = pn.Column(
            self.editor,
            toolbar,
            self._save_form,
            self._message,
            self._results,
            sizing_mode="stretch_width",
            css_classes=["dp-sql-main"],
        )
        self._body = pn.Column(
            pn.pane.HTML("<p class='dp-loading-text'>Loading tables…</p>", stylesheets=PAGE_STYLES),
            sizing_mode="stretch_width",
        )
        pn.state.onload(self.load, threaded=True)

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the workspace's tables, the user's history and the saved queries."""
        try:
            tables = self.service.workspace_tables(self.workspace.id)
            history = self.service.history(self.workspace.id)
            saved = self.service.saved(self.workspace.id)
        except Exception as exc:
            notify_error(exc)
            self._body.objects = [self._empty_state()]
            return
        self._roles = dict(tables.roles)
        columns = {name: list(cols) for name, cols in tables.columns.items()}
        if not columns:
            self._body.objects = [self._empty_state()]
            return
        self.editor.tables = columns
        self.schema.tables = schema_items(columns)
        self._show_history(history)
        self._show_saved(saved)
        self._body.objects = [
            pn.Row(self._side, self._main, sizing_mode="stretch_width", css_classes=["dp-sql"])
        ]

    def _empty_state(self) -> EmptyState:
        if self.can_edit:
            return EmptyState(
                title="No tables to query yet",
                message="SQL here reads the sources of this workspace. Upload a CSV, Parquet or "
                "Excel file on the Sources page; once it is ready it appears here as a table.",
                icon=ICON,
                action_label="Go to Sources",
                action_url="/sources",
            )
        return EmptyState(
            title="No tables to query yet",
            message="SQL here reads the sources of this workspace, and it has none that are "
            "ready. An editor of your team can add them on the Sources page.",
            icon=ICON,
            action_label="Go to Sources",
            action_url="/sources",
        )

    # -- running -----------------------------------------------------------------------------------
    def run(self, sql: str | None = None) -> None:
        """Run the editor's SQL (or ``sql``) in a worker thread."""
        text = self.editor.value if sql is None else sql
        if not text.strip():
            self._show_message("info", "Type a query first, e.g. <code>SELECT * FROM …</code>.")
            return
        query_id = uuid.uuid4().hex
        with self._lock:
            if self._running is not None:
                return
            self._running = {"id": query_id, "sql": text, "start": time.monotonic(), "cancel": 0}
        self.editor.clear_error()
        self._message.visible = False
        self._run_btn.disabled = True
        self._cancel_btn.visible = True
        self._cancel_btn.disabled = False
        self._tick()
        if pn.state.curdoc is not None:
            self._ticker = pn.state.add_periodic_callback(self._tick, period=TICK_MS)
        doc = pn.state.curdoc
        workspace_id = self.workspace.id

        def work() -> None:
            try:
                outcome: Any = self.service.execute(workspace_id, text, query_id=query_id)
            except Exception as exc:  # reported by _finish
                outcome = exc
            try:
                history = self.service.history(workspace_id)
            except Exception:
                history = None
            with set_curdoc(doc):
                self._finish(query_id, text, outcome, history)

        threading.Thread(target=work, daemon=True, name="sql-page-run").start()

    def cancel(self) -> None:
        """Ask the service to stop the running query."""
        with self._lock:
            running = self._running
            if running is None:
                return
            running["cancel"] = time.monotonic()
            self._status.object = self._running_html(running, "Cancelling")
        self._cancel_btn.disabled = True
        try:
            self.service.cancel(self.workspace.id, running["id"])
        except Exception as exc:
            notify_error(exc)

    def _tick(self) -> None:
        with self._lock:
            running = self._running
        if running is None:
            return
        if running["cancel"] and time.monotonic() - running["cancel"] > 1.0:
            # The query may still have been waiting for a slot when Cancel was clicked.
            running["cancel"] = time.monotonic()
            try:
                self.service.cancel(self.workspace.id, running["id"])
            except Exception:
                log.debug("retrying a cancel failed", exc_info=True)
        label = "Cancelling" if running["cancel"] else "Running"
        with self._lock:  # never after _finish has cleared it
            if self._running is running:
                self._status.object = self._running_html(running, label)

    @staticmethod
    def _running_html(running: dict[str, Any], label: str) -> str:
        elapsed = time.monotonic() - running["start"]
        return (
            "<span class='dp-running' role='status' aria-live='polite'>"
            "<span class='dp-spinner' aria-hidden='true'></span>"
            f"{label}… <span class='dp-elapsed'>{elapsed:.1f} s</span></span>"
        )

    def _finish(self, query_id: str, sql: str, outcome: Any, history: Any) -> None:
        with self._lock:
            if self._running is None or self._running["id"] != query_id:
                return
            self._running = None
            ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.stop()
        self._run_btn.disabled = False
        self._cancel_btn.visible = False
        self._status.object = ""
        if history is not None:
            self._show_history(history)
        if isinstance(outcome, Exception):
            self._failed(sql, outcome)
            return
        self._last_sql = sql
        result = outcome.result
        columns = [
            self._column(name, kind)
            for name, kind in zip(result.columns, result.types, strict=True)
        ]
        try:
            self._results.sql = sql
            self._results.show(result, outcome.chart, columns)
        except Exception as exc:
            notify_error(exc)

    def _column(self, name: str, kind: str) -> ResultColumn:
        role = self._roles.get(name)
        if role is None:
            return ResultColumn(name=name, type=kind)
        return ResultColumn(name=name, type=kind, role=role.role, format=role.format)

    def _failed(self, sql: str, exc: Exception) -> None:
        outcome: RunOutcome = describe_failure(sql, exc)
        if outcome.kind == "unexpected":
            log.error("a SQL run failed unexpectedly", exc_info=exc)
        if outcome.line is not None:
            self.editor.show_error(
                outcome.text,
                line=outcome.line,
                column=outcome.column,
                start=outcome.start,
                end=outcome.end,
                sql=sql,
            )
        self._show_message(outcome.kind, outcome.html)

    def _show_message(self, kind: str, markup: str) -> None:
        self._message.object = f"<div class='dp-sql-note {kind}' role='alert'>{markup}</div>"
        self._message.visible = True

    # -- history and saved queries -----------------------------------------------------------------
    def _show_history(self, entries: list[dict[str, Any]]) -> None:
        self._history = {str(e["id"]): e for e in entries}
        self.history.items = [
            {
                "id": str(e["id"]),
                "sql": e["sql"],
                "detail": history_detail(e),
                "state": history_state(e),
            }
            for e in entries
        ]

    def _show_saved(self, entries: list[dict[str, Any]]) -> None:
        self._saved = {str(e["id"]): e for e in entries}
        self.saved.items = [
            {
                "id": str(e["id"]),
                "title": e["name"],
                "sql": e["sql"],
                "detail": e.get("description") or "",
            }
            for e in entries
        ]

    def _history_action(self, action: str, item_id: str) -> None:
        entry = self._history.get(item_id)
        if entry is not None:
            self._use(entry["sql"], run=action == "run")

    def _saved_action(self, action: str, item_id: str) -> None:
        entry = self._saved.get(item_id)
        if entry is None:
            return
        if action == "delete":
            self._ask_delete(item_id)
            return
        self._use(entry["sql"], run=action == "run")

    def _ask_delete(self, item_id: str | None) -> None:
        """Ask before deleting the saved query ``item_id``; ``None`` closes the question."""
        entry = self._saved.get(item_id or "")
        self._deleting = item_id if entry is not None else None
        if entry is not None:
            self._delete_text.object = (
                f"<div class='dp-sql-note error' role='alert'>Delete saved query "
                f"“{html.escape(entry['name'])}”? This cannot be undone.</div>"
            )
        self._delete_ask.visible = entry is not None

    def _delete_saved(self) -> None:
        entry = self._saved.get(self._deleting or "")
        self._ask_delete(None)
        if entry is None:
            return
        try:
            self.service.delete_saved(self.workspace.id, str(entry["id"]))
            self._show_saved(self.service.saved(self.workspace.id))
        except Exception as exc:
            notify_error(exc)
            return
        notify_success(f"Saved query “{entry['name']}” deleted.")

    def _use(self, sql: str, run: bool) -> None:
        self.editor.set_sql(sql)
        self.editor.clear_error()
        if run:
            self.run(sql)

    def _open_save(self) -> None:
        self._save_form.visible = True

    def _save(self) -> None:
        if not self._save_form.visible:
            return
        name = (self._save_name.value_input or self._save_name.value or "").strip()
        sql = self.editor.value
        chart = None
        if self._last_sql == sql:
            chart = self._results.chart_spec()
        try:
            entry = self.service.save_query(self.workspace.id, name, sql, chart=chart)
            saved = self.service.saved(self.workspace.id)
        except Exception as exc:
            failure = describe_failure(sql, exc)
            if failure.kind == "unexpected":
                notify_error(exc)
            else:
                self._show_message("error", failure.html)
            return
        self._show_saved(saved)
        self._save_form.visible = False
        self._save_name.value = self._save_name.value_input = ""
        self._side.active = 2
        notify_success(f"Query saved as “{entry['name']}”.")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._body


def page(state: ShellState) -> pn.viewable.Viewable:
    """The SQL page's content for this session."""
    pn.extension("tabulator")
    return workspace_page(state, ICON, lambda workspace: SqlWorkbench(state, workspace))
