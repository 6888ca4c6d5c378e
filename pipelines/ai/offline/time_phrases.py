"""Time phrases of a question as date ranges: "in 2024", "en mars 2024", "Q1 2024", "last 12
months", "since March", "depuis 2023". ("This year vs last year" is "this year" and a
comparison, see :mod:`.compare_phrases`.)

:func:`find_time` takes them out of the (folded) question and returns :class:`TimePhrase`
objects; :meth:`TimePhrase.resolve` turns one into inclusive ISO dates.

Relative phrases ("this year", "last 12 months", "since March") count back from an *anchor*:
``today``, unless the data ends before today, in which case the data's last date (a question
about "this year" on data that stops in 2024 means 2024, not an empty year). The answer's
message says when the anchor is the data's last date, so this is never silent.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["TimePhrase", "anchor_date", "find_time"]

MONTHS = {
    "january": 1, "janvier": 1, "february": 2, "fevrier": 2, "march": 3, "mars": 3,
    "april": 4, "avril": 4, "may": 5, "mai": 5, "june": 6, "juin": 6, "july": 7,
    "juillet": 7, "august": 8, "aout": 8, "september": 9, "septembre": 9, "october": 10,
    "octobre": 10, "november": 11, "novembre": 11, "december": 12, "decembre": 12,
}  # fmt: skip
UNITS = {
    "day": "day", "days": "day", "jour": "day", "jours": "day", "week": "week",
    "weeks": "week", "semaine": "week", "semaines": "week", "month": "month",
    "months": "month", "mois": "month", "quarter": "quarter", "quarters": "quarter",
    "trimestre": "quarter", "trimestres": "quarter", "year": "year", "years": "year",
    "an": "year", "ans": "year", "annee": "year", "annees": "year",
}  # fmt: skip
_M = "|".join(sorted(MONTHS, key=len, reverse=True))
_U = "|".join(sorted(UNITS, key=len, reverse=True))
_Y = r"((?:19|20)\d{2})"
_PRE = r"(?:(?:in|en|for|pour|during|durant|pendant|over|sur|of|de|du|dans|at|au) )?(?:the |le |la |les |l )?"
_THIS = r"(?:this|current|cette|ce|cet|en cours)"
_LAST = r"(?:last|previous|past|prior|derniere?|precedente?)"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("last_n", re.compile(rf"\b{_PRE}(?:last|past|previous) (\d+) ({_U})\b")),
    ("last_n_fr", re.compile(rf"\b{_PRE}(\d+) (?:derniers|dernieres) ({_U})\b")),
    ("since_month", re.compile(rf"\b(?:since|depuis) (?:le mois de |le debut de |debut )?({_M})"
                               rf"(?: {_Y})?\b")),
    ("since_year", re.compile(rf"\b(?:since|depuis) (?:le debut de |debut )?{_Y}\b")),
    ("ytd", re.compile(r"\b(?:year to date|ytd|since the start of (?:the|this) year|"
                       r"depuis le debut de l annee|depuis janvier)\b")),
    ("between", re.compile(rf"\b(?:between|entre|from|de) {_Y} (?:and|et|to|a|until) {_Y}\b")),
    ("month_year", re.compile(rf"\b{_PRE}({_M}) {_Y}\b")),
    ("quarter_year", re.compile(rf"\b{_PRE}(?:q|t)([1-4]) {_Y}\b")),
    ("year_quarter", re.compile(rf"\b{_PRE}{_Y} (?:q|t)([1-4])\b")),
    ("this", re.compile(rf"\b{_PRE}{_THIS} ({_U})(?: ci)?\b")),
    ("last", re.compile(rf"\b{_PRE}{_LAST} ({_U})\b")),
    ("last_fr", re.compile(rf"\b{_PRE}({_U}) (?:derniere?|precedente?|passee?)\b")),
    ("this_fr", re.compile(rf"\b{_PRE}({_U}) en cours\b")),
    ("year", re.compile(rf"\b{_PRE}{_Y}\b")),
]  # fmt: skip


@dataclass(frozen=True)
class TimePhrase:
    """One time phrase: its kind, the numbers it holds and its text."""

    kind: str
    parts: tuple[str, ...]
    text: str

    @property
    def relative(self) -> bool:
        """Counts from the anchor (today or the data's last date)."""
        if self.kind == "since_month":
            return not self.parts[1]
        return self.kind in {"last_n", "ytd", "this", "last"}

    def resolve(self, anchor: date) -> tuple[date, date | None]:
        """First and last day (inclusive); last is None for an open range ("since 2023")."""
        kind, parts = self.kind, self.parts
        if kind == "year":
            year = int(parts[0])
            return date(year, 1, 1), date(year, 12, 31)
        if kind == "between":
            return date(int(parts[0]), 1, 1), date(int(parts[1]), 12, 31)
        if kind == "month_year":
            return _month(int(parts[1]), MONTHS[parts[0]])
        if kind in ("quarter_year", "year_quarter"):
            q_text, y_text = (parts[0], parts[1]) if kind == "quarter_year" else parts[::-1]
            return _quarter(int(y_text), int(q_text))
        if kind == "since_year":
            return date(int(parts[0]), 1, 1), None
        if kind == "since_month":
            month = MONTHS[parts[0]]
            year = int(parts[1]) if parts[1] else anchor.year
            if parts[1]:
                return date(year, month, 1), None
            if month > anchor.month:
                year -= 1
            return date(year, month, 1), anchor
        if kind == "ytd":
            return date(anchor.year, 1, 1), anchor
        if kind == "last_n":
            count, unit = int(parts[0]), UNITS[parts[1]]
            return _back(anchor, count, unit) + timedelta(days=1), anchor
        unit = UNITS[parts[0]]
        return _period(_back(anchor, 1, unit) if kind == "last" else anchor, unit)


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _quarter(year: int, quarter: int) -> tuple[date, date]:
    first = 3 * (quarter - 1) + 1
    return date(year, first, 1), _month(year, first + 2)[1]


def _back(day: date, count: int, unit: str) -> date:
    """``day`` moved back ``count`` units (month ends clamp: Mar 31 - 1 month = Feb 28/29)."""
    if unit == "day":
        return day - timedelta(days=count)
    if unit == "week":
        return day - timedelta(weeks=count)
    months = count * {"month": 1, "quarter": 3, "year": 12}[unit]
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _period(day: date, unit: str) -> tuple[date, date]:
    """The calendar day/week/month/quarter/year holding ``day``."""
    if unit == "day":
        return day, day
    if unit == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if unit == "month":
        return _month(day.year, day.month)
    if unit == "quarter":
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    return date(day.year, 1, 1), date(day.year, 12, 31)


_ALIASES = {"last_n_fr": "last_n", "last_fr": "last", "this_fr": "this"}


def find_time(folded: str) -> tuple[list[TimePhrase], str]:
    """The time phrases of a folded question, and the question without them."""
    found: list[TimePhrase] = []
    rest = f" {folded} "
    for kind, pattern in PATTERNS:
        while (match := pattern.search(rest)) is not None:
            parts = tuple(g or "" for g in match.groups())
            found.append(TimePhrase(_ALIASES.get(kind, kind), parts, match.group(0).strip()))
            rest = rest[: match.start()] + " " + rest[match.end() :]
    return found, " ".join(rest.split())


def anchor_date(today: date, data_end: date | None) -> date:
    """What relative phrases count back from: today, or the data's last date if earlier."""
    return data_end if data_end is not None and data_end < today else today
