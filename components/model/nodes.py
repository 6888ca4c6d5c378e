"""Small browser-side pieces of the ERD: a table's column list and keyboard shortcuts.

Both are :class:`panel.custom.JSComponent` subclasses with a few lines of plain JavaScript (no
imports, nothing fetched), so they work offline on the server and in Jupyter alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import param
from panel.custom import JSComponent

from components.model.graph import ROW_PX

COLUMNS_CSS = f"""
:host {{ display: block; }}
.dp-cols {{ display: flex; flex-direction: column; padding-bottom: {ROW_PX // 2}px;
  font: 12.5px/1.2 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }}
.dp-col {{ all: unset; box-sizing: border-box; display: flex; align-items: center; gap: 7px;
  height: {ROW_PX}px; padding: 0 14px 0 12px; color: #1d2733; cursor: pointer;
  border-top: 1px solid #eef2f7; }}
.dp-col:hover {{ background: #f3f7fd; }}
.dp-col:focus-visible {{ outline: 2px solid #2f6fde; outline-offset: -2px; }}
.dp-col.selected {{ background: #e3edfc; }}
.dp-col.ignored .dp-col-name {{ color: #8a97a8; text-decoration: line-through; }}
.dp-badge {{ flex: none; display: inline-flex; align-items: center; justify-content: center;
  width: 17px; height: 17px; border-radius: 4px; font-size: 10.5px; font-weight: 700;
  color: #fff; }}
.dp-badge.dimension {{ background: #2f6fde; }}
.dp-badge.measure {{ background: #1e8a4c; }}
.dp-badge.ignored {{ background: #a3adba; }}
.dp-col-name {{ flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }}
.dp-col-key {{ flex: none; font-size: 10px; font-weight: 700; color: #8a6100; background: #fff3cf;
  border-radius: 3px; padding: 1px 4px; }}
.dp-col-meta {{ flex: none; color: #5b6b7d; font-size: 11px; }}
.dp-col.measure .dp-col-meta {{ color: #1e7a46; font-weight: 600; }}
"""

_COLUMNS_ESM = """
const BADGES = { dimension: "D", measure: "M", ignored: "\\u2013" };
const ROLES = { dimension: "dimension", measure: "measure", ignored: "ignored" };

export function render({ model, el }) {
  const list = document.createElement("div");
  list.className = "dp-cols";
  list.setAttribute("role", "list");
  const draw = () => {
    const rows = (model.columns || []).map((col) => {
      const row = document.createElement("button");
      row.type = "button";
      row.className = `dp-col ${col.role}` + (col.name === model.selected ? " selected" : "");
      row.dataset.column = col.name;
      row.setAttribute("role", "listitem");
      const badge = document.createElement("span");
      badge.className = `dp-badge ${col.role}`;
      badge.textContent = BADGES[col.role] || "?";
      badge.title = ROLES[col.role] || col.role;
      const name = document.createElement("span");
      name.className = "dp-col-name";
      name.textContent = col.label;
      row.append(badge, name);
      if (col.key) {
        const key = document.createElement("span");
        key.className = "dp-col-key";
        key.textContent = "PK";
        key.title = "primary key";
        row.append(key);
      }
      const meta = document.createElement("span");
      meta.className = "dp-col-meta";
      meta.textContent = col.role === "measure" ? col.aggregation : col.type;
      row.append(meta);
      row.title = `${col.name} (${col.type}), ${ROLES[col.role] || col.role}` +
        (col.role === "measure" ? `, ${col.aggregation}` : "") +
        (col.description ? `\\n${col.description}` : "");
      row.addEventListener("click", (event) => {
        // Keep the click from the node underneath: it would select the table instead.
        event.stopPropagation();
        model.send_msg({ column: col.name });
      });
      return row;
    });
    list.replaceChildren(...rows);
  };
  draw();
  model.on("columns", draw);
  model.on("selected", draw);
  el.append(list);

  // A click on the node's header (React Flow draws it, outside this view) selects the table;
  // React Flow itself reports nothing when an already selected node is clicked again.
  const attach = (tries) => {
    const host = el.getRootNode().host;
    const node = host && host.closest ? host.closest(".react-flow__node") : null;
    if (!node) {
      if (tries < 200) setTimeout(() => attach(tries + 1), 50);
      return;
    }
    if (node._dpHeaderClick) node.removeEventListener("click", node._dpHeaderClick);
    node._dpHeaderClick = (event) => {
      const onHeader = event.composedPath().some(
        (part) => part.classList && part.classList.contains("rf-node-label")
      );
      if (onHeader) model.send_msg({ header: true });
    };
    node.addEventListener("click", node._dpHeaderClick);
  };
  attach(0);
}
"""


class TableColumns(JSComponent):
    """The column rows of one table node; clicking a row reports the column, clicking the
    node's header reports the table."""

    columns = param.List(default=[], doc="Rows: dicts from erd_graph.column_rows().")
    selected = param.String(default="", doc="Name of the highlighted column, if any.")

    _esm = _COLUMNS_ESM

    def __init__(
        self,
        on_click: Callable[[str], None] | None = None,
        on_header: Callable[[], None] | None = None,
        **params: Any,
    ) -> None:
        params.setdefault("stylesheets", [COLUMNS_CSS])
        params.setdefault("margin", 0)
        params.setdefault("sizing_mode", "fixed")
        super().__init__(**params)
        self._on_click = on_click
        self._on_header = on_header

    def _handle_msg(self, data: Any) -> None:
        if not isinstance(data, dict):
            return
        if isinstance(data.get("column"), str) and self._on_click:
            self._on_click(data["column"])
        elif data.get("header") is True and self._on_header:
            self._on_header()


_KEYS_ESM = """
export function render({ model, el }) {
  const typing = (event) => {
    const target = event.composedPath()[0];
    if (!(target instanceof Element)) return false;
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  };
  const onKey = (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || typing(event)) return;
    const key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) {
      event.preventDefault();
      model.send_msg({ action: "undo" });
    }
  };
  document.addEventListener("keydown", onKey);
  model.on("remove", () => document.removeEventListener("keydown", onKey));
  el.style.display = "none";
}
"""


class KeyShortcuts(JSComponent):
    """Ctrl+Z (Cmd+Z) anywhere on the page outside a text field calls ``on_undo``."""

    _esm = _KEYS_ESM

    def __init__(self, on_undo: Callable[[], None] | None = None, **params: Any) -> None:
        params.setdefault("width", 0)
        params.setdefault("height", 0)
        params.setdefault("margin", 0)
        super().__init__(**params)
        self._on_undo = on_undo

    def _handle_msg(self, data: Any) -> None:
        if isinstance(data, dict) and data.get("action") == "undo" and self._on_undo:
            self._on_undo()
