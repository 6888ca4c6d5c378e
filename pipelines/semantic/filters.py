"""Filters of a semantic query as Ibis predicates, with JSON values cast to the column type."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import ibis
import ibis.expr.types as ir

from .fields import DimensionField
from .measure_ibis import IBIS_TYPES
from .query import Filter, SemanticError

_COMPARE = {
    "eq": lambda c, v: c == v,
    "ne": lambda c, v: c != v,
    "gt": lambda c, v: c > v,
    "gte": lambda c, v: c >= v,
    "lt": lambda c, v: c < v,
    "lte": lambda c, v: c <= v,
}


def cast_value(value: Any, type_: str, field: str) -> Any:
    """``value`` (as JSON gives it) as a Python value of the logical ``type_``.

    Raises
    ------
    SemanticError
        Naming the filter field and the value when it cannot be read as that type.
    """
    try:
        result = _cast(value, type_)
    except (TypeError, ValueError, OverflowError):
        result = None
    if result is None:
        raise SemanticError(
            f"Filter on {field!r}: {value!r} is not a valid {type_} value", field=field
        )
    return result


def _cast(value: Any, type_: str) -> Any:
    if value is None or isinstance(value, list | dict | tuple):
        return None
    if type_ == "text":
        return value if isinstance(value, str) else None
    if type_ == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return None
    if isinstance(value, bool):
        return None
    if type_ == "integer":
        if isinstance(value, int):
            return value
        number = float(value)
        return int(number) if number.is_integer() else None
    if type_ == "decimal":
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if type_ == "date":
        if len(text) > 10:
            moment = dt.datetime.fromisoformat(text)
            return moment.date() if moment.time() == dt.time() else None
        return dt.date.fromisoformat(text)
    if type_ == "timestamp":
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    return None


def predicate(dimension: DimensionField, item: Filter, column: ir.Value) -> ir.BooleanValue:
    """The Ibis predicate of ``item`` over ``column`` (the dimension's value)."""
    field, op, value = item.field, item.op, item.value
    type_ = dimension.type
    if op == "is_null":
        return column.isnull()
    if op == "not_null":
        return column.notnull()
    if op in _COMPARE:
        if value is None:
            hint = "is_null" if op == "eq" else "not_null" if op == "ne" else "a value"
            raise SemanticError(
                f"Filter on {field!r} ({op}) needs a value; use {hint}", field=field
            )
        return _COMPARE[op](column, _literal(cast_value(value, type_, field), type_))
    if op in ("in", "not_in"):
        values = value if isinstance(value, list) else [value]
        if not values:
            return ibis.literal(op == "not_in")
        cast = [cast_value(v, type_, field) for v in values]
        result = column.isin(cast)
        return result if op == "in" else ~result
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise SemanticError(
                f"Filter on {field!r} (between) needs two values [low, high], got {value!r}",
                field=field,
            )
        low, high = (_literal(cast_value(v, type_, field), type_) for v in value)
        return column.between(low, high)
    if op == "contains":
        if type_ != "text" or dimension.grain is not None:
            raise SemanticError(
                f"Filter on {field!r}: contains works on text columns only, and "
                f"{dimension.column.name!r} is {type_}",
                field=field,
            )
        needle = cast_value(value, "text", field)
        return column.lower().contains(needle.lower())
    raise SemanticError(f"Filter on {field!r}: unknown operator {op!r}", field=field)


def _literal(value: Any, type_: str) -> ir.Value:
    return ibis.literal(value, type=IBIS_TYPES[type_])
