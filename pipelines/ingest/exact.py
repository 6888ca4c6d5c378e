"""Exact storage of decimal columns: money-like values as ``DECIMAL(p, s)``, not ``DOUBLE``.

A decimal column is stored exactly when every value has at most :data:`MAX_SCALE` digits
after the decimal separator and no exponent (``1 234,56 €``, ``19.90``): ``DECIMAL(18, s)``
with ``s`` the most decimals seen, or ``DECIMAL(38, s)`` when the values are too large for
18 digits with :data:`HEADROOM` to spare. ``SUM`` of such a column is then exact
(``0.10 + 0.20`` is ``0.30``, not ``0.30000000000000004``). Values with more decimals or an
exponent (measurements, ratios, coordinates) stay ``DOUBLE``, and so do percentages.

The digits are counted on the value shapes the type inference already has (every run of
digits turned into as many ``0``), so choosing costs nothing. The conversion stays strict: a
value with more decimals than the scale, or too large for the precision, is never rounded
nor turned into NULL; it fails the write like any misfit, and the column is re-planned (see
:mod:`.conversion`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .numbers import NumberStyle, has_fraction, normalize_shape, parse_shape

MAX_SCALE = 4
"""Most digits after the separator for a column to be stored exactly (money, prices, rates)."""
HEADROOM = 3
"""Digits kept spare above the largest value seen, so later rows rarely overflow the precision."""
DOUBLE_DIGITS = 15
"""Significant digits a DOUBLE keeps exactly: a value of at most 15 digits read as a DOUBLE
converts back to the same DECIMAL, so canonical columns can keep DuckDB's fast DOUBLE parser."""

Exact = tuple[int, int]
"""``(precision, scale)`` of the ``DECIMAL`` a column is stored as."""

_DIGITS = re.compile("0+")


def _digits(shape: str, style: NumberStyle) -> tuple[int, int] | None:
    """(digits before, digits after) the decimal separator of a value's length-keeping shape
    (``0 000,00 €``); None when it has an exponent or is not a number."""
    text = normalize_shape(shape)
    parsed = parse_shape(_DIGITS.sub("0", text))
    if parsed is None or parsed.exponent:
        return None
    number = "".join(ch for ch in text if ch == "0" or ch in ".,' ")
    if has_fraction(parsed, style):
        before, _, after = number.rpartition(style[0])
        return before.count("0"), after.count("0")
    return number.count("0"), 0


def decimal_digits(shapes: Iterable[str], style: NumberStyle) -> tuple[int, int] | None:
    """The most digits before and after the decimal separator over ``shapes``.

    Parameters
    ----------
    shapes
        The non-empty values' shapes with each run of digits as that many zeros
        (``1 234,56 €`` -> ``0 000,00 €``), as :mod:`.inference` counts them.
    style
        The (decimal, thousands) separators the column is read with.

    Returns None when a value has an exponent (``1.5e3``).
    """
    integer = scale = 0
    for shape in shapes:
        found = _digits(shape, style)
        if found is None:
            return None
        integer, scale = max(integer, found[0]), max(scale, found[1])
    return integer, scale


def exact_type(integer: int, scale: int) -> Exact | None:
    """The ``(precision, scale)`` storing values of up to ``integer`` digits before and ``scale``
    after the separator exactly, or None when they should stay DOUBLE."""
    if not 1 <= scale <= MAX_SCALE:
        return None
    for precision in (18, 38):
        if integer + scale + HEADROOM <= precision:
            return precision, scale
    return None


def double_safe(integer: int, scale: int) -> bool:
    """Whether values of this size, with the headroom, survive a trip through DOUBLE."""
    return integer + scale + HEADROOM <= DOUBLE_DIGITS


def decimal_type(exact: Exact) -> str:
    """The DuckDB type name: ``DECIMAL(18, 2)``."""
    return f"DECIMAL({exact[0]}, {exact[1]})"


def from_double_sql(value: str, exact: Exact, fail: str) -> str:
    """SQL turning the DOUBLE ``value`` (parsed from canonical text such as ``1234.56``) into
    the DECIMAL, or ``fail`` when the text had more decimals than the scale or is too large.

    Below 10^(15 - scale) a DOUBLE holds every value of the scale exactly enough that the
    round trip DOUBLE -> DECIMAL -> DOUBLE gives it back unchanged; a value with a further
    decimal (``1.234`` at scale 2) comes back different and fails. A NULL ``value`` fails too:
    the caller handles empty values before.
    """
    precision, scale = exact
    short = f"TRY_CAST({value} AS DECIMAL(18, {scale}))"
    fits = f"abs({value}) < 1e{DOUBLE_DIGITS - scale} AND CAST({short} AS DOUBLE) = {value}"
    return (
        f"CASE WHEN {fits} THEN TRY_CAST({value} AS DECIMAL({precision}, {scale})) ELSE {fail} END"
    )
