"""The ERD editor: a semantic model's tables, columns and joins on a React Flow canvas.

Param-driven and free of app imports, so the same component runs on the model page and in a
notebook::

    import panel as pn
    from components.model.erd import ErdEditor
    pn.extension()
    editor = ErdEditor(model=model, sources=[...])   # SourceSchema objects, optional
    editor                                           # edits land in editor.model

The picker also offers the tables of the workspace's database connections
(``connection_tables``, labelled ``Warehouse · public.flights``); adding one calls
``load_table`` in a worker thread (it reads the table's columns from the database's catalog).

Every change (a drag, a join drawn between two column handles, a role changed in a panel) sets
``model`` to a new :class:`~pipelines.semantic.SemanticModel`; the previous one goes on an undo
stack (:meth:`ErdEditor.undo`, Ctrl+Z). What is clicked lands in ``selection`` for the
:class:`~components.model.inspector.Inspector`; the panels of :mod:`components.model.panels`
(calculated measures, suggestions, issues) edit through :meth:`ErdEditor.edit` too. The canvas
itself is :class:`~components.model.canvas.ErdCanvas`.
"""

from __future__ import annotations

import asyncio
import html
import logging
import threading
from collections.abc import Callable
from typing import Any

import panel as pn
import param
from panel_reactflow import ReactFlow

from components.feedback import EmptyState
from components.model import edits as model_edits
from components.model.canvas import ErdCanvas
from components.model.nodes import KeyShortcuts, TableColumns
from pipelines.semantic import SemanticModel, Table
from pipelines.semantic.model import ConnectionTable
from pipelines.semantic.roles import unique_name

log = logging.getLogger("datapilot.components")
HISTORY_LIMIT = 200
TABLES_ICON = (
    '<svg width="34" height="34" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">'
    '<rect x="3" y="3" width="7" height="7" rx="1.5"/><rect x="14" y="14" width="7" height="7" '
    'rx="1.5"/><path d="M10 6.5h4.5a2 2 0 0 1 2 2V14"/></svg>'
)


class ErdEditor(pn.viewable.Viewer):
    """Tables as nodes with their columns, joins as edges between column handles."""

    model = param.ClassSelector(
        class_=SemanticModel, doc="The model shown; every edit sets a new one."
    )
    sources = param.List(
        default=[],
        doc="SourceSchema (source_id, name, columns) of the sources tables can be added from.",
    )
    connection_tables = param.List(
        default=[],
        doc="(label, ConnectionTable) of the database connections' tables the picker also offers.",
    )
    connection_notes = param.List(
        default=[], doc="Why some connections' tables are not offered (one sentence each)."
    )
    listing_connections = param.Boolean(default=False, doc="The connections' tables are listed.")
    load_table = param.Callable(
        default=None,
        doc="load_table(ConnectionTable, taken names) -> Table: the model table of a "
        "connection's table, its columns from the catalog (slow: called in a worker thread).",
    )
    adding = param.Boolean(default=False, doc="True while a connection's table is being read.")
    editable = param.Boolean(
        default=True, doc="False: a read-only canvas (no handles, no drag, no edit controls)."
    )
    selection = param.Dict(
        default={},
        doc="What was clicked: {'kind': 'table'|'column'|'join', 'table', 'column', 'join'}.",
    )
    message = param.String(default="", doc="Why the last canvas action was refused, if it was.")
    can_undo = param.Boolean(default=False, doc="Whether there is an edit to undo.")
    canvas_height = param.Integer(default=640, doc="Height of the canvas in pixels.")
    drawn = param.Boolean(
        default=False, doc="True once the browser drew the canvas: a table in it, or 2 s after."
    )

    def __init__(self, **params: Any) -> None:
        params.setdefault("model", SemanticModel())
        super().__init__(**params)
        self._lock = threading.RLock()
        self._history: list[SemanticModel] = []
        self._replacing = False
        self._canvas = ErdCanvas(self, height=self.canvas_height, editable=self.editable)

        self._source_select = pn.widgets.Select(
            options={}, width=220, margin=(4, 4), css_classes=["dp-erd-source"]
        )
        self._add = pn.widgets.Button(
            name="Add table", button_type="primary", margin=(4, 4), css_classes=["dp-erd-add"]
        )
        self._add.on_click(self._add_clicked)
        self._add_all = pn.widgets.Button(
            name="Add all sources", margin=(4, 4), css_classes=["dp-erd-add-all"]
        )
        self._add_all.on_click(lambda _: self._guard(self.add_all_sources))
        self._undo = pn.widgets.Button(
            name="\u21b6 Undo", disabled=True, margin=(4, 4), css_classes=["dp-erd-undo"]
        )
        self._undo.on_click(lambda _: self.undo())
        self._keys = KeyShortcuts(on_undo=self.undo)
        self._toolbar = pn.Row(
            self._source_select, self._add, self._add_all, pn.layout.HSpacer(), self._undo,
            self._keys, sizing_mode="stretch_width", css_classes=["dp-erd-toolbar"],
        )  # fmt: skip
        self._catalog = pn.pane.HTML("", margin=(0, 5), css_classes=["dp-erd-catalog"])
        self._notice = pn.pane.Alert(
            "", alert_type="warning", visible=False, margin=(4, 5), css_classes=["dp-erd-message"]
        )
        self._empty_add = pn.widgets.Button(
            name="Add all sources",
            button_type="primary",
            align="center",
            css_classes=["dp-erd-empty-add-all"],
        )
        self._empty_add.on_click(lambda _: self._guard(self.add_all_sources))
        self._empty_state = EmptyState(icon_html=TABLES_ICON)
        self._empty = pn.Column(
            self._empty_state, self._empty_add, sizing_mode="stretch_width",
            css_classes=["dp-erd-empty"],
        )  # fmt: skip
        self._body = pn.Column(sizing_mode="stretch_width", css_classes=["dp-erd-body"])
        self._layout = pn.Column(
            self._toolbar,
            self._catalog,
            self._notice,
            self._body,
            self._canvas.ruler,
            sizing_mode="stretch_width",
            css_classes=["dp-erd"],
        )
        self.param.watch(self._model_changed, "model")
        self.param.watch(self._selection_changed, "selection")
        self.param.watch(self._editable_changed, "editable")
        self.param.watch(lambda *_: self._sync_sources(), ["sources", "connection_tables"])
        self.param.watch(
            lambda *_: self._catalog_changed(),
            ["connection_notes", "listing_connections", "editable"],
        )
        self.param.watch(lambda _: self._sync_sources(), "adding")
        self.param.watch(self._message_changed, "message")
        self._editable_changed()
        self._catalog_changed()
        self._sync()

    # -- public API ----------------------------------------------------------------------------
    def apply(self, model: SemanticModel) -> None:
        """Show ``model`` as the result of an edit (the current one goes on the undo stack)."""
        with self._lock:
            self.model = model

    def edit(self, change: Callable[[SemanticModel], SemanticModel]) -> bool:
        """Apply ``change(current model)``; a refused edit sets ``message`` and returns False."""
        with self._lock:
            try:
                new = change(self.model)
            except model_edits.EditError as exc:
                self.message = str(exc)
                return False
            self.message = ""
            if new is not self.model:
                self.model = new
            return True

    def reset(self, model: SemanticModel) -> None:
        """Show ``model`` as a fresh start (a load or a reload): the undo stack is cleared."""
        with self._lock:
            self._history.clear()
            self._replacing = True
            try:
                self.model = model
            finally:
                self._replacing = False
            self.can_undo = False
            self.selection = {}
            self.message = ""

    def undo(self) -> bool:
        """Go back to the model before the last edit; False when there is none."""
        with self._lock:
            if not self._history or not self.editable:
                return False
            previous = self._history.pop()
            self._replacing = True
            try:
                self.model = previous
            finally:
                self._replacing = False
            self.can_undo = bool(self._history)
            self.message = ""
            return True

    def canvas_drawn(self) -> None:
        if not self.drawn:
            self.drawn = True

    def select(self, kind: str | None = None, **ids: str) -> None:
        """Select a table, column or join (``select("column", table="t", column="c")``)."""
        self.selection = {"kind": kind, **ids} if kind else {}

    def add_source(self, source_id: str | None) -> bool:
        """Add a table for one of ``sources`` (by source id)."""
        source = next((s for s in self.sources if str(s.source_id) == str(source_id)), None)
        if source is None:
            self.message = "Pick a source to add as a table."
            return False
        return self.edit(lambda m: model_edits.add_table(m, self._table_for(source, m)))

    async def add_connection_table(self, ref: ConnectionTable) -> bool:
        """Add a table reading ``ref`` (one of ``connection_tables``), built by ``load_table``
        in a worker thread; a table that cannot be read sets ``message``."""
        if self.load_table is None:
            self.message = "Tables of database connections cannot be added here."
            return False
        if self.adding:
            return False
        self.adding = True
        try:
            taken = {t.name for t in self._tables()}
            table = await asyncio.to_thread(self.load_table, ref, taken)
        except Exception as exc:
            if getattr(exc, "status", None) is None:  # not a domain error: no internals shown
                log.exception("reading the connection table %s failed", ref.display)
                exc = RuntimeError("it could not be read; the error has been logged")
            self.message = f"The table {ref.display} could not be added: {exc}"
            return False
        finally:
            self.adding = False

        def add(model: SemanticModel) -> SemanticModel:  # its name may have been taken since
            free = unique_name(table.name, {t.name for t in model.tables})
            return model_edits.add_table(model, table.model_copy(update={"name": free}))

        return self.edit(add)

    async def _add_clicked(self, _event: Any = None) -> None:
        value = self._source_select.value
        ref = self._connection_ref(value)
        if ref is None:
            self._guard(self.add_source, value)
        else:
            await self.add_connection_table(ref)

    def add_all_sources(self) -> bool:
        """Add a table for every source that is not in the model yet."""
        missing = self._missing_sources()
        if not missing:
            self.message = "Every source is already a table of the model."
            return False

        def add_all(model: SemanticModel) -> SemanticModel:
            for source in missing:
                model = model_edits.add_table(model, self._table_for(source, model))
            return model

        return self.edit(add_all)

    def table_view(self, table: str) -> TableColumns | None:
        """The column list shown in a table's node (for tests and notebooks)."""
        return self._canvas.table_view(table)

    @property
    def flow(self) -> ReactFlow:
        """The React Flow canvas."""
        return self._canvas.flow

    # -- helpers -------------------------------------------------------------------------------
    def _guard(self, action: Callable[..., Any], *args: Any) -> Any:
        try:
            return action(*args)
        except model_edits.EditError as exc:
            self.message = str(exc)
        except Exception as exc:  # never let a canvas callback die silently
            log.exception("ERD action failed")
            self.message = f"That did not work: {exc}"
        return None

    @staticmethod
    def _table_for(source: Any, model: SemanticModel) -> Table:
        from pipelines.semantic.suggest import table_from_source

        return table_from_source(source, {t.name for t in model.tables})

    def _missing_sources(self) -> list[Any]:
        used = {t.source_id for t in self.model.tables}
        return [s for s in self.sources if str(s.source_id) not in used]

    def _missing_connection_tables(self) -> list[tuple[str, ConnectionTable]]:
        used = {t.source_key for t in self._tables()}
        return [(label, ref) for label, ref in self.connection_tables if ref.key not in used]

    def _tables(self) -> list[Table]:
        return self.model.tables if self.model is not None else []

    def _connection_ref(self, value: Any) -> ConnectionTable | None:
        return next((ref for _, ref in self.connection_tables if ref.key == value), None)

    # -- reacting to the model -----------------------------------------------------------------
    def _model_changed(self, event: param.parameterized.Event) -> None:
        if not self._replacing and event.old is not None and event.old is not event.new:
            self._history.append(event.old)
            del self._history[:-HISTORY_LIMIT]
            self.can_undo = True
        self._sync()

    def _sync(self) -> None:
        model = self.model
        with pn.io.hold():
            self._prune_selection(model)
            self._canvas.show(model, self.editable, self.selection)
            self._sync_sources()
            body = self.flow if model.tables else self._empty
            if list(self._body.objects) != [body]:
                self._body.objects = [body]
            self._undo.disabled = not self.can_undo

    def _sync_sources(self) -> None:
        missing = self._missing_sources()
        files = {s.name: str(s.source_id) for s in missing}
        options = {**files, **{label: ref.key for label, ref in self._missing_connection_tables()}}
        if options != self._source_select.options:
            self._source_select.options = options
        # Panel keeps a Select's value when its options are replaced, even a value no longer
        # among them (None at first): the browser then shows an empty picker.
        if self._source_select.value not in options.values():
            self._source_select.value = next(iter(options.values()), None)
        self._source_select.disabled = self._add.disabled = not options or self.adding
        self._add.loading = self.adding
        self._add_all.disabled = not files
        self._empty_add.visible = self.editable and bool(files)

    def _prune_selection(self, model: SemanticModel) -> None:
        sel = self.selection
        kind = sel.get("kind")
        table = model.table(sel.get("table", "")) if sel.get("table") else None
        gone = (
            (kind in ("table", "column") and table is None)
            or (kind == "column" and table is not None and table.column(sel["column"]) is None)
            or (kind == "join" and model.join(sel.get("join", "")) is None)
        )
        if gone:
            self.selection = {}

    def _selection_changed(self, _event: Any = None) -> None:
        self._canvas.mark(self.model, self.selection)

    def _editable_changed(self, _event: Any = None) -> None:
        editable = self.editable
        self._toolbar.visible = editable
        if editable:
            self._empty_state.param.update(
                title="Add tables",
                message="Each source of the workspace can become a table of the model. Add "
                "them all, or one at a time with the picker above; then drag from a column's "
                "handle to a column of another table to join them.",
            )
        else:
            self._empty_state.param.update(
                title="No tables in the model yet",
                message="An editor of your team adds the workspace's sources here as tables and "
                "joins them.",
            )
        if not editable:
            self._history.clear()
            self.can_undo = False
        self._sync()

    def _catalog_changed(self, _event: Any = None) -> None:
        lines = list(self.connection_notes)
        if self.listing_connections:
            lines.insert(0, "Listing the tables of the workspace's database connections\u2026")
        self._catalog.object = "".join(
            f"<p class='dp-erd-catalog-note' role='status'>{html.escape(line)}</p>"
            for line in lines
        )
        self._catalog.visible = self.editable and bool(lines)

    def _message_changed(self, _event: Any = None) -> None:
        self._notice.object = html.escape(self.message)
        self._notice.visible = bool(self.message)

    # -- what the canvas asks for (runs in the callback that received the browser's message) --
    def connect(self, source_handle: str | None, target_handle: str | None) -> None:
        """Join two columns (from a drag between their handles)."""
        with self._lock:
            if not self.editable:
                self._canvas.show_edges(self.model)
                return
            try:
                new, join_id = model_edits.connect(self.model, source_handle, target_handle)
            except model_edits.EditError as exc:
                self.message = str(exc)
                self._canvas.show_edges(self.model)  # drop the edge the browser drew
                return
            self.message = ""
            self.model = new
            self.select("join", join=join_id)

    def move(self, table: str, position: dict[str, float]) -> None:
        """Keep a dragged table's new position."""
        current = self.model.table(table)
        if not self.editable or current is None:
            return
        if current.position is not None and (
            abs(current.position.x - position["x"]) < 0.5
            and abs(current.position.y - position["y"]) < 0.5
        ):
            return
        self.edit(lambda m: model_edits.move_tables(m, {table: position}))

    def disconnect(self, edge_ids: list[str]) -> None:
        """Remove the join pairs of edges deleted on the canvas."""
        with self._lock:
            model = model_edits.disconnect_many(self.model, edge_ids) if self.editable else None
            if model is not None and model is not self.model:
                self.model = model
            else:
                self._sync()

    def remove_tables(self, names: list[str]) -> None:
        """Remove tables deleted on the canvas (with their joins and measures)."""
        with self._lock:
            model = self.model
            if self.editable:
                for name in names:
                    if model.table(name) is not None:
                        model = model_edits.remove_table(model, name)
            if model is not self.model:
                self.model = model
            else:
                self._sync()

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
