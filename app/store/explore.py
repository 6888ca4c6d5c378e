"""Tenant-scoped repositories of Explore: conversations, their messages, verified examples and
the audit log of AI calls (see :mod:`app.store.repositories` for the scoping rule)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, select

from app.store.models import AiCall, AiConversation, AiExample, AiMessage
from app.store.repositories import TenantScopedRepository


class AiConversationRepository(TenantScopedRepository[AiConversation]):
    model = AiConversation

    def _owned(self, workspace_id: uuid.UUID, user_id: uuid.UUID) -> Select[AiConversation]:
        return self._select().where(
            AiConversation.workspace_id == workspace_id, AiConversation.user_id == user_id
        )

    def list_owned(
        self, workspace_id: uuid.UUID, user_id: uuid.UUID, limit: int
    ) -> Sequence[AiConversation]:
        """The user's conversations in the workspace, most recently used first."""
        return self.session.scalars(
            self._owned(workspace_id, user_id)
            .order_by(AiConversation.updated_at.desc(), AiConversation.id.desc())
            .limit(limit)
        ).all()

    def owned(
        self, workspace_id: uuid.UUID, user_id: uuid.UUID, conversation_id: uuid.UUID | str
    ) -> AiConversation | None:
        """The user's conversation ``conversation_id`` in the workspace (None otherwise)."""
        row = self.get(conversation_id)
        if row is None or row.workspace_id != workspace_id or row.user_id != user_id:
            return None
        return row


class AiMessageRepository(TenantScopedRepository[AiMessage]):
    model = AiMessage

    def of(self, conversation_id: uuid.UUID) -> Sequence[AiMessage]:
        """The conversation's messages, oldest first."""
        return self.session.scalars(
            self._select()
            .where(AiMessage.conversation_id == conversation_id)
            .order_by(AiMessage.created_at, AiMessage.role.desc(), AiMessage.id)
        ).all()

    def last_answers(self, conversation_id: uuid.UUID, limit: int) -> Sequence[AiMessage]:
        """The conversation's last ``limit`` answers, oldest first."""
        rows = self.session.scalars(
            self._select()
            .where(AiMessage.conversation_id == conversation_id, AiMessage.role == "assistant")
            .order_by(AiMessage.created_at.desc(), AiMessage.id.desc())
            .limit(limit)
        ).all()
        return list(reversed(rows))


class AiExampleRepository(TenantScopedRepository[AiExample]):
    model = AiExample

    def list(self, workspace_id: uuid.UUID) -> Sequence[AiExample]:
        return self.session.scalars(
            self._select()
            .where(AiExample.workspace_id == workspace_id)
            .order_by(func.lower(AiExample.question), AiExample.created_at)
        ).all()

    def in_workspace(
        self, workspace_id: uuid.UUID, example_id: uuid.UUID | str
    ) -> AiExample | None:
        row = self.get(example_id)
        return row if row is not None and row.workspace_id == workspace_id else None

    def by_question(self, workspace_id: uuid.UUID, question: str) -> AiExample | None:
        """The workspace's example for ``question``, compared case-insensitively."""
        return self.session.scalars(
            self._select().where(
                AiExample.workspace_id == workspace_id,
                func.lower(AiExample.question) == question.lower(),
            )
        ).first()


class AiCallRepository(TenantScopedRepository[AiCall]):
    model = AiCall

    def count_since(self, since: datetime) -> int:
        """The tenant's calls started at or after ``since``."""
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(AiCall)
                .where(AiCall.tenant_id == self.principal.tenant_id, AiCall.at >= since)
            )
            or 0
        )

    def oldest_since(self, since: datetime) -> datetime | None:
        return self.session.scalar(
            select(func.min(AiCall.at)).where(
                AiCall.tenant_id == self.principal.tenant_id, AiCall.at >= since
            )
        )

    def tokens_since(self, since: datetime) -> int:
        """Input plus output tokens of the tenant's calls since ``since``."""
        return int(
            self.session.scalar(
                select(
                    func.coalesce(func.sum(AiCall.input_tokens + AiCall.output_tokens), 0)
                ).where(AiCall.tenant_id == self.principal.tenant_id, AiCall.at >= since)
            )
            or 0
        )

    def recent(self, limit: int) -> Sequence[AiCall]:
        """The tenant's last ``limit`` calls, newest first."""
        return self.session.scalars(
            self._select().order_by(AiCall.at.desc(), AiCall.id.desc()).limit(limit)
        ).all()
