"""Evaluating a dashboard: every widget at once, each through the SQL page's query runner.

A semantic widget's query, with the dashboard filters that reach it
(:class:`pipelines.dashboards.FilterReach`), is compiled by the workspace's semantic engine
(kept in the :class:`~pipelines.semantic.engines.EngineCache`) and its SQL runs through the
process's :class:`~pipelines.query.QueryRunner`: the same SQL guard, sandbox, per-tenant turns
and result cache as the SQL page (with a saved model the sandbox's tables are the model's, named
as the engine's SQL names them). An SQL widget's SQL runs the same way. Widgets run side by side
on a bounded thread pool; one that fails gets ``status="error"`` with the reason and never
stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Any

from app.errors import DomainError
from app.principal import Principal
from app.services.engine_lease import TablePaths, engine_key, use_engine
from app.services.sql.tables import WorkspaceTables
from pipelines.charts import ChartError, ResultColumn, plan_chart, result_columns, role_of
from pipelines.charts.suggest import ChartSuggestion
from pipelines.dashboards import (
    ActiveFilter,
    EffectiveQuery,
    FilterReach,
    KpiData,
    Widget,
    WidgetData,
    kpi_change,
    kpi_plan,
)
from pipelines.query import GuardError, QueryCancelled, QueryFailed, QueryRunner
from pipelines.query.results import SqlResult
from pipelines.semantic.compiled import CompiledQuery
from pipelines.semantic.engines import EngineCache
from pipelines.semantic.model import SemanticModel
from pipelines.semantic.query import Filter, QueryResult, SemanticError, SemanticQuery, Sort
from pipelines.semantic.row_count import row_count_field

log = logging.getLogger(__name__)

ROW_LIMIT = 5000
"""Rows a widget gets at most (``truncated`` says when there were more)."""
NO_MODEL = "This workspace has no model yet; add tables on the Model page first."
_CHART_KIND = {"hbar": "bar", "pivot": "table"}


@dataclass(frozen=True)
class Workspace:
    """What evaluating needs of a workspace, read once per dashboard."""

    principal: Principal
    workspace_id: uuid.UUID
    model: SemanticModel
    paths: TablePaths
    """Model table -> Parquet file, for the semantic engine."""
    tables: WorkspaceTables
    """What the runner's sandbox exposes (the model's ready tables, by name)."""
    live: Callable[[SemanticQuery], QueryResult] | None = None
    """With tables in a live database: runs a semantic query through the model service (in the
    database, read-only; a query mixing engines is refused there), instead of the sandbox."""


class Evaluator:
    """Runs widgets of one workspace (see the module docstring)."""

    def __init__(
        self,
        workspace: Workspace,
        runner: QueryRunner,
        engines: EngineCache,
        max_bytes: int,
        row_limit: int = ROW_LIMIT,
    ) -> None:
        self.ws = workspace
        self.runner = runner
        self.engines = engines
        self.max_bytes = max_bytes
        self.row_limit = row_limit
        self.reach = FilterReach(workspace.model)

    def all(
        self, widgets: Sequence[Widget], active: Sequence[ActiveFilter], executor: Executor
    ) -> dict[str, WidgetData]:
        """Every widget's data, evaluated concurrently, keyed by widget id in document order.

        As many workers as the tenant may run queries at once (``runner.per_tenant``) take the
        widgets in turn: more would only wait for the tenant's turn while holding threads of
        the shared pool (and could outwait the time limit behind their own dashboard)."""
        pending = iter(list(widgets))
        lock = threading.Lock()

        def work() -> dict[str, WidgetData]:
            done: dict[str, WidgetData] = {}
            while True:
                with lock:
                    widget = next(pending, None)
                if widget is None:
                    return done
                done[widget.id] = self.widget(widget, active)

        workers = max(1, min(len(widgets), self.runner.per_tenant))
        found: dict[str, WidgetData] = {}
        for future in [executor.submit(work) for _ in range(workers)]:
            found.update(future.result())
        return {w.id: found[w.id] for w in widgets}

    def widget(self, widget: Widget, active: Sequence[ActiveFilter]) -> WidgetData:
        """One widget's data; never raises (a failure is ``status="error"``)."""
        started = time.perf_counter()
        if widget.kind == "text" or widget.query is None:
            return WidgetData(widget.id, "text")
        effective = EffectiveQuery(None)
        try:
            if widget.query.source == "semantic" and not self.ws.model.tables:
                raise SemanticError(NO_MODEL)
            effective = self.reach.apply(widget, active)
            data = self._evaluate(widget, effective)
        except (SemanticError, GuardError, QueryFailed, QueryCancelled, ChartError) as exc:
            data = WidgetData(widget.id, "error", error=_message(exc))
        except DomainError as exc:
            data = WidgetData(widget.id, "error", error=str(exc))
        except Exception:  # one widget must never take the dashboard down
            log.exception("dashboard widget %s failed", widget.id)
            data = WidgetData(
                widget.id, "error", error="This widget could not be evaluated (server error)."
            )
        return replace(
            data,
            applied=list(effective.applied),
            unreached=list(effective.unreached),
            switched_off=list(effective.switched_off),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    # -- running -------------------------------------------------------------------------------
    def _evaluate(self, widget: Widget, effective: EffectiveQuery) -> WidgetData:
        assert widget.query is not None
        if effective.query is None:
            sql = widget.query.sql or ""
            result = self._run(sql)
            columns = self._sql_columns(result)
            labels: dict[str, str] = {}
            kinds = {c.name: str(role_of(c)) for c in columns}
        else:
            described, result = self._semantic(effective.query)
            sql = described.sql
            columns = result_columns(described, self.ws.model)
            labels = {c.name: c.display for c in columns}
            kinds = {name: str(kind) for name, kind in described.kinds.items()}
        data = WidgetData(
            widget.id,
            "ok",
            columns=list(result.columns),
            rows=result.rows,
            labels=labels,
            types={c.name: c.type for c in columns},
            kinds=kinds,
            truncated=result.truncated,
            sql=sql,
            cached=result.cached,
        )
        try:
            data = replace(data, chart=chart_of(widget, columns, result.rows))
        except ChartError as exc:
            return replace(data, status="error", error=str(exc))
        if widget.kind == "kpi":
            data = replace(data, kpi=self._kpi(widget, effective, data))
        return data

    def _semantic(self, query: SemanticQuery) -> tuple[QueryResult, SqlResult]:
        """``query`` compiled by the workspace's engine and run in the sandbox; with tables in a
        live database, run by the model service where the tables are."""
        if self.ws.live is None:
            compiled = self._compile(query)
            result = self._run(compiled.sql)
            described = QueryResult(
                list(compiled.columns),
                result.rows,
                compiled.sql,
                dict(compiled.labels),
                dict(compiled.kinds),
                dict(compiled.types),
            )
            return described, result
        started = time.perf_counter()
        cap = min(query.limit or self.row_limit + 1, self.row_limit + 1)  # one more: truncated?
        described = self.ws.live(query.model_copy(update={"limit": cap}))
        rows = described.rows[: self.row_limit]
        types = [str(described.types.get(c, "other")) for c in described.columns]
        elapsed = (time.perf_counter() - started) * 1000
        truncated = len(described.rows) > self.row_limit
        return replace(described, rows=rows), SqlResult(
            list(described.columns), types, rows, truncated, elapsed
        )

    def _compile(self, query: SemanticQuery) -> CompiledQuery:
        model, paths = self.ws.model, self.ws.paths
        key = engine_key(self.ws.principal.tenant_id, self.ws.workspace_id, model, paths)
        return use_engine(self.engines, key, model, paths, lambda engine: engine.compiled(query))

    def _run(self, sql: str) -> SqlResult:
        return self.ws.tables.run(
            self.runner,
            self.ws.principal,
            sql,
            limit=self.row_limit,
            max_bytes=self.max_bytes,
            query_id=f"dashboard-{uuid.uuid4().hex}",
        )

    def _sql_columns(self, result: SqlResult) -> list[ResultColumn]:
        columns = []
        for name, kind in zip(result.columns, result.types, strict=True):
            known = self.ws.tables.roles.get(name)
            if known is None:
                columns.append(ResultColumn(name=name, type=kind))
                continue
            columns.append(
                ResultColumn(
                    name=name,
                    type=kind,
                    role=known.role,  # type: ignore[arg-type]
                    format=known.format,
                    label=known.label,
                    aggregation=known.aggregation,
                )
            )
        return columns

    def values(self, field: str, search: str | None, limit: int) -> list[Any]:
        """Distinct values of the dimension ``field`` in order (those containing ``search``,
        for a text field), at most ``limit``: the choices of a values filter.

        Raises
        ------
        SemanticError
            When ``field`` is not a dimension of the model (or ``search`` is given for a field
            that is not text).
        """
        if not self.ws.model.tables:
            raise SemanticError(NO_MODEL)
        filters = [] if not search else [Filter(field=field, op="contains", value=search)]
        query = SemanticQuery(
            dimensions=[field], filters=filters, sort=[Sort(field=field)], limit=limit
        )
        self.reach.check_query(query)
        counted = self._most_frequent_first(query)
        return [row[0] for row in self._semantic(counted or query)[1].rows]

    def _most_frequent_first(self, query: SemanticQuery) -> SemanticQuery | None:
        """``query`` counting the rows of the field's table and sorted by that count (then by
        value), so the commonest values come first; None when the table has no row count."""
        node = query.dimensions[0].partition(".")[0]
        table = self.ws.model.table(node)
        count = row_count_field(self.ws.model, table) if table is not None else None
        if count is None:
            return None
        counted = query.model_copy(
            update={
                "measures": [count],
                "sort": [Sort(field=count, descending=True), Sort(field=query.dimensions[0])],
            }
        )
        try:
            self.reach.check_query(counted)
        except SemanticError:
            return None
        return counted

    # -- KPI -----------------------------------------------------------------------------------
    def _kpi(self, widget: Widget, effective: EffectiveQuery, data: WidgetData) -> KpiData:
        plan = kpi_plan(self.reach, widget, effective)
        measure = plan.measure if plan is not None else _first_measure(data)
        value = _cell(data, measure)
        if plan is None:
            return KpiData(value)
        previous = change = None
        period = plan.period if plan.previous else None
        if plan.compare is not None:  # the query's own row holds the comparison
            row = data.rows[0] if data.rows else None
            previous, change, period = plan.compare.values(data.columns, row)
        elif plan.previous is not None:
            before = self._optional(plan.previous)
            if before is not None and before.rows:
                previous = before.rows[0][before.columns.index(plan.measure)]
                change = kpi_change(value, previous)
        points: list[tuple[Any, Any]] = []
        if plan.sparkline is not None:
            line = self._optional(plan.sparkline)
            if line is not None:
                points = [(row[0], row[1]) for row in line.rows]
        return KpiData(value, previous, change, period, points)

    def _optional(self, query: SemanticQuery) -> SqlResult | None:
        """A KPI's extra query: when it fails the KPI still shows its value."""
        try:
            return self._semantic(query)[1]
        except (SemanticError, GuardError, QueryFailed, QueryCancelled) as exc:
            log.info("KPI extra query failed: %s", _message(exc))
            return None


def chart_of(
    widget: Widget, columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]]
) -> dict[str, Any] | None:
    """The chart to draw: the widget's kind and its chart settings over the suggestion.

    ``hbar`` is a horizontal bar chart; ``pivot`` is a table whose ``x`` is the row field and
    ``series`` the column field (the widget's settings, else the first two dimensions).

    Raises
    ------
    ChartError
        When the result cannot be drawn as the widget's kind (the message names the column).
    """
    if widget.kind == "text" or not columns:
        return None
    settings = widget.chart
    if widget.kind == "pivot":
        dims = [c.name for c in columns if role_of(c) == "dimension"]
        measures = [c.name for c in columns if role_of(c) == "measure"]
        x = settings.x or (dims[0] if dims else None)
        series = settings.series or next((d for d in dims if d != x), None)
        pivot = ChartSuggestion("table", x, tuple(settings.y or measures), "Pivot", series=series)
        return pivot.as_json()
    kind = _CHART_KIND.get(widget.kind, widget.kind)
    planned = plan_chart(columns, rows, kind, settings.x, settings.y, settings.series)
    if widget.kind == "hbar":
        planned = replace(planned, horizontal=True)
    return planned.as_json()


def _first_measure(data: WidgetData) -> str | None:
    return next((c for c in data.columns if data.kinds.get(c) == "measure"), None)


def _cell(data: WidgetData, column: str | None) -> Any:
    if column is None or column not in data.columns or not data.rows:
        return None
    return data.rows[0][data.columns.index(column)]


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc)
