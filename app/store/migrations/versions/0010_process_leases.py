"""process leases: several server processes over one store

Sources get the process working on them (``lease_owner``) and until when it is known alive
(``lease_expires``); ``process_leases`` holds the slots of cross-process limits (a tenant's
concurrent queries and ingests) and one-slot mutexes (first-start demo data).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("lease_expires", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "process_leases",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "slot", name=op.f("pk_process_leases")),
    )
    with op.batch_alter_table("process_leases", schema=None) as batch_op:
        batch_op.create_index("ix_process_leases_owner", ["owner"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("process_leases", schema=None) as batch_op:
        batch_op.drop_index("ix_process_leases_owner")
    op.drop_table("process_leases")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("lease_expires")
        batch_op.drop_column("lease_owner")
