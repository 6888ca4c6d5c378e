"""Result columns as the chart rules see them: a type, a role, a number format.

A SQL result only has names and logical types; a semantic query result also knows which columns
are measures, and the model knows their formats and aggregations. :func:`result_columns` turns
either into :class:`ResultColumn` objects. A column without a role gets one from its type and
name (:func:`role_of`): numbers that are not keys, codes or years are measures, everything else
is a dimension.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pipelines.semantic.compare import compared_column
from pipelines.semantic.model import NumberFormat
from pipelines.semantic.roles import AVERAGE_WORDS, is_category_number, is_key_like
from pipelines.semantic.vocabulary import NUMERIC_TYPES, TIME_TYPES

if TYPE_CHECKING:
    from pipelines.semantic.model import SemanticModel

COLUMN_TYPES: tuple[str, ...] = (
    "integer", "decimal", "text", "date", "timestamp", "boolean", "other",
)  # fmt: skip
"""Logical types of result columns (those of the ingest profile plus ``other``)."""

ADDITIVE_AGGREGATIONS = frozenset({"sum", "count"})
NON_ADDITIVE_WORDS = AVERAGE_WORDS | frozenset(
    {
        "min", "max", "minimum", "maximum", "median", "mode", "stddev", "std", "var",
        "variance", "distinct", "unique", "share", "proportion", "moy", "mediane",
    }
)  # fmt: skip
"""Words in a measure's name that say its values are not parts of a whole."""
AGGREGATE_WORDS = frozenset(
    {"count", "sum", "avg", "mean", "min", "max", "median", "total", "nb", "stddev", "approx"}
)
"""A name starting with one of these is an aggregate, a measure whatever it aggregates."""


@dataclass(frozen=True)
class ResultColumn:
    """One column of a query result.

    Parameters
    ----------
    name
        The column's name in the result.
    type
        Logical type: integer, decimal, text, date, timestamp, boolean or other.
    role
        ``"dimension"``, ``"measure"`` or ``None`` (inferred, see :func:`role_of`).
    format
        How the measure's numbers are shown; ``None`` for a plain number.
    label
        Display name (axis titles, tooltips); empty means ``name``.
    aggregation
        The measure's aggregation when known (sum, avg, min, max, count, count_distinct).
    """

    name: str
    type: str
    role: Literal["dimension", "measure"] | None = None
    format: NumberFormat | None = None
    label: str = ""
    aggregation: str | None = None

    @property
    def display(self) -> str:
        return self.label or self.name

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def temporal(self) -> bool:
        return self.type in TIME_TYPES


def name_words(name: str) -> list[str]:
    """The lowercase words of any column name: ``"AVG(unit_price)"`` -> ``["avg", "unit", "price"]``."""
    return [w for w in re.split(r"[^0-9a-z]+", name.lower()) if w]


def role_of(column: ResultColumn) -> Literal["dimension", "measure"]:
    """The column's role, or the inferred one when it has none.

    Numbers whose name is not key-like (``id``, ``customer_id``, ``code``...) and not a category
    number (``year``, ``zip``...) are measures; text, dates, booleans, keys and others are
    dimensions.
    """
    if column.role is not None:
        return column.role
    if not column.numeric:
        return "dimension"
    words = name_words(column.name)
    if words and words[0] in AGGREGATE_WORDS:
        return "measure"  # count(id), sum(order_no): an aggregate of a key is a number
    joined = "_".join(words)
    if is_key_like(joined) or is_category_number(joined):
        return "dimension"
    return "measure"


def is_additive(column: ResultColumn) -> bool:
    """True when the measure's values can be added up as parts of a whole (sum- or count-like).

    Averages, minimums, maximums, distinct counts, percentages, prices, rates and ratios are
    not: a pie of average prices or a total of maximums means nothing.
    """
    if column.format is not None and column.format.kind == "percent":
        return False
    if column.aggregation is not None:
        return column.aggregation in ADDITIVE_AGGREGATIONS
    return not set(name_words(column.name)) & NON_ADDITIVE_WORDS


def result_columns(result: Any, model: SemanticModel | None = None) -> list[ResultColumn]:
    """The :class:`ResultColumn` list of a query result.

    Parameters
    ----------
    result
        A semantic :class:`~pipelines.semantic.query.QueryResult` (``types``, ``kinds`` and
        ``labels`` are dicts by column) or a SQL result (``types`` a list in column order).
    model
        The semantic model the result came from, for measure formats and aggregations.

    Returns
    -------
    list[ResultColumn]
        One per column, in order; roles are ``None`` (inferred) when the result has none.
    """
    names = [str(c) for c in result.columns]
    raw_types = getattr(result, "types", None) or {}
    if isinstance(raw_types, Mapping):
        types = [str(raw_types.get(n, "other")) for n in names]
    else:
        types = [str(t) for t in raw_types] + ["other"] * (len(names) - len(raw_types))
    kinds: Mapping[str, str] = getattr(result, "kinds", None) or {}
    labels: Mapping[str, str] = getattr(result, "labels", None) or {}
    out = []
    for name, type_ in zip(names, types, strict=True):
        role = kinds.get(name)
        fmt, aggregation = _model_format(model, name) if model is not None else (None, None)
        out.append(
            ResultColumn(
                name=name,
                type=type_ if type_ in COLUMN_TYPES else "other",
                role=role if role in ("dimension", "measure") else None,  # type: ignore[arg-type]
                format=fmt,
                label=labels.get(name, ""),
                aggregation=aggregation,
            )
        )
    return out


CHANGE_FORMAT = NumberFormat(kind="percent", decimals=1)
"""The format of a comparison's change column (a fraction: 0.125 shows as 12.5%)."""
FLOW_FORMATS: dict[str, NumberFormat] = {
    "turnover": NumberFormat(kind="percent", decimals=1),
    "average": NumberFormat(decimals=1),
    "tenure": NumberFormat(decimals=1),
}
"""Formats of the columns an over-time query adds (:mod:`pipelines.semantic.over_time_query`):
turnover is a fraction (ends / average count), tenure in years."""


def _model_format(model: SemanticModel, field: str) -> tuple[NumberFormat | None, str | None]:
    """Format and aggregation of a ``table.column`` or calculated measure field of ``model``;
    a comparison's previous value has its measure's, its change is a percent."""
    compared = compared_column(field) if model.measure(field) is None else None
    if compared is not None:
        base, role, _ = compared
        return _model_format(model, base) if role == "previous" else (CHANGE_FORMAT, None)
    if field in FLOW_FORMATS and model.measure(field) is None:
        return FLOW_FORMATS[field], None
    measure = model.measure(field)
    if measure is not None:
        return measure.format, None
    table_name, _, rest = field.partition(".")
    table = model.table(table_name)
    column = table.column(rest.split(".")[0]) if table is not None else None
    if column is None or column.role != "measure":
        return None, None
    return column.format, column.aggregation


def change_column(columns: Sequence[ResultColumn], measure: str) -> ResultColumn | None:
    """The change column of a comparison of ``measure`` in ``columns`` (the first one)."""
    for column in columns:
        compared = compared_column(column.name)
        if compared is not None and compared[0] == measure and compared[1] == "change":
            return column
    return None


def is_change(column: ResultColumn, names: Collection[str]) -> bool:
    """Whether ``column`` is a comparison's change (``{measure}__change_{shift}``, see
    :mod:`pipelines.semantic.compare`) beside its measure, in a result of columns ``names``."""
    compared = compared_column(column.name)
    return compared is not None and compared[1] == "change" and compared[0] in names


def columns_by_role(
    columns: Sequence[ResultColumn],
) -> tuple[list[ResultColumn], list[ResultColumn], list[ResultColumn]]:
    """``(time dimensions, other dimensions, measures)``, each in result order.

    A comparison's change beside its measure (:func:`is_change`) is in none of them: a fraction
    of its measure, drawn on the measure's axis it would be a flat line at 0, so charts draw the
    measure and its previous value and show the change in their tooltips and the table.
    """
    names = {c.name for c in columns}
    times, categories, measures = [], [], []
    for column in columns:
        if is_change(column, names):
            continue
        if role_of(column) == "measure" and column.numeric:
            measures.append(column)
        elif column.temporal:
            times.append(column)
        else:
            categories.append(column)
    return times, categories, measures
