"""explore: conversations and their messages, verified examples, the audit log of AI calls

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "ai_conversations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("ai_conversations", "tenant_id", "tenants", "CASCADE"),
        _fk("ai_conversations", "user_id", "users", "CASCADE"),
        _fk("ai_conversations", "workspace_id", "workspaces", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_conversations")),
    )
    with op.batch_alter_table("ai_conversations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ai_conversations_owner_updated",
            ["tenant_id", "workspace_id", "user_id", "updated_at"],
            unique=False,
        )

    op.create_table(
        "ai_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("feedback", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("ai_messages", "conversation_id", "ai_conversations", "CASCADE"),
        _fk("ai_messages", "tenant_id", "tenants", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_messages")),
    )
    with op.batch_alter_table("ai_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ai_messages_conversation_created", ["conversation_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ai_messages_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "ai_examples",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("question", sa.String(length=2000), nullable=False),
        sa.Column("semantic_query", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("ai_examples", "created_by", "users", "SET NULL"),
        _fk("ai_examples", "tenant_id", "tenants", "CASCADE"),
        _fk("ai_examples", "workspace_id", "workspaces", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_examples")),
    )
    with op.batch_alter_table("ai_examples", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ai_examples_tenant_workspace", ["tenant_id", "workspace_id"], unique=False
        )

    op.create_table(
        "ai_calls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("question", sa.String(length=500), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("error", sa.String(length=64), nullable=True),
        _fk("ai_calls", "tenant_id", "tenants", "CASCADE"),
        _fk("ai_calls", "user_id", "users", "SET NULL"),
        _fk("ai_calls", "workspace_id", "workspaces", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_calls")),
    )
    with op.batch_alter_table("ai_calls", schema=None) as batch_op:
        batch_op.create_index("ix_ai_calls_tenant_at", ["tenant_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ai_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_ai_calls_tenant_at")
    op.drop_table("ai_calls")
    with op.batch_alter_table("ai_examples", schema=None) as batch_op:
        batch_op.drop_index("ix_ai_examples_tenant_workspace")
    op.drop_table("ai_examples")
    with op.batch_alter_table("ai_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_messages_tenant_id"))
        batch_op.drop_index("ix_ai_messages_conversation_created")
    op.drop_table("ai_messages")
    with op.batch_alter_table("ai_conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_ai_conversations_owner_updated")
    op.drop_table("ai_conversations")
