"""Which statements and sqlglot nodes the guard treats as anything but a read-only query."""

from __future__ import annotations

import inspect

import sqlglot.expressions.constraints
import sqlglot.expressions.ddl
import sqlglot.expressions.dml
import sqlglot.expressions.properties
from sqlglot import Token, TokenType, exp

__all__ = [
    "FORBIDDEN_NODES",
    "READ_STARTS",
    "STATEMENT_WORDS",
    "keyword_of",
    "statement_keyword",
]

READ_STARTS = frozenset(
    {TokenType.SELECT, TokenType.WITH, TokenType.VALUES, TokenType.FROM, TokenType.TABLE}
)
"""Tokens a read-only query may start with (after any opening parentheses)."""


def _words(text: str) -> list[str]:
    return text.split()


# Statement keywords of DuckDB (and common SQL) that are refused by name.
STATEMENT_WORDS = frozenset(
    _words(
        """
    ABORT ALTER ANALYZE ATTACH BEGIN CALL CHECKPOINT COMMENT COMMIT COPY CREATE DEALLOCATE
    DELETE DESCRIBE DETACH DROP END EXECUTE EXPLAIN EXPORT FORCE GRANT IMPORT INSERT INSTALL
    LOAD MERGE PIVOT PIVOT_WIDER PIVOT_LONGER PRAGMA PREPARE REPLACE RESET REVOKE ROLLBACK SET
    SHOW START SUMMARIZE TRUNCATE UNINSTALL UNPIVOT UPDATE UPSERT USE VACUUM
    """
    )
)
"""Statement keywords refused by name (``COPY``, ``ATTACH``, ``PIVOT``, ...)."""

# Keywords whose next word belongs to the name ("CREATE TABLE", "EXPORT DATABASE").
_TWO_WORDS = frozenset({"ALTER", "CREATE", "DROP", "EXPORT", "FORCE", "IMPORT"})

# Nodes kept from the statement modules: they appear inside ordinary queries.
_QUERY_PARTS = frozenset({"Comprehension", "Heredoc"})
_OTHER_STATEMENTS = _words(
    """
    Analyze Block Cache ConditionalInsert Get Grant IfBlock Into Iterate Leave Lock
    LockingStatement LoopBlock MultitableInserts Put Refresh RepeatBlock Return Revoke
    StoredProcedure Uncache
    """
)


def _forbidden() -> tuple[type[exp.Expression], ...]:
    found: list[type[exp.Expression]] = []
    for module in (
        sqlglot.expressions.ddl,
        sqlglot.expressions.dml,
        sqlglot.expressions.properties,
        sqlglot.expressions.constraints,
    ):
        for name, cls in vars(module).items():
            if (
                inspect.isclass(cls)
                and issubclass(cls, exp.Expression)
                and cls.__module__ == module.__name__
                and name not in _QUERY_PARTS
            ):
                found.append(cls)
    for name in _OTHER_STATEMENTS:
        cls = getattr(exp, name, None)
        if inspect.isclass(cls) and issubclass(cls, exp.Expression):
            found.append(cls)
    return tuple(found)


FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = _forbidden()
"""sqlglot node classes that never belong in a read-only query (DDL, DML, commands...)."""

_NODE_KEYWORDS = {
    "Insert": "INSERT",
    "Update": "UPDATE",
    "Delete": "DELETE",
    "Merge": "MERGE",
    "Copy": "COPY",
    "Attach": "ATTACH",
    "Detach": "DETACH",
    "Install": "INSTALL",
    "Pragma": "PRAGMA",
    "Set": "SET",
    "Use": "USE",
    "Describe": "DESCRIBE",
    "Show": "SHOW",
    "Summarize": "SUMMARIZE",
    "Transaction": "BEGIN",
    "Commit": "COMMIT",
    "Rollback": "ROLLBACK",
    "Into": "INTO",
    "Export": "EXPORT",
    "LoadData": "LOAD",
    "TruncateTable": "TRUNCATE",
    "NextValueFor": "NEXT VALUE FOR",
}


def keyword_of(node: exp.Expression) -> str:
    """The SQL keyword a refused node stands for (``DELETE``, ``CREATE TABLE``, ...)."""
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    if isinstance(node, (exp.Create, exp.Drop)):
        kind = str(node.args.get("kind") or "").upper()
        return f"{node.key.upper()} {kind}".strip()
    return _NODE_KEYWORDS.get(type(node).__name__, node.key.upper())


def statement_keyword(statement: list[Token], first: Token) -> str | None:
    """The refused statement's keyword(s) from its tokens, or None when not a statement word."""
    word = first.text.upper()
    if word not in STATEMENT_WORDS:
        return None
    index = statement.index(first)
    if word in _TWO_WORDS and index + 1 < len(statement):
        following = statement[index + 1].text
        if following.isalpha():
            return f"{word} {following.upper()}"
    return word
