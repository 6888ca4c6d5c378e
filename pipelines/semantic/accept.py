"""Accepting several suggestions at once: "Accept all" on the page, ``…/suggestions/apply`` in
the REST API, or a notebook building a model from its sources in one call.

Suggestions are applied in the order given, each after the ``table`` suggestions it requires
(a join to a table not yet in the model brings that table along). One made unfit by an earlier
one (two joins that would close a cycle, say) is skipped and reported with the reason; the
others still apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .model import SemanticModel
from .query import SemanticError
from .suggest import apply_suggestion
from .suggestion import Suggestion


class UnknownSuggestion(SemanticError):
    """An id that is not among the model's current suggestions (``suggestion_id``)."""

    def __init__(self, suggestion_id: str) -> None:
        super().__init__(
            f"No suggestion {suggestion_id[:120]!r} for the current model: it was accepted "
            "already or the model changed; list the suggestions again.",
            field="ids",
        )
        self.suggestion_id = suggestion_id


@dataclass(frozen=True)
class Accepted:
    """The model with suggestions accepted, which ids were applied and which skipped (why)."""

    model: SemanticModel
    applied: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]


def chosen(suggestions: Sequence[Suggestion], ids: Iterable[str] | None) -> list[Suggestion]:
    """The suggestions named by ``ids`` (all when None), each after the tables it requires.

    Raises
    ------
    UnknownSuggestion
        Naming the first id that is not one of ``suggestions``.
    """
    by_id = {s.id: s for s in suggestions}
    picked = list(suggestions) if ids is None else []
    for suggestion_id in ids or ():
        if suggestion_id not in by_id:
            raise UnknownSuggestion(suggestion_id)
        picked.append(by_id[suggestion_id])
    ordered: dict[str, Suggestion] = {}
    for suggestion in picked:
        for required in suggestion.requires:
            if required in by_id:
                ordered.setdefault(required, by_id[required])
        ordered.setdefault(suggestion.id, suggestion)
    return list(ordered.values())


def accept(
    model: SemanticModel, suggestions: Sequence[Suggestion], ids: Iterable[str] | None = None
) -> Accepted:
    """A copy of ``model`` with the suggestions named by ``ids`` (default: all) accepted.

    Parameters
    ----------
    model
        The model the suggestions were made for; it is not changed.
    suggestions
        Its current suggestions (:func:`~pipelines.semantic.suggest.suggest`), best first.
    ids
        Which to accept, in order; None accepts every one.

    Raises
    ------
    UnknownSuggestion
        When an id is not among ``suggestions`` (nothing is applied).
    """
    applied: list[str] = []
    skipped: list[tuple[str, str]] = []
    for suggestion in chosen(suggestions, ids):
        try:
            model = apply_suggestion(model, suggestion)
        except SemanticError as exc:
            skipped.append((suggestion.id, exc.message))
            continue
        applied.append(suggestion.id)
    return Accepted(model.model_copy(deep=True), tuple(applied), tuple(skipped))
