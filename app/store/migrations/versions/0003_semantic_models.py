"""semantic models: a workspace's current model and its recent versions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:27:22.741975
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "semantic_models",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_semantic_models_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_semantic_models_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_semantic_models_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_semantic_models")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_semantic_models_workspace_id")),
    )
    with op.batch_alter_table("semantic_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_semantic_models_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "semantic_model_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_semantic_model_versions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_semantic_model_versions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_semantic_model_versions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_semantic_model_versions")),
        sa.UniqueConstraint(
            "workspace_id", "version", name="uq_semantic_model_versions_workspace_version"
        ),
    )
    with op.batch_alter_table("semantic_model_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_semantic_model_versions_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("semantic_model_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_semantic_model_versions_tenant_id"))
    op.drop_table("semantic_model_versions")

    with op.batch_alter_table("semantic_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_semantic_models_tenant_id"))
    op.drop_table("semantic_models")
