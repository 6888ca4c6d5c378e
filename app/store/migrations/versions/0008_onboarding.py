"""onboarding: each user's progress through a workspace's guided setup

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 01:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
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
        "onboarding_progress",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("onboarding_progress", "tenant_id", "tenants", "CASCADE"),
        _fk("onboarding_progress", "user_id", "users", "CASCADE"),
        _fk("onboarding_progress", "workspace_id", "workspaces", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_progress")),
        sa.UniqueConstraint(
            "user_id", "workspace_id", name="uq_onboarding_progress_user_workspace"
        ),
    )
    with op.batch_alter_table("onboarding_progress", schema=None) as batch_op:
        batch_op.create_index(
            "ix_onboarding_progress_tenant_user", ["tenant_id", "user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("onboarding_progress", schema=None) as batch_op:
        batch_op.drop_index("ix_onboarding_progress_tenant_user")
    op.drop_table("onboarding_progress")
