"""Side panels of a SQL workbench: the schema browser and a list of queries (history, saved).

Both render plain HTML buttons (keyboard-reachable, one Bokeh model each, however many items)
and report clicks to Python:

    schema = SchemaBrowser(tables={"orders": [("order_id", "integer")]})
    schema.on_pick = editor.insert            # receives the name, quoted when it must be

    history = QueryList(items=[{"id": "1", "title": "SELECT 1", "detail": "1 row"}],
                        actions=["load", "run"])
    history.on_action = lambda action, item_id: ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import panel as pn
import param

from components.assets import read_asset
from components.sql.editor import quote_identifier


class SchemaBrowser(pn.custom.JSComponent):
    """The workspace's tables with their columns; a click reports the name to insert."""

    tables = param.List(
        default=[], doc="``[{'name': str, 'columns': [[column, type], ...]}]`` in display order."
    )
    on_pick = param.Callable(
        default=None, doc="Called with the clicked table or column name, quoted as SQL needs."
    )

    _rename = {"on_pick": None}
    _esm = "panels_schema.js"
    _stylesheets = [read_asset(__file__, "panels_schema.css")]

    @classmethod
    def from_mapping(cls, tables: dict[str, list[tuple[str, str]]], **params: Any) -> SchemaBrowser:
        """Build from ``{table: [(column, type)]}``, tables in name order."""
        return cls(tables=schema_items(tables), **params)

    def _handle_msg(self, msg: Any) -> None:
        if isinstance(msg, dict) and msg.get("type") == "pick" and self.on_pick is not None:
            self.on_pick(quote_identifier(str(msg.get("name") or "")))


def schema_items(tables: dict[str, list[tuple[str, str]]]) -> list[dict[str, Any]]:
    """``{table: [(column, type)]}`` as :attr:`SchemaBrowser.tables` items, by table name."""
    return [
        {"name": name, "columns": [[str(c), str(t)] for c, t in tables[name]]}
        for name in sorted(tables, key=str.lower)
    ]


class QueryList(pn.custom.JSComponent):
    """Queries as a list; clicking one loads it, extra buttons run or delete it."""

    items = param.List(
        default=[],
        doc="``[{'id', 'sql', 'title'?, 'detail'?, 'state'?}]``; state 'failed' or 'stopped' "
        "colours the detail.",
    )
    actions = param.List(
        default=["load"],
        item_type=str,
        doc="Buttons per item besides load: 'run', 'dashboard', 'delete'.",
    )
    empty_text = param.String(default="Nothing here yet.", doc="Shown when there are no items.")
    on_action = param.Callable(default=None, doc="Called as ``on_action(action, item_id)``.")

    _rename = {"on_action": None}
    _esm = "panels_list.js"
    _stylesheets = [read_asset(__file__, "panels_list.css")]

    def _handle_msg(self, msg: Any) -> None:
        if not (isinstance(msg, dict) and msg.get("type") == "action"):
            return
        action, item_id = str(msg.get("action") or ""), str(msg.get("id") or "")
        allowed = {"load", *self.actions}
        callback: Callable[[str, str], Any] | None = self.on_action
        if action in allowed and callback is not None:
            callback(action, item_id)
