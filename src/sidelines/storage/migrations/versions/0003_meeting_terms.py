"""Meetings keep every term the engine needs: required, lock, needs, size, host, day part, order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


# Both databases add and drop a column in place (SQLite since 3.35); copying the table, as
# Alembic's batch mode would, is refused on SQLite while bookings refer to its rows.


def upgrade() -> None:
    op.add_column(
        "meetings", sa.Column("terms", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("meetings", "terms")
