"""The evaluation set asked of a language model: an answerer for :func:`run_evaluation` that
goes through the same answer loop as Explore (:func:`~pipelines.ai.answer.answer_question`),
with the sample workspace's model and a provider.

SQL is not offered to the model here: every question of the set is answerable by a semantic
query (or should be declined), and scoring compares the semantic query's rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pipelines.ai.answer import answer_question
from pipelines.ai.answer_types import Answer, Turn
from pipelines.ai.catalog import Catalog
from pipelines.ai.draft import Choice, Draft
from pipelines.ai.evaluation import Workspace
from pipelines.ai.provider import Provider
from pipelines.semantic import SemanticQuery

__all__ = ["ProviderAnswerer", "draft_of"]


def draft_of(answer: Answer) -> Draft:
    """The evaluation's view of an answer: its semantic query, or what it asked back or why it
    declined (a failed answer counts as a decline: it gave no number). Tokens used are kept
    in ``matched["tokens"]``."""
    tokens = {"tokens": str(answer.usage["input_tokens"] + answer.usage["output_tokens"])}
    if answer.kind == "semantic" and answer.semantic_query is not None:
        query = SemanticQuery.model_validate(answer.semantic_query)
        return Draft("semantic", query, answer.explanation, matched=tokens)
    if answer.kind == "clarify":
        choices = [Choice(label) for label in answer.choices]
        return Draft("clarify", message=answer.explanation, choices=choices, matched=tokens)
    return Draft("decline", message=answer.explanation or answer.kind, matched=tokens)


class ProviderAnswerer:
    """Answers evaluation questions with ``provider`` over the sample ``workspaces``.

    A follow-up is sent with the question it follows and that question's query, as Explore
    sends its conversation history.
    """

    def __init__(self, provider: Provider, workspaces: Mapping[str, Workspace]) -> None:
        self.provider = provider
        self.workspaces = list(workspaces.values())
        self._asked: dict[int, tuple[str, SemanticQuery]] = {}

    def __call__(
        self, question: str, catalog: Catalog, previous: SemanticQuery | None, today: date
    ) -> Draft:
        workspace = next(w for w in self.workspaces if w.catalog is catalog)
        history: list[Turn] = []
        earlier = self._asked.get(id(previous)) if previous is not None else None
        if earlier is not None:
            history.append(Turn(earlier[0], semantic_query=earlier[1].model_dump()))
        answer = answer_question(
            question,
            catalog=catalog,
            run_semantic=lambda q: workspace.model.query(**q.model_dump()),
            run_sql=None,
            provider=self.provider,
            history=history,
            explain=False,
            model=workspace.model,
            today=today,
        )
        draft = draft_of(answer)
        if draft.query is not None:
            self._asked[id(draft.query)] = (question, draft.query)
        return draft
