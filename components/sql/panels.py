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

from components.sql.editor import quote_identifier

_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
_MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"

_SCHEMA_CSS = f"""
:host {{ display: block; font-family: {_FONT}; color: #1d2733; }}
.sb-filter {{ width: 100%; box-sizing: border-box; font: 13px {_FONT}; padding: 6px 8px;
  border: 1px solid #cfd8e3; border-radius: 6px; margin-bottom: 8px; }}
.sb-filter:focus-visible, button:focus-visible {{ outline: 2px solid #2f6fde; outline-offset: 1px; }}
.sb-tables {{ list-style: none; margin: 0; padding: 0; }}
.sb-table {{ border-bottom: 1px solid #eef1f5; }}
.sb-table > details > summary {{ list-style: none; display: flex; align-items: center; gap: 4px;
  padding: 4px 2px; cursor: pointer; }}
.sb-table > details > summary::-webkit-details-marker {{ display: none; }}
.sb-caret {{ width: 14px; color: #8a97a8; transition: transform .12s; flex: none; }}
details[open] .sb-caret {{ transform: rotate(90deg); }}
.sb-name {{ font: 600 13px {_MONO}; background: none; border: 0; padding: 2px 4px; border-radius: 4px;
  color: #1f3a5f; cursor: pointer; text-align: left; overflow-wrap: anywhere; }}
.sb-name:hover, .sb-col:hover {{ background: #e8eff8; }}
.sb-count {{ margin-left: auto; color: #8a97a8; font-size: 12px; white-space: nowrap; }}
.sb-cols {{ list-style: none; margin: 0 0 6px 18px; padding: 0; }}
.sb-col {{ display: flex; width: 100%; gap: 8px; align-items: baseline; background: none; border: 0;
  padding: 2px 4px; border-radius: 4px; cursor: pointer; text-align: left; font: 12.5px {_MONO};
  color: #1d2733; }}
.sb-col-name {{ overflow-wrap: anywhere; }}
.sb-col-type {{ margin-left: auto; color: #8a97a8; font: 11.5px {_FONT}; white-space: nowrap; }}
.sb-empty {{ color: #5b6b7d; font-size: 13px; padding: 6px 2px; }}
"""

_SCHEMA_ESM = """
export function render({ model, el }) {
  const filter = document.createElement("input")
  filter.type = "search"
  filter.className = "sb-filter"
  filter.placeholder = "Filter tables and columns"
  filter.setAttribute("aria-label", "Filter tables and columns")
  const list = document.createElement("ul")
  list.className = "sb-tables"
  el.append(filter, list)
  const open = new Set()

  function pick(name) { model.send_msg({ type: "pick", name }) }

  function draw() {
    const query = filter.value.trim().toLowerCase()
    const tables = model.tables || []
    const items = []
    tables.forEach((table, i) => {
      const tableHit = !query || table.name.toLowerCase().includes(query)
      const columns = table.columns.filter(
        (c) => tableHit || c[0].toLowerCase().includes(query))
      if (!tableHit && !columns.length) return
      const li = document.createElement("li")
      li.className = "sb-table"
      li.dataset.table = table.name
      const details = document.createElement("details")
      details.open = query ? true : (open.has(table.name) || (open.size === 0 && i === 0))
      details.addEventListener("toggle", () => {
        if (details.open) open.add(table.name); else open.delete(table.name)
      })
      const summary = document.createElement("summary")
      summary.setAttribute("aria-label", `Columns of ${table.name}`)
      const caret = document.createElement("span")
      caret.className = "sb-caret"
      caret.textContent = "\u25b8"
      caret.setAttribute("aria-hidden", "true")
      const name = document.createElement("button")
      name.type = "button"
      name.className = "sb-name"
      name.textContent = table.name
      name.title = `Insert ${table.name}`
      name.addEventListener("click", (e) => { e.preventDefault(); pick(table.name) })
      const count = document.createElement("span")
      count.className = "sb-count"
      count.textContent = `${table.columns.length} col${table.columns.length === 1 ? "" : "s"}`
      summary.append(caret, name, count)
      const cols = document.createElement("ul")
      cols.className = "sb-cols"
      for (const [col, type] of columns) {
        const item = document.createElement("li")
        const button = document.createElement("button")
        button.type = "button"
        button.className = "sb-col"
        button.dataset.column = col
        button.title = `Insert ${col}`
        const n = document.createElement("span")
        n.className = "sb-col-name"
        n.textContent = col
        const t = document.createElement("span")
        t.className = "sb-col-type"
        t.textContent = type
        button.append(n, t)
        button.addEventListener("click", () => pick(col))
        item.append(button)
        cols.append(item)
      }
      details.append(summary, cols)
      li.append(details)
      items.push(li)
    })
    if (!items.length) {
      const li = document.createElement("li")
      li.className = "sb-empty"
      li.textContent = tables.length ? "Nothing matches the filter." : "No tables."
      items.push(li)
    }
    list.replaceChildren(...items)
  }

  filter.addEventListener("input", draw)
  model.on("tables", draw)
  draw()
}
"""


class SchemaBrowser(pn.custom.JSComponent):
    """The workspace's tables with their columns; a click reports the name to insert."""

    tables = param.List(
        default=[], doc="``[{'name': str, 'columns': [[column, type], ...]}]`` in display order."
    )
    on_pick = param.Callable(
        default=None, doc="Called with the clicked table or column name, quoted as SQL needs."
    )

    _rename = {"on_pick": None}
    _esm = _SCHEMA_ESM
    _stylesheets = [_SCHEMA_CSS]

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


_LIST_CSS = f"""
:host {{ display: block; font-family: {_FONT}; color: #1d2733; }}
.ql {{ list-style: none; margin: 0; padding: 0; }}
.ql-item {{ display: flex; align-items: stretch; gap: 4px; border-bottom: 1px solid #eef1f5;
  padding: 4px 0; }}
.ql-load {{ flex: 1; min-width: 0; text-align: left; background: none; border: 0; border-radius: 6px;
  padding: 4px 6px; cursor: pointer; color: inherit; font: inherit; }}
.ql-load:hover {{ background: #e8eff8; }}
.ql-title {{ display: block; font: 600 13px {_FONT}; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }}
.ql-sql {{ display: block; font: 12px {_MONO}; color: #3b4a5c; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }}
.ql-detail {{ display: block; color: #5b6b7d; font-size: 12px; }}
.ql-item.failed .ql-detail {{ color: #b3261e; }}
.ql-item.stopped .ql-detail {{ color: #7a5200; }}
.ql-detail {{ display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
  overflow: hidden; }}
.ql-act {{ align-self: center; background: #fff; border: 1px solid #cfd8e3; border-radius: 6px;
  font: 12px {_FONT}; padding: 3px 8px; cursor: pointer; color: #1d2733; }}
.ql-act:hover {{ background: #eef3f9; }}
.ql-act.delete {{ color: #b3261e; }}
button:focus-visible {{ outline: 2px solid #2f6fde; outline-offset: 1px; }}
.ql-empty {{ color: #5b6b7d; font-size: 13px; padding: 6px 2px; line-height: 1.45; }}
"""

_LIST_ESM = """
const LABELS = { run: "Run", delete: "Delete" }

export function render({ model, el }) {
  const list = document.createElement("ul")
  list.className = "ql"
  el.append(list)

  function send(action, id) { model.send_msg({ type: "action", action, id }) }

  function draw() {
    const items = model.items || []
    if (!items.length) {
      const li = document.createElement("li")
      li.className = "ql-empty"
      li.textContent = model.empty_text
      list.replaceChildren(li)
      return
    }
    list.replaceChildren(...items.map((item) => {
      const li = document.createElement("li")
      li.className = `ql-item ${item.state || ""}`
      li.dataset.id = item.id
      const load = document.createElement("button")
      load.type = "button"
      load.className = "ql-load"
      load.title = `Load into the editor:\\n${item.sql || ""}`
      if (item.title) {
        const title = document.createElement("span")
        title.className = "ql-title"
        title.textContent = item.title
        load.append(title)
      }
      const sql = document.createElement("span")
      sql.className = "ql-sql"
      sql.textContent = (item.sql || "").replace(/\\s+/g, " ").trim()
      const detail = document.createElement("span")
      detail.className = "ql-detail"
      detail.textContent = item.detail || ""
      load.append(sql, detail)
      load.addEventListener("click", () => send("load", item.id))
      li.append(load)
      for (const action of model.actions) {
        if (action === "load") continue
        const button = document.createElement("button")
        button.type = "button"
        button.className = `ql-act ${action}`
        button.textContent = LABELS[action] || action
        button.setAttribute("aria-label", `${LABELS[action] || action}: ${item.title || item.sql}`)
        button.addEventListener("click", () => send(action, item.id))
        li.append(button)
      }
      return li
    }))
  }

  model.on(["items", "actions", "empty_text"], draw)
  draw()
}
"""


class QueryList(pn.custom.JSComponent):
    """Queries as a list; clicking one loads it, extra buttons run or delete it."""

    items = param.List(
        default=[],
        doc="``[{'id', 'sql', 'title'?, 'detail'?, 'state'?}]``; state 'failed' or 'stopped' "
        "colours the detail.",
    )
    actions = param.List(
        default=["load"], item_type=str, doc="Buttons per item besides load: 'run', 'delete'."
    )
    empty_text = param.String(default="Nothing here yet.", doc="Shown when there are no items.")
    on_action = param.Callable(default=None, doc="Called as ``on_action(action, item_id)``.")

    _rename = {"on_action": None}
    _esm = _LIST_ESM
    _stylesheets = [_LIST_CSS]

    def _handle_msg(self, msg: Any) -> None:
        if not (isinstance(msg, dict) and msg.get("type") == "action"):
            return
        action, item_id = str(msg.get("action") or ""), str(msg.get("id") or "")
        allowed = {"load", *self.actions}
        callback: Callable[[str, str], Any] | None = self.on_action
        if action in allowed and callback is not None:
            callback(action, item_id)
