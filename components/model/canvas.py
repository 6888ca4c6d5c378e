"""The React Flow canvas of the ERD: shows a model and turns browser events into requests.

:class:`ErdCanvas` keeps React Flow's nodes, edges, node types and the per-table column lists
in step with a model (sending only what changed), and hands what the user did on the canvas to
its owner (:class:`CanvasOwner`, the :class:`~components.model.erd.ErdEditor`), which decides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import panel as pn
from panel_reactflow import ReactFlow

from components.assets import css_variables, read_asset
from components.model import graph as erd_graph
from components.model.nodes import CanvasWidth, TableColumns
from pipelines.semantic import SemanticModel

MINIMAP_FROM = 6
"""Show the minimap for models with more tables than this."""
MAX_ZOOM = erd_graph.FIT_MAX_ZOOM
"""How far a user may zoom in. React Flow fits its first view up to this zoom too, so a single
table never opens blown up, whichever of its fit and the canvas's own comes last."""
ERD_CSS = (
    css_variables(
        {
            "--dp-node-width": f"{erd_graph.NODE_WIDTH}px",
            "--dp-header-px": f"{erd_graph.HEADER_PX}px",
        }
    )
    + "\n"
    + read_asset(__file__, "canvas.css")
)


class CanvasOwner(Protocol):
    """What the canvas asks of its owner when the user acts on it."""

    def select(self, kind: str | None = None, **ids: str) -> None: ...

    def connect(self, source_handle: str | None, target_handle: str | None) -> None: ...

    def move(self, table: str, position: dict[str, float]) -> None: ...

    def disconnect(self, edge_ids: list[str]) -> None: ...

    def remove_tables(self, names: list[str]) -> None: ...

    def canvas_drawn(self) -> None: ...


class ErdCanvas:
    """React Flow with one node per table (a header and its column list) and one edge per
    joined column pair."""

    def __init__(self, owner: CanvasOwner, height: int = 640, editable: bool = True) -> None:
        self._owner = owner
        self._views: dict[str, TableColumns] = {}
        self._height = height
        self._fitted: set[str] = set()
        self._fit_due = False
        self._model = SemanticModel()
        self.ruler = CanvasWidth(on_drawn=owner.canvas_drawn, css_classes=["dp-erd-ruler"])
        """Measures the canvas's width in the browser, for fitting the view."""
        self.ruler.param.watch(lambda _: self._fit(), "pane_width")
        self.flow = ReactFlow(
            nodes=[],
            edges=[],
            node_types={},
            editable=editable,
            enable_connect=editable,
            enable_delete=editable,
            enable_multiselect=False,
            display_side_bar=False,
            # Editing happens in components.model.inspector, not in React Flow's own editors.
            editor_mode="side",
            default_node_editor=_no_editor,
            default_edge_editor=_no_editor,
            popup_trigger="click",
            min_zoom=0.05,
            max_zoom=MAX_ZOOM,
            show_minimap=False,
            stylesheets=[ERD_CSS],
            sizing_mode="stretch_width",
            height=height,
            css_classes=["dp-erd-canvas"],
        )
        self.flow.on("edge_added", self._edge_added)
        self.flow.on("edge_deleted", self._edges_deleted)
        self.flow.on("node_deleted", self._nodes_deleted)
        self.flow.on("node_moved", self._node_moved)
        self.flow.on("edge_clicked", self._edge_clicked)
        self.flow.on("handle_clicked", self._handle_clicked)
        self.flow.on("selection_changed", self._selection_changed)

    # -- showing a model ---------------------------------------------------------------------
    def show(self, model: SemanticModel, editable: bool, selection: dict[str, Any]) -> None:
        """Bring the canvas in line with ``model``, sending only what differs."""
        flow = self.flow
        with pn.io.hold():
            self.mark(model, selection)
            if flow.editable != editable:
                flow.param.update(
                    editable=editable, enable_connect=editable, enable_delete=editable
                )
            types = erd_graph.node_types(model)
            if types != flow.node_types:
                flow.node_types = types
            nodes = erd_graph.table_nodes(model, editable)
            if not erd_graph.same_items(flow.nodes, nodes):
                for node in nodes:
                    node["view"] = self._views[node["id"]]
                flow.nodes = nodes
            minimap = len(model.tables) > MINIMAP_FROM
            if flow.show_minimap != minimap:
                flow.show_minimap = minimap
            self.show_edges(model)
            # The first tables shown, and any table added since, are brought into view.
            names = {t.name for t in model.tables}
            if names - self._fitted:
                self._fit_due = True
            self._fitted = names
            self._model = model
            self._fit()

    def _fit(self) -> None:
        """Fit the view to the tables once the canvas's width is known (see ``ruler``)."""
        if not self._fit_due or self.ruler.pane_width <= 0:
            return
        viewport = erd_graph.fit_viewport(
            self._model, self.ruler.pane_width, self._height, min_zoom=self.flow.min_zoom
        )
        if viewport is not None:
            self._fit_due = False
            self.flow.viewport = viewport

    def show_edges(self, model: SemanticModel) -> None:
        """Redraw the joins (also after a refused connection, to drop the browser's edge)."""
        edges = erd_graph.join_edges(model)
        if not erd_graph.same_items(self.flow.edges, edges):
            self.flow.edges = edges

    def mark(self, model: SemanticModel, selection: dict[str, Any]) -> None:
        """Update the column lists: their rows and the highlighted column."""
        names = {t.name for t in model.tables}
        for gone in set(self._views) - names:
            del self._views[gone]
        for table in model.tables:
            rows = erd_graph.column_rows(table)
            chosen = (
                str(selection.get("column", ""))
                if selection.get("kind") == "column" and selection.get("table") == table.name
                else ""
            )
            height = erd_graph.columns_height(table)
            view = self._views.get(table.name)
            if view is None:
                self._views[table.name] = TableColumns(
                    columns=rows,
                    selected=chosen,
                    width=erd_graph.NODE_WIDTH - 2,
                    height=height,
                    on_click=self._column_clicker(table.name),
                    on_header=self._header_clicker(table.name),
                    on_drawn=self._owner.canvas_drawn,
                    css_classes=["dp-erd-columns"],
                )
                continue
            updates: dict[str, Any] = {}
            if view.columns != rows:
                updates["columns"] = rows
            if view.height != height:
                updates["height"] = height
            if view.selected != chosen:
                updates["selected"] = chosen
            if updates:
                view.param.update(**updates)

    def table_view(self, table: str) -> TableColumns | None:
        return self._views.get(table)

    # -- browser events (each runs in the callback that received the browser's message) -------
    def _column_clicker(self, table: str) -> Callable[[str], None]:
        return lambda column: self._owner.select("column", table=table, column=column)

    def _header_clicker(self, table: str) -> Callable[[], None]:
        return lambda: self._owner.select("table", table=table)

    def _handle_clicked(self, payload: dict[str, Any]) -> None:
        parsed = erd_graph.parse_handle(payload.get("handle_id"))
        if parsed is not None:
            self._owner.select("column", table=parsed[0], column=parsed[1])

    def _edge_clicked(self, payload: dict[str, Any]) -> None:
        if payload.get("edge_id"):
            self._owner.select("join", join=erd_graph.join_of_edge(str(payload["edge_id"])))

    def _selection_changed(self, payload: dict[str, Any]) -> None:
        nodes, edges = payload.get("nodes") or [], payload.get("edges") or []
        if nodes:
            self._owner.select("table", table=str(nodes[0]))
        elif edges:
            self._owner.select("join", join=erd_graph.join_of_edge(str(edges[0])))

    def _node_moved(self, payload: dict[str, Any]) -> None:
        node, position = payload.get("node_id"), payload.get("position")
        if node and position:
            self._owner.move(str(node), {"x": float(position["x"]), "y": float(position["y"])})

    def _edge_added(self, payload: dict[str, Any]) -> None:
        edge = payload.get("edge") or {}
        self._owner.connect(edge.get("sourceHandle"), edge.get("targetHandle"))

    def _edges_deleted(self, payload: dict[str, Any]) -> None:
        ids = [str(e) for e in payload.get("edge_ids") or [payload.get("edge_id")] if e]
        self._owner.disconnect(ids)

    def _nodes_deleted(self, payload: dict[str, Any]) -> None:
        ids = [str(n) for n in payload.get("node_ids") or [payload.get("node_id")] if n]
        self._owner.remove_tables(ids)


def _no_editor(*_args: Any, **_kwargs: Any) -> None:
    """React Flow's editor factory for nodes and edges: none (see the inspector)."""
    return None
