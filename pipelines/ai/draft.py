"""What an answerer proposes for a question: a query to run, a clarifying question, or a decline.

Shared by the offline answerer (:mod:`pipelines.ai.offline`) and the language-model orchestrator,
so the Explore page shows both the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipelines.semantic import SemanticQuery

__all__ = ["Choice", "Draft", "DraftKind"]

DraftKind = Literal["semantic", "clarify", "decline"]


@dataclass(frozen=True)
class Choice:
    """One answer to a clarifying question: its label and the query it would run (or the field
    to use instead, when no full query can be built yet)."""

    label: str
    query: SemanticQuery | None = None
    field: str | None = None


@dataclass(frozen=True)
class Draft:
    """An answerer's proposal.

    ``kind`` is ``semantic`` (run ``query``), ``clarify`` (ask ``message`` with ``choices``) or
    ``decline`` (``message`` says what is missing and, when it helps, lists close fields in
    ``choices``). ``chart`` is the chart the user asked for (``bar``, ``line``…), ``matched``
    says which words of the question matched which field (for the explanation).
    """

    kind: DraftKind
    query: SemanticQuery | None = None
    message: str = ""
    choices: list[Choice] = field(default_factory=list)
    chart: str | None = None
    matched: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """For ``semantic``: what the reader assumed, to say beside the answer."""
