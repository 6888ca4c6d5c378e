"""connections remember their last test

A connection's last "Test connection" (reachable, read-only or what the user can write, or why
it failed) and when it ran, so every member sees it on the connection's card in any session;
cleared when the connection's settings change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_check", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("last_tested_at")
        batch_op.drop_column("last_check")
