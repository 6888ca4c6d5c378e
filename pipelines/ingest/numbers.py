"""Number formats: decimal and thousands separators, percentages and currency symbols.

Values are first reduced to a *shape* in SQL (every run of digits becomes ``0``), so
``1 234,56 €`` has the shape ``0 0,0 €``. Accounting negatives in parentheses (``($5.00)``)
are read as negative numbers. A handful of shapes per column tells which number
styles are possible; exact regular expressions then check every value of the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sql import literal

CURRENCIES = ("€", "$", "£", "EUR", "USD", "GBP", "CHF")
SPACES = "\u00a0\u202f\u2009"
SPACE_CLASS = r"[ \x{00A0}\x{202F}\x{2009}]"
TRIM_CHARS = " \t" + SPACES

# (decimal separator, thousands separator); " " stands for any space, "'" for an apostrophe (straight or curly).
NumberStyle = tuple[str, str]
STYLES: tuple[NumberStyle, ...] = (
    (".", ""),
    (",", ""),
    (".", ","),
    (",", "."),
    (",", " "),
    (".", " "),
    (".", "'"),
)

_CUR = "|".join(re.escape(c) for c in CURRENCIES)
_SHAPE = re.compile(
    rf"(?P<s1>[+-]?)\s*(?P<pre>{_CUR})?\s*(?P<s2>[+-]?)\s*"
    rf"(?P<num>0(?:[.,' ]0)*)(?P<exp>[eE][+-]?0)?\s*(?P<suf>{_CUR}|%)?"
)


@dataclass(frozen=True)
class NumberShape:
    """A parsed shape: separators between digit groups, exponent, and affixes."""

    separators: str
    exponent: bool
    currency: str | None
    percent: bool
    parens: bool = False
    """Written in parentheses, the accounting way of writing a negative amount."""


_PARENS = re.compile(r"\(\s*([^()]*?)\s*\)")


def normalize_shape(shape: str) -> str:
    """Map every kind of space to a plain space and typographic apostrophes to ``'``."""
    for space in SPACES:
        shape = shape.replace(space, " ")
    return shape.replace("\u2019", "'")


def parse_shape(shape: str) -> NumberShape | None:
    """Return the number reading of ``shape``, or None when it is not a number."""
    text = normalize_shape(shape).strip()
    parens = _PARENS.fullmatch(text)
    if parens:
        inner = parse_shape(parens.group(1))
        if inner is None or inner.parens or inner.percent or "-" in text or "+" in text:
            return None
        return NumberShape(inner.separators, inner.exponent, inner.currency, False, True)
    match = _SHAPE.fullmatch(text)
    if not match or (match["s1"] and match["s2"]):
        return None
    num = match["num"]
    separators = "".join(ch for ch in num if ch != "0")
    suffix = match["suf"]
    prefix = match["pre"]
    if prefix and suffix:
        return None
    currency = prefix or (suffix if suffix and suffix != "%" else None)
    return NumberShape(separators, bool(match["exp"]), currency, suffix == "%")


def style_accepts(shape: NumberShape, style: NumberStyle) -> bool:
    """Whether a value of ``shape`` can be read with ``style``."""
    decimal, thousands = style
    seps = shape.separators
    if shape.exponent:
        return style == (".", "") and seps in ("", ".")
    if not seps:
        return True
    body = seps[:-1] if seps.endswith(decimal) else seps
    if decimal in body:
        return False
    return body == "" or (thousands != "" and all(ch == thousands for ch in body))


def has_fraction(shape: NumberShape, style: NumberStyle) -> bool:
    """Whether a value of ``shape`` read with ``style`` has a fractional part."""
    return shape.exponent or shape.separators.endswith(style[0])


def _thousands_regex(thousands: str) -> str:
    return {",": ",", ".": r"\.", " ": SPACE_CLASS, "'": "['\u2019]"}[thousands]


def style_regex(
    style: NumberStyle, *, fraction: bool = True, max_decimals: int | None = None
) -> str:
    """Regular expression (RE2) that a whole value must match to be read with ``style``.

    With ``fraction=False`` only whole numbers match (no decimal part, no exponent); with
    ``max_decimals``, at most that many digits after the separator and no exponent.
    """
    decimal, thousands = style
    if thousands:
        integer = rf"(?:\d{{1,3}}(?:{_thousands_regex(thousands)}\d{{3}})+|\d+)"
    else:
        integer = r"\d+"
    if not fraction:
        return rf"[+-]?{integer}"
    digits = r"\d+" if max_decimals is None else rf"\d{{1,{int(max_decimals)}}}"
    decimals = rf"(?:\.{digits})?" if decimal == "." else rf"(?:,{digits})?"
    exponent = r"(?:[eE][+-]?\d+)?" if style == (".", "") and max_decimals is None else ""
    return rf"[+-]?{integer}{decimals}{exponent}"


def core_sql(value: str, currency: str | None, percent: bool, parens: bool = False) -> str:
    """SQL for the number part of ``value`` (currency symbol or ``%`` removed; with ``parens``,
    ``(5.00)`` becomes ``-5.00``)."""
    if currency:
        value = f"replace({value}, {literal(currency)}, '')"
    if percent:
        value = f"replace({value}, '%', '')"
    if currency or percent:
        value = f"trim({value}, {literal(TRIM_CHARS)})"
    if parens:
        value = (
            f"regexp_replace(trim({value}, {literal(TRIM_CHARS)}), {literal(PARENS_REGEX)}, '-\\1')"
        )
    return value


PARENS_REGEX = r"^\(\s*(.*?)\s*\)$"


def number_sql(
    core: str, style: NumberStyle, *, integer: bool, percent: bool, exact: str | None = None
) -> str:
    """SQL converting a validated ``core`` string to BIGINT or DOUBLE, or with ``exact`` (a
    ``DECIMAL(p, s)`` type) to that type: NULL when the value is too large for it."""
    decimal, thousands = style
    text = core
    if thousands == " ":
        text = f"regexp_replace({text}, {literal(SPACE_CLASS)}, '', 'g')"
    elif thousands == "'":
        text = f"regexp_replace({text}, {literal(chr(39) + '|' + chr(0x2019))}, '', 'g')"
    elif thousands:
        text = f"replace({text}, {literal(thousands)}, '')"
    if decimal == ",":
        text = f"replace({text}, ',', '.')"
    if percent:
        # Exact decimal arithmetic so that 12,3 % gives 0.123, not 0.12300000000000001.
        return f"CAST(CAST({text} AS DECIMAL(36, 12)) * 0.01 AS DOUBLE)"
    if exact:
        return f"TRY_CAST({text} AS {exact})"
    return f"CAST({text} AS {'BIGINT' if integer else 'DOUBLE'})"


def integer_regex() -> str:
    """Plain integers without leading zeros that fit a BIGINT."""
    return r"[+-]?(?:0|[1-9]\d{0,17})"
