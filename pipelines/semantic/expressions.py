"""Calculated measure expressions: parsed with sqlglot, checked, and rebuilt as Ibis.

An expression such as ``sum(quantity * unit_price) / count(distinct order_id)`` is parsed
(DuckDB dialect), never evaluated. Only a small allow-list of node kinds is accepted; every
column must sit inside an aggregation and the whole expression must be an aggregate, so the
result is one value per group. Anything else raises :class:`SemanticError` naming the measure
and the offending part.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import ibis
import ibis.expr.types as ir
import sqlglot
from sqlglot import TokenType, exp
from sqlglot.errors import SqlglotError

from .measure_ibis import (
    ARITHMETIC,
    COMPARISONS,
    IBIS_TYPES,
    Builder,
    Lookup,
    aggregate_args,
    aggregation,
    is_literal,
    logical_type,
    snippet,
)
from .query import SemanticError
from .vocabulary import FANOUT_SAFE

__all__ = ["IBIS_TYPES", "MeasureExpression", "logical_type", "parse_measure"]

MAX_LENGTH = 2000
AGGREGATE_NAMES = ("sum", "avg", "min", "max", "count", "count_distinct")
SCALAR_NAMES = ("coalesce", "nullif", "abs", "round")
ALLOWED_TEXT = ", ".join(AGGREGATE_NAMES + SCALAR_NAMES)
LIST_COLUMNS_UP_TO = 15


@dataclass(frozen=True)
class MeasureExpression:
    """A checked measure expression over one table's columns.

    Attributes
    ----------
    text
        The expression as written.
    columns
        Names of the columns it reads.
    aggregations
        Aggregations it uses (``sum``, ``avg``, ``min``, ``max``, ``count``, ``count_distinct``).
    fanout_safe
        True when it only uses ``min``, ``max`` and ``count_distinct``, whose results do not
        change when a join repeats rows.
    """

    text: str
    columns: frozenset[str]
    aggregations: frozenset[str]
    fanout_safe: bool
    tree: exp.Expression = field(repr=False, compare=False)
    name: str = field(default="", repr=False, compare=False)

    def to_ibis(self, table: ir.Table) -> ir.Value:
        """The expression as an Ibis scalar aggregate over ``table`` (which has the columns)."""
        return self.build(table.__getitem__, table.count)

    def build(self, lookup: Lookup, count_rows: Callable[[], ir.Value]) -> ir.Value:
        """Like :meth:`to_ibis` with explicit column lookup and row count (used on joins)."""
        return Builder(self.name, self.text, lookup, count_rows).value(self.tree, False)


def parse_measure(
    expression: str,
    columns: Mapping[str, str],
    *,
    name: str,
    table: str | None = None,
) -> MeasureExpression:
    """Parse and check a calculated measure expression.

    Parameters
    ----------
    expression
        SQL-like text such as ``sum(quantity * unit_price)`` or ``count_distinct(customer_id)``.
    columns
        Column name to logical type (``text``, ``integer``, ``decimal``, ...) of the table.
    name
        The measure's name, used in error messages.
    table
        The measure's table; ``table.column`` references must use it. None accepts any
        qualifier.

    Raises
    ------
    SemanticError
        With ``field=name`` and a message naming the offending part.
    """
    return _parse_cached(expression, tuple(sorted(columns.items())), name, table)


@lru_cache(maxsize=1024)
def _parse_cached(
    expression: str, columns: tuple[tuple[str, str], ...], name: str, table: str | None
) -> MeasureExpression:
    def fail(message: str) -> SemanticError:
        return SemanticError(f"Measure {name!r}: {message}", field=name)

    text = expression.strip()
    if not text:
        raise fail("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise fail(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tokens = sqlglot.Dialect.get_or_raise("duckdb").tokenize(text)
    except SqlglotError as exc:
        raise fail(f"cannot read the expression ({_first_line(exc)})") from exc
    if any(t.token_type == TokenType.SEMICOLON for t in tokens):
        raise fail("only one expression is allowed; remove ';'")
    try:
        statements = sqlglot.parse(text, read="duckdb")
    except SqlglotError as exc:
        raise fail(f"cannot read the expression ({_first_line(exc)})") from exc
    if len(statements) != 1 or statements[0] is None:
        raise fail("only one expression is allowed")
    tree = statements[0]
    if not isinstance(tree, exp.Expression):
        raise fail(f"cannot read the expression {text!r}")

    checker = _Checker(name, dict(columns), table)
    checker.check(tree, inside=None)
    if not checker.aggregations:
        raise fail(
            f"{text!r} is not an aggregation; wrap columns in one of "
            f"{', '.join(AGGREGATE_NAMES)}, e.g. sum(...)"
        )
    measure = MeasureExpression(
        text=text,
        columns=frozenset(checker.columns),
        aggregations=frozenset(checker.aggregations),
        fanout_safe=set(checker.aggregations) <= FANOUT_SAFE,
        tree=tree,
        name=name,
    )
    # Build once on a schema-only table: type errors (sum of text, ...) surface here.
    schema = {c: IBIS_TYPES.get(t, "string") for c, t in columns}
    dummy = ibis.table(schema or {"_": "int64"}, name=table or "t")
    measure.to_ibis(dummy)
    return measure


def _first_line(exc: Exception) -> str:
    errors = getattr(exc, "errors", None) or []
    if errors and isinstance(errors[0], dict):
        first = errors[0]
        where = f"near column {first.get('col')}" if first.get("col") else "here"
        description = str(first.get("description") or "")
        if "<class" in description or "Required keyword" in description:
            description = "the expression is incomplete"
        return f"{description}, {where}" if description else where
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return node.key.upper()


class _Checker:
    """Walks the tree once, enforcing the allow-list and collecting columns/aggregations."""

    def __init__(self, name: str, columns: dict[str, str], table: str | None) -> None:
        self.name = name
        self.known = columns
        self.table = table
        self.columns: set[str] = set()
        self.aggregations: set[str] = set()

    def fail(self, message: str) -> SemanticError:
        return SemanticError(f"Measure {self.name!r}: {message}", field=self.name)

    def check(self, node: exp.Expression, inside: str | None) -> None:
        agg = aggregation(node)
        if agg is not None:
            if inside is not None:
                raise self.fail(f"{agg}(...) cannot be nested inside {inside}(...)")
            self.aggregations.add(agg)
            args = aggregate_args(node)
            if args is None:
                raise self.fail(f"{agg}(...) takes exactly one argument")
            for arg in args:
                self.check(arg, agg)
            if agg != "count" and not any(a.find(exp.Column) for a in args):
                raise self.fail(f"{snippet(node)} must aggregate a column")
            return
        if isinstance(node, exp.Column):
            self.column(node, inside)
            return
        if isinstance(node, exp.Star):
            raise self.fail("* is only allowed in count(*)")
        if isinstance(node, exp.Literal | exp.Null | exp.Boolean):
            return
        if isinstance(node, exp.Cast | exp.TryCast):
            raise self.fail(f"type casts are not allowed ({snippet(node)})")
        if isinstance(node, exp.Subquery | exp.Select | exp.Query):
            raise self.fail(f"subqueries are not allowed ({snippet(node)})")
        if isinstance(node, exp.Round):
            decimals = node.args.get("decimals")
            if decimals is not None and not (
                isinstance(decimals, exp.Literal) and not decimals.is_string
            ):
                raise self.fail(f"round(...) needs a whole number of decimals ({snippet(node)})")
        allowed = (
            ARITHMETIC
            + tuple(COMPARISONS)
            + (exp.Neg, exp.Paren, exp.Coalesce, exp.Nullif, exp.Abs, exp.Round)
            + (exp.Case, exp.If, exp.And, exp.Or, exp.Not, exp.Is, exp.In)
        )
        if isinstance(node, exp.Anonymous) or (
            isinstance(node, exp.Func) and not isinstance(node, allowed)
        ):
            raise self.fail(
                f"function {_function_name(node)} is not allowed (allowed: {ALLOWED_TEXT})"
            )
        if not isinstance(node, allowed):
            raise self.fail(f"{snippet(node)} is not allowed (a {node.key.upper()} expression)")
        if isinstance(node, exp.Is) and not isinstance(node.expression, exp.Null):
            raise self.fail(f"{snippet(node)}: only IS NULL / IS NOT NULL are allowed")
        if isinstance(node, exp.In) and (
            node.args.get("query") is not None
            or node.args.get("field") is not None
            or not all(is_literal(v) for v in node.expressions)
        ):
            raise self.fail(f"{snippet(node)}: IN accepts only a list of literal values")
        for child in node.iter_expressions():
            self.check(child, inside)

    def column(self, node: exp.Column, inside: str | None) -> None:
        parts = [p.name for p in node.parts]
        quoted = [p.args.get("quoted", False) for p in node.parts]
        names = [p if q else p.lower() for p, q in zip(parts, quoted, strict=True)]
        if len(names) > 2:
            raise self.fail(f"{snippet(node)}: write a column as name or table.name")
        column = names[-1]
        if len(names) == 2 and self.table is not None and names[0] != self.table:
            raise self.fail(
                f"{snippet(node)} refers to table {names[0]!r}; a measure of table "
                f"{self.table!r} can only use that table's columns"
            )
        if column not in self.known:
            raise self.fail(f"unknown column {column!r}{self._known_hint(column)}")
        if inside is None:
            raise self.fail(
                f"column {column!r} must be inside an aggregation such as sum({column}) or "
                f"count_distinct({column})"
            )
        # The builder resolves the same node later: store the normalised name on it.
        node.meta["column"] = column
        self.columns.add(column)

    def _known_hint(self, column: str) -> str:
        known = sorted(self.known)
        if not known:
            return " (the table has no columns)"
        if len(known) <= LIST_COLUMNS_UP_TO:
            return f" (columns: {', '.join(known)})"
        close = difflib.get_close_matches(column, known, n=3)
        return f" (did you mean {', '.join(close)}?)" if close else ""
