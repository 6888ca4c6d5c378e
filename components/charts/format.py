"""Bokeh axis formatters and Tabulator cell formatters from a result column's number format.

- plain numbers and percentages: ``NumeralTickFormatter`` (``0,0.[00]``, ``0,0.[0]%``);
- currency: Bokeh's Numeral.js only knows ``$`` (``"€0,0.00"`` silently drops the euro sign),
  so currency ticks use a ``CustomJSTickFormatter`` that prints the symbol before the browser's
  own ``toLocaleString("en-US")`` number: ``€1,234.5``, ``-€200``;
- dates and timestamps: ``DatetimeTickFormatter`` with short, unambiguous labels.
"""

from __future__ import annotations

from typing import Any

from bokeh.models import (
    CustomJSTickFormatter,
    DateFormatter,
    DatetimeTickFormatter,
    NumberFormatter,
    NumeralTickFormatter,
    TickFormatter,
)

from components.assets import read_asset
from pipelines.charts.columns import ResultColumn, role_of
from pipelines.charts.format import currency_symbol, numeral_format

CURRENCY_TICK_JS = read_asset(__file__, "format_currency_tick.js")


def value_formatter(column: ResultColumn) -> TickFormatter:
    """The tick formatter of an axis showing ``column``'s numbers."""
    fmt = column.format
    if fmt is not None and fmt.kind == "currency" and currency_symbol(fmt):
        return CustomJSTickFormatter(
            args={"symbol": currency_symbol(fmt), "decimals": fmt.decimals}, code=CURRENCY_TICK_JS
        )
    return NumeralTickFormatter(format=numeral_format(fmt))


def date_formatter() -> DatetimeTickFormatter:
    """Tick labels for a date or timestamp axis: ``14:30``, ``03 Mar``, ``Mar 2024``, ``2024``."""
    return DatetimeTickFormatter(
        seconds="%H:%M:%S",
        minsec="%H:%M:%S",
        minutes="%H:%M",
        hourmin="%H:%M",
        hours="%H:%M",
        days="%d %b",
        months="%b %Y",
        years="%Y",
        context=DatetimeTickFormatter(
            seconds="%d %b %Y",
            minsec="%d %b %Y",
            minutes="%d %b %Y",
            hourmin="%d %b %Y",
            hours="%d %b %Y",
            days="%Y",
            months="",
            years="",
        ),
    )


def axis_formatter(column: ResultColumn) -> TickFormatter | None:
    """The formatter for an axis of ``column``; ``None`` for a category axis."""
    if column.numeric and role_of(column) == "dimension":
        return NumeralTickFormatter(format="0.[00]")  # years and codes: no thousands separator
    if column.numeric:
        return value_formatter(column)
    if column.temporal:
        return date_formatter()
    return None


def table_formatter(column: ResultColumn) -> Any:
    """A Tabulator cell formatter for ``column`` (``None`` leaves the cell as it is)."""
    fmt = column.format
    if column.temporal:
        return DateFormatter(format="%Y-%m-%d" if column.type == "date" else "%Y-%m-%d %H:%M:%S")
    if not column.numeric:
        return None
    if role_of(column) == "dimension":
        return NumberFormatter(format="0.[00]")
    if fmt is not None and fmt.kind == "currency":
        symbol = currency_symbol(fmt)
        return {"type": "money", "symbol": symbol, "precision": fmt.decimals, "thousand": ",",
                "decimal": "."}  # fmt: skip
    if fmt is not None and fmt.kind == "percent":
        return NumberFormatter(format=f"0,0.{'0' * fmt.decimals}%" if fmt.decimals else "0,0%")
    default = 0 if column.type == "integer" else 2
    decimals = fmt.decimals if fmt is not None else default
    return NumberFormatter(format=f"0,0.{'0' * decimals}" if decimals else "0,0")
