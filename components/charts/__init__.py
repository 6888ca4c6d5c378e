"""Charts of query results on HoloViews/Bokeh: bar, line, area, pie, scatter, KPI and table.

    from components.charts import Chart
    Chart(columns=columns, rows=rows)            # the suggested chart
    Chart(result=result, model=model, kind="bar")

One theme (:mod:`.theme`), axes and tooltips formatted from the measures' number formats
(:mod:`.format`), at most 50,000 points sent to the browser (:mod:`.plots`).
"""

from __future__ import annotations

from pipelines.charts import CHART_KINDS, ChartError, ChartSuggestion, ResultColumn

from .chart import Chart

__all__ = ["CHART_KINDS", "Chart", "ChartError", "ChartSuggestion", "ResultColumn"]
