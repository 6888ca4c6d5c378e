"""Explore's use cases for one Principal: asking, conversations, feedback, verified examples.

Conversations belong to one user in one workspace: only their owner lists, reads, continues
and deletes them (anyone else's id is missing, 404). Everyone with access to the workspace
asks questions, viewers included. Every question is checked against the tenant's limits and
written to the audit log before it is answered (see :mod:`app.services.explore.limits`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.ai_limits import AiLimitSettings
from app.principal import Principal
from app.services.errors import InvalidInput, NotFound
from app.services.explore import limits as limit_rules
from app.services.explore.answering import (
    AnswerFunction,
    Question,
    stored_answer,
    tokens_of,
    turn_of,
)
from app.services.explore.examples import VerifiedExamples, clean_question, save_verified
from app.services.sql.tables import workspace_of
from app.store.db import Database
from app.store.explore import (
    AiCallRepository,
    AiConversationRepository,
    AiExampleRepository,
    AiMessageRepository,
)
from app.store.models import AiConversation, AiMessage, utcnow
from pipelines.ai.steps import StepHook

HISTORY_TURNS = 10
"""Earlier answers of a conversation an answerer is given for a follow-up."""
MAX_CONVERSATIONS = 100
MAX_TITLE = 120


class ExploreService(VerifiedExamples):
    """Explore for one Principal over the metadata store."""

    def __init__(self, db: Database, principal: Principal, limits: AiLimitSettings) -> None:
        self.db = db
        self.principal = principal
        self.limits = limits

    # -- asking --------------------------------------------------------------------------------
    def ask(
        self,
        workspace_id: uuid.UUID | str,
        question: str,
        answer: AnswerFunction,
        conversation_id: uuid.UUID | str | None = None,
        on_step: StepHook | None = None,
    ) -> dict[str, Any]:
        """Answer ``question`` with ``answer`` and record the turn in the conversation.

        Without ``conversation_id`` a new conversation starts, titled by the question. Returns
        the answer's JSON with ``conversation_id`` and ``message_id`` (the answer's message,
        for feedback). ``on_step`` is handed to the answer function (see :class:`Question`):
        it hears the steps of the answer as they start.

        Raises
        ------
        NotFound
            For a workspace or conversation the principal cannot see.
        Throttled
            When the tenant is past ``ai.limits`` (nothing is asked).
        """
        text = clean_question(question)
        with limit_rules.tenant_gate(self.principal), self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            history: list[dict[str, Any]] = []
            if conversation_id is not None:
                conversation = self._conversation(session, workspace.id, conversation_id)
                answers = AiMessageRepository(session, self.principal).last_answers(
                    conversation.id, HISTORY_TURNS
                )
                history = [turn_of(m.question, m.answer or {}) for m in answers]
            examples = [
                {"question": row.question, "query": dict(row.semantic_query)}
                for row in AiExampleRepository(session, self.principal).list(workspace.id)
            ]
            limit_rules.lock_tenant(session, self.principal)
            self.check_limits(session)
            call = limit_rules.begin_call(session, self.principal, workspace.id, text)
        asked = Question(self.principal, workspace.id, text, history, examples, on_step)
        result = self._answer(answer, asked, call.id)
        with self.db.transaction() as session:
            conversation_key, message_id = self.record_turn(
                session, workspace.id, conversation_id, text, result
            )
        return {
            **result,
            "conversation_id": str(conversation_key),
            "message_id": str(message_id),
        }

    def _answer(
        self, answer: AnswerFunction, question: Question, call_id: uuid.UUID
    ) -> dict[str, Any]:
        """Run the answer function, completing the call's audit row however it ends."""
        try:
            result = dict(answer(question))
        except Exception as exc:
            with self.db.transaction() as session:
                limit_rules.finish_call(session, self.principal, call_id, error=type(exc).__name__)
            raise
        used_in, used_out = tokens_of(result)
        with self.db.transaction() as session:
            limit_rules.finish_call(
                session,
                self.principal,
                call_id,
                provider=str(result.get("provider") or ""),
                model=str(result.get("model") or ""),
                input_tokens=used_in,
                output_tokens=used_out,
                outcome=str(result.get("kind") or ""),
            )
        return result

    def check_limits(self, session: Session | None = None) -> None:
        """Refuse with 429 (Throttled) when the tenant is past its rate or monthly budget."""
        if session is None:
            with self.db.transaction() as own:
                limit_rules.check_limits(own, self.principal, self.limits)
            return
        limit_rules.check_limits(session, self.principal, self.limits)

    def audit(self, workspace_id: uuid.UUID | str | None, question: str, **call: Any) -> None:
        """Record one AI call made outside :meth:`ask` (provider, model, tokens, outcome, error
        as keywords; never a key) in the tenant's audit log."""
        with self.db.transaction() as session:
            key = None
            if workspace_id is not None:
                key = workspace_of(session, self.principal, workspace_id).id
            limit_rules.audit(session, self.principal, key, question, **call)

    def calls(self, limit: int = 100) -> list[dict[str, Any]]:
        """The tenant's last AI calls, newest first (admins only)."""
        self.principal.require("admin", "read the AI audit log")
        with self.db.transaction() as session:
            rows = AiCallRepository(session, self.principal).recent(limit)
            return [
                {
                    "id": str(r.id),
                    "workspace_id": None if r.workspace_id is None else str(r.workspace_id),
                    "user_id": None if r.user_id is None else str(r.user_id),
                    "at": r.at,
                    "provider": r.provider,
                    "model": r.model,
                    "input_tokens": r.input_tokens,
                    "output_tokens": r.output_tokens,
                    "question": r.question,
                    "outcome": r.outcome,
                    "error": r.error,
                }
                for r in rows
            ]

    # -- conversations -------------------------------------------------------------------------
    def record_turn(
        self,
        session: Session,
        workspace_id: uuid.UUID,
        conversation_id: uuid.UUID | str | None,
        question: str,
        answer: Mapping[str, Any],
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """Append the question and its answer to the user's conversation (a new one when
        ``conversation_id`` is None); returns the conversation's and the answer's ids."""
        conversations = AiConversationRepository(session, self.principal)
        if conversation_id is None:
            conversation = conversations.add(
                AiConversation(
                    workspace_id=workspace_id,
                    user_id=self.principal.user_id,
                    title=_title(question),
                )
            )
        else:
            conversation = self._conversation(session, workspace_id, conversation_id)
            conversation.updated_at = utcnow()
        messages = AiMessageRepository(session, self.principal)
        messages.add(AiMessage(conversation_id=conversation.id, role="user", question=question))
        reply = messages.add(
            AiMessage(
                conversation_id=conversation.id,
                role="assistant",
                question=question,
                answer=stored_answer(answer),
                kind=str(answer.get("kind") or "")[:16] or None,
            )
        )
        return conversation.id, reply.id

    def conversations(self, workspace_id: uuid.UUID | str) -> list[dict[str, Any]]:
        """The user's conversations in the workspace, most recently used first."""
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            rows = AiConversationRepository(session, self.principal).list_owned(
                workspace.id, self.principal.user_id, MAX_CONVERSATIONS
            )
            return [_conversation_entry(row) for row in rows]

    def conversation(
        self, workspace_id: uuid.UUID | str, conversation_id: uuid.UUID | str
    ) -> dict[str, Any]:
        """One of the user's conversations with its messages, oldest first."""
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            row = self._conversation(session, workspace.id, conversation_id)
            messages = AiMessageRepository(session, self.principal).of(row.id)
            return {
                **_conversation_entry(row),
                "messages": [_message_entry(m) for m in messages],
            }

    def delete_conversation(
        self, workspace_id: uuid.UUID | str, conversation_id: uuid.UUID | str
    ) -> None:
        """Delete one of the user's conversations and its messages (examples stay)."""
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            row = self._conversation(session, workspace.id, conversation_id)
            AiConversationRepository(session, self.principal).delete(row)

    # -- feedback ------------------------------------------------------------------------------
    def feedback(
        self, workspace_id: uuid.UUID | str, message_id: uuid.UUID | str, value: int
    ) -> dict[str, Any]:
        """Record 👍 (1) or 👎 (-1) on one of the user's answers.

        A 👍 from an editor or admin on an answer with a semantic query also saves the question
        and that query as a verified example (replacing the query of an example with the same
        question); ``example`` is it, or None with ``note`` saying why not.
        """
        if value not in (1, -1):
            raise InvalidInput("Feedback is 1 (👍) or -1 (👎).", "value")
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            message = self._answer_message(session, workspace.id, message_id)
            message.feedback = value
            example, note = None, None
            query = (message.answer or {}).get("semantic_query")
            if value == 1:
                if not self.principal.can_edit:
                    note = "Only editors and admins turn answers into verified examples."
                elif message.kind != "semantic" or not isinstance(query, dict):
                    note = "Only answers from a semantic query become verified examples."
                else:
                    row = save_verified(
                        session, self.principal, workspace.id, message.question, query
                    )
                    example = row.id
            return {
                "message_id": str(message.id),
                "feedback": value,
                "example_id": None if example is None else str(example),
                "note": note,
            }

    # -- helpers -------------------------------------------------------------------------------
    def _conversation(
        self, session: Session, workspace_id: uuid.UUID, conversation_id: uuid.UUID | str
    ) -> AiConversation:
        row = AiConversationRepository(session, self.principal).owned(
            workspace_id, self.principal.user_id, conversation_id
        )
        if row is None:
            raise NotFound("No such conversation of yours in this workspace.")
        return row

    def _answer_message(
        self, session: Session, workspace_id: uuid.UUID, message_id: uuid.UUID | str
    ) -> AiMessage:
        return owned_answer(session, self.principal, workspace_id, message_id)


def owned_answer(
    session: Session, principal: Principal, workspace_id: uuid.UUID, message_id: uuid.UUID | str
) -> AiMessage:
    """The principal's own answer message in the workspace (NotFound for anyone else's)."""
    message = AiMessageRepository(session, principal).get(message_id)
    owner = None
    if message is not None and message.role == "assistant":
        owner = AiConversationRepository(session, principal).owned(
            workspace_id, principal.user_id, message.conversation_id
        )
    if message is None or owner is None:
        raise NotFound("No such answer of yours in this workspace.")
    return message


def _title(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def _conversation_entry(row: AiConversation) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "title": row.title,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _message_entry(row: AiMessage) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "role": row.role,
        "question": row.question,
        "kind": row.kind,
        "answer": row.answer,
        "feedback": row.feedback,
        "created_at": row.created_at,
    }
