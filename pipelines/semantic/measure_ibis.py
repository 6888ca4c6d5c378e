"""Rebuild a checked measure expression (a sqlglot tree) as an Ibis aggregate expression.

Only trees accepted by :func:`pipelines.semantic.expressions.parse_measure` reach this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir
from sqlglot import exp

from .query import SemanticError

IBIS_TYPES: dict[str, str] = {
    "text": "string",
    "integer": "int64",
    "decimal": "float64",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
}
"""Ibis data type of each logical column type (as stored by the ingest)."""

_AGGREGATES: dict[type[exp.Expression], str] = {
    exp.Sum: "sum",
    exp.Avg: "avg",
    exp.Min: "min",
    exp.Max: "max",
}
ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)
COMPARISONS: dict[type[exp.Expression], Callable[[ir.Value, ir.Value], ir.Value]] = {
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
}

Lookup = Callable[[str], ir.Value]
"""Returns the Ibis column for a column name of the measure's table."""


def logical_type(dtype: Any) -> str:
    """The logical column type (text, integer, ...) of an Ibis data type (or its name)."""
    import ibis.expr.datatypes as dt

    if not isinstance(dtype, dt.DataType):
        dtype = dt.dtype(dtype)
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_numeric():
        return "decimal"
    if dtype.is_timestamp():
        return "timestamp"
    if dtype.is_date():
        return "date"
    return "text"


def snippet(node: exp.Expression) -> str:
    text = node.sql(dialect="duckdb")
    return text if len(text) <= 60 else text[:57] + "..."


def aggregation(node: exp.Expression) -> str | None:
    for kind, agg in _AGGREGATES.items():
        if isinstance(node, kind):
            return agg
    if isinstance(node, exp.Count):
        return "count_distinct" if isinstance(node.this, exp.Distinct) else "count"
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "count_distinct":
        return "count_distinct"
    return None


def aggregate_args(node: exp.Expression) -> list[exp.Expression] | None:
    """The aggregated argument(s); [] for count(*); None when the arity is wrong."""
    if isinstance(node, exp.Anonymous):
        return list(node.expressions) if len(node.expressions) == 1 else None
    if isinstance(node, exp.Count):
        inner = node.this
        if isinstance(inner, exp.Distinct):
            return list(inner.expressions) if len(inner.expressions) == 1 else None
        if inner is None or isinstance(inner, exp.Star):
            return []
        if node.expressions:
            return None
        return [inner]
    if node.expressions:
        return None
    return [node.this] if node.this is not None else None


class Builder:
    """Rebuilds a checked tree as Ibis expressions."""

    def __init__(
        self, name: str, text: str, lookup: Lookup, count_rows: Callable[[], ir.Value]
    ) -> None:
        self.name = name
        self.text = text
        self.lookup = lookup
        self.count_rows = count_rows

    def fail(self, message: str) -> SemanticError:
        return SemanticError(f"Measure {self.name!r}: {message}", field=self.name)

    def value(self, node: exp.Expression, inside: bool) -> ir.Value:
        agg = aggregation(node)
        if agg is not None:
            return self.aggregate(node, agg)
        if isinstance(node, exp.Paren):
            return self.value(node.this, inside)
        if isinstance(node, exp.Column):
            return self.lookup(node.meta.get("column") or node.name)
        if isinstance(node, exp.Literal):
            return ibis.literal(_literal(node))
        if isinstance(node, exp.Null):
            return ibis.null()
        if isinstance(node, exp.Boolean):
            return ibis.literal(bool(node.this))
        if isinstance(node, ARITHMETIC):
            left = self.numeric(node.this, inside, node)
            right = self.numeric(node.expression, inside, node)
            if isinstance(node, exp.Add):
                return left + right
            if isinstance(node, exp.Sub):
                return left - right
            if isinstance(node, exp.Mul):
                return left * right
            # Division by zero gives NULL, never an error.
            return left / right.nullif(0)
        if isinstance(node, exp.Neg):
            return -self.numeric(node.this, inside, node)
        if type(node) in COMPARISONS:
            left = self.value(node.this, inside)
            right = self.value(node.expression, inside)
            try:
                return COMPARISONS[type(node)](left, right)
            except Exception as exc:
                raise self.fail(f"cannot compare in {snippet(node)} ({exc})") from exc
        if isinstance(node, exp.And):
            return self.value(node.this, inside) & self.value(node.expression, inside)
        if isinstance(node, exp.Or):
            return self.value(node.this, inside) | self.value(node.expression, inside)
        if isinstance(node, exp.Not):
            return ~self.value(node.this, inside)
        if isinstance(node, exp.Is):
            return self.value(node.this, inside).isnull()
        if isinstance(node, exp.In):
            return self.value(node.this, inside).isin([_literal(v) for v in node.expressions])
        if isinstance(node, exp.Coalesce):
            args = [node.this, *node.expressions]
            return ibis.coalesce(*(self.value(a, inside) for a in args))
        if isinstance(node, exp.Nullif):
            return self.value(node.this, inside).nullif(self.value(node.expression, inside))
        if isinstance(node, exp.Abs):
            return self.numeric(node.this, inside, node).abs()
        if isinstance(node, exp.Round):
            decimals = node.args.get("decimals")
            digits = int(str(_literal(decimals))) if decimals is not None else 0
            return self.numeric(node.this, inside, node).round(digits)
        if isinstance(node, exp.Case):
            return self.case(node, inside)
        if isinstance(node, exp.If):  # IF(cond, a, b)
            return ibis.ifelse(
                self.value(node.this, inside),
                self.value(node.args["true"], inside),
                self.value(node.args["false"], inside)
                if node.args.get("false") is not None
                else ibis.null(),
            )
        raise self.fail(f"{snippet(node)} is not allowed")

    def numeric(self, node: exp.Expression, inside: bool, parent: exp.Expression) -> ir.Value:
        value = self.value(node, inside)
        dtype = value.type()
        if not (dtype.is_numeric() or dtype.is_boolean() or dtype.is_null()):
            raise self.fail(
                f"{snippet(parent)} needs numbers, but {snippet(node)} is {logical_type(dtype)}"
            )
        return value

    def aggregate(self, node: exp.Expression, agg: str) -> ir.Value:
        args = aggregate_args(node) or []
        if not args or (agg == "count" and args[0].find(exp.Column) is None):
            return self.count_rows()  # count(*), count(1)
        arg = self.value(args[0], True)
        if agg == "count":
            return arg.count()
        if agg == "count_distinct":
            return arg.nunique()
        dtype = arg.type()
        if agg in ("sum", "avg"):
            if dtype.is_boolean():
                arg = arg.cast("int64")
            elif not (dtype.is_numeric() or dtype.is_null()):
                raise self.fail(
                    f"{agg} needs numbers, but {snippet(args[0])} is {logical_type(dtype)}"
                )
            return arg.sum() if agg == "sum" else arg.mean()
        return arg.min() if agg == "min" else arg.max()

    def case(self, node: exp.Case, inside: bool) -> ir.Value:
        subject = node.this
        branches = []
        for branch in node.args.get("ifs") or []:
            cond = self.value(branch.this, inside)
            if subject is not None:
                cond = self.value(subject, inside) == cond
            branches.append((cond, self.value(branch.args["true"], inside)))
        default = node.args.get("default")
        else_ = self.value(default, inside) if default is not None else None
        try:
            return ibis.cases(*branches, else_=else_)
        except Exception as exc:
            raise self.fail(f"cannot combine the branches of {snippet(node)} ({exc})") from exc


def is_literal(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) or (
        isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string
    )


def _literal(node: exp.Expression) -> object:
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        try:
            return int(text)
        except ValueError:
            return float(text)
    if isinstance(node, exp.Neg):
        value = _literal(node.this)
        return -value if isinstance(value, int | float) else value
    return node.sql()
