"""Events carry a revision that a trigger raises on every write of one of their meetings.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sidelines.storage.revisions import statements

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "events", sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    for statement in statements(op.get_bind().dialect.name, up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in statements(op.get_bind().dialect.name, up=False):
        op.execute(statement)
    op.drop_column("events", "revision")
