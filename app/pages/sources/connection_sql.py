"""A SQL box on one live connection: the editor, Run and Cancel, the rows or a clear error.

The query goes through :meth:`ConnectionService.run` (guarded in the server's dialect, run
read-only with the server's time limit) in a worker thread, never on the event loop; while it
runs the box shows the elapsed time, and Cancel asks :meth:`ConnectionService.cancel` to stop
it (again every second until it stops: it may still have been waiting for a turn). A refused,
failed, cancelled or timed-out query is said above the result, which is dimmed as the previous
run's; the SQL typed is never lost.
"""

from __future__ import annotations

import html
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import panel as pn
import param
from panel.io.state import set_curdoc

from app.errors import InvalidSql
from app.pages.shell import STYLES
from app.pages.shell.notify import error_message
from app.pages.sql.runner import running_markup
from app.services.connections import ConnectionService
from app.services.connections.errors import (
    ConnectionQueryCancelled,
    ConnectionQueryFailed,
    ConnectionUnavailable,
)
from components.sql.editor import SqlEditor
from components.sql.results import ResultView
from pipelines.charts import ResultColumn, suggest_chart
from pipelines.connections import RemoteResult
from pipelines.query.results import SqlResult

log = logging.getLogger("datapilot.pages")
PAGE_STYLES = [*STYLES, "/dp-static/sources.css", "/dp-static/connections.css"]
TICK_MS = 200
CANCEL_RETRY_S = 1.0


@dataclass(frozen=True)
class Failure:
    """A run that gave no rows, as the box says it: a title, the reason, where in the SQL."""

    kind: str
    title: str
    text: str
    position: dict[str, Any] | None = None

    def html(self) -> str:
        where = ""
        if self.position and self.position.get("line"):
            where = f"Line {self.position['line']}"
            if self.position.get("column"):
                where += f", column {self.position['column']}"
            where = f" <span class='dp-conn-sql-where'>{html.escape(where)}</span>"
        return (
            f"<div class='dp-conn-sql-note {self.kind}' role='alert'><b>{html.escape(self.title)}"
            f"</b>{where}<div>{html.escape(self.text)}</div></div>"
        )


def describe_failure(exc: BaseException) -> Failure:
    """How the box reports ``exc`` raised by a run."""
    if isinstance(exc, InvalidSql):
        return Failure("refused", "This query was not run.", str(exc), exc.position)
    if isinstance(exc, ConnectionQueryCancelled):
        if exc.reason == "timeout":
            return Failure("timeout", "Stopped by the time limit.", str(exc))
        return Failure("cancelled", "Cancelled.", str(exc))
    if isinstance(exc, ConnectionQueryFailed):
        return Failure("failed", "The database could not run this query.", str(exc))
    if isinstance(exc, ConnectionUnavailable):
        return Failure("failed", "The database could not be reached.", str(exc))
    return Failure("failed", "No result.", error_message(exc))


def as_sql_result(result: RemoteResult) -> SqlResult:
    """The rows of a connection's query in the shape the SQL page's result view pages."""
    return SqlResult(
        columns=list(result.columns),
        types=list(result.types),
        rows=[list(r) for r in result.rows],
        truncated=result.truncated,
        elapsed_ms=result.elapsed_ms,
    )


class ConnectionSql(pn.viewable.Viewer):
    """Editor, Run, Cancel and the result of queries on one connection."""

    running = param.Boolean(default=False, doc="Whether a query runs.")
    cancelling = param.Boolean(default=False, doc="Whether Cancel was clicked for this run.")
    elapsed = param.Number(default=0.0, doc="Seconds the run has taken so far.")
    message = param.String(default="", doc="HTML of the note about the last run; empty hides it.")
    tables = param.Dict(default={}, doc="``{table: [(column, type)]}`` for completion.")

    def __init__(
        self,
        service: ConnectionService,
        workspace_id: uuid.UUID,
        connection_id: str,
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self.service = service
        self.workspace_id = workspace_id
        self.connection_id = connection_id
        self._lock = threading.Lock()
        self._run: dict[str, Any] | None = None  # id, start and cancel time of the running one
        self._ticker: Any = None
        self.editor = SqlEditor(
            tables=self.param.tables,
            height=180,
            placeholder="SELECT … FROM …  (Ctrl+Enter runs it)",
            label="SQL on this database",
            css_classes=["dp-sql-editor", "dp-conn-sql-editor"],
            margin=(0, 5),
        )
        self.editor.param.watch(lambda _: self.run(), "run")
        self._run_btn = pn.widgets.Button(
            name="Run  (Ctrl+Enter)",
            button_type="primary",
            disabled=self.param.running,
            css_classes=["dp-conn-sql-run"],
            margin=(6, 5),
        )
        self._run_btn.on_click(lambda _: self.editor.request_run())
        self._cancel_btn = pn.widgets.Button(
            name="Cancel",
            button_type="danger",
            button_style="outline",
            visible=self.param.running,
            disabled=self.param.cancelling,
            css_classes=["dp-conn-sql-cancel"],
            margin=(6, 5),
        )
        self._cancel_btn.on_click(lambda _: self.cancel())
        self.results = ResultView()
        self._layout = pn.Column(
            self.editor,
            pn.Row(
                self._run_btn,
                self._cancel_btn,
                pn.pane.HTML(self._status, stylesheets=PAGE_STYLES, margin=(12, 8)),
                sizing_mode="stretch_width",
            ),
            pn.pane.HTML(
                self.param.message,
                visible=self.param.message.rx.bool(),
                stylesheets=PAGE_STYLES,
                sizing_mode="stretch_width",
                css_classes=["dp-conn-sql-message"],
                margin=(4, 5),
            ),
            self.results,
            sizing_mode="stretch_width",
            css_classes=["dp-conn-sql"],
        )

    @param.depends("running", "cancelling", "elapsed")
    def _status(self) -> str:
        return running_markup(self.running, self.cancelling, self.elapsed)

    # -- running ---------------------------------------------------------------------------------------
    def run(self) -> bool:
        """Run the editor's SQL in a worker thread; False while another query runs."""
        sql = self.editor.value or ""
        if not sql.strip():
            self.message = Failure(
                "info", "Type a query first.", "For example: SELECT * FROM a_table"
            ).html()
            return False
        query_id = uuid.uuid4().hex
        with self._lock:
            if self._run is not None:
                return False
            self._run = {"id": query_id, "start": time.monotonic(), "cancel": 0.0}
        self.editor.clear_error()
        self.param.update(running=True, cancelling=False, elapsed=0.0, message="")
        if pn.state.curdoc is not None:
            self._ticker = pn.state.add_periodic_callback(self._tick, period=TICK_MS)
        doc = pn.state.curdoc

        def work() -> None:
            try:
                outcome: Any = self.service.run(
                    self.workspace_id, self.connection_id, sql, query_id=query_id
                )
            except Exception as exc:  # reported by _finish
                outcome = exc
            with set_curdoc(doc):
                self._finish(query_id, sql, outcome)

        threading.Thread(target=work, daemon=True, name="connection-sql").start()
        return True

    def cancel(self) -> None:
        """Ask the service to stop the running query."""
        with self._lock:
            running = self._run
            if running is None:
                return
            running["cancel"] = time.monotonic()
        self.cancelling = True
        self._ask_cancel(running["id"])

    def _ask_cancel(self, query_id: str) -> None:
        try:
            self.service.cancel(self.workspace_id, self.connection_id, query_id)
        except Exception:
            log.debug("cancelling a connection query failed", exc_info=True)

    def _tick(self) -> None:
        with self._lock:
            running = self._run
        if running is None:
            return
        if running["cancel"] and time.monotonic() - running["cancel"] > CANCEL_RETRY_S:
            running["cancel"] = time.monotonic()  # it may have waited for a turn meanwhile
            self._ask_cancel(running["id"])
        with self._lock:
            if self._run is running:
                self.elapsed = time.monotonic() - running["start"]

    def _finish(self, query_id: str, sql: str, outcome: Any) -> None:
        with self._lock:
            if self._run is None or self._run["id"] != query_id:
                return
            self._run = None
            ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.stop()
        self.param.update(running=False, cancelling=False)
        if isinstance(outcome, Exception):
            failure = describe_failure(outcome)
            position = failure.position or {}
            if position.get("line"):
                self.editor.show_error(
                    failure.text,
                    line=position.get("line"),
                    column=position.get("column"),
                    start=position.get("start"),
                    end=position.get("end"),
                    sql=sql,
                )
            self.message = failure.html()
            self.results.mark_stale()  # the rows shown are not this query's
            return
        result = as_sql_result(outcome)
        columns = [
            ResultColumn(name=n, type=t) for n, t in zip(result.columns, result.types, strict=True)
        ]
        try:
            self.results.show(result, suggest_chart(columns, result.rows), columns)
        except Exception as exc:
            self.message = describe_failure(exc).html()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
