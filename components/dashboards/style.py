"""The stylesheet of the dashboard widgets (``widget.css``, with the chart theme's variables)."""

from __future__ import annotations

from components.assets import read_asset
from components.charts.theme import CSS as CHART_CSS

CSS = CHART_CSS + "\n" + read_asset(__file__, "widget.css")
