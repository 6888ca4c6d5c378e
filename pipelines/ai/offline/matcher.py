"""Which fields of a catalog the words of a question name, and how well.

Every field gets *phrases* (the words of its label, its column name and each synonym, see
:mod:`.normalise`) and *context* (the words of its table). A phrase matches a set of question
words by the share of its words found (words such as "name" or "total" may be left out; a loose
word such as "revenue" for "amount" counts for less); context words add a little. Equal best
scores between different fields are reported as a tie, never broken by guessing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pipelines.ai.catalog import Catalog, CatalogField

from .activity import Span, find_spans
from .lexicon import GLUE, NAME_COLUMNS, RELATED, SOFT, STOP
from .normalise import content, fold, words

__all__ = ["FieldWords", "Index", "Match", "best"]

LOOSE = 0.6
CONTEXT = 0.2
ID_PENALTY = 0.3
MIN_SCORE = 0.5
ID_WORDS = frozenset({"id", "identifier", "code", "key", "number"})


@dataclass(frozen=True)
class FieldWords:
    """A catalog field with the words that name it."""

    field: CatalogField
    phrases: tuple[frozenset[str], ...]
    context: frozenset[str]
    is_name: bool = False
    is_id: bool = False


@dataclass(frozen=True)
class Match:
    """A field matched by some question words."""

    field: CatalogField
    score: float
    used: frozenset[str]
    context: frozenset[str] = frozenset()
    """The table words among ``used`` (they name where the field is, not the field)."""


@dataclass
class Index:
    """The words of every field of a catalog, and where its sampled values are."""

    catalog: Catalog
    measures: list[FieldWords] = field(default_factory=list)
    counts: list[FieldWords] = field(default_factory=list)
    dimensions: list[FieldWords] = field(default_factory=list)
    values: dict[tuple[str, ...], list[tuple[CatalogField, str]]] = field(default_factory=dict)
    table_words: dict[str, frozenset[str]] = field(default_factory=dict)
    vocabulary: frozenset[str] = frozenset()
    spans: list[Span] = field(default_factory=list)
    """Tables whose rows are active from a start to an end date (see :mod:`.activity`)."""

    @classmethod
    def build(cls, catalog: Catalog) -> Index:
        """Index ``catalog`` (do it once per catalog: it folds every label and value)."""
        index = cls(catalog)
        for node, label, _ in catalog.tables:
            names = [node, label, *catalog.table_synonyms.get(node, ())]
            index.table_words[node] = frozenset(w for n in names for w in content(n))
        for item in catalog.fields:
            words_ = _field_words(item, index.table_words.get(item.node or "", frozenset()))
            if item.kind == "measure" and item.aggregation == "count" and _is_row_count(item):
                table = frozenset(index.table_words.get(item.node or "", frozenset()))
                index.counts.append(FieldWords(item, (table,), frozenset()))
                continue
            if item.kind == "measure":
                index.measures.append(words_)
            if item.kind != "measure" or item.also_dimension:
                index.dimensions.append(words_)
            for value in item.values:
                key = tuple(words(value))
                if _usable_value(key):
                    index.values.setdefault(key, []).append((item, value))
        vocab: set[str] = set()
        for group in (index.measures, index.counts, index.dimensions):
            for fw in group:
                vocab.update(*fw.phrases, fw.context)
        index.vocabulary = frozenset(vocab)
        index.spans = find_spans(catalog)
        return index

    def table_of(self, item: CatalogField) -> str | None:
        """The node a field belongs to (a calculated measure: the table its label names)."""
        if item.node is not None:
            return item.node
        return next((n for n, label, _ in self.catalog.tables if label == item.node_label), None)


def _is_row_count(item: CatalogField) -> bool:
    return item.field.split(".")[-1] in ("count", "row_count", "number_of_rows")


def _usable_value(key: tuple[str, ...]) -> bool:
    meaningful = [w for w in key if w not in STOP]
    if not meaningful:
        return False
    return not (len(key) == 1 and (len(key[0]) < 2 or key[0].isdigit()))


def _field_words(item: CatalogField, table: frozenset[str]) -> FieldWords:
    column = item.field.split(".")[-1] if item.node else item.field
    texts = [item.name_label, column, *item.synonyms]
    phrases = [frozenset(w for w in words(t) if w not in GLUE) for t in texts]
    is_name = fold(column) in NAME_COLUMNS or (
        column.endswith("_name") and bool(set(content(column[:-5])) & table)
    )
    if is_name and table:
        phrases.append(table | {"name"})
    is_id = item.type == "integer" and bool(set(words(column)) & {"id"})
    unique = tuple(dict.fromkeys(p for p in phrases if p))
    return FieldWords(item, unique, table, is_name=is_name, is_id=is_id)


def score_phrase(tokens: frozenset[str], phrase: frozenset[str]) -> tuple[float, frozenset[str]]:
    """How well ``tokens`` name ``phrase`` (0 when not at all) and the tokens it used."""
    exact = tokens & phrase
    loose = frozenset(t for t in tokens - exact if RELATED.get(t, frozenset()) & (phrase - exact))
    hard = phrase - SOFT
    if not (exact & hard) and not loose and (not exact or hard):
        return 0.0, frozenset()
    found = len(exact & hard) + LOOSE * len(loose)
    precision = found / len(hard) if hard else 1.0
    bonus = 0.1 * len(exact & SOFT) + 0.05 * len(exact)
    return precision + bonus, exact | loose


def score(tokens: frozenset[str], fw: FieldWords) -> Match | None:
    """The best of ``fw``'s phrases for ``tokens``, with context words and id penalty."""
    best_score, used = 0.0, frozenset[str]()
    for phrase in fw.phrases:
        value, words_used = score_phrase(tokens, phrase)
        if value > best_score:
            best_score, used = value, words_used
    if best_score <= 0:
        return None
    context = (tokens & fw.context) - used
    best_score += CONTEXT * len(context)
    if fw.is_id and not tokens & ID_WORDS:
        best_score -= ID_PENALTY
    if best_score < MIN_SCORE:
        return None
    return Match(fw.field, round(best_score, 6), used | context, context)


def best(
    tokens: frozenset[str], fields: Iterable[FieldWords], prefer: str | None = None
) -> list[Match]:
    """The best-scoring fields for ``tokens`` (several when tied), those of node ``prefer``
    first among equals; empty when none reaches the minimum score."""
    matches = [m for fw in fields if (m := score(tokens, fw)) is not None]
    if not matches:
        return []
    top = max(m.score for m in matches)
    tied = [m for m in matches if m.score == top]
    if prefer is not None and len(tied) > 1:
        own = [m for m in tied if m.field.node == prefer]
        if own:
            tied = own
    return tied
