"""DuckDB's own parser as the guard's second opinion.

sqlglot and DuckDB read SQL with different code, so a query could look harmless to one and
mean something else to the other (a comment or string that ends elsewhere, a function alias,
``'HOME'.getenv()`` method syntax). DuckDB's ``json_serialize_sql`` returns the parse tree DuckDB
itself would execute, without binding or running anything; this module walks it and applies
the same rules: one SELECT, allowed functions only, only the workspace's tables.

The SQL is passed as a bound parameter to a private in-memory connection with external
access off and its configuration locked.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import duckdb

from .functions import function_refusal, qualifier_refusal, table_function_refusal
from .refusals import (
    GuardError,
    qualified_table,
    statement_refused,
    unknown_table,
)
from .statements import STATEMENT_WORDS

__all__ = ["check"]

_UNKNOWN = 2**64 - 1  # DuckDB's "no location"
_QUERY_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})
_PASS_THROUGH_REFS = frozenset({"JOIN", "SUBQUERY", "EXPRESSION_LIST", "EMPTY", "PIVOT"})
_lock = threading.Lock()
_connection: duckdb.DuckDBPyConnection | None = None


def check(sql: str, known: dict[str, str]) -> None:
    """Refuse ``sql`` unless DuckDB parses it as one SELECT over ``known`` tables.

    Parameters
    ----------
    sql
        The statement (offsets in messages refer to it).
    known
        Lower-case table name to its spelling, for the workspace's tables.

    Raises
    ------
    GuardError
        With the same messages as the sqlglot check.
    """
    try:
        data = _serialize(sql)
        if data.get("error"):
            raise _parse_error(sql, data)
        statements = data.get("statements") or []
        if len(statements) != 1:
            raise GuardError("Only one statement can run at a time (DuckDB reads more than one)")
        _Walk(sql, known).visit(statements[0].get("node"), frozenset())
    except RecursionError:
        raise GuardError("The SQL is nested too deeply to check; split it into CTEs") from None


def _serialize(sql: str) -> dict[str, Any]:
    global _connection
    with _lock:
        if _connection is None:
            _connection = duckdb.connect(
                ":memory:",
                config={
                    "enable_external_access": False,
                    "autoinstall_known_extensions": False,
                    "autoload_known_extensions": False,
                    "threads": 1,
                    "lock_configuration": True,
                },
            )
        row = _connection.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchone()
    result: dict[str, Any] = json.loads(row[0]) if row else {"error": True}
    return result


def _parse_error(sql: str, data: dict[str, Any]) -> GuardError:
    message = str(data.get("error_message") or "DuckDB cannot read it")
    if data.get("error_type") == "not implemented":
        # Only SELECT statements serialize: the SQL is (or contains) another statement.
        for word in re.finditer(r"[A-Za-z_]+", sql):
            if word.group().upper() in STATEMENT_WORDS:
                keyword = word.group().upper()
                return GuardError(
                    statement_refused(keyword), sql=sql, start=word.start(), end=word.end()
                )
        return GuardError(statement_refused("This statement"))
    start = _char_offset(sql, data.get("position"))
    return GuardError(f"Cannot read the SQL: {message}", sql=sql, start=start)


def _char_offset(sql: str, location: object) -> int | None:
    """DuckDB reports byte offsets into the UTF-8 text; convert to a character offset."""
    try:
        value = int(str(location))
    except (TypeError, ValueError):
        return None
    if value < 0 or value == _UNKNOWN:
        return None
    return len(sql.encode("utf-8")[:value].decode("utf-8", errors="ignore"))


class _Walk:
    def __init__(self, sql: str, known: dict[str, str]) -> None:
        self.sql = sql
        self.known = known

    def error(self, message: str, location: object, length: int | None = None) -> GuardError:
        start = _char_offset(self.sql, location)
        end = start + length if start is not None and length else None
        return GuardError(message, sql=self.sql, start=start, end=end)

    def visit(self, node: Any, visible: frozenset[str]) -> None:
        if isinstance(node, list):
            for item in node:
                self.visit(item, visible)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if "class" in node:
            self.expression(node)
        elif isinstance(kind, str) and kind.endswith("_NODE"):
            self.query(node, kind, visible)
            return
        elif isinstance(kind, str) and "sample" in node:
            self.table_ref(node, kind, visible)
        for value in node.values():
            self.visit(value, visible)

    def expression(self, node: dict[str, Any]) -> None:
        name = node.get("function_name")
        if not isinstance(name, str) or node.get("is_operator"):
            return
        refusal = function_refusal(name) or qualifier_refusal(
            [str(node.get("catalog") or ""), str(node.get("schema") or "")], name
        )
        if refusal is not None:
            raise self.error(refusal, node.get("query_location"), len(name))

    def query(self, node: dict[str, Any], kind: str, visible: frozenset[str]) -> None:
        if kind not in _QUERY_NODES:
            keyword = kind.removesuffix("_QUERY_NODE").removesuffix("_NODE").replace("_", " ")
            raise GuardError(statement_refused(keyword))
        entries = (node.get("cte_map") or {}).get("map") or []
        scope = visible
        for entry in entries:
            name = str(entry.get("key", "")).lower()
            body = (entry.get("value") or {}).get("query_node")
            recursive = isinstance(body, dict) and body.get("type") == "RECURSIVE_CTE_NODE"
            self.visit(body, scope | {name} if recursive else scope)
            scope = scope | {name}
        for key, value in node.items():
            if key != "cte_map":
                self.visit(value, scope)

    def table_ref(self, node: dict[str, Any], kind: str, visible: frozenset[str]) -> None:
        location = node.get("query_location")
        tables = self.known.values()
        if kind == "BASE_TABLE":
            name = str(node.get("table_name", ""))
            qualifiers = [str(node.get(k) or "") for k in ("catalog_name", "schema_name")]
            if any(qualifiers):
                dotted = ".".join([q for q in qualifiers if q] + [name])
                raise self.error(qualified_table(dotted, tables), location, len(dotted))
            key = name.lower()
            if key not in visible and key not in self.known:
                raise self.error(unknown_table(name, tables), location, len(name))
        elif kind == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = str(function.get("function_name") or "a function")
            message = table_function_refusal(name, tables)
            raise self.error(message, location, len(name))
        elif kind not in _PASS_THROUGH_REFS:
            label = "DESCRIBE, SHOW or SUMMARIZE" if kind == "SHOW_REF" else kind
            raise self.error(statement_refused(label), location)
