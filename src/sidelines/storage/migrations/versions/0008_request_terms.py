"""Consent term by term: the terms of each request, and proposals' place, attendees, interpreters.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_terms",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=16), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_in", sa.Integer(), nullable=False),
        sa.Column("agreed_by", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["meeting_requests.id"],
            name=op.f("fk_request_terms_request_id_meeting_requests"),
        ),
        sa.PrimaryKeyConstraint("request_id", "term", name=op.f("pk_request_terms")),
    )
    # Both databases add and drop a column in place (as in 0003).
    op.add_column(
        "proposals",
        sa.Column("host_suite", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("proposals", sa.Column("attendees", sa.JSON(), nullable=True))
    op.add_column("proposals", sa.Column("own_interpreters", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("proposals", "own_interpreters")
    op.drop_column("proposals", "attendees")
    op.drop_column("proposals", "host_suite")
    op.drop_table("request_terms")
