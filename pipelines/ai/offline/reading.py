"""A question read into parts: time phrases, ranking, chart, values, group-by fields, measure
words and the words left over. No decision is taken here; :mod:`.answerer` decides."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.ai.catalog import CatalogField

from .activity import Activity, find_activity
from .compare_phrases import CompareAsk, find_compare
from .lexicon import AGGREGATE, BY, COUNT, STOP
from .matcher import Index, Match, best
from .normalise import fold, words
from .phrases import Ranking, find_chart, find_ranking
from .time_phrases import TimePhrase, find_time

__all__ = ["GRAINS", "Reading", "ValueHit", "read"]

GRAINS = ("day", "week", "month", "quarter", "year")
OPEN_BY = frozenset({"by", "per", "par", "each", "every", "chaque", "across", "selon"})
"""Group-by words that must be followed by a field (unlike "which", "what", "quel")."""


@dataclass
class ValueHit:
    """Words of the question found among a field's sampled values."""

    text: str
    candidates: list[tuple[CatalogField, str]]


@dataclass
class Reading:
    """What the question says, part by part."""

    tokens: list[str]
    chart: str | None = None
    times: list[TimePhrase] = field(default_factory=list)
    ranking: Ranking | None = None
    values: list[ValueHit] = field(default_factory=list)
    grain: str | None = None
    grain_conflict: str | None = None
    """Two grains named ("day of week"): declined, one grain at a time."""
    dimensions: list[list[Match]] = field(default_factory=list)
    pool: set[str] = field(default_factory=set)
    """Words left for the measure (and, at the end, words not understood)."""
    optional: set[str] = field(default_factory=set)
    """Stop words that are also field words ("list" of "list price"): matched if they help,
    never reported as not understood."""
    aggregate: str | None = None
    count: bool = False
    unplaced: set[str] = field(default_factory=set)
    """Words after "by"/"per" that named no field: the measure must use them ("top 5 … by
    quantity"), else the question is declined ("amount per order" is not a sum)."""
    count_target: str | None = None
    """The word after "how many" / "number of": what to count."""
    compare: CompareAsk | None = None
    """"Compared to last year", "vs the previous month": the engine's comparison."""
    activity: Activity = field(default_factory=Activity)
    """Flows ("hires vs exits", "turnover") and trend ("over time") asked for."""

    @property
    def all_words(self) -> frozenset[str]:
        return frozenset(self.tokens)


def read(question: str, index: Index) -> Reading:
    """Take ``question`` apart against ``index``."""
    folded = fold(question)
    chart, folded = find_chart(folded)
    compare, folded = find_compare(folded)  # before the time phrases: "vs last year"
    activity, folded = find_activity(folded, bool(index.spans))
    times, folded = find_time(folded)
    ranking, folded = find_ranking(folded)
    tokens = words(folded)
    reading = Reading(tokens, chart, times, ranking, compare=compare, activity=activity)
    table_words = frozenset(w for ws in index.table_words.values() for w in ws)
    used = [False] * len(tokens)
    protected = _field_runs(tokens, index)
    _values(reading, index, used, protected)
    _field_naming_values(reading)
    _grain(reading, used)
    _group_by(reading, index, used)
    for i, token in enumerate(tokens):
        if used[i] or token in BY:
            continue
        if token in STOP:
            if token in index.vocabulary:
                reading.optional.add(token)
                reading.pool.add(token)
            continue
        if reading.count_target is None and token in table_words:
            reading.count_target = token
        if token == COUNT:
            reading.count = True
            reading.count_target = next(
                (t for t in tokens[i + 1 :] if t not in STOP and t != COUNT), None
            )
            continue
        if token in AGGREGATE and reading.aggregate in (None, "sum"):
            reading.aggregate = AGGREGATE[token]
        reading.pool.add(token)
    return reading


def _field_runs(tokens: list[str], index: Index) -> set[int]:
    """Positions inside runs of two or more words that spell a whole field phrase ("shipping
    country"): they name the field, not a value ("Shipped")."""
    phrases = {p for group in (index.dimensions, index.measures) for fw in group
               for p in fw.phrases if len(p) > 1}  # fmt: skip
    protected: set[int] = set()
    for phrase in phrases:
        size = len(phrase)
        for start in range(len(tokens) - size + 1):
            if frozenset(tokens[start : start + size]) == phrase:
                protected.update(range(start, start + size))
    return protected


def _values(reading: Reading, index: Index, used: list[bool], protected: set[int]) -> None:
    tokens = reading.tokens
    longest = max((len(k) for k in index.values), default=0)
    for size in range(min(longest, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            span = range(start, start + size)
            if any(used[i] or i in protected for i in span):
                continue
            key = tuple(tokens[start : start + size])
            found = index.values.get(key)
            if found:
                reading.values.append(ValueHit(" ".join(key), list(found)))
                for i in span:
                    used[i] = True


def _field_naming_values(reading: Reading) -> None:
    """Drop a one-word value that names the field of another value: in "shipped to Spain",
    "shipped" says which country field Spain is in, not the status "Shipped"."""
    for hit in list(reading.values):
        if " " in hit.text:
            continue
        for other in reading.values:
            if other is not hit and any(
                hit.text in words(f.name_label) + words(f.field.split(".")[-1])
                for f, _ in other.candidates
            ):
                reading.values.remove(hit)
                break


def _grain(reading: Reading, used: list[bool]) -> None:
    for i, token in enumerate(reading.tokens):
        if used[i] or token not in GRAINS:
            continue
        if reading.grain not in (None, token):
            reading.grain_conflict = f"{reading.grain}, {token}"
        reading.grain = token
        used[i] = True


def _group_by(reading: Reading, index: Index, used: list[bool]) -> None:
    """Fields named after "by", "per", "par", "which"…; words naming no field stay in the pool
    (a span such as "by revenue" after "top 5" names the ranking measure)."""
    tokens = reading.tokens
    table_words = frozenset(w for ws in index.table_words.values() for w in ws)
    i = 0
    while i < len(tokens):
        if used[i] or tokens[i] not in BY:
            i += 1
            continue
        used[i] = True
        span: list[int] = []
        j = i + 1
        while j < len(tokens) and tokens[j] not in BY:
            if not used[j] and tokens[j] not in STOP:
                span.append(j)
            j += 1
        found = len(reading.dimensions)
        _span_dimensions(reading, index, used, span, table_words)
        if len(reading.dimensions) == found and tokens[i] in OPEN_BY:
            reading.unplaced |= {tokens[k] for k in span if not used[k]}
        i = j


def _span_dimensions(
    reading: Reading, index: Index, used: list[bool], span: list[int], table_words: frozenset[str]
) -> None:
    left = {reading.tokens[k]: k for k in span}
    while left:
        matches = best(frozenset(left), index.dimensions)
        if not matches:
            return
        first = matches[0]
        matches = [m for m in matches if m.used == first.used]  # others: another field named
        named = first.used - table_words
        if first.field.kind == "measure" or (not named and not _names_rows(first, index)):
            return  # "by quantity" after "top 5" names the ranking measure
        reading.dimensions.append(matches)
        phrase = first.used - first.context
        places = [left[t] for t in phrase if t in left]
        for token in first.used:
            # A table word counts only next to the field's words ("customer country").
            if token in left and (
                token in phrase or any(abs(left[token] - p) == 1 for p in places)
            ):
                used[left.pop(token)] = True


def _names_rows(match: Match, index: Index) -> bool:
    return any(fw.field.field == match.field.field and fw.is_name for fw in index.dimensions)
