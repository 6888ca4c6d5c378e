"""The one look of DataPilot charts: colours, the system font stack, quiet axes and grids.

No web fonts: every text uses the platform's own UI font, as the app's stylesheets do.
"""

from __future__ import annotations

from typing import Any

from bokeh.models import Plot

from components.assets import css_variables, read_asset

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
INK = "#1d2733"
MUTED = "#5b6b7d"
LINE = "#dfe5ee"
GRID = "#edf1f6"
SURFACE = "#f6f8fb"
ACCENT = "#2f6fde"
OTHER_COLOR = "#aab4c0"
"""The "Other" bar or slice: grey, so it never reads as one more category."""
PALETTE: tuple[str, ...] = (
    ACCENT, "#e8833a", "#2a9d8f", "#c2417a", "#7b5cd6", "#8c9b2b", "#d4a017", "#4f7fa8",
    "#b5523b", "#5b6b7d",
)  # fmt: skip
"""Series colours in order; the first is the app's accent colour."""
HEIGHT = 360
"""Default chart height in pixels."""


def color(index: int) -> str:
    """The colour of the ``index``-th series (the palette repeats)."""
    return PALETTE[index % len(PALETTE)]


def apply_theme(fig: Plot) -> None:
    """Fonts, colours, grid and toolbar of a Bokeh plot, in place."""
    fig.background_fill_color = "#ffffff"
    fig.border_fill_color = "#ffffff"
    fig.outline_line_color = None
    fig.min_border_left = 8
    fig.min_border_right = 16
    if fig.title is not None:
        fig.title.text_font = FONT
        fig.title.text_color = INK
        fig.title.text_font_size = "14px"
        fig.title.text_font_style = "bold"
    for axis in [*fig.xaxis, *fig.yaxis]:
        axis.axis_label_text_font = FONT
        axis.axis_label_text_font_style = "normal"
        axis.axis_label_text_color = MUTED
        axis.axis_label_text_font_size = "12px"
        axis.major_label_text_font = FONT
        axis.major_label_text_color = INK
        axis.major_label_text_font_size = "12px"
        axis.axis_line_color = LINE
        axis.major_tick_line_color = LINE
        axis.minor_tick_line_color = None
    for grid in [*fig.xgrid, *fig.ygrid]:
        grid.grid_line_color = GRID
    for legend in fig.legend:
        legend.label_text_font = FONT
        legend.label_text_color = INK
        legend.label_text_font_size = "12px"
        legend.border_line_color = None
        legend.background_fill_alpha = 0.85
    if fig.toolbar is not None:
        fig.toolbar.autohide = True
        fig.toolbar.logo = None


def theme_hook(plot: Any, element: Any) -> None:
    """A HoloViews hook applying :func:`apply_theme` to the rendered figure."""
    apply_theme(plot.state)


_VARIABLES = {
    "--dp-font": FONT,
    "--dp-ink": INK,
    "--dp-muted": MUTED,
    "--dp-line": LINE,
    "--dp-surface": SURFACE,
}
CSS = css_variables(_VARIABLES) + "\n" + read_asset(__file__, "theme.css")
"""Stylesheet of the HTML parts (title, caption, KPI cards, empty and error states)."""
