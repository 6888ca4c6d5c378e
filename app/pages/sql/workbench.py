"""SQL page: an editor that completes the workspace's schema, results as a table or a chart.

Queries run in a worker thread through :class:`QueryRunner` (never on the event loop), which
shows the elapsed time and cancels through the service. Errors appear under the editor with
their line and column, and the editor marks the spot; the SQL text is never lost. History (the
user's last queries) and saved queries are in the side panel; editors add a saved query to a
dashboard from that list, or with "Add to dashboard…" while its result is shown.

The page's state is declared as parameters; the widgets' visibility, state and text are bound
to them, and the layout is assembled in ``__panel__``.

Downloads of the whole result (CSV or Parquet) are fetched by the browser from the REST route
``POST /api/v1/workspaces/<id>/sql/download`` with the session cookie and the session's CSRF
token, and saved as the response streams in: the file never crosses Panel's websocket.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import panel as pn
import param

from app.pages.shell import STYLES, ShellState, notify_error, notify_success
from app.pages.sql.feedback import (
    RunOutcome,
    delete_question_html,
    describe_failure,
    empty_state,
    history_items,
    saved_items,
)
from app.pages.sql.handoff import run_after_drawing
from app.pages.sql.runner import QueryRunner
from app.pages.sql.to_dashboard import SavedToDashboard, saved_id_of, toolbar_button
from app.services.workspaces import WorkspaceInfo
from components.sql.editor import SqlEditor
from components.sql.panels import QueryList, SchemaBrowser, schema_items
from components.sql.results import ResultView
from pipelines.charts import ResultColumn

log = logging.getLogger("datapilot.pages")
PAGE_STYLES = [*STYLES, "/dp-static/sql.css"]
ICON = "⌨"
SIDE_WIDTH = 290
SAVED_TAB = 2


def download_url(workspace_id: uuid.UUID | str) -> str:
    """The REST route the page's download buttons fetch the whole result from."""
    return f"/api/v1/workspaces/{workspace_id}/sql/download"


def _find(entries: list[dict[str, Any]], item_id: str | None) -> dict[str, Any] | None:
    return next((e for e in entries if str(e["id"]) == item_id), None)


class SqlWorkbench(pn.viewable.Viewer):
    """The SQL page of one workspace."""

    workspace = param.ClassSelector(
        class_=WorkspaceInfo, constant=True, doc="The workspace whose tables are queried."
    )
    runner = param.ClassSelector(
        class_=QueryRunner,
        constant=True,
        doc="The running query: whether one runs, its id, elapsed time and cancelling.",
    )
    phase = param.Selector[str](
        default="loading",
        objects=["loading", "empty", "ready"],
        doc="Whether the tables are loading, there are none to query, or the workbench shows.",
    )
    tables = param.Dict(
        default={}, doc="``{table: [(column, type)]}`` for completion and the schema browser."
    )
    outcome = param.String(
        default="", doc="Kind of the note under the toolbar: info, error, cancelled, unexpected."
    )
    message = param.String(default="", doc="HTML of the note under the toolbar; empty hides it.")
    last_sql = param.String(default="", doc="The SQL whose result is shown (saved with its chart).")
    history = param.List(default=[], doc="The user's last queries here, newest first.")
    saved = param.List(default=[], doc="The workspace's saved queries.")
    deleting = param.String(
        default=None, allow_None=True, doc="Id of the saved query the user is asked to delete."
    )
    save_open = param.Boolean(default=False, doc="Whether the save form is open.")
    shown_saved = param.String(
        default=None, allow_None=True, doc="Id of the saved query whose result is shown."
    )

    @property
    def _runner(self) -> QueryRunner:
        assert self.runner is not None  # constant, set at construction
        return self.runner

    @property
    def _workspace_id(self) -> uuid.UUID:
        assert self.workspace is not None  # constant, set at construction
        return self.workspace.id

    def __init__(
        self, state: ShellState, workspace: WorkspaceInfo, handed: str = "", **params: Any
    ) -> None:
        service = state.ctx.sql(state.principal)
        runner = QueryRunner(service, workspace.id, on_done=self._done)
        super().__init__(workspace=workspace, runner=runner, **params)
        self.state = state
        self.service = service
        self.can_edit = state.principal.can_edit
        self._roles: dict[str, Any] = {}
        self._handed = handed  # SQL handed over by another page: shown, then run once loaded

        self.editor = SqlEditor(
            value=handed,
            tables=self.param.tables,
            height=230,
            autofocus=True,
            css_classes=["dp-sql-editor"],
            margin=(0, 5),
        )
        self.editor.param.watch(lambda _: self.run(), "run")
        self._run_btn = pn.widgets.Button(
            label="Run  (Ctrl+Enter)",
            color="primary",
            disabled=self._runner.param.running,
            css_classes=["dp-sql-run"],
            stylesheets=PAGE_STYLES,
            margin=(6, 5),
        )
        self._run_btn.on_click(lambda _: self.editor.request_run())
        self._cancel_btn = pn.widgets.Button(
            label="Cancel",
            color="danger",
            variant="outline",
            visible=self._runner.param.running,
            disabled=self._runner.param.cancelling,
            css_classes=["dp-sql-cancel"],
            stylesheets=PAGE_STYLES,
            margin=(6, 5),
        )
        self._cancel_btn.on_click(lambda _: self._runner.cancel())
        self._save_open_btn = pn.widgets.Button(
            label="Save query…",
            css_classes=["dp-sql-save-open"],
            stylesheets=PAGE_STYLES,
            visible=self.can_edit,  # viewers run queries but do not save them
            margin=(6, 5),
        )
        self._save_open_btn.on_click(lambda _: self._show_save_form(True))
        self._to_dashboard = SavedToDashboard(state, workspace.id)
        self._to_dashboard_btn = toolbar_button(
            self.param.shown_saved.rx.is_not(None) if self.can_edit else False, PAGE_STYLES
        )
        self._to_dashboard_btn.on_click(lambda _: self._saved_action("dashboard", self.shown_saved))
        self._save_name = pn.widgets.TextInput(
            placeholder="Name, e.g. Revenue by month",
            width=280,
            css_classes=["dp-sql-save-name"],
            stylesheets=PAGE_STYLES,
        )
        self._save_name.param.watch(lambda _: self._save(), "enter_pressed")
        self._save_btn = pn.widgets.Button(
            label="Save", color="primary", css_classes=["dp-sql-save"], margin=(5, 4)
        )
        self._save_btn.on_click(lambda _: self._save())
        self._save_close_btn = pn.widgets.Button(
            label="Cancel", css_classes=["dp-sql-save-cancel"], margin=(5, 4)
        )
        self._save_close_btn.on_click(lambda _: self._show_save_form(False))
        self._results = ResultView(download_url=download_url(workspace.id), csrf=state.csrf)
        self.schema = SchemaBrowser(
            tables=self.param.tables.rx.pipe(schema_items),
            on_pick=self.editor.insert,
            css_classes=["dp-sql-schema"],
            sizing_mode="stretch_width",
        )
        self.history_list = QueryList(
            items=self.param.history.rx.pipe(history_items),
            actions=["run"],
            empty_text="Queries you run appear here; click one to load it.",
            on_action=self._history_action,
            css_classes=["dp-sql-history"],
            sizing_mode="stretch_width",
        )
        self.saved_list = QueryList(
            items=self.param.saved.rx.pipe(saved_items),
            actions=["run", "dashboard", "delete"] if self.can_edit else ["run"],
            empty_text=(
                "No saved queries yet. Save the query in the editor with “Save query…”."
                if self.can_edit
                else "No saved queries yet; editors of your team can save queries here."
            ),
            on_action=self._saved_action,
            css_classes=["dp-sql-saved"],
            sizing_mode="stretch_width",
        )
        self._delete_yes_btn = pn.widgets.Button(
            label="Delete", color="danger", css_classes=["dp-sql-delete-yes"], margin=(5, 4)
        )
        self._delete_yes_btn.on_click(lambda _: self._delete_saved())
        self._delete_no_btn = pn.widgets.Button(
            label="Cancel", css_classes=["dp-sql-delete-no"], margin=(5, 4)
        )
        self._delete_no_btn.on_click(lambda _: self._ask_delete(None))
        # Kept to open the Saved tab after a save; the user moves between the tabs freely.
        self._side: pn.Tabs | None = None
        pn.state.onload(self.load, threaded=True)

    # -- derived views -----------------------------------------------------------------------------
    @param.depends("outcome", "message")
    def _message_html(self) -> str:
        if not self.message:
            return ""
        return f"<div class='dp-sql-note {self.outcome}' role='alert'>{self.message}</div>"

    @param.depends("deleting", "saved")
    def _delete_question(self) -> str:
        return delete_question_html(_find(self.saved, self.deleting))

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the workspace's tables, the user's history and the saved queries."""
        if self._read(with_history=True) and self._handed:
            run_after_drawing(self.run, self._handed)

    def shown_again(self) -> None:
        """Back on the page: re-read tables and saved queries; the editor's text and result stay."""
        if self.phase != "loading":
            self._read(with_history=False)

    def _read(self, with_history: bool) -> bool:
        """Read the tables, the saved queries (and the history); whether there are tables."""
        try:
            tables = self.service.workspace_tables(self._workspace_id)
            found: dict[str, Any] = {"saved": self.service.saved(self._workspace_id)}
            if with_history:
                found["history"] = self.service.history(self._workspace_id)
        except Exception as exc:
            notify_error(exc)
            if self.phase == "loading":
                self.phase = "empty"
            return False
        self._roles = dict(tables.roles)
        columns = {name: list(cols) for name, cols in tables.columns.items()}
        self.param.update(tables=columns, **found, phase="ready" if columns else "empty")
        return bool(columns)

    # -- running -----------------------------------------------------------------------------------
    def run(self, sql: str | None = None) -> None:
        """Run the editor's SQL (or ``sql``) in a worker thread."""
        text = self.editor.value if sql is None else sql
        if not text.strip():
            self._show_message("info", "Type a query first, e.g. <code>SELECT * FROM …</code>.")
            return
        if self._runner.running:
            return
        self.editor.clear_error()
        self.message = ""
        self._runner.start(text)

    def _done(self, sql: str, outcome: Any, history: list[dict[str, Any]] | None) -> None:
        if history is not None:
            self.history = history
        if isinstance(outcome, Exception):
            self._failed(sql, outcome)
            return
        self.param.update(last_sql=sql, shown_saved=saved_id_of(self.saved, sql))
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
            # The mark lives in the browser's editor: a call, not a binding.
            self.editor.show_error(
                outcome.text,
                line=outcome.line,
                column=outcome.column,
                start=outcome.start,
                end=outcome.end,
                sql=sql,
            )
        self._show_message(outcome.kind, outcome.html)
        # The previous result stays for reference, but must not pass for this query's.
        self._results.mark_stale()

    def _show_message(self, kind: str, markup: str) -> None:
        self.param.update(outcome=kind, message=markup)

    # -- history and saved queries -----------------------------------------------------------------
    def _history_action(self, action: str, item_id: str) -> None:
        entry = _find(self.history, item_id)
        if entry is not None:
            self._use(entry["sql"], run=action == "run")

    def _saved_action(self, action: str, item_id: str | None) -> None:
        entry = _find(self.saved, item_id)
        if entry is None:
            return
        if action == "dashboard":
            self._to_dashboard.open(entry)
            return
        if action == "delete":
            self._ask_delete(item_id)
            return
        self._use(entry["sql"], run=action == "run")

    def _ask_delete(self, item_id: str | None) -> None:
        """Ask before deleting the saved query ``item_id``; ``None`` closes the question."""
        self.deleting = item_id if _find(self.saved, item_id) is not None else None

    def _delete_saved(self) -> None:
        entry = _find(self.saved, self.deleting)
        self._ask_delete(None)
        if entry is None:
            return
        try:
            self.service.delete_saved(self._workspace_id, str(entry["id"]))
            self.saved = self.service.saved(self._workspace_id)
            self.shown_saved = saved_id_of(self.saved, self.last_sql)
        except Exception as exc:
            notify_error(exc)
            return
        notify_success(f"Saved query “{entry['name']}” deleted.")

    def _use(self, sql: str, run: bool) -> None:
        # Pushing text into the browser's editor is a message, not a binding (see ``set_sql``).
        self.editor.set_sql(sql)
        self.editor.clear_error()
        if run:
            self.run(sql)

    def _show_save_form(self, shown: bool) -> None:
        self.save_open = shown

    def _save(self) -> None:
        if not self.save_open:
            return
        name = (self._save_name.value_input or self._save_name.value or "").strip()
        sql = self.editor.value
        chart = None
        if self.last_sql == sql:
            chart = self._results.chart_spec()
        try:
            entry = self.service.save_query(self._workspace_id, name, sql, chart=chart)
            saved = self.service.saved(self._workspace_id)
        except Exception as exc:
            failure = describe_failure(sql, exc)
            if failure.kind == "unexpected":
                notify_error(exc)
            else:
                self._show_message("error", failure.html)
            return
        shown = saved_id_of(saved, self.last_sql) if self.last_sql == sql else self.shown_saved
        self.param.update(saved=saved, save_open=False, shown_saved=shown)
        # The name box is the user's input, not page state: a saved name starts it afresh.
        self._save_name.value = self._save_name.value_input = ""
        if self._side is not None:
            self._side.active = SAVED_TAB  # an action; the tabs stay the user's to switch
        notify_success(f"Query saved as “{entry['name']}”.")

    # -- layout ------------------------------------------------------------------------------------
    def __panel__(self) -> pn.viewable.Viewable:
        delete_ask = pn.Column(
            pn.pane.HTML(self._delete_question, stylesheets=PAGE_STYLES, margin=(4, 5)),
            pn.Row(self._delete_yes_btn, self._delete_no_btn),
            visible=self.param.deleting.rx.is_not(None),
            sizing_mode="stretch_width",
            css_classes=["dp-sql-delete-ask"],
        )
        self._side = pn.Tabs(
            ("Tables", self.schema),
            ("History", self.history_list),
            ("Saved", pn.Column(delete_ask, self.saved_list, sizing_mode="stretch_width")),
            width=SIDE_WIDTH,
            css_classes=["dp-sql-side"],
            stylesheets=PAGE_STYLES,
            margin=(0, 12, 0, 5),
        )
        toolbar = pn.Row(
            self._run_btn,
            self._cancel_btn,
            pn.pane.HTML(
                self._runner.status_html,
                stylesheets=PAGE_STYLES,
                css_classes=["dp-sql-status"],
                margin=(6, 5),
            ),
            pn.layout.HSpacer(),
            self._to_dashboard_btn,
            self._save_open_btn,
            sizing_mode="stretch_width",
            css_classes=["dp-sql-toolbar"],
        )
        save_form = pn.Row(
            self._save_name,
            self._save_btn,
            self._save_close_btn,
            visible=self.param.save_open,
            css_classes=["dp-sql-save-form"],
            stylesheets=PAGE_STYLES,
        )
        message = pn.pane.HTML(
            self._message_html,
            visible=self.param.message.rx.bool(),
            sizing_mode="stretch_width",
            stylesheets=PAGE_STYLES,
            css_classes=["dp-sql-message"],
            margin=(4, 5),
        )
        main = pn.Column(
            self.editor,
            toolbar,
            save_form,
            self._to_dashboard,
            message,
            self._results,
            sizing_mode="stretch_width",
            css_classes=["dp-sql-main"],
        )
        workbench = pn.Row(self._side, main, sizing_mode="stretch_width", css_classes=["dp-sql"])
        loading = pn.pane.HTML(
            "<p class='dp-loading-text'>Loading tables…</p>", stylesheets=PAGE_STYLES
        )

        def body(phase: str) -> list[Any]:
            if phase == "ready":
                return [workbench]
            return [empty_state(self.can_edit)] if phase == "empty" else [loading]

        return pn.Column(objects=self.param.phase.rx.pipe(body), sizing_mode="stretch_width")
