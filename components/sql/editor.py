"""A SQL editor: Ace with SQL highlighting, offline completion, Ctrl/Cmd+Enter and error marks.

Ace comes from Panel's own bundle (``panel/dist/bundled/aceplot``), so nothing is fetched from
the internet. Completion is computed in the browser from a catalogue built here in Python
(:func:`completion_catalog`): table names, column names (only that table's columns after
``table.`` or ``alias.``), SQL keywords and the functions the SQL guard allows.

    editor = SqlEditor(tables={"orders": [("order_id", "integer"), ("amount", "decimal")]})
    editor.param.watch(lambda e: print(editor.value), "run")     # Ctrl/Cmd+Enter
    editor.show_error("Unknown column", line=1, column=8)

It imports nothing from the app, so it works as it is in a notebook.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import panel as pn
import param
from panel.models.ace import AcePlot

from components.assets import read_asset

Tables = Mapping[str, Sequence[tuple[str, str]]]

SQL_KEYWORDS: tuple[str, ...] = (
    "SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "OFFSET", "DISTINCT",
    "AS", "AND", "OR", "NOT", "IN", "IS", "NULL", "IS NOT NULL", "LIKE", "ILIKE", "BETWEEN",
    "CASE", "WHEN", "THEN", "ELSE", "END", "JOIN", "INNER JOIN", "LEFT JOIN", "RIGHT JOIN",
    "FULL JOIN", "CROSS JOIN", "ON", "USING", "WITH", "UNION", "UNION ALL", "INTERSECT",
    "EXCEPT", "VALUES", "ASC", "DESC", "NULLS FIRST", "NULLS LAST", "OVER", "PARTITION BY",
    "WINDOW", "QUALIFY", "FILTER", "CAST", "TRUE", "FALSE", "EXISTS", "ALL", "ANY", "INTERVAL",
    "DATE", "TIMESTAMP",
)  # fmt: skip

# Words that must be quoted to be used as a name (a subset of DuckDB's reserved keywords).
_RESERVED_WORDS = """all analyse analyze and any array as asc asymmetric both case cast check collate column
    constraint create default deferrable desc distinct do else end except false fetch for foreign
    from grant group having in initially intersect into lateral leading limit not null offset on
    only or order placing primary references returning select symmetric table then to trailing
    true union unique using variadic when where window with"""
RESERVED: frozenset[str] = frozenset(_RESERVED_WORDS.split())
_BARE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

SCORE_COLUMN = 1000
SCORE_TABLE = 900
SCORE_FUNCTION = 500
SCORE_KEYWORD = 100


def quote_identifier(name: str) -> str:
    """``name`` as it must be written in SQL: bare when it can be, else in double quotes."""
    if _BARE.match(name) and name.lower() not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def _default_functions() -> list[str]:
    try:
        from pipelines.query.guard import ALLOWED_FUNCTIONS
    except ImportError:  # the guard is optional for the editor
        return []
    return sorted(ALLOWED_FUNCTIONS)


def completion_catalog(
    tables: Tables,
    functions: Iterable[str] = (),
    keywords: Iterable[str] = SQL_KEYWORDS,
) -> dict[str, Any]:
    """What the editor offers while typing.

    Parameters
    ----------
    tables
        ``{table: [(column, type), ...]}`` of the workspace.
    functions
        Function names the user may call (e.g. the guard's allow-list); operators are skipped.
    keywords
        SQL keywords, offered in upper case.

    Returns
    -------
    dict
        ``{"words": [...], "columns": {table_lower: [...]}}`` where each item is an Ace
        completion ``{caption, value | snippet, meta, score}``. ``words`` holds tables, every
        column once (its meta names the tables it is in), functions and keywords; ``columns``
        holds each table's own columns, for completion after ``table.`` or ``alias.``.
    """
    words: list[dict[str, Any]] = []
    per_table: dict[str, list[dict[str, Any]]] = {}
    seen_columns: dict[str, dict[str, Any]] = {}
    homes: dict[str, list[str]] = {}
    for table in sorted(tables, key=str.lower):
        columns = list(tables[table])
        count = len(columns)
        words.append(
            {
                "caption": table,
                "value": quote_identifier(table),
                "meta": f"table · {count} column{'s' if count != 1 else ''}",
                "score": SCORE_TABLE,
            }
        )
        own: list[dict[str, Any]] = []
        for column, kind in columns:
            own.append(
                {
                    "caption": column,
                    "value": quote_identifier(column),
                    "meta": str(kind),
                    "score": SCORE_COLUMN,
                }
            )
            key = column.lower()
            homes.setdefault(key, []).append(table)
            if key not in seen_columns:
                seen_columns[key] = {
                    "caption": column,
                    "value": quote_identifier(column),
                    "type": str(kind),
                    "score": SCORE_COLUMN,
                }
        per_table[table.lower()] = own
    for key, item in seen_columns.items():
        where = homes[key]
        shown = ", ".join(where[:3]) + (f" +{len(where) - 3}" if len(where) > 3 else "")
        words.append(
            {
                "caption": item["caption"],
                "value": item["value"],
                "meta": f"{item['type']} · {shown}",
                "score": item["score"],
            }
        )
    names = {f.lower() for f in functions if _BARE.match(f)}
    for name in sorted(names):
        words.append(
            {
                "caption": f"{name}()",
                "snippet": f"{name}(${{1}})",
                "value": name,
                "meta": "function",
                "score": SCORE_FUNCTION,
            }
        )
    for word in dict.fromkeys(k.upper() for k in keywords):
        words.append({"caption": word, "value": word, "meta": "keyword", "score": SCORE_KEYWORD})
    return {"words": words, "columns": per_table}


def offset_position(sql: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a 0-based character offset in ``sql``."""
    offset = max(0, min(offset, len(sql)))
    before = sql[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return line, column


def _ace_base_url() -> str:
    ace_js = next(u for u in AcePlot.__javascript__ if u.endswith("/ace.js"))
    return ace_js.rsplit("/", 1)[0]


class SqlEditor(pn.custom.JSComponent):
    """An Ace SQL editor that completes the workspace's tables, columns, keywords and functions.

    Ctrl+Enter (Cmd+Enter on a Mac) fires ``run`` with ``value`` up to date. ``error`` marks a
    position: a gutter annotation with the message and a wavy underline.
    """

    value = param.String(default="", doc="The SQL text, updated as the user types.")
    tables = param.Dict(
        default={}, doc="``{table: [(column, type), ...]}`` offered for completion."
    )
    functions = param.List(
        default=None,
        allow_None=True,
        item_type=str,
        doc="Function names offered for completion; None means the SQL guard's allow-list.",
    )
    error = param.Dict(
        default={},
        doc="``{message, line, column[, end_line, end_column]}`` (1-based) to mark; {} clears.",
    )
    placeholder = param.String(default="SELECT … FROM …", doc="Shown while the editor is empty.")
    readonly = param.Boolean(default=False, doc="Whether the text can be changed.")
    autofocus = param.Boolean(default=False, doc="Put the cursor in the editor when shown.")
    label = param.String(default="SQL editor", doc="Accessible name of the text area.")
    run = param.Event(doc="Fires on Ctrl/Cmd+Enter.")
    catalog = param.Dict(default={}, doc="Derived completion catalogue (sent to the browser).")
    popup_css = param.String(
        default=read_asset(__file__, "editor_popup.css"),
        doc="Style of the completion popup, which Ace draws outside the component.",
    )
    ace_base_url = param.String(
        default=_ace_base_url(), doc="Folder Ace is loaded from when the page has not loaded it."
    )

    __javascript__ = list(AcePlot.__javascript__)
    _rename = {"tables": None, "functions": None, "run": None}
    _esm = "editor.js"
    _stylesheets = [read_asset(__file__, "editor.css")]

    def __init__(self, **params: Any) -> None:
        params.setdefault("height", 220)
        params.setdefault("sizing_mode", "stretch_width")
        super().__init__(**params)
        self._update_catalog()

    @param.depends("tables", "functions", watch=True)
    def _update_catalog(self) -> None:
        functions = self.functions if self.functions is not None else _default_functions()
        self.catalog = completion_catalog(self.tables or {}, functions)

    # -- Python API --------------------------------------------------------------------------------
    def set_sql(self, text: str) -> None:
        """Replace the whole text (e.g. a query loaded from the history) and focus the editor.

        Unlike assigning ``value``, this also reaches a browser whose text differs from the
        last value Python saw (keystrokes still on their way). ``value`` is set silently so the
        message is the only push: a separate ``value`` patch arriving after the user started
        typing would overwrite the typing. The browser sends ``value`` back once it applied it.
        """
        with param.parameterized.discard_events(self):
            self.value = text
        self._send_msg({"type": "set", "text": text})

    def request_run(self) -> None:
        """Fire ``run`` as Ctrl+Enter does, with ``value`` as the browser has it right now.

        For a Run button next to the editor: the last keystrokes may still be on their way
        to Python when the click arrives, so the browser sends the text along.
        """
        self._send_msg({"type": "run"})

    def insert(self, text: str) -> None:
        """Insert ``text`` at the cursor (replacing the selection) and focus the editor."""
        self._send_msg({"type": "insert", "text": text})

    def focus(self) -> None:
        """Put the keyboard focus in the editor."""
        self._send_msg({"type": "focus"})

    def go_to(self, line: int, column: int = 1) -> None:
        """Move the cursor to a 1-based line and column."""
        self._send_msg({"type": "goto", "line": line, "column": column})

    def show_error(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        start: int | None = None,
        end: int | None = None,
        sql: str | None = None,
    ) -> None:
        """Mark an error, by 1-based ``line``/``column`` or by 0-based offsets into ``sql``
        (the text that was run; ``value`` by default)."""
        text = self.value if sql is None else sql
        error: dict[str, Any] = {"message": message}
        if start is not None:
            error["line"], error["column"] = offset_position(text, start)
            if end is not None and end > start:
                error["end_line"], error["end_column"] = offset_position(text, end)
        elif line is not None:
            error["line"], error["column"] = line, column or 1
        else:
            error["line"], error["column"] = 1, 1
        self.error = error

    def clear_error(self) -> None:
        """Remove the error mark."""
        if self.error:
            self.error = {}

    def _handle_msg(self, msg: Any) -> None:
        if isinstance(msg, dict) and msg.get("type") == "run":
            sql = msg.get("sql")
            if isinstance(sql, str) and sql != self.value:
                self.value = sql
            self.param.trigger("run")
