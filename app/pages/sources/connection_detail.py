"""One live connection opened: its schemas and tables, a table's columns, rows and profile,
and a SQL box.

Shown by the Sources page for ``/sources?connection=<id>``. Everything that reaches the
database (the catalog, a page of rows, the sampled profile, a test) runs off the event loop in
worker threads (:class:`~app.pages.background.Latest`: a newer choice wins) with the pane it
feeds loading meanwhile; the preview pages through :class:`~components.data_table.PagedTable`
one page at a time, in the table's primary-key order.
"""

from __future__ import annotations

import html
from typing import Any

import panel as pn
import param

from app.pages.background import Latest
from app.pages.shell import STYLES, ShellState, notify_error
from app.pages.shell.look import button
from app.pages.shell.notify import error_message
from app.pages.sources.connection_markup import (
    BACK,
    TABLE_COLUMNS,
    columns_markup,
    failure_markup,
    header_markup,
    profile_markup,
    tables_frame,
)
from app.pages.sources.connection_snapshot import SnapshotImport
from app.pages.sources.connection_sql import ConnectionSql
from app.services.connections import ConnectionInfo, ConnectionService
from app.services.workspaces import WorkspaceInfo
from components.data_table import PagedTable
from components.sources.connection_form import check_markup
from pipelines.connections import RemoteColumn, RemoteTable

PAGE_STYLES = [*STYLES, "/dp-static/sources.css", "/dp-static/connections.css"]


class ConnectionDetail(pn.viewable.Viewer):
    """Header with Test; Tables (schema, tables, columns, rows, profile) and SQL tabs."""

    workspace = param.ClassSelector(class_=WorkspaceInfo, doc="The workspace of the connection.")
    connection_id = param.String(default="", doc="The id of the connection shown.")
    info = param.ClassSelector(
        class_=ConnectionInfo, allow_None=True, doc="The connection as read; None while loading."
    )
    error = param.String(default="", doc="Why the connection could not be loaded.")
    check = param.Dict(default=None, allow_None=True, doc="The last test in this session.")
    testing = param.Boolean(default=False, doc="A test runs.")
    schema = param.String(default="", doc="The schema whose tables are listed.")
    table = param.ClassSelector(
        class_=RemoteTable, allow_None=True, doc="The table opened; None before one is picked."
    )

    def __init__(
        self, state: ShellState, workspace: WorkspaceInfo, connection_id: str, **params: Any
    ) -> None:
        super().__init__(workspace=workspace, connection_id=connection_id, **params)
        self.state = state
        self.service: ConnectionService = state.ctx.connections(state.principal)
        self._tables: list[RemoteTable] = []
        self._columns: list[RemoteColumn] = []
        self._catalog_work = Latest("connection-catalog")
        self._table_work = Latest("connection-table")
        self._profile_work = Latest("connection-profile")
        self._test_work = Latest("connection-test")

        self._header = pn.pane.HTML(
            f"{BACK}<p class='dp-loading-text'>Loading the connection…</p>",
            stylesheets=PAGE_STYLES,
            sizing_mode="stretch_width",
            css_classes=["dp-detail-header", "dp-conn-header"],
        )
        self._test_btn = button("Test connection", "dp-conn-test", margin=(4, 5))
        self._test_btn.on_click(lambda _: self.test())
        self._check = pn.pane.HTML(
            "", visible=False, stylesheets=PAGE_STYLES, sizing_mode="stretch_width", margin=(4, 5)
        )
        self._schemas = pn.widgets.Select(
            name="Schema", options=[], width=280, css_classes=["dp-conn-schema"]
        )
        self._schemas.param.watch(lambda e: self._pick_schema(e.new), "value")
        # The list is built when the tables have arrived (an empty Tabulator given rows at once
        # races its own first layout in the browser; see components.data_table).
        self._table_list: pn.widgets.Tabulator | None = None
        self._tables_box = pn.Column(
            pn.pane.HTML("", min_height=120, width=300),
            width=300,
            css_classes=["dp-conn-tables-box"],
        )
        self._catalog_note = pn.pane.HTML(
            "", visible=False, stylesheets=PAGE_STYLES, width=300, css_classes=["dp-conn-catalog"]
        )
        self._table_head = pn.pane.HTML(
            "<p class='dp-conn-hint'>Pick a table on the left to see its columns and rows.</p>",
            stylesheets=PAGE_STYLES,
            sizing_mode="stretch_width",
            css_classes=["dp-conn-table-head"],
        )
        self._columns_pane = pn.pane.HTML(
            "", stylesheets=PAGE_STYLES, sizing_mode="stretch_width", css_classes=["dp-conn-cols"]
        )
        self._preview = PagedTable(fetch=self._fetch_page, sortable=False, height=380)
        self._profile_pane = pn.pane.HTML(
            "<p class='dp-conn-hint'>The profile is computed on a sample when this tab opens.</p>",
            stylesheets=PAGE_STYLES,
            sizing_mode="stretch_width",
            min_height=80,
            css_classes=["dp-conn-profile-box"],
        )
        self._table_tabs = pn.Tabs(
            (
                "Data",
                pn.Column(self._preview, sizing_mode="stretch_width", css_classes=["dp-preview"]),
            ),
            ("Columns", self._columns_pane),
            ("Profile", self._profile_pane),
            dynamic=False,
            sizing_mode="stretch_width",
            visible=self.param.table.rx.is_not(None),
            css_classes=["dp-conn-table-tabs"],
        )
        self._table_tabs.param.watch(lambda _: self._maybe_profile(), "active")
        self._profiled: tuple[str, str] | None = None
        self.sql = ConnectionSql(self.service, workspace.id, connection_id)
        # Editors may copy the opened table into a source of the workspace.
        self.snapshot: SnapshotImport | None = None
        if state.principal.can_edit:
            sources = state.ctx.sources(state.principal)
            snapshot = SnapshotImport(sources, self.service, workspace.id, connection_id)
            self.snapshot = snapshot
            self.param.watch(lambda e: setattr(snapshot, "table", e.new), "table")
        browse = pn.Row(
            pn.Column(self._schemas, self._catalog_note, self._tables_box, width=310),
            pn.Column(
                self._table_head,
                *([self.snapshot] if self.snapshot is not None else []),
                self._table_tabs,
                sizing_mode="stretch_width",
            ),
            sizing_mode="stretch_width",
        )
        self._body = pn.Tabs(
            ("Tables", browse),
            ("SQL", self.sql),
            dynamic=False,
            sizing_mode="stretch_width",
            css_classes=["dp-conn-tabs"],
            visible=False,
        )
        self._layout = pn.Column(
            self._header,
            pn.Row(self._test_btn, visible=self.param.info.rx.is_not(None)),
            self._check,
            self._body,
            sizing_mode="stretch_width",
            css_classes=["dp-connection-detail"],
        )
        pn.state.onload(self.load, threaded=True)

    # -- header and test -----------------------------------------------------------------------------
    @param.depends("info", "error", "check", "testing", watch=True)
    def _show_header(self) -> None:
        if self.error:
            self._header.object = f"{BACK}<p class='dp-detail-gone'>{html.escape(self.error)}</p>"
        elif self.info is not None:
            self._header.object = header_markup(self.info, self.check, self.testing)
        self._test_btn.loading = self._test_btn.disabled = self.testing
        self._check.object = check_markup(self.check) if not self.testing else ""
        self._check.visible = bool(self.check) and not self.testing

    def test(self) -> None:
        """Test the saved connection in a worker thread."""
        assert self.workspace is not None
        self.testing = True
        workspace_id = self.workspace.id

        def done(outcome: Any) -> None:
            if isinstance(outcome, Exception):
                self.testing = False
                notify_error(outcome)
                return
            self.param.update(check=outcome.as_json(), testing=False)

        self._test_work.submit(lambda: self.service.test(workspace_id, self.connection_id), done)

    # -- loading -------------------------------------------------------------------------------------
    def load(self) -> None:
        """Read the connection, then its schemas and tables (off the event loop)."""
        assert self.workspace is not None
        try:
            info = self.service.get(self.workspace.id, self.connection_id)
        except Exception as exc:
            self.error = error_message(exc)
            return
        self.info = info
        if self.check is None:  # the last test, as every member sees it
            self.check = info.last_check
        self._body.visible = True
        self._tables_box.loading = True
        try:
            schemas = self.service.schemas(self.workspace.id, self.connection_id)
        except Exception as exc:
            self._catalog_failed(exc)
            return
        wanted = info.schema or self._default_schema(info, schemas)
        options = sorted(set(schemas) | ({wanted} if wanted else set()))
        self._schemas.options = options
        self._schemas.value = wanted if wanted in options else (options[0] if options else None)
        if self._schemas.value is not None and self.schema != self._schemas.value:
            self._pick_schema(self._schemas.value)

    @staticmethod
    def _default_schema(info: ConnectionInfo, schemas: list[str]) -> str:
        preferred = "public" if info.kind == "postgres" else info.database
        return preferred if preferred in schemas else (schemas[0] if schemas else "")

    def _catalog_failed(self, exc: Exception) -> None:
        self._tables_box.loading = False
        self._catalog_note.object = failure_markup(
            "The tables could not be read.", error_message(exc)
        )
        self._catalog_note.visible = True

    def _pick_schema(self, schema: str | None) -> None:
        if not schema or schema == self.schema:
            return
        assert self.workspace is not None
        self.param.update(schema=schema, table=None)
        self._tables_box.loading = True
        workspace_id = self.workspace.id

        def done(outcome: Any) -> None:
            self._tables_box.loading = False
            if isinstance(outcome, Exception):
                self._catalog_failed(outcome)
                return
            self._tables = list(outcome)
            self._catalog_note.visible = bool(not self._tables)
            self._catalog_note.object = (
                "<p class='dp-conn-hint'>This schema has no table this user may read.</p>"
            )
            self._show_tables()

        self._catalog_work.submit(
            lambda: self.service.tables(workspace_id, self.connection_id, schema), done
        )

    def _show_tables(self) -> None:
        table_list = pn.widgets.Tabulator(
            value=tables_frame(self._tables),
            titles=TABLE_COLUMNS,
            show_index=False,
            disabled=True,
            selectable=1,
            layout="fit_data_stretch",
            header_filters={"name": {"type": "input", "func": "like", "placeholder": "Search"}},
            height=420,
            width=300,
            css_classes=["dp-conn-tables"],
        )
        table_list.param.watch(self._picked, "selection")
        self._table_list = table_list
        self._tables_box.objects = [table_list]

    # -- a table ---------------------------------------------------------------------------------------
    def _picked(self, event: param.parameterized.Event) -> None:
        if not event.new:
            return
        index = event.new[0]
        if index >= len(self._tables):
            return
        self.open_table(self._tables[index])

    def open_table(self, table: RemoteTable) -> None:
        """Show ``table``'s columns and first page of rows (read in a worker thread)."""
        assert self.workspace is not None
        workspace_id = self.workspace.id
        self.table = table
        self._profiled = None
        self._table_head.object = (
            f"<div class='dp-section-title'><h3 class='dp-conn-table-name'>"
            f"{html.escape(table.schema)}.{html.escape(table.name)}</h3><p>"
            + (
                "Rows in the table's primary-key order, read page by page from the database."
                if table.row_estimate is None
                else f"About {table.row_estimate:,} rows (the server's estimate), read page by "
                "page from the database."
            )
            + "</p></div>"
        )
        self._columns_pane.loading = True

        def work() -> Any:
            _, columns = self.service.columns(
                workspace_id, self.connection_id, table.schema, table.name
            )
            return columns

        def done(outcome: Any) -> None:
            self._columns_pane.loading = False
            if isinstance(outcome, Exception):
                self._columns_pane.object = failure_markup(
                    "The columns could not be read.", error_message(outcome)
                )
                return
            self._columns = list(outcome)
            self._columns_pane.object = columns_markup(table, self._columns)
            self._preview.param.update(page=1, sort=[])
            self._preview.reload()
            self._maybe_profile()

        self._table_work.submit(work, done)

    def _fetch_page(self, page: int, size: int, sort: list[tuple[str, str]]) -> dict[str, Any]:
        table = self.table
        assert self.workspace is not None
        if table is None:
            return {"columns": [], "rows": [], "total_rows": 0, "total_pages": 1, "page": 1}
        offset = (page - 1) * size
        result = self.service.preview(
            self.workspace.id, self.connection_id, table.schema, table.name,
            limit=size + 1, offset=offset,
        )  # fmt: skip
        data = result.as_json()
        more = len(data["rows"]) > size
        rows = data["rows"][:size]
        # With more rows than the page, the estimate may be stale: never fewer than seen.
        total = max(table.row_estimate or 0, offset + size + 1) if more else offset + len(rows)
        pages = max(1, -(-total // size))
        columns = [
            {"identifier": f"c{i}", "label": name, "type": kind}
            for i, (name, kind) in enumerate(zip(data["columns"], data["types"], strict=False))
        ]
        return {
            "columns": columns,
            "rows": rows,
            "total_rows": total,
            "total_pages": pages,
            "page": min(page, pages),
        }

    def _maybe_profile(self) -> None:
        table = self.table
        if table is None or self._table_tabs.active != 2:
            return
        key = (table.schema, table.name)
        if self._profiled == key:
            return
        self._profiled = key
        assert self.workspace is not None
        workspace_id = self.workspace.id
        self._profile_pane.object = (
            "<p class='dp-conn-hint' role='status'>Profiling a sample of the table…</p>"
        )
        self._profile_pane.loading = True

        def done(outcome: Any) -> None:
            self._profile_pane.loading = False
            if self.table is not table:
                return
            if isinstance(outcome, Exception):
                self._profiled = None
                self._profile_pane.object = failure_markup(
                    "The profile could not be computed.", error_message(outcome)
                )
                return
            self._profile_pane.object = profile_markup(outcome)

        self._profile_work.submit(
            lambda: self.service.profile(
                workspace_id, self.connection_id, table.schema, table.name
            ),
            done,
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
