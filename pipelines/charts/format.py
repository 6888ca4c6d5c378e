"""Numbers, dates and categories as text: ``1,234``, ``€1,234.50``, ``12.5%``, ``2024-03-01``.

The same text is used for KPI values and chart tooltips, so what a user hovers is what a KPI
says. Axis ticks are formatted in the browser; :func:`numeral_format` gives the Numeral.js
format Bokeh's ``NumeralTickFormatter`` understands for plain numbers and percentages (its
currency support only knows ``$``, so currency ticks take :func:`currency_symbol` instead).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from pipelines.semantic.model import NumberFormat

from .columns import ResultColumn, role_of

MISSING = "—"
"""How a missing value is shown."""

CURRENCY_SYMBOLS: dict[str, str] = {
    "EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹", "KRW": "₩",
    "BRL": "R$", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "MXN": "MX$", "HKD": "HK$",
    "RUB": "₽", "TRY": "₺", "ILS": "₪", "NGN": "₦", "UAH": "₴", "VND": "₫", "PHP": "₱",
}  # fmt: skip
"""ISO 4217 codes shown as their usual symbol; other codes are shown as ``CHF 1,234.50``."""


def currency_symbol(fmt: NumberFormat | None) -> str:
    """The text put before a currency amount: ``€``, ``$``, ``CHF `` or nothing.

    A format without a currency gets no symbol: DataPilot does not guess a currency.
    """
    if fmt is None or fmt.kind != "currency" or not fmt.currency:
        return ""
    code = fmt.currency.strip()
    symbol = CURRENCY_SYMBOLS.get(code.upper())
    if symbol is not None:
        return symbol
    return f"{code} " if code.isalpha() and len(code) > 1 else code


def _as_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def format_number(value: Any, fmt: NumberFormat | None = None, type_: str = "decimal") -> str:
    """A number as text with thousands separators and the format's decimals.

    Parameters
    ----------
    value
        An int, float or Decimal (``None`` and NaN are shown as ``—``).
    fmt
        The measure's format. Without one, integers have no decimals and other numbers up to
        two (``1,234.5``).
    type_
        The column's logical type, for the default decimals.

    Examples
    --------
    >>> format_number(1234.5, NumberFormat(kind="currency", currency="EUR"))
    '€1,234.50'
    >>> format_number(0.125, NumberFormat(kind="percent", decimals=1))
    '12.5%'
    """
    number = _as_float(value)
    if number is None:
        return MISSING
    if math.isinf(number):
        return "∞" if number > 0 else "-∞"
    if fmt is None:
        if type_ == "integer" or (isinstance(value, int | Decimal) and number.is_integer()):
            return f"{number:,.0f}"
        text = f"{number:,.2f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if fmt.kind == "percent":
        return f"{number * 100:,.{fmt.decimals}f}%"
    text = f"{abs(number):,.{fmt.decimals}f}"
    negative = number < 0 and any(ch not in "0.," for ch in text)
    return f"{'-' if negative else ''}{currency_symbol(fmt)}{text}"


def format_date(value: Any, type_: str = "date") -> str:
    """A date as ``2024-03-01``; a timestamp as ``2024-03-01 14:30`` (seconds when not zero)."""
    if value is None:
        return MISSING
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        if value != value:  # NaT
            return MISSING
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if type_ == "date" and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M" if value.second == 0 else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def format_value(value: Any, column: ResultColumn) -> str:
    """Any value of ``column`` as a user reads it (numbers with the column's format)."""
    if column.numeric and role_of(column) == "dimension":
        number = _as_float(value)  # a year, a code, an id: no thousands separator
        if number is None:
            return MISSING
        return str(int(number)) if number.is_integer() else f"{number:g}"
    if column.numeric:
        return format_number(value, column.format, column.type)
    if column.temporal:
        return format_date(value, column.type)
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def numeral_format(fmt: NumberFormat | None) -> str:
    """The Numeral.js format for axis ticks: thousands separators, only the decimals needed.

    Ticks take the decimals they need (``0.5`` stays ``0.5`` under an integer measure) up to the
    format's: ``0,0.[00]`` for numbers, ``0,0.[0]%`` for percentages. Currency symbols are added
    by the chart (see the module docstring).
    """
    decimals = max(fmt.decimals if fmt is not None else 2, 1)
    if fmt is not None and fmt.kind == "percent":
        return f"0,0.[{'0' * decimals}]%"
    return f"0,0.[{'0' * decimals}]"
