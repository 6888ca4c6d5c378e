"""Which numbers are measures and how they add up, read from a column's name and its values.

A sum of flight numbers, years, months, clock times stored as numbers (``517`` for 5:17),
coordinates or time zones means nothing: those are dimensions. Delays, rates, prices,
percentages, scores, ages and altitudes are averaged; amounts, quantities, counts, seats and
salaries are summed. Names are matched word by word in English and French (``retard_depart``
has ``retard``, a delay); values settle what a name leaves open (a column of 4-digit years, HHMM
clock times whose minutes stay under 60, a ``long`` column within ±180).

The rules run in this order, the first that matches wins:

1. coordinates and time zones (dimensions);
2. explicit averages and totals (``avg_price`` is averaged, ``total_price`` summed);
3. clock times stored as HHMM numbers (dimensions, checked on the data);
4. words of averaged quantities (delays, rates, prices, scores, ages, durations...);
5. words of summed quantities (amounts, quantities, counts, seats, salaries...);
6. words of categories (year, month, day, hour, minute, postcode, level...) and short names
   whose values fit (``mm`` holding 1 to 12);
7. 4-digit years by their values (``exercice`` holding 2019 to 2024);
8. any other number is summed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import Aggregation, Role

COORDINATE_WORDS = frozenset({"lat", "latitude", "lon", "lng", "longitude"})
TIMEZONE_WORDS = frozenset({"tz", "timezone", "tzone", "fuseau"})
OFFSET_WORDS = frozenset({"utc", "gmt", "offset", "decalage"})
"""With values from -12 to 14, an offset from UTC (a time zone)."""

STRONG_SUM_WORDS = frozenset({"total", "sum", "somme", "cumul", "cumulative", "cumule"})

AVERAGED: dict[str, frozenset[str]] = {
    "an average": frozenset({"avg", "average", "mean", "moyenne", "moyen", "median"}),
    "a price": frozenset({"price", "prices", "prix", "tarif", "unit", "unitaire"}),
    "a rate": frozenset(
        {"rate", "rates", "taux", "pct", "percent", "percentage", "pourcentage", "ratio",
         "share", "part"}
    ),
    "a score": frozenset({"score", "scores", "note", "rating", "grade", "satisfaction"}),
    "an age": frozenset({"age", "anciennete", "seniority"}),
    "a delay": frozenset(
        {"delay", "delays", "retard", "retards", "late", "lateness", "latency", "wait",
         "attente"}
    ),
    "a duration": frozenset({"duration", "duree", "time", "temps", "elapsed"}),
    "an altitude": frozenset({"alt", "altitude", "elevation", "elev"}),
    "a physical measurement": frozenset(
        {"temp", "temperature", "humid", "humidity", "humidite", "pressure", "pression",
         "visib", "visibility", "visibilite", "speed", "vitesse", "wind", "vent", "gust",
         "rafale"}
    ),
}  # fmt: skip
"""Numbers that are averaged, not summed (a sum of prices, delays or ages means nothing),
by what they are."""

AVERAGE_WORDS: frozenset[str] = frozenset().union(*AVERAGED.values())

SUMMED: dict[str, frozenset[str]] = {
    "an amount": frozenset(
        {"amount", "amt", "montant", "revenue", "revenues", "sales", "ventes", "cost", "costs",
         "cout", "couts", "spend", "income", "fee", "fees", "tax", "vat", "tva", "profit",
         "margin", "marge", "budget", "payment", "paid", "prime", "bonus", "ca", "turnover"}
    ),
    "a salary": frozenset({"salary", "salaries", "salaire", "salaires", "wage", "wages"}),
    "a quantity": frozenset(
        {"quantity", "qty", "quantite", "qte", "units", "items", "pieces", "volume", "stock"}
    ),
    "a count": frozenset(
        {"count", "nb", "nbr", "nombre", "number", "headcount", "effectif"}
    ),
    "a number of seats": frozenset(
        {"seats", "sieges", "places", "capacity", "capacite"}
    ),
}  # fmt: skip
"""Numbers that add up: amounts, salaries, quantities, counts, seats."""

SUM_WORDS: frozenset[str] = frozenset().union(*SUMMED.values())

CATEGORIES: dict[str, frozenset[str]] = {
    "a year": frozenset({"year", "annee", "yr", "yyyy", "exercice"}),
    "a month": frozenset({"month", "mois"}),
    "a day": frozenset({"day", "weekday", "dow", "doy", "jour"}),
    "an hour": frozenset({"hour", "heure"}),
    "a minute": frozenset({"minute"}),
    "a period": frozenset(
        {"week", "semaine", "quarter", "trimestre", "semester", "semestre", "period",
         "periode"}
    ),
    "a postcode": frozenset({"zip", "zipcode", "postal", "postcode", "cp"}),
    "a phone number": frozenset({"phone", "tel", "telephone", "mobile", "fax"}),
    "a registration number": frozenset({"siret", "siren", "iban", "isbn"}),
    "a level": frozenset(
        {"level", "niveau", "echelon", "rank", "rang", "floor", "etage", "version",
         "generation"}
    ),
    "a direction": frozenset({"dir", "direction", "bearing", "heading"}),
}  # fmt: skip
"""Numbers that name categories (a year, an hour, a postcode, a level), not quantities.

Singular time words only: ``hour`` is a clock hour, ``hours_worked`` a quantity of hours."""

CATEGORY_WORDS: frozenset[str] = frozenset().union(*CATEGORIES.values())

CLOCK_WORDS = frozenset({"time", "heure", "horaire", "hhmm", "clock"})
"""Words of a clock time; with HHMM values (see :data:`HHMM`) the column is a time of day."""

SHORT_PARTS: dict[str, tuple[str, int, int]] = {
    "mm": ("a month number", 1, 12),
    "mo": ("a month number", 1, 12),
    "mth": ("a month number", 1, 12),
    "mon": ("a month number", 1, 12),
    "dd": ("a day of the month", 1, 31),
    "hh": ("an hour of the day", 0, 23),
    "hr": ("an hour of the day", 0, 23),
    "mi": ("a minute", 0, 59),
    "mn": ("a minute", 0, 59),
}
"""Short names that are date parts only when their values fit: ``mm`` holding 1 to 12."""

HHMM = (0, 2400)
YEARS = (1900, 2100)
UTC_OFFSETS = (-12, 14)


@dataclass(frozen=True)
class NumberGuess:
    """The suggested role of a number column, its aggregation and why."""

    role: Role
    aggregation: Aggregation | None
    reason: str


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def within(low: object, high: object, bounds: tuple[float, float]) -> bool:
    """True when the profile's ``low`` and ``high`` are numbers inside ``bounds``."""
    lo, hi = _number(low), _number(high)
    return lo is not None and hi is not None and bounds[0] <= lo <= hi <= bounds[1]


def may_be_clock(words: list[str], type_: str, low: object = None, high: object = None) -> bool:
    """True when an integer column may hold HHMM clock times (worth checking its data)."""
    return (
        type_ == "integer"
        and bool(set(words) & CLOCK_WORDS)
        and (low is None or high is None or within(low, high, HHMM))
    )


def dimension(reason: str) -> NumberGuess:
    return NumberGuess("dimension", None, reason)


def _location(names: set[str], type_: str, low: object, high: object) -> NumberGuess | None:
    if names & COORDINATE_WORDS:
        return dimension("a coordinate")
    if "long" in names and type_ == "decimal" and within(low, high, (-180, 180)):
        return dimension("a coordinate")
    if names & TIMEZONE_WORDS:
        return dimension("a time zone")
    if names & OFFSET_WORDS and type_ == "integer" and within(low, high, UTC_OFFSETS):
        return dimension("a time zone")
    return None


def _group(names: set[str], groups: dict[str, frozenset[str]]) -> str | None:
    """The first group (its reason) sharing a word with ``names``."""
    return next((reason for reason, group in groups.items() if names & group), None)


def _category(words: list[str], low: object, high: object, type_: str) -> NumberGuess | None:
    reason = _group(set(words), CATEGORIES)
    if reason is not None:
        return dimension(reason)
    for word in words:
        part = SHORT_PARTS.get(word)
        if part is not None and type_ == "integer" and within(low, high, part[1:]):
            return dimension(part[0])
    if type_ == "integer" and within(low, high, YEARS):
        return dimension("a year")
    return None


def guess_number(
    words: list[str],
    type_: str,
    *,
    low: object = None,
    high: object = None,
    clock: bool | None = None,
) -> NumberGuess:
    """The role and aggregation of a number column that is not a key.

    Parameters
    ----------
    words
        The words of the column's identifier (``["dep", "delay"]``).
    type_
        ``"integer"`` or ``"decimal"``.
    low, high
        The profile's smallest and largest values, when known.
    clock
        Whether every value reads as an HHMM clock time (0 to 2400, minutes under 60), as
        checked on the data; ``None`` when unknown (then no column is taken for a clock time).
    """
    names = set(words)
    found = _location(names, type_, low, high)
    if found is not None:
        return found
    if names & AVERAGED["an average"]:
        return NumberGuess("measure", "avg", "an average")
    if names & STRONG_SUM_WORDS:
        return NumberGuess("measure", "sum", "a total")
    if clock and names & CLOCK_WORDS:
        return dimension("a clock time (HHMM)")
    reason = _group(names, AVERAGED)
    if reason is not None:
        return NumberGuess("measure", "avg", reason)
    reason = _group(names, SUMMED)
    if reason is not None:
        return NumberGuess("measure", "sum", reason)
    found = _category(words, low, high, type_)
    if found is not None:
        return found
    return NumberGuess("measure", "sum", "a number")
