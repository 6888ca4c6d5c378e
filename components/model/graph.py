"""The ERD as React Flow data: a semantic model's tables become nodes, its joins edges.

Pure functions over :class:`~pipelines.semantic.SemanticModel` (no Panel), shared by the
:class:`components.model.erd.ErdEditor` and its tests.

Geometry: React Flow spaces a node's handles evenly over the node's height (handle ``k`` of
``n`` sits at ``(k + 1) / (n + 1)`` of it). A table node is a header of 1.5 rows, one row per
column and half a row of footer; with a hidden header handle first, handle ``k`` then lands
exactly on the middle of column row ``k - 1``. Heights are fixed by :data:`ROW_PX`.
"""

from __future__ import annotations

import math
from typing import Any

from pipelines.semantic import Join, SemanticModel, Table
from pipelines.semantic.graph import node_tables

ROW_PX = 24
"""Height of one column row on the canvas, in pixels."""
HEADER_PX = ROW_PX * 3 // 2
FOOTER_PX = ROW_PX // 2
NODE_WIDTH = 260
GRID_GAP_X = 340
GRID_GAP_Y = 80
NODE_CLASS = "dp-erd-table"
LIVE_MARK = "\u26c1"
"""Before the name of a table read from a database connection (a stack of disks)."""
FIT_MAX_ZOOM = 1.0
"""Fitting the view never zooms in past 100 %: one small table is shown at its real size."""
FIT_PADDING = 40
"""Pixels left free around the tables when the view is fitted."""
HEADER_HANDLE = ":header"
"""Suffix of the hidden first handle of every node (a ``:`` never appears in a column name)."""
PAIR_SEP = "#"
"""Separates a join id from the index of its column pair in an edge id (``j1#1``)."""

CARDINALITY_LABELS = {"many_to_one": "N:1", "one_to_one": "1:1", "one_to_many": "1:N"}


# -- ids -----------------------------------------------------------------------------------------
def handle_id(table: str, column: str) -> str:
    """The stable id of a column's handles: ``{table}.{column}``."""
    return f"{table}.{column}"


def header_handle(table: str) -> str:
    return f"{table}{HEADER_HANDLE}"


def parse_handle(handle: str | None) -> tuple[str, str] | None:
    """``(table, column)`` of a column handle id, or ``None`` for the header or no handle."""
    if not handle or handle.endswith(HEADER_HANDLE) or "." not in handle:
        return None
    table, column = handle.split(".", 1)
    return (table, column) if table and column else None


def node_type(table: str) -> str:
    """Each table is its own React Flow node type, since handles are declared per type."""
    return f"dp_table_{table}"


def edge_id(join_id: str, pair: int) -> str:
    return join_id if pair == 0 else f"{join_id}{PAIR_SEP}{pair}"


def join_of_edge(edge: str) -> str:
    """The join id of an edge id (edges of a multi-column join share it)."""
    return edge.split(PAIR_SEP, 1)[0]


# -- nodes ---------------------------------------------------------------------------------------
def node_height(table: Table) -> int:
    return HEADER_PX + ROW_PX * len(table.columns) + FOOTER_PX


def columns_height(table: Table) -> int:
    """Height of the node's column list (the view below the header)."""
    return ROW_PX * len(table.columns) + FOOTER_PX


def node_type_spec(table: Table) -> dict[str, Any]:
    """A React Flow node type: inputs (left, targets) and outputs (right, sources) per column.

    Handles are plain ids (no labels): the type must not change when a column's label or role
    does, or React Flow would remount every node of the type.
    """
    handles = [header_handle(table.name)] + [handle_id(table.name, c.name) for c in table.columns]
    return {
        "type": node_type(table.name),
        "label": None,
        "schema": None,
        "inputs": handles,
        "outputs": list(handles),
        "inputConnectable": True,
        "inputConnectableStart": True,
        "inputConnectableEnd": True,
        "outputConnectable": True,
        "outputConnectableStart": True,
        "outputConnectableEnd": True,
        "pane_policy": "single",
    }


def node_types(model: SemanticModel) -> dict[str, dict[str, Any]]:
    return {node_type(t.name): node_type_spec(t) for t in model.tables}


def columns_per_row(model: SemanticModel) -> int:
    """How many tables a grid row holds: about as wide as tall on a landscape canvas."""
    if not model.tables:
        return 1
    mean = sum(node_height(t) for t in model.tables) / len(model.tables) + GRID_GAP_Y
    wanted = math.ceil(math.sqrt(len(model.tables) * mean * 1.6 / GRID_GAP_X))
    return max(1, min(len(model.tables), max(2, min(10, wanted))))


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    gap = 20
    return ax < bx + bw + gap and bx < ax + aw + gap and ay < by + bh + gap and by < ay + ah + gap


def positions(model: SemanticModel) -> dict[str, dict[str, float]]:
    """Saved positions, and free grid spots for tables that have none."""
    placed: dict[str, dict[str, float]] = {}
    taken: list[tuple[float, float, float, float]] = []
    for table in model.tables:
        if table.position is not None:
            placed[table.name] = {"x": float(table.position.x), "y": float(table.position.y)}
            taken.append((table.position.x, table.position.y, NODE_WIDTH, node_height(table)))
    per_row = columns_per_row(model)
    row_height = max((node_height(t) for t in model.tables), default=0) + GRID_GAP_Y
    slot = 0
    for table in model.tables:
        if table.name in placed:
            continue
        height = node_height(table)
        while True:
            row, col = divmod(slot, per_row)
            spot = (float(col * GRID_GAP_X), float(row * row_height), NODE_WIDTH, height)
            slot += 1
            if not any(_overlaps(spot, other) for other in taken):
                break
        taken.append(spot)
        placed[table.name] = {"x": spot[0], "y": spot[1]}
    return placed


def table_nodes(model: SemanticModel, editable: bool = True) -> list[dict[str, Any]]:
    """One node per table (without its view), at its saved or grid position."""
    where = positions(model)
    return [
        {
            "id": t.name,
            "type": node_type(t.name),
            "label": f"{LIVE_MARK} {t.display}" if t.connection is not None else t.display,
            "position": where[t.name],
            "data": {},
            "draggable": editable,
            "connectable": editable,
            "deletable": editable,
            "className": NODE_CLASS,
            "style": {"width": f"{NODE_WIDTH}px"},
        }
        for t in model.tables
    ]


def fit_viewport(
    model: SemanticModel,
    width: float,
    height: float,
    min_zoom: float = 0.05,
    max_zoom: float = FIT_MAX_ZOOM,
) -> dict[str, float] | None:
    """React Flow's viewport (``x``, ``y``, ``zoom``) that shows every table of ``model`` in a
    ``width`` x ``height`` canvas, centred, at most at ``max_zoom``; None without tables or
    without a size."""
    if not model.tables or width <= 0 or height <= 0:
        return None
    where = positions(model)
    left = min(where[t.name]["x"] for t in model.tables)
    top = min(where[t.name]["y"] for t in model.tables)
    right = max(where[t.name]["x"] + NODE_WIDTH for t in model.tables)
    bottom = max(where[t.name]["y"] + node_height(t) for t in model.tables)
    room_x, room_y = max(width - 2 * FIT_PADDING, 1.0), max(height - 2 * FIT_PADDING, 1.0)
    zoom = min(room_x / (right - left), room_y / (bottom - top), max_zoom)
    zoom = max(zoom, min_zoom)
    return {
        "x": width / 2 - (left + right) / 2 * zoom,
        "y": height / 2 - (top + bottom) / 2 * zoom,
        "zoom": zoom,
    }


def column_rows(table: Table) -> list[dict[str, Any]]:
    """What a node's column list shows: one entry per column."""
    return [
        {
            "name": c.name,
            "label": c.display,
            "type": c.type,
            "role": c.role,
            "aggregation": c.aggregation or "",
            "description": c.description,
            "key": c.name == table.primary_key,
        }
        for c in table.columns
    ]


# -- edges ---------------------------------------------------------------------------------------
def edge_label(join: Join) -> str:
    """``N:1 · left``: cardinality seen from the left table, then the join type; a join with
    an alias adds its label (``N:1 · left · Origin airport``)."""
    label = f"{CARDINALITY_LABELS[join.cardinality]} \u00b7 {join.type}"
    if join.alias is not None:
        label += f" \u00b7 {join.label or join.alias}"
    return label


EDGE_COLOR = "#7f93ad"


def join_edges(model: SemanticModel) -> list[dict[str, Any]]:
    """One edge per column pair of every join; the first pair carries the label.

    Edges leave a table on its right and enter the other on its left, so an edge is drawn from
    whichever table is further left (no loop around the nodes); its arrow always points at the
    join's right table. Each join of a table joined more than once (role-playing joins) is its
    own edge, labelled with its alias's label; a self-join loops from a table to itself.
    """
    where = positions(model)
    nodes = node_tables(model)
    edges = []
    for join in model.joins:
        # A join from an alias starts at the alias's table: aliases have no node of their own.
        start = nodes.get(join.left_table, join.left_table)
        left, right = where.get(start), where.get(join.right_table)
        flipped = left is not None and right is not None and right["x"] < left["x"]
        arrow = {"type": "arrowclosed", "color": EDGE_COLOR, "width": 16, "height": 16}
        for i, pair in enumerate(join.on):
            ends = [
                (start, handle_id(start, pair.left)),
                (join.right_table, handle_id(join.right_table, pair.right)),
            ]
            (source, source_handle), (target, target_handle) = ends[::-1] if flipped else ends
            edge: dict[str, Any] = {
                "id": edge_id(join.id, i),
                "source": source,
                "target": target,
                "sourceHandle": source_handle,
                "targetHandle": target_handle,
                "type": "smoothstep",
                "data": {"join": join.id},
                ("markerStart" if flipped else "markerEnd"): arrow,
            }
            if i == 0:
                edge["label"] = edge_label(join)
            edges.append(edge)
    return edges


def same_items(current: list[Any], wanted: list[dict[str, Any]]) -> bool:
    """Whether ``current`` (React Flow's list) already shows ``wanted`` (compared on its keys)."""
    if len(current) != len(wanted):
        return False
    for have, want in zip(current, wanted, strict=True):
        if not isinstance(have, dict):
            return False
        for key, value in want.items():
            if key == "view":
                continue
            if key == "position":
                pos = have.get("position") or {}
                if (
                    abs(float(pos.get("x", 0)) - value["x"]) > 0.5
                    or abs(float(pos.get("y", 0)) - value["y"]) > 0.5
                ):
                    return False
            elif have.get(key) != value:
                return False
    return True
