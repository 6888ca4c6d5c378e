"""One suggested change to a model, as :func:`~pipelines.semantic.suggest.suggest` lists them.

Kinds: ``table`` (add a ready source as a table, with its columns' roles and primary key),
``primary_key``, ``join`` and ``role``. Ids are stable across calls, so a client can list the
suggestions, accept some and list again: the others keep their ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .model import Join, NumberFormat, Table
from .query import SemanticError
from .vocabulary import Aggregation, Grain, Role

SuggestionKind = Literal["table", "role", "primary_key", "join"]


@dataclass(frozen=True)
class Suggestion:
    """One suggested change to a model; ``id`` is stable across calls, best ``score`` first."""

    id: str
    kind: SuggestionKind
    message: str
    table: str | None = None
    column: str | None = None
    role: Role | None = None
    aggregation: Aggregation | None = None
    join: Join | None = None
    score: float = 0.0
    format: NumberFormat | None = None
    """For a measure role: its suggested number format (applied when it has none)."""
    grains: tuple[Grain, ...] = field(default=())
    """For a time dimension: its suggested grains (applied when it has none)."""
    new_table: Table | None = None
    """For a ``table`` suggestion: the table to add, with its columns' roles and primary key."""
    requires: tuple[str, ...] = field(default=())
    """Ids of the ``table`` suggestions this one needs accepted first (a join to such a table)."""

    def as_json(self) -> dict[str, Any]:
        """JSON-safe form; ``join`` and ``format`` as the model's JSON."""
        return {
            "id": self.id,
            "kind": self.kind,
            "message": self.message,
            "table": self.table,
            "column": self.column,
            "role": self.role,
            "aggregation": self.aggregation,
            "join": self.join.model_dump(mode="json") if self.join else None,
            "score": round(self.score, 4),
            "format": self.format.model_dump(mode="json") if self.format else None,
            "grains": list(self.grains),
            "new_table": self.new_table.model_dump(mode="json") if self.new_table else None,
            "requires": list(self.requires),
        }


def stale(suggestion: Suggestion, what: str) -> SemanticError:
    """The error for a suggestion that no longer fits the model, saying ``what`` changed."""
    return SemanticError(
        f"Suggestion {suggestion.id!r} no longer fits the model: {what}; refresh the suggestions",
        field=suggestion.table,
    )
