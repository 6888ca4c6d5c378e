"""One builder per chart kind: a planned chart and its rows in, a HoloViews element or Bokeh
figure out, with the notes its caption shows.

Inside a plot every column has a safe internal name (``x``, ``y``, ``s`` for the series, and
``x_text``/``y_text`` holding the formatted text the tooltips show), with the user's names as
labels, so column names such as ``sum(amount)`` or ``a.b`` never reach HoloViews or Bokeh.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import holoviews as hv
import holoviews.plotting.bokeh  # registers the Bokeh backend's plotting options
import numpy as np
import pandas as pd
from bokeh.models import ColumnDataSource, FactorRange, HoverTool, LabelSet, Plot
from bokeh.plotting import figure

from pipelines.charts.columns import ResultColumn, change_column
from pipelines.charts.data import (
    MAX_POINTS,
    OTHER_LABEL,
    combine_repeats,
    downsample_line,
    sample_points,
    to_frame,
    top_n_with_other,
)
from pipelines.charts.format import MISSING, format_value
from pipelines.charts.suggest import ChartSuggestion

from .format import axis_formatter, value_formatter
from .theme import ACCENT, HEIGHT, OTHER_COLOR, apply_theme, color, theme_hook

TOOLS = ["save", "reset"]
LEGEND_WIDTH = 200
ROW_KEY = "\x00row"
"""A scatter's own column: each point's position in the rows it was given (for clicks)."""
DONUT_HOLE = 0.55
"""A donut's hole, as a share of its radius."""


@dataclass
class Built:
    """A built plot: a HoloViews element or a Bokeh figure, and notes for the caption."""

    plot: Any
    notes: list[str] = field(default_factory=list)


def _columns(columns: Sequence[ResultColumn]) -> dict[str, ResultColumn]:
    out: dict[str, ResultColumn] = {}
    for column in columns:
        out.setdefault(column.name, column)
    return out


def _texts(values: pd.Series, column: ResultColumn) -> list[str]:
    if column.temporal:  # vectorised: the same text as format_value, 10x faster
        stamps = pd.to_datetime(values)
        minutes = stamps.dt.strftime("%Y-%m-%d %H:%M")
        text = minutes.where(stamps.dt.second == 0, stamps.dt.strftime("%Y-%m-%d %H:%M:%S"))
        if column.type == "date":
            midnight = stamps.dt.normalize() == stamps
            text = text.where(~midnight, stamps.dt.strftime("%Y-%m-%d"))
        return [MISSING if pd.isna(t) else str(t) for t in text.where(stamps.notna(), None)]
    if column.numeric:
        return [format_value(None if pd.isna(v) else float(v), column) for v in values]
    return [str(v) for v in values]


def _note(notes: list[str], note: str | None) -> None:
    if note:
        notes.append(note)


def _formatter_hook(x: ResultColumn | None, y: ResultColumn, horizontal: bool = False) -> Any:
    """A hook setting the tick formatters of the x and value axes after HoloViews rendered."""

    def hook(plot: Any, element: Any) -> None:
        fig: Plot = plot.state
        value_axes, x_axes = (fig.xaxis, fig.yaxis) if horizontal else (fig.yaxis, fig.xaxis)
        for axis in value_axes:
            axis.formatter = value_formatter(y)
        formatter = axis_formatter(x) if x is not None else None
        if formatter is not None:
            for axis in x_axes:
                axis.formatter = formatter
        if horizontal and isinstance(fig.y_range, FactorRange):
            # Bokeh stacks factors bottom-up; the first (largest) category belongs on top.
            fig.y_range.factors = list(reversed(fig.y_range.factors))
        apply_theme(fig)

    return hook


# -- bars -------------------------------------------------------------------------------------
def bar_plot(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], plan: ChartSuggestion,
    height: int = HEIGHT, stacked: bool = False,
) -> Built:  # fmt: skip
    """Bars of ``plan.y`` by ``plan.x``: grouped (or ``stacked``) for several measures or for the
    values of ``plan.series`` (then of ``plan.y[0]``), top N plus "Other"."""
    by_name = _columns(columns)
    xcol, measures = by_name[str(plan.x)], [by_name[n] for n in plan.y]
    split = by_name[plan.series] if plan.series and plan.series in by_name else None
    if split is not None:
        measures = measures[:1]
    notes: list[str] = []
    keys = [xcol.name, *([split.name] if split else [])]
    frame = to_frame(columns, rows, set(keys))[[*keys, *(m.name for m in measures)]]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame, note = combine_repeats(frame, keys, measures)
    _note(notes, note)
    if plan.top_n is not None and split is None:
        frame, note = top_n_with_other(frame, xcol.name, measures, plan.top_n)
        _note(notes, note)
    labels = [str(v) for v in frame[xcol.name]]
    parts = []
    groups = (
        [(str(v), g, measures[0]) for v, g in frame.groupby(split.name, sort=False)]
        if split is not None
        else [(m.display, frame, m) for m in measures]
    )
    for index, (name, group, measure) in enumerate(groups):
        part_labels = [str(v) for v in group[xcol.name]]
        part = pd.DataFrame(
            {
                "x": part_labels,
                "m": name,
                "y": group[measure.name].to_numpy(dtype=np.float64),
                "y_text": _texts(group[measure.name], measure),
                "c": [OTHER_COLOR if _is_other(v) else color(index) for v in part_labels],
            }
        )
        parts.append(part)
    data = pd.concat(parts, ignore_index=True)
    xdim = hv.Dimension("x", label=xcol.display, values=list(dict.fromkeys(labels)))
    style: dict[str, Any]
    if len(groups) == 1 and split is None:
        data = data.drop(columns="m")
        kdims = [xdim]
        tooltips = [(xcol.display, "@{x}"), (measures[0].display, "@{y_text}")]
        style = {"color": "c", "show_legend": False}
    else:
        names = [name for name, _, _ in groups]
        group_label = split.display if split is not None else "Measure"
        kdims = [xdim, hv.Dimension("m", label=group_label, values=names)]
        tooltips = [(xcol.display, "@{x}"), (group_label, "@{m}"), ("Value", "@{y_text}")]
        style = {
            "color": "m",
            "cmap": [color(i) for i in range(len(names))],
            "multi_level": False,
            "stacked": stacked,
            "show_legend": True,
            "legend_position": "top_right",
        }
    label = measures[0].display if len(measures) == 1 else "Value"
    bars = hv.Bars(data, kdims, [hv.Dimension("y", label=label), "y_text", "c"])
    bars = bars.opts(
        backend="bokeh",
        line_color=None,
        invert_axes=plan.horizontal,
        responsive=True,
        height=height,
        tools=["hover", *TOOLS],
        active_tools=[],
        default_tools=[],
        hover_tooltips=tooltips,
        xrotation=0 if plan.horizontal or len(set(labels)) <= 8 else 45,
        hooks=[_formatter_hook(None, measures[0], plan.horizontal)],
        **style,
    )
    return Built(bars, notes)


def _is_other(label: str) -> bool:
    return label in (OTHER_LABEL, f"{OTHER_LABEL} (rest)")


# -- lines and areas --------------------------------------------------------------------------
def line_plot(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], plan: ChartSuggestion,
    height: int = HEIGHT, area: bool = False,
) -> Built:  # fmt: skip
    """Lines (or areas) of ``plan.y`` over ``plan.x``, one per measure or per ``plan.series``.

    At most :data:`MAX_POINTS` points in all: each line is downsampled (LTTB) to its share.
    """
    by_name = _columns(columns)
    xcol, measures = by_name[str(plan.x)], [by_name[n] for n in plan.y]
    split = by_name[plan.series] if plan.series else None
    notes: list[str] = []
    changes = {m.name: change_column(columns, m.name) for m in measures}
    keep = [xcol.name, *([split.name] if split else []), *(m.name for m in measures)]
    keep += [c.name for c in changes.values() if c is not None]
    frame = to_frame(columns, rows, {split.name} if split else ())[list(dict.fromkeys(keep))]
    if xcol.temporal or xcol.numeric:
        missing = int(frame[xcol.name].isna().sum())
        if missing:
            frame = frame[frame[xcol.name].notna()]
            rows_word = "row" if missing == 1 else "rows"
            notes.append(f"{missing:,} {rows_word} without {xcol.display} left out")
        frame = frame.sort_values(xcol.name, kind="stable")
    keys = [xcol.name, *([split.name] if split else [])]
    frame, note = combine_repeats(frame, keys, measures)
    _note(notes, note)
    curves: list[tuple[str, pd.DataFrame, ResultColumn]] = []
    if split is not None:
        for value, group in frame.groupby(split.name, sort=False):
            curves.append((str(value), group, measures[0]))
    else:
        curves = [(m.display, frame, m) for m in measures]
    share = max(MAX_POINTS // max(len(curves), 1), 3)
    layers = []
    for index, (name, group, measure) in enumerate(curves):
        group, note = downsample_line(group, xcol.name, measure.name, share)
        _note(notes, note)
        change = changes.get(measure.name)
        change = change if change is not None and change.name in group else None
        layers.extend(
            _line_layers(
                group, xcol, measure, name, split, index, height, area, len(measures) == 1, change
            )
        )
    overlay = hv.Overlay(layers).opts(
        backend="bokeh",
        responsive=True,
        height=height,
        show_legend=len(curves) > 1,
        legend_position="top_left",
        title="",
        hooks=[_formatter_hook(xcol, measures[0])],
    )
    return Built(overlay, notes)


def _line_layers(
    group: pd.DataFrame, xcol: ResultColumn, measure: ResultColumn, name: str,
    split: ResultColumn | None, index: int, height: int, area: bool, single: bool,
    change: ResultColumn | None = None,
) -> list[Any]:  # fmt: skip
    """The curve (and area) of one line; with ``change`` (the comparison of ``measure`` with
    the previous year or period) its tooltip shows the change too."""
    data = pd.DataFrame(
        {
            "x": group[xcol.name].to_numpy(),
            "y": group[measure.name].to_numpy(dtype=np.float64),
            "x_text": _texts(group[xcol.name], xcol),
            "y_text": _texts(group[measure.name], measure),
        }
    )
    tooltips = [(xcol.display, "@{x_text}"), (measure.display, "@{y_text}")]
    if split is not None:
        tooltips.insert(0, (split.display, name))
    vdims = ["x_text", "y_text"]
    if change is not None:
        data["c_text"] = _texts(group[change.name], change)
        tooltips.append((change.display, "@{c_text}"))
        vdims.append("c_text")
    xdim = hv.Dimension("x", label=xcol.display)
    ydim = hv.Dimension("y", label=measure.display if single else "Value")
    curve = hv.Curve(data, xdim, [ydim, *vdims], label=name).opts(
        backend="bokeh",
        color=color(index),
        line_width=2,
        tools=["hover", *TOOLS],
        default_tools=[],
        hover_tooltips=tooltips,
        hover_mode="vline",
        responsive=True,
        height=height,
    )
    if not area:
        return [curve]
    filled = hv.Area(data[["x", "y"]], xdim, ydim, label=name).opts(
        backend="bokeh", color=color(index), fill_alpha=0.22, line_alpha=0, default_tools=[]
    )
    return [filled, curve]


# -- scatter ----------------------------------------------------------------------------------
def scatter_plot(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], plan: ChartSuggestion,
    height: int = HEIGHT,
) -> Built:  # fmt: skip
    """Points of ``plan.y[0]`` against ``plan.x``; every other column is in the tooltip.

    More than :data:`MAX_POINTS` rows: a seeded random sample of that many.
    """
    by_name = _columns(columns)
    xcol, ycol = by_name[str(plan.x)], by_name[plan.y[0]]
    notes: list[str] = []
    frame = to_frame(columns, rows)
    row_numbers = np.arange(len(frame))[(frame[xcol.name].notna() & frame[ycol.name].notna())]
    frame = frame[frame[xcol.name].notna() & frame[ycol.name].notna()].reset_index(drop=True)
    frame[ROW_KEY] = row_numbers
    frame, note = sample_points(frame, MAX_POINTS)
    _note(notes, note)
    extra = [c for c in by_name.values() if c.name not in (xcol.name, ycol.name)][:6]
    data = pd.DataFrame(
        {
            "row": frame[ROW_KEY].to_numpy(dtype=np.int64),
            "x": frame[xcol.name].to_numpy(dtype=np.float64),
            "y": frame[ycol.name].to_numpy(dtype=np.float64),
            "x_text": _texts(frame[xcol.name], xcol),
            "y_text": _texts(frame[ycol.name], ycol),
        }
    )
    tooltips = []
    for index, column in enumerate(extra):
        data[f"e{index}_text"] = _texts(frame[column.name], column)
        tooltips.append((column.display, f"@{{e{index}_text}}"))
    tooltips += [(xcol.display, "@{x_text}"), (ycol.display, "@{y_text}")]
    vdims = [
        hv.Dimension("y", label=ycol.display),
        *[c for c in data.columns if c.endswith("_text")],
        "row",
    ]
    points = hv.Scatter(data, hv.Dimension("x", label=xcol.display), vdims).opts(
        backend="bokeh",
        color=ACCENT,
        alpha=0.65 if len(data) < 2_000 else 0.35,
        size=7 if len(data) < 2_000 else 4,
        responsive=True,
        height=height,
        tools=["hover", *TOOLS],
        default_tools=[],
        hover_tooltips=tooltips,
        hooks=[_formatter_hook(xcol, ycol)],
    )
    return Built(points, notes)


# -- pie --------------------------------------------------------------------------------------
def pie_plot(
    columns: Sequence[ResultColumn], rows: Sequence[Sequence[Any]], plan: ChartSuggestion,
    height: int = HEIGHT, donut: bool = False,
) -> Built:  # fmt: skip
    """A pie of ``plan.y[0]`` by ``plan.x`` drawn with Bokeh wedges, clockwise from 12 o'clock
    (annular wedges around a hole of :data:`DONUT_HOLE` of the radius when ``donut``).

    Slices are labelled with their share when it is at least 4%; beyond ``plan.top_n`` parts
    the rest is one grey "Other" slice.
    """
    by_name = _columns(columns)
    xcol, ycol = by_name[str(plan.x)], by_name[plan.y[0]]
    notes: list[str] = []
    frame = to_frame(columns, rows, {xcol.name})[[xcol.name, ycol.name]]
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame, note = combine_repeats(frame, [xcol.name], [ycol])
    _note(notes, note)
    if plan.top_n is not None:
        frame, note = top_n_with_other(frame, xcol.name, [ycol], plan.top_n)
        _note(notes, note)
    values = frame[ycol.name].fillna(0.0).clip(lower=0.0).to_numpy(dtype=np.float64)
    total = float(values.sum()) or 1.0
    shares = values / total
    ends = np.cumsum(shares) * 2 * math.pi
    starts = ends - shares * 2 * math.pi
    labels = [str(v) for v in frame[xcol.name]]
    middle = math.pi / 2 - (starts + ends) / 2
    label_radius = (1 + DONUT_HOLE) / 2 if donut else 0.62
    source = ColumnDataSource(
        {
            "label": labels,
            "value": values,
            "text": _texts(frame[ycol.name], ycol),
            "share": [f"{s * 100:.1f}%" for s in shares],
            "start": math.pi / 2 - starts,
            "end": math.pi / 2 - ends,
            "color": [OTHER_COLOR if _is_other(v) else color(i) for i, v in enumerate(labels)],
            "lx": label_radius * np.cos(middle),
            "ly": label_radius * np.sin(middle),
            "tag": [f"{s * 100:.0f}%" if s >= 0.04 else "" for s in shares],
        }
    )
    fig = figure(
        height=height,
        width=height + LEGEND_WIDTH,
        x_range=(-1.05, 1.05),
        y_range=(-1.05, 1.05),
        frame_width=height - 40,
        frame_height=height - 40,
        tools="save",
        toolbar_location="right",  # its save tool downloads the pie as PNG (shown on hover)
    )
    slices: dict[str, Any] = dict(
        x=0, y=0, start_angle="start", end_angle="end", direction="clock", fill_color="color",
        line_color="#ffffff", line_width=2, legend_field="label", source=source,
    )  # fmt: skip
    if donut:
        fig.annular_wedge(inner_radius=DONUT_HOLE, outer_radius=1.0, **slices)
    else:
        fig.wedge(radius=1.0, **slices)
    fig.add_layout(
        LabelSet(
            x="lx", y="ly", text="tag", source=source, text_align="center",
            text_baseline="middle", text_color="#ffffff", text_font_size="12px",
        )
    )  # fmt: skip
    fig.add_tools(
        HoverTool(tooltips=[(xcol.display, "@label"), (ycol.display, "@text"), ("Share", "@share")])
    )
    fig.legend.location = "center_left"
    fig.add_layout(fig.legend[0], "right")
    apply_theme(fig)
    fig.axis.visible = False
    fig.grid.grid_line_color = None
    return Built(fig, notes)


def render(built: Built) -> Any:
    """The Bokeh model of a built plot (HoloViews elements are rendered with Bokeh)."""
    if isinstance(built.plot, hv.core.Dimensioned):
        return hv.render(built.plot, backend="bokeh")
    return built.plot


__all__ = ["Built", "bar_plot", "line_plot", "pie_plot", "render", "scatter_plot", "theme_hook"]
