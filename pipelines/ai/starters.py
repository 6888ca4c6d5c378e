"""Starter questions for an empty Explore conversation, read from a workspace's catalog.

A few questions in the user's language (English or French) that the workspace's data answers:
"Number of orders by channel", "Total amount by month", "Top 5 products by quantity" (in French
"Nombre de commandes par canal", "Total amount par mois", "Top 5 products par quantity"). Every
candidate is read by the offline answerer first and kept only when it becomes a semantic query,
so a starter question never ends in "I could not answer"::

    starter_questions(catalog, "fr")    # ['Nombre de orders par channel', ...]

Field names stay as the model labels them (the data's own words); only the phrasing around them
is translated.
"""

from __future__ import annotations

from collections.abc import Iterator

from .catalog import Catalog, CatalogField
from .offline import answer as offline_answer

__all__ = ["LANGUAGES", "language_of", "starter_questions"]

LANGUAGES = ("en", "fr")
MAX_STARTERS = 4
TOP_N = 5

_PHRASES = {
    "en": {
        "count_by": "Number of {things} by {dimension}",
        "by_month": "{measure} by month",
        "top": "Top {n} {dimension} by {measure}",
        "measure_by": "{measure} by {dimension}",
    },
    "fr": {
        "count_by": "Nombre de {things} par {dimension}",
        "by_month": "{measure} par mois",
        "top": "Top {n} {dimension} par {measure}",
        "measure_by": "{measure} par {dimension}",
    },
}


def language_of(accept_language: str | None) -> str:
    """``"fr"`` when a browser's ``Accept-Language`` prefers French to English, else ``"en"``.

    >>> language_of("fr-FR,fr;q=0.9,en;q=0.8")
    'fr'
    """
    best, weight = "en", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower()[:2]
        if code not in LANGUAGES:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > weight:
            best, weight = code, quality
    return best


def starter_questions(
    catalog: Catalog, language: str = "en", limit: int = MAX_STARTERS
) -> list[str]:
    """Up to ``limit`` questions about ``catalog``'s data that the offline answerer answers.

    Parameters
    ----------
    catalog : Catalog
        The workspace's fields.
    language : str
        ``"en"`` or ``"fr"`` (anything else is English).
    limit : int
        How many questions at most.

    Returns
    -------
    list of str
        Distinct questions, one per kind first (a count by a category, a measure by month, a
        ranking, a measure by a category), each checked to read as a semantic query.
    """
    phrases = _PHRASES.get(language, _PHRASES["en"])
    chosen: list[str] = []
    seen: set[str] = set()
    for question in _candidates(catalog, phrases):
        key = question.lower()
        if key in seen:
            continue
        seen.add(key)
        if _answers(question, catalog):
            chosen.append(question)
            if len(chosen) >= limit:
                break
    return chosen


def _answers(question: str, catalog: Catalog) -> bool:
    try:
        draft = offline_answer(question, catalog)
    except Exception:  # a question the reader trips on is simply not offered
        return False
    return draft.kind == "semantic" and draft.query is not None and bool(draft.query.measures)


def _candidates(catalog: Catalog, phrases: dict[str, str]) -> Iterator[str]:
    """Questions by kind, in rounds: each kind's best first, then each kind's next."""
    kinds = [
        list(_count_by(catalog, phrases)),
        list(_by_month(catalog, phrases)),
        list(_top(catalog, phrases)),
        list(_measure_by(catalog, phrases)),
    ]
    depth = max((len(k) for k in kinds), default=0)
    for index in range(depth):
        for kind in kinds:
            if index < len(kind):
                yield kind[index]


def _name(field: CatalogField) -> str:
    return " ".join(field.name_label.replace("_", " ").split()).lower()


def _groupings(catalog: Catalog, node: str | None, few: bool) -> list[CatalogField]:
    """Text dimensions of ``node`` (of any node when None) with sampled values, few first.

    ``few`` keeps those with at most 12 values (good for "by"); otherwise those with more
    than :data:`TOP_N` (good for a ranking).
    """
    found = [
        f
        for f in catalog.fields
        if f.kind == "dimension"
        and f.type == "text"
        and f.values
        and (node is None or f.node == node)
        and (len(f.values) <= 12 if few else len(f.values) > TOP_N)
    ]
    # Three values or more chart better than two; then the fewest values first.
    return sorted(found, key=lambda f: (len(f.values) < 3, len(f.values), f.field))


def _counts(catalog: Catalog) -> list[CatalogField]:
    """Row counts, those of tables with the most measures (the facts) first."""
    counts = [f for f in catalog.measures if f.aggregation == "count" and not f.also_dimension]
    weight = {c.node: sum(1 for m in catalog.measures if m.node == c.node) for c in counts}
    return sorted(counts, key=lambda c: -weight[c.node])


def _sums(catalog: Catalog) -> list[CatalogField]:
    return [
        f
        for f in catalog.measures
        if f.aggregation in ("sum", "avg") and f.node is not None and f.also_dimension
    ]


def _count_by(catalog: Catalog, phrases: dict[str, str]) -> Iterator[str]:
    for count in _counts(catalog):
        for dimension in _groupings(catalog, count.node, few=True)[:2]:
            yield phrases["count_by"].format(
                things=" ".join(count.node_label.replace("_", " ").split()).lower(),
                dimension=_name(dimension),
            )


def _by_month(catalog: Catalog, phrases: dict[str, str]) -> Iterator[str]:
    for measure in _sums(catalog):
        if any(t.node == measure.node and "month" in t.grains for t in catalog.time_dimensions):
            yield phrases["by_month"].format(measure=_capital(_total(measure, phrases)))


def _top(catalog: Catalog, phrases: dict[str, str]) -> Iterator[str]:
    for measure in _sums(catalog):
        for dimension in _groupings(catalog, None, few=False)[:2]:
            yield phrases["top"].format(n=TOP_N, dimension=_name(dimension), measure=_name(measure))


def _measure_by(catalog: Catalog, phrases: dict[str, str]) -> Iterator[str]:
    for measure in _sums(catalog):
        for dimension in _groupings(catalog, measure.node, few=True)[:1]:
            yield phrases["measure_by"].format(
                measure=_capital(_total(measure, phrases)), dimension=_name(dimension)
            )


def _total(measure: CatalogField, phrases: dict[str, str]) -> str:
    """The measure's own name with its aggregation: "total amount", "average price"."""
    french = phrases is _PHRASES["fr"]
    words = {"sum": ("total", "total"), "avg": ("average", "moyenne")}
    word = words.get(measure.aggregation or "", ("", ""))[1 if french else 0]
    name = _name(measure)
    if not word or word in name.split():
        return name
    return f"{name} {word}" if french and word == "moyenne" else f"{word} {name}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
