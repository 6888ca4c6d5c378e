"""From the parts of a question (see :mod:`.reading`) and a measure to a semantic query: which
field each value, group-by word and time phrase stands for, or a clarifying question when two
fields fit equally."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from pipelines.ai.catalog import CatalogField
from pipelines.ai.draft import Choice
from pipelines.semantic import Filter, SemanticQuery, Sort
from pipelines.semantic.over_time_query import OverTime
from pipelines.semantic.query import Compare

from .matcher import Index, Match, best
from .normalise import words
from .reading import Reading
from .time_phrases import anchor_date

__all__ = ["Built", "Unclear", "apply_parts"]

DEFAULT_GRAIN = "month"
OVER_TIME_GRAINS = ("month", "quarter", "year")


@dataclass
class Built:
    query: SemanticQuery
    message: str
    matched: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    """What the reader assumed (a time phrase counted from the data's last date…)."""


@dataclass
class Unclear:
    kind: Literal["clarify", "decline"]
    message: str
    choices: list[Choice] = field(default_factory=list)


def _base_field(name: str, index: Index) -> CatalogField | None:
    """The catalog field of a query field (``orders.order_date.month`` -> the time field)."""
    found = index.catalog.get(name)
    if found is None and name.count(".") == 2:
        found = index.catalog.get(name.rsplit(".", 1)[0], "time")
    return found


def apply_parts(
    index: Index, reading: Reading, base: SemanticQuery, today: date, follow_up: bool = False
) -> Built | Unclear:
    """``base`` (the measure, or the previous query) with the question's parts applied."""
    if reading.grain_conflict:
        return Unclear("decline", f"Time can be grouped by one grain at a time (day, week, "
                       f"month, quarter or year), not by {reading.grain_conflict}; "
                       "“day of week” and the like are not available.")  # fmt: skip
    measure = _base_field(base.measures[0], index) if base.measures else None
    if measure is None and base.over_time is not None:  # flows only ("hires vs exits")
        measure = index.catalog.get(base.over_time.start, "time")
    node = index.table_of(measure) if measure is not None else None
    notes: list[str] = []
    matched: dict[str, str] = {}
    table_words = {w for ws in index.table_words.values() for w in ws}
    used = {w for w in reading.pool if w in table_words}
    dims: list[CatalogField] = []
    for matches in reading.dimensions:
        picked = _one(matches, node)
        if isinstance(picked, list):
            return _clarify_field("group by", picked, base, index)
        dims.append(picked.field)
        matched[" ".join(sorted(picked.used))] = picked.field.field
    if reading.ranking is not None and not dims and not (follow_up and base.dimensions):
        named = [fw.field for fw in index.dimensions
                 if fw.is_name and fw.context & reading.pool]  # fmt: skip
        if len(named) != 1:
            fields = [fw for fw in index.dimensions if fw.field.kind != "measure"]
            found = best(frozenset(reading.pool - table_words), fields, prefer=node)
            named = [found[0].field] if len({m.field.field for m in found}) == 1 else named
            used |= found[0].used if len(named) == 1 and found else set()
        if len(named) != 1:
            return Unclear("decline", "Top or bottom of what? Say what to rank, such as “top 5 "
                           "products by quantity”.")  # fmt: skip
        dims.append(named[0])
    filters: list[Filter] = []
    for field_, values in _value_fields(reading, index, node).items():
        if isinstance(values, Unclear):
            return values
        if len(values) == 1:
            filters.append(Filter(field=field_, op="eq", value=values[0]))
        else:
            filters.append(Filter(field=field_, op="in", value=values))
        matched[", ".join(values)] = field_
    time_dims = [d for d in dims if d.kind == "time"]
    plain = [d.field for d in dims if d.kind != "time"]
    over = _over_time(index, reading, base, measure, time_dims)
    if isinstance(over, Unclear):
        return over
    timed = _time_part(index, reading, base, today, node, time_dims, over, notes)
    if isinstance(timed, Unclear):
        return timed
    time_field, grain_dim = timed
    if time_field is not None:
        used |= set(words(time_field.field.split(".")[-1])) | set(words(time_field.name_label))
        end = time_field.time_range[1] if time_field.time_range else None
        anchor = anchor_date(today, date.fromisoformat(end) if end else None)
        for phrase in reading.times:
            low, high = phrase.resolve(anchor)
            filters += _period_filters(time_field, low, high)
            matched[phrase.text] = time_field.field
            if phrase.relative and anchor != today:
                notes.append(f"“{phrase.text}” counted back from {anchor.isoformat()}, the last "
                             "date in the data")  # fmt: skip
    query = _merge(base, index, plain, grain_dim, filters, follow_up)
    if over is not None:
        assert grain_dim is not None
        grain = grain_dim.rsplit(".", 1)[1]
        query.dimensions = [d for d in query.dimensions if d != grain_dim]
        query.over_time = over.model_copy(update={"grain": grain})
    elif reading.compare is not None:
        shift = reading.compare.shift
        query.compare = [Compare(measure=m, shift=shift) for m in query.measures]
    if reading.ranking is not None and query.measures:
        query.sort = [Sort(field=query.measures[0], descending=reading.ranking.descending)]
        query.limit = reading.ranking.limit
    elif grain_dim is not None and not follow_up and over is None:
        query.sort = [Sort(field=grain_dim)]
    return Built(query, _describe(query, index, notes), matched, used, list(notes))


def _over_time(
    index: Index,
    reading: Reading,
    base: SemanticQuery,
    measure: CatalogField | None,
    time_dims: list[CatalogField],
) -> OverTime | Unclear | None:
    """The over-time part the query takes: the previous query's, or the span's of the
    measure's table when a count of its rows is asked by period ("employees by month") or
    over time, naming none of its dates (then "employees by hire month" is a plain count by
    that date)."""
    over = base.over_time
    if over is None and measure is not None and not time_dims:
        span = next((s for s in index.spans if s.node == measure.node), None)
        wanted = reading.activity.trend or (
            reading.grain is not None and span is not None and measure.field == span.count.field
        )
        if span is not None and wanted:
            dates = [t for t in index.catalog.time_dimensions if t.node == span.node]
            if not any(_names_date(t, reading.all_words) for t in dates):
                over = OverTime(start=span.start.field, end=span.end.field)
    if over is not None and reading.compare is not None:
        return Unclear("decline", "Comparing with the previous year or period is not available "
                       "for counts over time: their periods are already side by side. Ask for "
                       "the counts by month, quarter or year.")  # fmt: skip
    return over


def _time_part(
    index: Index,
    reading: Reading,
    base: SemanticQuery,
    today: date,
    node: str | None,
    time_dims: list[CatalogField],
    over: OverTime | None,
    notes: list[str],
) -> tuple[CatalogField | None, str | None] | Unclear:
    """The time field the question's periods apply to, and the time dimension with its grain
    (None when the question groups by no period)."""
    compare = reading.compare
    trend = reading.activity.trend
    if not (reading.times or reading.grain or time_dims or trend or compare or over):
        return None, None
    if over is not None:
        chosen: CatalogField | Unclear | None = index.catalog.get(over.start, "time")
        if chosen is None:
            return Unclear("decline", f"The date {over.start!r} is not in this workspace.")
    else:
        chosen = time_dims[0] if time_dims else _main_time(index, reading, node, base)
    if isinstance(chosen, Unclear):
        return chosen
    if not (reading.grain or time_dims or trend or compare or over):
        return chosen, None
    said = reading.grain or (compare.grain if compare else None)
    if compare is not None and compare.grain and reading.grain not in (None, compare.grain):
        return Unclear("decline", f"“{compare.text}” compares each {compare.grain} with the one "
                       f"before, and the question groups by {reading.grain}: ask for one "
                       "grain.")  # fmt: skip
    year = compare is not None and compare.shift == "year"
    grain = said or _base_grain(base, index) or ("year" if year else DEFAULT_GRAIN)
    if over is not None:
        if grain not in OVER_TIME_GRAINS:
            return Unclear("decline", f"Counts over time are by month, quarter or year, not by "
                           f"{grain}.")  # fmt: skip
    elif grain not in chosen.grains:
        return Unclear("decline", f"“{chosen.label}” cannot be grouped by {grain}; it "
                       f"offers {', '.join(chosen.grains)}.")  # fmt: skip
    if not said and _base_grain(base, index) is None:
        notes.append(f"{'counted' if over else 'grouped'} by {grain}")
    return chosen, f"{chosen.field}.{grain}"


def _base_grain(base: SemanticQuery, index: Index) -> str | None:
    """The grain the previous query groups time by (a follow-up keeps it)."""
    if base.over_time is not None:
        return base.over_time.grain
    for name in base.dimensions:
        found = _base_field(name, index)
        if found is not None and found.kind == "time" and name.count(".") == 2:
            return name.rsplit(".", 1)[1]
    return None


def _period_filters(time_field: CatalogField, low: date, high: date | None) -> list[Filter]:
    """Dates: ``between`` (inclusive); timestamps: from ``low`` to before the day after
    ``high``, so the last day's times count."""
    name = time_field.field
    if high is None:
        return [Filter(field=name, op="gte", value=low.isoformat())]
    if time_field.type == "timestamp":
        after = (high + timedelta(days=1)).isoformat()
        return [Filter(field=name, op="gte", value=low.isoformat()),
                Filter(field=name, op="lt", value=after)]  # fmt: skip
    return [Filter(field=name, op="between", value=[low.isoformat(), high.isoformat()])]


def _one(matches: list[Match], node: str | None) -> Match | list[Match]:
    distinct = {m.field.field: m for m in matches}
    if len(distinct) == 1:
        return matches[0]
    own = [m for m in distinct.values() if m.field.node == node]
    return own[0] if len(own) == 1 else list(distinct.values())


def _clarify_field(what: str, matches: list[Match], base: SemanticQuery, index: Index) -> Unclear:
    choices = [
        Choice(m.field.label, base.model_copy(update={"dimensions": [m.field.field]}),
               m.field.field)
        for m in matches
    ]  # fmt: skip
    return Unclear("clarify", f"Which field should I {what}?", choices)


def _value_fields(
    reading: Reading, index: Index, node: str | None
) -> dict[str, list[str] | Unclear]:
    out: dict[str, list[str] | Unclear] = {}
    for hit in reading.values:
        fields = {f.field: (f, v) for f, v in hit.candidates}
        if len(fields) > 1:
            value_words = set(words(hit.text))
            named = [k for k, (f, _) in fields.items()
                     if (set(words(f.name_label)) - value_words) & reading.all_words]  # fmt: skip
            own = [k for k, (f, _) in fields.items() if index.table_of(f) == node]
            keep = named if len(named) == 1 else own if len(own) == 1 else []
            if not keep:
                choices = [Choice(f"{f.label} = {v}", field=f.field) for f, v in fields.values()]
                out[hit.text] = Unclear(
                    "clarify", f"“{hit.text}” is found in several fields. Which one do you mean?",
                    choices,
                )  # fmt: skip
                return out
            fields = {keep[0]: fields[keep[0]]}
        (name, (_, value)), = fields.items()  # fmt: skip
        values = out.setdefault(name, [])
        if isinstance(values, list) and value not in values:
            values.append(value)
    return out


def _main_time(
    index: Index, reading: Reading, node: str | None, base: SemanticQuery
) -> CatalogField | Unclear:
    """The time field a time phrase or grain applies to: one the question names, else the
    measure table's only one (or the one named like the table), else ask."""
    for name in base.dimensions + [f.field for f in base.filters]:
        found = _base_field(name, index)
        if found is not None and found.kind == "time":
            return found
    times = index.catalog.time_dimensions
    own = [t for t in times if t.node == node] or times
    if len(own) == 1:
        return own[0]
    table = index.table_words.get(node or "", frozenset())
    for where in (reading.all_words - table, table):
        hits = [t for t in own if _names_date(t, where)]
        if len(hits) == 1:
            return hits[0]
    return Unclear(
        "clarify",
        "Which date should the time period apply to?",
        [Choice(t.label, field=t.field) for t in own],
    )


def _names_date(item: CatalogField, where: frozenset[str]) -> bool:
    """Whether the words ``where`` name the date field ``item`` ("hire" for hire_date)."""
    return bool((set(words(item.field.split(".")[-1])) - {"date"}) & where)


def _plain_dims(query: SemanticQuery, index: Index) -> list[str]:
    return [d for d in query.dimensions if (_base_field(d, index) or _none()).kind != "time"]


def _none() -> CatalogField:
    return CatalogField("", "dimension", "", None, "", "", "text")


def _merge(
    base: SemanticQuery,
    index: Index,
    plain: list[str],
    grain_dim: str | None,
    filters: list[Filter],
    follow_up: bool,
) -> SemanticQuery:
    if not follow_up:
        dims = plain + ([grain_dim] if grain_dim else [])
        return SemanticQuery(measures=list(base.measures), dimensions=dims, filters=filters,
                             compare=list(base.compare), over_time=base.over_time)  # fmt: skip
    dims = list(base.dimensions)
    if plain:
        dims = [d for d in dims if d not in _plain_dims(base, index)] + plain
    if grain_dim:
        dims = [d for d in dims if d not in base.dimensions or d in _plain_dims(base, index)]
        dims.append(grain_dim)
    replaced = {f.field for f in filters}
    kept = [f for f in base.filters if f.field not in replaced]
    sort = [s for s in base.sort if s.field in dims or s.field in base.measures]
    return SemanticQuery(measures=list(base.measures), dimensions=dims, filters=kept + filters,
                         sort=sort, limit=base.limit, compare=list(base.compare),
                         over_time=base.over_time)  # fmt: skip


def _describe(query: SemanticQuery, index: Index, notes: list[str]) -> str:
    def label(name: str) -> str:
        found = _base_field(name, index)
        grain = (
            name.rsplit(".", 1)[1]
            if found and found.kind == "time" and name.count(".") == 2
            else ""
        )
        return (found.label if found else name) + (f" ({grain})" if grain else "")

    over = query.over_time
    text = ", ".join([label(m) for m in query.measures] + list(over.flows if over else []))
    if over is not None:
        text += f" over time (by {over.grain}, {label(over.start)} to {label(over.end or '')})"
    if query.dimensions:
        text += " by " + ", ".join(label(d) for d in query.dimensions)
    if query.compare:
        text += f"; vs the previous {query.compare[0].shift}"
    for f in query.filters:
        text += f"; {label(f.field)} {f.op} {f.value}"
    if query.limit:
        text += f"; {'top' if query.sort and query.sort[0].descending else 'bottom'} {query.limit}"
    return text + ("" if not notes else " (" + "; ".join(notes) + ")")
