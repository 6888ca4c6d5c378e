"""Chart suggestion for query results: which chart, which axes, and why (pure Python, no web).

    from pipelines.charts import ResultColumn, suggest_chart
    columns = [ResultColumn("region", "text"), ResultColumn("revenue", "decimal")]
    suggest_chart(columns, [["North", 120.0], ["South", 80.0]]).kind   # "pie"

The rules are in :mod:`pipelines.charts.suggest`; :func:`plan_chart` completes a chart kind the
user picked; :mod:`pipelines.charts.data` and :mod:`pipelines.charts.format` prepare the rows and
the text the chart components show.
"""

from __future__ import annotations

from .columns import ResultColumn, is_additive, result_columns, role_of
from .data import MAX_POINTS
from .format import format_number, format_value
from .plan import ChartError, plan_chart
from .suggest import CHART_KINDS, TOP_N, ChartKind, ChartSuggestion, suggest_chart

__all__ = [
    "CHART_KINDS",
    "MAX_POINTS",
    "TOP_N",
    "ChartError",
    "ChartKind",
    "ChartSuggestion",
    "ResultColumn",
    "format_number",
    "format_value",
    "is_additive",
    "plan_chart",
    "result_columns",
    "role_of",
    "suggest_chart",
]
