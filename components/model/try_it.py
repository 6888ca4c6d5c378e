"""Try a semantic model before building anything on it: pick measures and dimensions, a grain
and a filter, and see the rows and the SQL.

The query runs through the ``run`` callable the owner injects (the model page runs the engine
on the editor's current model; a notebook can pass ``lambda q: run_query(model, q, paths)``),
in a worker thread so the page stays responsive::

    TryIt(model=model, run=lambda query: run_query(model, query, paths))
"""

from __future__ import annotations

import asyncio
import html
import logging
from decimal import Decimal
from typing import Any

import pandas as pd
import panel as pn
import param

from components.assets import TABLE_ROWS_CSS, read_asset
from pipelines.semantic import (
    GRAINS,
    Column,
    QueryResult,
    SemanticError,
    SemanticModel,
    SemanticQuery,
    Table,
)
from pipelines.semantic.graph import alias_labels, node_tables
from pipelines.semantic.model import NUMERIC_TYPES, TIME_TYPES
from pipelines.semantic.query import Filter
from pipelines.semantic.row_count import row_count_field, row_count_label

log = logging.getLogger("datapilot.components")

NO_GRAIN = "(as stored)"
NO_FILTER = "(no filter)"
OPERATORS = {
    "equals": "eq",
    "is not": "ne",
    "is one of (a, b, c)": "in",
    "is none of (a, b, c)": "not_in",
    "between (low, high)": "between",
    "greater than": "gt",
    "at least": "gte",
    "less than": "lt",
    "at most": "lte",
    "contains": "contains",
    "is empty": "is_null",
    "is not empty": "not_null",
}
LIST_OPS = frozenset({"in", "not_in", "between"})
NO_VALUE_OPS = frozenset({"is_null", "not_null"})
DEFAULT_LIMIT = 100

SQL_CSS = read_asset(__file__, "try_it.css")


def uses(model: SemanticModel) -> list[tuple[str, str, Table]]:
    """``(name, label, table)`` of every table, then of every join alias (a table reached under
    another name: its fields are written ``alias.column``)."""
    found = [(t.name, t.display, t) for t in model.tables]
    nodes, labels = node_tables(model), alias_labels(model)
    for alias, label in labels.items():
        table = model.table(nodes.get(alias, ""))
        if table is not None and alias != table.name:
            found.append((alias, label, table))
    return found


def measure_options(model: SemanticModel) -> dict[str, str]:
    """Label -> field of every measure: each table's row count and measure columns (also
    through join aliases), then calculated measures."""
    options: dict[str, str] = {}
    for table in model.tables:
        count = row_count_field(model, table)
        if count is not None:
            label = row_count_label(table)
            options[label if label not in options else f"{label} ({table.name})"] = count
    for name, label, table in uses(model):
        for column in table.columns:
            if column.role == "measure":
                text = f"{label} \u00b7 {column.display} ({column.aggregation or 'sum'})"
                options[text] = f"{name}.{column.name}"
    for measure in model.measures:
        options[f"{measure.display} (calculated)"] = measure.name
    return options


def dimension_options(model: SemanticModel) -> dict[str, str]:
    """Label -> field of every dimension, of tables and of join aliases: dimension columns and
    measure columns (grouped and filtered by their raw values)."""
    return {
        f"{label} \u00b7 {column.display}": f"{name}.{column.name}"
        for name, label, table in uses(model)
        for column in table.columns
        if column.role != "ignored"
    }


def field_column(model: SemanticModel, field: str) -> Column | None:
    """The column of a ``table.column`` or ``alias.column`` field (a grain may follow)."""
    node, _, rest = field.partition(".")
    table = model.table(node_tables(model).get(node, node))
    return table.column(rest.split(".")[0]) if table is not None else None


def column_type(model: SemanticModel, field: str) -> str | None:
    """The logical type of a ``table.column`` field."""
    column = field_column(model, field)
    return column.type if column is not None else None


def number_format(model: SemanticModel, field: str) -> dict[str, Any] | None:
    """A Tabulator formatter for a measure field, from the model's number format."""
    measure = model.measure(field)
    fmt = measure.format if measure is not None else None
    if measure is None:
        column = field_column(model, field)
        table = model.table(field.partition(".")[0])
        if column is None and table is not None and field == row_count_field(model, table):
            return {"type": "money", "precision": 0, "thousand": ",", "decimal": "."}
        if column is None or column.role != "measure":
            return None
        fmt = column.format
        if column.aggregation in ("count", "count_distinct"):
            return {"type": "money", "precision": 0, "thousand": ",", "decimal": "."}
    decimals = fmt.decimals if fmt is not None else 2
    if fmt is not None and fmt.kind == "percent":
        return None  # fractions: shown as computed
    return {"type": "money", "precision": decimals, "thousand": ",", "decimal": "."}


def with_grain(model: SemanticModel, dimensions: list[str], grain: str | None) -> list[str]:
    """Dimensions with ``grain`` applied to the time ones (those offering it)."""
    if not grain:
        return list(dimensions)
    out = []
    for field in dimensions:
        column = field_column(model, field)
        offered = column is not None and column.type in TIME_TYPES
        offered = offered and (not column.grains or grain in column.grains)  # type: ignore[union-attr]
        out.append(f"{field}.{grain}" if offered else field)
    return out


def parse_value(op: str, text: str, kind: str | None) -> Any:
    """A filter value from what was typed: lists split on commas, numbers for number columns."""
    if op in NO_VALUE_OPS:
        return None

    def one(raw: str) -> Any:
        raw = raw.strip()
        if kind in NUMERIC_TYPES:
            try:
                return int(raw) if kind == "integer" else float(raw)
            except ValueError:
                return raw  # the engine names the field and the value it cannot read
        return raw

    if op in LIST_OPS:
        return [one(part) for part in text.split(",") if part.strip()]
    return one(text)


class TryIt(pn.viewable.Viewer):
    """Measures by dimensions on a model, with the result table and the SQL that made it."""

    model = param.ClassSelector(class_=SemanticModel, doc="The model whose fields are offered.")
    run = param.Callable(doc="run(SemanticQuery) -> QueryResult; called in a worker thread.")
    result = param.ClassSelector(class_=QueryResult, allow_None=True, doc="The last result.")
    error = param.String(default="", doc="Why the last query failed, naming the field.")
    busy = param.Boolean(default=False, doc="True while a query runs.")

    def __init__(self, **params: Any) -> None:
        params.setdefault("model", SemanticModel())
        super().__init__(**params)
        width = {"sizing_mode": "stretch_width"}
        self._measures = pn.widgets.MultiChoice(
            name="Measures", placeholder="Pick one or more measures",
            css_classes=["dp-try-measures"], **width,
        )  # fmt: skip
        self._dimensions = pn.widgets.MultiChoice(
            name="Dimensions", placeholder="Break them down by\u2026",
            css_classes=["dp-try-dimensions"], **width,
        )  # fmt: skip
        self._grain = pn.widgets.Select(
            name="Time grain", options=[NO_GRAIN, *GRAINS], width=140,
            css_classes=["dp-try-grain"],
        )  # fmt: skip
        self._filter_field = pn.widgets.Select(
            name="Filter", width=220, css_classes=["dp-try-filter-field"]
        )
        self._filter_op = pn.widgets.Select(
            name="Condition", options=OPERATORS, width=170, css_classes=["dp-try-filter-op"]
        )
        self._filter_value = pn.widgets.TextInput(
            name="Value", width=170, css_classes=["dp-try-filter-value"]
        )
        self._limit = pn.widgets.IntInput(
            name="Rows", value=DEFAULT_LIMIT, start=1, end=10_000, width=90,
            css_classes=["dp-try-limit"],
        )  # fmt: skip
        self._run = pn.widgets.Button(
            name="Run", button_type="primary", align="end", width=90, css_classes=["dp-try-run"]
        )
        self._run.on_click(self._clicked)
        self._error = pn.pane.Alert(
            "", alert_type="danger", visible=False, css_classes=["dp-try-error"], **width
        )
        self._plan = pn.pane.HTML(
            "", stylesheets=[SQL_CSS], css_classes=["dp-try-plan"], margin=(0, 10), **width
        )
        for widget in (self._measures, self._dimensions, self._grain, self._filter_field):
            widget.param.watch(lambda _: self._describe(), "value")
        self._filter_op.param.watch(lambda _: self._describe(), "value")
        self._filter_value.param.watch(lambda _: self._describe(), "value")
        self._summary = pn.pane.HTML(
            "", stylesheets=[SQL_CSS], css_classes=["dp-try-summary"], **width
        )
        self._table_slot = pn.Column(css_classes=["dp-try-result"], min_height=40, **width)
        self._sql = pn.pane.HTML(
            "", stylesheets=[SQL_CSS], css_classes=["dp-try-sql"], visible=False, **width
        )
        self._layout = pn.Column(
            pn.Row(self._measures, self._dimensions, **width),
            pn.Row(
                self._grain,
                self._filter_field,
                self._filter_op,
                self._filter_value,
                self._limit,
                self._run,
                **width,
            ),
            self._plan,
            self._error,
            self._summary,
            self._table_slot,
            self._sql,
            css_classes=["dp-try-it"],
            **width,
        )
        self._sync_options()

    # -- options follow the model ---------------------------------------------------------------
    @param.depends("model", watch=True)
    def _sync_options(self) -> None:
        model = self.model
        measures, dimensions = measure_options(model), dimension_options(model)
        filters = {NO_FILTER: "", **dimensions}
        self._measures.param.update(
            options=measures,
            value=[v for v in self._measures.value if v in measures.values()],
        )
        self._dimensions.param.update(
            options=dimensions,
            value=[v for v in self._dimensions.value if v in dimensions.values()],
        )
        keep = self._filter_field.value if self._filter_field.value in filters.values() else ""
        self._filter_field.param.update(options=filters, value=keep)
        self._describe()

    def _describe(self) -> None:
        """Say in words what Run will ask for (updated as the pickers change)."""
        names = {v: k for k, v in self._measures.options.items()}
        dims = {v: k for k, v in self._dimensions.options.items()}
        measures = [names.get(m, m) for m in self._measures.value]
        dimensions = [dims.get(d, d) for d in self._dimensions.value]
        if not measures and not dimensions:
            self._plan.object = ""
            return
        text = ", ".join(measures) or "Distinct values"
        if dimensions:
            text += " by " + ", ".join(dimensions)
        if self._grain.value != NO_GRAIN and dimensions:
            text += f" (time by {self._grain.value})"
        if self._filter_field.value:
            op = next((k for k, v in OPERATORS.items() if v == self._filter_op.value), "")
            value = self._filter_value.value or ""
            shown = "" if self._filter_op.value in NO_VALUE_OPS else f" {value}"
            text += f"; where {dims.get(self._filter_field.value, '')} {op}{shown}"
        self._plan.object = f"<p class='dp-try-summary'>{html.escape(text)}</p>"

    def query(self) -> SemanticQuery:
        """The query the pickers describe."""
        grain = None if self._grain.value == NO_GRAIN else self._grain.value
        filters = []
        field = self._filter_field.value
        if field:
            op = self._filter_op.value
            text = self._filter_value.value_input or self._filter_value.value or ""
            filters.append(
                Filter(
                    field=field, op=op, value=parse_value(op, text, column_type(self.model, field))
                )
            )
        return SemanticQuery(
            measures=list(self._measures.value),
            dimensions=with_grain(self.model, list(self._dimensions.value), grain),
            filters=filters,
            limit=int(self._limit.value or DEFAULT_LIMIT),
        )

    # -- running --------------------------------------------------------------------------------
    async def _clicked(self, _event: Any = None) -> None:
        await self.execute()

    async def execute(self) -> QueryResult | None:
        """Run the picked query off the event loop and show its rows and SQL."""
        if self.run is None:
            self._show_error("There is nothing to run the query on.")
            return None
        query = self.query()
        if not query.measures and not query.dimensions:
            self._show_error("Pick at least one measure or dimension.")
            return None
        self.busy = self._table_slot.loading = True
        self._run.disabled = True
        try:
            result = await asyncio.to_thread(self.run, query)
        except SemanticError as exc:
            self._show_error(_field_message(exc))
            return None
        except Exception as exc:
            if getattr(exc, "status", None) is None:
                log.exception("the try-it query failed")
                self._show_error("The query could not run; it has been logged.")
            else:
                self._show_error(str(exc))
            return None
        finally:
            self.busy = self._table_slot.loading = False
            self._run.disabled = False
        self._show(result)
        return result

    def _show_error(self, message: str) -> None:
        self.error = message
        self._error.object = html.escape(message)
        self._error.visible = True

    def _show(self, result: QueryResult) -> None:
        self.error = ""
        self._error.visible = False
        # Tabulator reads dots in field names as nested lookups: name columns c0, c1, ...
        fields = {column: f"c{i}" for i, column in enumerate(result.columns)}
        # Bokeh cannot send a Decimal (the sum of a column stored exactly): floats to the browser.
        rows = [[float(v) if isinstance(v, Decimal) else v for v in row] for row in result.rows]
        frame = pd.DataFrame(rows, columns=list(fields.values()))
        numeric = [fields[c] for c in result.columns if result.types.get(c) in NUMERIC_TYPES]
        formatters = {
            fields[c]: f
            for c in result.columns
            if result.kinds.get(c) == "measure" and (f := number_format(self.model, c))
        }
        table = pn.widgets.Tabulator(
            frame,
            show_index=False,
            disabled=True,
            selectable=False,
            pagination="local",
            page_size=20,
            layout="fit_data_fill",
            titles={fields[c]: result.labels.get(c, c) for c in result.columns},
            formatters=formatters,
            text_align={c: "right" for c in numeric},
            header_align={c: "right" for c in numeric},
            sizing_mode="stretch_width",
            css_classes=["dp-try-table"],
            stylesheets=[TABLE_ROWS_CSS],
        )
        self._table_slot.objects = [table]
        count = len(result.rows)
        self._summary.object = (
            f"<p class='dp-try-summary'><b>{count:,}</b> row{'s' if count != 1 else ''}</p>"
        )
        self._sql.object = f"<pre class='dp-sql'><code>{html.escape(result.sql)}</code></pre>"
        self._sql.visible = True
        self.result = result

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


def _field_message(exc: SemanticError) -> str:
    """The engine's message, prefixed with the field when the message does not name it."""
    if exc.field and exc.field not in exc.message:
        return f"{exc.field}: {exc.message}"
    return exc.message
