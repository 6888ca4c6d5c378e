"""Date and timestamp formats recognised from value shapes (digit runs collapsed to ``0``).

A date shape is three digit groups with one separator (``0/0/0``, ``0-0-0``, ``0.0.0``),
optionally followed by a time (``T`` or space, ``0:0``, ``0:0:0``, ``0:0:0.0``) and a time
zone (``Z``, ``+0:0``, ``+0``). The order of day, month and year is decided from the values:
a first part above 12 means day first, a second part above 12 means month first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DATE = re.compile(
    r"0(?P<sep>[-/.])0(?P=sep)0"
    r"(?:(?P<tsep>[T ])0:0(?P<sec>:0(?P<frac>\.0)?)?)?"
    r"(?P<tz>\s?(?:Z|[+-]0(?::0)?))?"
)

ORDERS = ("ymd", "dmy", "mdy", "dmy2", "mdy2")
"""Candidate orders of the date part; ``2`` means a two-digit year."""


@dataclass(frozen=True)
class TemporalShape:
    """A parsed date/timestamp shape."""

    separator: str
    time: str | None
    timezone: str | None


def parse_temporal(shape: str) -> TemporalShape | None:
    """Return the date/timestamp reading of ``shape``, or None."""
    match = _DATE.fullmatch(shape.strip())
    if not match:
        return None
    time = None
    if match["tsep"]:
        time = match["tsep"] + "%H:%M"
        if match["sec"]:
            time += ":%S"
            if match["frac"]:
                time += ".%f"
    tz = match["tz"]
    timezone = None
    if tz:
        stripped = tz.strip()
        timezone = ("Z" if stripped == "Z" else "%z") if not tz.startswith(" ") else None
        if tz.startswith(" "):
            timezone = " Z" if stripped == "Z" else " %z"
    return TemporalShape(match["sep"], time, timezone)


def date_format(order: str, separator: str) -> str:
    """``strptime`` format of the date part for ``order`` (see :data:`ORDERS`)."""
    year = "%y" if order.endswith("2") else "%Y"
    parts = {
        "ymd": ["%Y", "%m", "%d"],
        "dmy": ["%d", "%m", year],
        "mdy": ["%m", "%d", year],
        "dmy2": ["%d", "%m", year],
        "mdy2": ["%m", "%d", year],
    }[order]
    return separator.join(parts)


def formats_for(order: str, shapes: list[TemporalShape]) -> list[str]:
    """All full ``strptime`` formats needed to read ``shapes`` in ``order``."""
    formats: list[str] = []
    for shape in shapes:
        fmt = date_format(order, shape.separator) + (shape.time or "") + (shape.timezone or "")
        if fmt not in formats:
            formats.append(fmt)
    return formats


def strptime_sql(value: str, formats: list[str]) -> str:
    """SQL ``TRY_STRPTIME`` over one or several formats."""
    quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in formats)
    if len(formats) == 1:
        return f"TRY_STRPTIME({value}, {quoted})"
    return f"TRY_STRPTIME({value}, [{quoted}])"


def four_digit_year(order: str) -> bool:
    """Whether ``order`` expects a four-digit year (checked as year >= 1000)."""
    return not order.endswith("2")
