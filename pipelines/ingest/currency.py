"""Currency columns: which currency, and how its amounts were written (``$74.69``,
``1.234,50 €``, ``($5.00)``), from the value shapes the type inference already counted.

The values themselves are stored as plain numbers; the :class:`~.models.CurrencyFormat` goes
into the column's profile so tables and charts can write them the way the file did.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from .models import CurrencyFormat, Detected, Profile
from .numbers import NumberStyle, normalize_shape

CURRENCY_CODES = {"$": "USD", "€": "EUR", "£": "GBP", "EUR": "EUR", "USD": "USD", "GBP": "GBP"}
"""Symbols as written -> ISO 4217 code; a code written as such (``CHF``) is its own code."""
_DIGITS_AFTER = {".": re.compile(r"\.(0+)\D*$"), ",": re.compile(r",(0+)\D*$")}


def currency_code(symbol: str) -> str:
    """The ISO 4217 code of a currency symbol as written (``$`` -> ``USD``)."""
    return CURRENCY_CODES.get(symbol, symbol.upper())


def currency_format(
    symbol: str, style: NumberStyle, shapes: Iterable[str], *, parens: bool
) -> CurrencyFormat:
    """Describe how the amounts of a currency column were written.

    Parameters
    ----------
    symbol
        The currency symbol or code found in the values (``$``, ``€``, ``CHF``).
    style
        The (decimal, thousands) separators the column was read with.
    shapes
        The values' shapes with digit runs turned into zeros of the same length
        (``$74.69`` -> ``$00.00``), as the inference counts them.
    parens
        Whether some negative amounts were written in parentheses.
    """
    prefix = suffix = spaced = 0
    decimals = 0
    for raw in shapes:
        shape = normalize_shape(raw).strip().strip("()").strip().lstrip("+-").strip()
        at = shape.find(symbol)
        if at < 0:
            continue
        if at == 0:
            prefix += 1
            spaced += shape[len(symbol) : len(symbol) + 1] == " "
        else:
            suffix += 1
            spaced += shape[at - 1 : at] == " "
        found = _DIGITS_AFTER[style[0]].search(shape)
        if found:
            decimals = max(decimals, len(found.group(1)))
    return CurrencyFormat(
        code=currency_code(symbol),
        symbol=symbol,
        position="prefix" if prefix >= suffix else "suffix",
        space=spaced * 2 > prefix + suffix,
        decimal_separator=style[0],
        thousands_separator=style[1],
        decimals=decimals,
        negative="parentheses" if parens else "sign",
    )


def with_currencies(profile: Profile, detected: Detected) -> Profile:
    """The profile with each currency column's format taken from what was detected."""
    formats = {c.identifier: c.currency_format for c in detected.columns if c.currency_format}
    if not formats:
        return profile
    columns = tuple(
        replace(c, currency=formats[c.identifier]) if c.identifier in formats else c
        for c in profile.columns
    )
    return replace(profile, columns=columns)
