"""Resolve the field strings of a semantic query against a model.

``table.column`` is a dimension or a measure column (with its default aggregation),
``table.column.grain`` a time dimension truncated to a grain, ``table.count`` the table's
built-in row count (see :mod:`.row_count`), and a bare name (or ``table.name``) a calculated
measure. A measure column is also a dimension: as a dimension or a filter it stands for its
raw values (group by ``flights.dep_delay``, filter ``flights.dep_delay is_null``), as a
measure for its aggregate. In place of ``table`` a field may name a join's alias
(``origin_airport.name``): the base table's column reached through that join, shown with the
join's label (``Origin airport · Name``). Every error names the field at fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from .expressions import MeasureExpression, parse_measure
from .graph import alias_labels, node_tables
from .model import Column, SemanticModel, Table
from .query import SemanticError
from .row_count import row_count_label, row_count_name
from .vocabulary import GRAINS, NUMERIC_TYPES, TIME_TYPES

_TRUNCATE_UNITS = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
LIST_UP_TO = 15


@dataclass(frozen=True)
class DimensionField:
    """A dimension of a query: a column, possibly truncated to a time grain."""

    field: str
    table: str
    """The node the column is read from: a table, or a join alias."""
    column: Column
    grain: str | None
    label: str

    @property
    def type(self) -> str:
        """Logical type of the values (a grain keeps the column's date/timestamp type)."""
        return self.column.type

    def value(self, column: ir.Value, dialect: str = "duckdb") -> ir.Value:
        """The dimension's value given the Ibis column it is computed from (on the backend
        ``dialect``: MySQL has no week truncation, so there the week's Monday is computed)."""
        if self.grain is None:
            return column
        if self.grain == "week" and dialect == "mysql":
            assert isinstance(column, ir.TimestampValue | ir.DateValue)
            day = column.truncate("D")
            return day - day.day_of_week.index().as_interval("D")
        truncated = column.truncate(_TRUNCATE_UNITS[self.grain])
        if self.column.type == "date":
            # DuckDB's date_trunc returns a TIMESTAMP even for a DATE; Ibis believes it stays a
            # date and would drop a plain .cast("date"), so the cast is built explicitly.
            return ops.Cast(truncated, to=dt.date).to_expr()
        return truncated


@dataclass(frozen=True)
class MeasureField:
    """A measure of a query: a measure column's default aggregation or a calculated measure."""

    field: str
    table: str
    """The node the measure is aggregated at: its table, or a join alias of that table."""
    expression: MeasureExpression
    label: str

    def value(
        self, lookup: Callable[[str], ir.Value], count_rows: Callable[[], ir.Value]
    ) -> ir.Value:
        return self.expression.build(lookup, count_rows)


def _listing(names: list[str]) -> str:
    if not names:
        return "none"
    if len(names) <= LIST_UP_TO:
        return ", ".join(names)
    return ", ".join(names[:LIST_UP_TO]) + f", ... ({len(names)} in all)"


class FieldResolver:
    """Turns field strings into :class:`DimensionField` / :class:`MeasureField`."""

    def __init__(self, model: SemanticModel) -> None:
        self.model = model
        self._nodes = node_tables(model)
        self._aliases = alias_labels(model)

    def _table(self, name: str, field: str, what: str) -> Table:
        table = self.model.table(self._nodes.get(name, name))
        if table is None:
            known = _listing([t.name for t in self.model.tables])
            aliases = [a for a in self._aliases if a in self._nodes]
            also = f"; join aliases: {_listing(aliases)}" if aliases else ""
            raise SemanticError(
                f"{what} {field!r}: unknown table {name!r} (tables: {known}{also})", field=field
            )
        return table

    def _display(self, node: str, table: Table) -> str:
        """How a node is shown: an alias by its join's label, a table by its own."""
        return self._aliases.get(node, node) if node != table.name else table.display

    def _unknown(self, table: Table, name: str, field: str, what: str) -> SemanticError:
        names = [c.name for c in table.columns if c.role != "ignored"]
        names += [m.name for m in self.model.measures if m.table == table.name]
        names += [n for n in [row_count_name(self.model, table)] if n is not None]
        node = field.split(".")[0]
        where = (
            f"table {table.name!r}" if node == table.name else f"{node!r} (table {table.name!r})"
        )
        return SemanticError(
            f"{what} {field!r}: {where} has no column {name!r} (columns: {_listing(names)})",
            field=field,
        )

    def dimension(self, field: str, what: str = "Dimension") -> DimensionField:
        """Resolve a dimension (``what`` names the query part in messages, e.g. ``Filter``)."""
        parts = field.split(".")
        if len(parts) == 1:
            if self.model.measure(field) is not None:
                raise SemanticError(
                    f"{what} {field!r} is a measure, not a dimension; add it to the measures",
                    field=field,
                )
            raise SemanticError(
                f"{what} {field!r}: write a dimension as table.column or table.column.grain",
                field=field,
            )
        if len(parts) > 3:
            raise SemanticError(
                f"{what} {field!r}: write a dimension as table.column or table.column.grain",
                field=field,
            )
        table = self._table(parts[0], field, what)
        column = table.column(parts[1])
        if column is None:
            if any(m.table == table.name and m.name == parts[1] for m in self.model.measures):
                raise SemanticError(
                    f"{what} {field!r} is a measure, not a dimension; add it to the measures",
                    field=field,
                )
            if parts[1] == row_count_name(self.model, table):
                raise SemanticError(
                    f"{what} {field!r} is the number of rows of table {table.name!r}, a "
                    "measure, not a dimension; add it to the measures",
                    field=field,
                )
            raise self._unknown(table, parts[1], field, what)
        if column.role == "ignored":
            raise SemanticError(
                f"{what} {field!r}: column {column.name!r} is ignored in the model", field=field
            )
        # A measure column is a dimension too (its raw values), as in Looker and Cube.
        grain = parts[2] if len(parts) == 3 else None
        label = f"{self._display(parts[0], table)} · {column.display}"
        if grain is not None:
            if column.type not in TIME_TYPES:
                raise SemanticError(
                    f"{what} {field!r}: {column.name!r} is {column.type}, and only date or "
                    "timestamp columns have time grains",
                    field=field,
                )
            offered = column.grains or list(GRAINS)
            if grain not in offered:
                raise SemanticError(
                    f"{what} {field!r}: grain {grain!r} is not offered for {column.name!r} "
                    f"(grains: {', '.join(offered)})",
                    field=field,
                )
            label += f" ({grain})"
        return DimensionField(field, parts[0], column, grain, label)

    def measure(self, field: str) -> MeasureField:
        parts = field.split(".")
        if len(parts) == 1:
            calc = self.model.measure(field)
            if calc is None:
                known = _listing([m.name for m in self.model.measures])
                raise SemanticError(
                    f"Measure {field!r} is unknown: write a measure column as table.column or "
                    f"the name of a calculated measure (calculated measures: {known})",
                    field=field,
                )
            return self._calculated(field, calc.table, calc.name)
        if len(parts) == 3:
            raise SemanticError(
                f"Measure {field!r}: a time grain makes a dimension, not a measure", field=field
            )
        if len(parts) != 2:
            raise SemanticError(
                f"Measure {field!r}: write a measure as table.column or a measure name",
                field=field,
            )
        node = parts[0]
        table = self._table(node, field, "Measure")
        column = table.column(parts[1])
        if column is None:
            if any(m.table == table.name and m.name == parts[1] for m in self.model.measures):
                return self._calculated(field, table.name, parts[1], node)
            if parts[1] == row_count_name(self.model, table):
                return self._row_count(field, table, node)
            raise self._unknown(table, parts[1], field, "Measure")
        if column.role != "measure":
            count = row_count_name(self.model, table)
            hint = f" (to count rows, use '{table.name}.{count}')" if count else ""
            raise SemanticError(
                f"Measure {field!r}: column {column.name!r} is a {column.role}, not a measure; "
                f"give it the measure role in the model{hint}",
                field=field,
            )
        agg = column.aggregation or ("sum" if column.type in NUMERIC_TYPES else "count")
        quoted = '"' + column.name + '"'
        text = f"count(DISTINCT {quoted})" if agg == "count_distinct" else f"{agg}({quoted})"
        expression = parse_measure(text, {column.name: column.type}, name=field, table=table.name)
        label = f"{self._display(node, table)} · {column.display}"
        return MeasureField(field, node, expression, label)

    def _row_count(self, field: str, table: Table, node: str) -> MeasureField:
        expression = parse_measure("count(*)", {}, name=field, table=table.name)
        label = row_count_label(table)
        if node != table.name:
            label = f"{self._display(node, table)} · {label}"
        return MeasureField(field, node, expression, label)

    def _calculated(
        self, field: str, table_name: str, name: str, node: str | None = None
    ) -> MeasureField:
        calc = next(m for m in self.model.measures if m.table == table_name and m.name == name)
        table = self._table(calc.table, field, "Measure")
        columns = {c.name: c.type for c in table.columns}
        try:
            expression = parse_measure(calc.expression, columns, name=calc.name, table=table.name)
        except SemanticError as exc:
            raise SemanticError(exc.message, field=field) from exc
        if node is None or node == table.name:
            return MeasureField(field, table.name, expression, calc.display)
        return MeasureField(
            field, node, expression, f"{self._display(node, table)} · {calc.display}"
        )
