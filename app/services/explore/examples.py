"""Verified examples of a workspace: a question and the semantic query that answers it.

Answerers show them to the model (and the offline answerer matches them) for later questions.
Everyone with access to the workspace reads them; editors and admins add, change and delete
them, directly or with a 👍 on an answer (see :meth:`ExploreService.feedback`). Questions are
unique in a workspace, compared case-insensitively.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.principal import Principal
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.explore.answering import MAX_QUESTION
from app.services.sql.tables import workspace_of
from app.store.db import Database
from app.store.explore import AiExampleRepository
from app.store.models import AiExample, utcnow
from pipelines.semantic.query import SemanticQuery


def clean_question(text: str) -> str:
    """``text`` without surrounding blanks; InvalidInput when empty or too long."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Type a question.", "question")
    if len(text) > MAX_QUESTION:
        raise InvalidInput(
            f"The question must be at most {MAX_QUESTION} characters (it has {len(text)}).",
            "question",
        )
    return text


def clean_query(query: Any) -> dict[str, Any]:
    """``query`` as stored: a valid semantic query's JSON, or InvalidInput naming the field."""
    try:
        value = query if isinstance(query, SemanticQuery) else SemanticQuery.model_validate(query)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in ("semantic_query", *error["loc"]))
        message = error["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"The semantic query is not valid: {where}: {message}.", where) from None
    if not value.measures and not value.dimensions:
        raise InvalidInput(
            "The semantic query needs at least one measure or dimension.", "semantic_query"
        )
    return value.model_dump(mode="json")


def example_entry(row: AiExample) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "question": row.question,
        "semantic_query": dict(row.semantic_query),
        "created_by": None if row.created_by is None else str(row.created_by),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


class VerifiedExamples:
    """The examples half of :class:`app.services.explore.service.ExploreService`."""

    db: Database
    principal: Principal

    def examples(self, workspace_id: uuid.UUID | str) -> list[dict[str, Any]]:
        """The workspace's verified examples, by question."""
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            rows = AiExampleRepository(session, self.principal).list(workspace.id)
            return [example_entry(row) for row in rows]

    def add_example(
        self, workspace_id: uuid.UUID | str, question: str, semantic_query: Any
    ) -> dict[str, Any]:
        """Add a verified example (editor or admin).

        Raises
        ------
        Forbidden
            For viewers.
        Conflict
            When the workspace has an example for that question already.
        InvalidInput
            For an empty or too long question, or a query that is not a semantic query.
        """
        self.principal.require("editor", "add verified examples")
        question, query = clean_question(question), clean_query(semantic_query)
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            examples = AiExampleRepository(session, self.principal)
            _unique(examples, workspace.id, question)
            row = examples.add(
                AiExample(
                    workspace_id=workspace.id,
                    question=question,
                    semantic_query=query,
                    created_by=self.principal.user_id,
                )
            )
            return example_entry(row)

    def update_example(
        self,
        workspace_id: uuid.UUID | str,
        example_id: uuid.UUID | str,
        question: str,
        semantic_query: Any,
    ) -> dict[str, Any]:
        """Replace an example's question and semantic query (editor or admin)."""
        self.principal.require("editor", "change verified examples")
        question, query = clean_question(question), clean_query(semantic_query)
        with self.db.transaction() as session:
            row = self._example(session, workspace_id, example_id)
            if question.lower() != row.question.lower():
                _unique(AiExampleRepository(session, self.principal), row.workspace_id, question)
            row.question, row.semantic_query, row.updated_at = question, query, utcnow()
            session.flush()
            return example_entry(row)

    def delete_example(self, workspace_id: uuid.UUID | str, example_id: uuid.UUID | str) -> None:
        """Delete an example (editor or admin)."""
        self.principal.require("editor", "delete verified examples")
        with self.db.transaction() as session:
            row = self._example(session, workspace_id, example_id)
            AiExampleRepository(session, self.principal).delete(row)

    def _example(
        self, session: Session, workspace_id: uuid.UUID | str, example_id: uuid.UUID | str
    ) -> AiExample:
        workspace = workspace_of(session, self.principal, workspace_id)
        row = AiExampleRepository(session, self.principal).in_workspace(workspace.id, example_id)
        if row is None:
            raise NotFound("No such verified example in this workspace.")
        return row


def save_verified(
    session: Session,
    principal: Principal,
    workspace_id: uuid.UUID,
    question: str,
    query: dict[str, Any],
) -> AiExample:
    """Store ``question`` → ``query`` as an example, replacing the query of an existing
    example with that question (a 👍 on a better answer to the same question)."""
    examples = AiExampleRepository(session, principal)
    row = examples.by_question(workspace_id, question)
    if row is not None:
        row.semantic_query, row.updated_at = query, utcnow()
        session.flush()
        return row
    return examples.add(
        AiExample(
            workspace_id=workspace_id,
            question=question,
            semantic_query=query,
            created_by=principal.user_id,
        )
    )


def _unique(examples: AiExampleRepository, workspace_id: uuid.UUID, question: str) -> None:
    if examples.by_question(workspace_id, question) is not None:
        raise Conflict(
            f"This workspace already has a verified example for “{question[:80]}”; edit that one."
        )
