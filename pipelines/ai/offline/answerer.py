"""The offline answerer: a question in English or French to a semantic query, without a
language model, deterministic, and declining rather than guessing.

    answerer = OfflineAnswerer(catalog)
    draft = answerer.answer("revenue by month in 2024", today=date.today())
    draft = answerer.answer("now only France", previous=draft.query)

It finds the measure (by label, column name and synonyms, in either language; "how many X" is
X's row count), group-by fields ("by channel", "par pays", "which country"), time phrases (see
:mod:`.time_phrases`), a ranking ("top 5") and filters on the values sampled in the catalog
("in France", "for the Web channel"), a comparison with the previous year or period ("compared
to last year", "vs the previous month", see :mod:`.compare_phrases`) and counts over time for
a table whose rows have a start and an end date ("headcount by month", "hires vs exits",
"turnover", see :mod:`.activity`). It declines when a word is not understood, when no
measure is named, or when the aggregation asked ("average") is not the measure's; it asks back
(``clarify``) when two fields match equally. A question naming no measure edits the
``previous`` query (a follow-up: "now only 2024", "by month", "top 5", "as a bar chart").
"""

from __future__ import annotations

from datetime import date
from difflib import get_close_matches

from pipelines.ai.catalog import Catalog, CatalogField
from pipelines.ai.draft import Choice, Draft
from pipelines.semantic import SemanticQuery
from pipelines.semantic.over_time_query import OverTime

from .lexicon import AGGREGATE
from .matcher import Index, Match, best
from .reading import Reading, read
from .resolve import Built, Unclear, apply_parts

__all__ = ["OfflineAnswerer", "answer"]

AVG_WORDS = {"avg": "an average", "min": "a minimum", "max": "a maximum"}


class OfflineAnswerer:
    """Answers questions about one catalog (index built once, reused for every question)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.index = Index.build(catalog)
        self._today = date.today()

    def answer(
        self, question: str, previous: SemanticQuery | None = None, today: date | None = None
    ) -> Draft:
        """A draft for ``question``; ``previous`` is the conversation's last query."""
        today = today or date.today()
        reading = read(question, self.index)
        self._today = today
        if reading.activity.flows:
            return self._flows(reading, today)
        measure = self._measure(reading, previous)
        if isinstance(measure, Draft):
            if previous is not None and previous.measures and measure.kind == "decline":
                return self._follow_up(reading, previous, today, measure)
            return measure
        fields, matched = measure
        unplaced = reading.unplaced - reading.optional - set(AGGREGATE)
        if unplaced & reading.pool:
            words = ", ".join(sorted(unplaced & reading.pool))
            return Draft(
                "decline",
                message=(
                    f"I cannot group by “{words}”: no field of this workspace names it. To get "
                    "an average per item, add a calculated measure; to group, name a field."
                ),
            )
        base = SemanticQuery(measures=[f.field for f in fields])
        return self._finish(reading, base, today, matched, follow_up=False)

    # -- the measure ------------------------------------------------------------------------
    def _measure(
        self, reading: Reading, previous: SemanticQuery | None
    ) -> Draft | tuple[list[CatalogField], dict[str, str]]:
        pool = frozenset(reading.pool)
        explicit = best(pool, self.index.measures)
        counts = best(pool, self.index.counts)
        target = [m for m in counts if reading.count_target in m.used]
        if len(counts) > 1 and len(target) == 1:
            counts = target
        if reading.count and counts:
            chosen = counts
        elif (reading.count or (reading.values and previous is None)) and not (explicit or counts):
            tables = {self.index.table_of(f) for hit in reading.values for f, _ in hit.candidates}
            rows = [m for m in self.index.counts if m.field.node in tables]
            if len(rows) != 1:
                reason = (
                    "Count what? Name the things to count"
                    if reading.count
                    else ("I could not find a measure in the question")
                )
                return self._decline_measure(reading, reason)
            chosen = [Match(rows[0].field, 1.0, frozenset())]
        elif explicit:
            chosen = explicit
        elif counts:
            chosen = counts
        else:
            return self._decline_measure(reading, "I could not find a measure in the question")
        if len({m.field.field for m in chosen}) > 1:
            fitting = [m for m in chosen if self._aggregate_mismatch(reading, m.field) is None]
            if not fitting:
                mismatch = self._aggregate_mismatch(reading, chosen[0].field)
                return mismatch or self._clarify_measure(reading, chosen)
            if len({m.field.field for m in fitting}) > 1:
                return self._clarify_measure(reading, fitting)
            chosen = fitting
        match = chosen[0]
        reading.pool -= match.used
        mismatch = self._aggregate_mismatch(reading, match.field)
        if mismatch is not None:
            return mismatch
        words = " ".join(sorted(match.used)) or "count"
        return [match.field], {words: match.field.field}

    def _aggregate_mismatch(self, reading: Reading, field: CatalogField) -> Draft | None:
        asked = reading.aggregate
        if asked in AVG_WORDS and field.aggregation not in (None, asked):
            return Draft(
                "decline",
                message=(
                    f"“{field.label}” is computed as a {field.aggregation}, not as "
                    f"{AVG_WORDS[asked]}. Add a calculated measure for it in the model, or ask "
                    f"for the {field.aggregation}."
                ),
                choices=[Choice(field.label, field=field.field)],
            )
        return None

    def _clarify_measure(self, reading: Reading, chosen: list[Match]) -> Draft:
        choices = []
        for match in chosen:
            query = SemanticQuery(measures=[match.field.field])
            built = apply_parts(self.index, reading, query, self._today)
            choices.append(
                Choice(match.field.label, built.query if isinstance(built, Built) else None,
                       match.field.field)
            )  # fmt: skip
        words = ", ".join(sorted(set().union(*(m.used for m in chosen))))
        return Draft(
            "clarify",
            message=f"“{words}” could mean several measures. Which one?",
            choices=choices,
            chart=reading.chart,
        )

    def _decline_measure(self, reading: Reading, reason: str) -> Draft:
        unknown = sorted(reading.pool - reading.optional - set(AGGREGATE))
        labels = {m.field.label: m.field for m in self.index.measures + self.index.counts}
        close: list[str] = []
        for token in unknown:
            close += get_close_matches(token, list(labels), n=3, cutoff=0.3)
        close = list(dict.fromkeys(close))[:5] or list(labels)[:5]
        said = f" (not understood: {', '.join(unknown)})" if unknown else ""
        return Draft(
            "decline",
            message=f"{reason}{said}. Measures I know include: {', '.join(close)}.",
            choices=[Choice(label, field=labels[label].field) for label in close],
        )

    def _flows(self, reading: Reading, today: date) -> Draft:
        """Starts, ends, turnover or tenure by period of the span table the question is about
        (see :mod:`.activity`): no measure is needed."""
        spans = self.index.spans
        if len(spans) > 1:
            named = [s for s in spans if self.index.table_words.get(s.node, set()) & reading.pool]
            spans = named or spans
        if len(spans) != 1:
            said = reading.activity.text
            labels = {node: label for node, label, _ in self.catalog.tables}
            return Draft(
                "clarify",
                message=f"Which rows should “{said}” be counted over?",
                choices=[
                    Choice(f"{said} of {labels.get(s.node, s.node)}", field=s.count.field)
                    for s in spans
                ],
            )
        span = spans[0]
        flows = list(reading.activity.flows)
        over = OverTime(start=span.start.field, end=span.end.field, flows=flows)
        matched = {reading.activity.text: span.node}
        return self._finish(reading, SemanticQuery(over_time=over), today, matched, False)

    # -- the rest ---------------------------------------------------------------------------
    def _finish(
        self,
        reading: Reading,
        base: SemanticQuery,
        today: date,
        matched: dict[str, str],
        follow_up: bool,
    ) -> Draft:
        built = apply_parts(self.index, reading, base, today, follow_up=follow_up)
        if isinstance(built, Unclear):
            return Draft(built.kind, message=built.message, choices=built.choices,
                         chart=reading.chart)  # fmt: skip
        leftover = sorted(reading.pool - built.used - reading.optional - set(AGGREGATE))
        if leftover:
            return Draft(
                "decline",
                message=(
                    f"I did not understand “{', '.join(leftover)}”: no field, value or time "
                    "phrase of this workspace matches. Rephrase with the names shown in the "
                    "field list, or filter on a value the data holds."
                ),
            )
        matched = {**matched, **built.matched}
        return Draft("semantic", built.query, built.message, chart=reading.chart,
                     matched=matched, notes=built.notes)  # fmt: skip

    def _follow_up(
        self, reading: Reading, previous: SemanticQuery, today: date, declined: Draft
    ) -> Draft:
        changes = bool(
            reading.times or reading.ranking or reading.values or reading.grain
            or reading.dimensions or reading.chart or reading.compare or reading.activity.trend
        )  # fmt: skip
        if not changes:
            return declined
        draft = self._finish(reading, previous, today, {}, follow_up=True)
        if draft.kind == "semantic" and draft.query == previous and reading.chart is None:
            return declined
        return draft


_CACHE: dict[int, OfflineAnswerer] = {}


def answer(
    question: str,
    catalog: Catalog,
    previous: SemanticQuery | None = None,
    today: date | None = None,
) -> Draft:
    """Answer ``question`` over ``catalog`` (the catalog's index is cached while it lives)."""
    answerer = _CACHE.get(id(catalog))
    if answerer is None or answerer.catalog is not catalog:
        if len(_CACHE) > 16:
            _CACHE.clear()
        answerer = _CACHE[id(catalog)] = OfflineAnswerer(catalog)
    return answerer.answer(question, previous, today)
