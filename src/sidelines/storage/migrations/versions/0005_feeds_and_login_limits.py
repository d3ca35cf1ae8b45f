"""Private calendar feeds per delegation, a calendar SEQUENCE per meeting, failed logins.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sidelines.storage.types
from sidelines.storage.sequences import statements

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_calendar_feeds_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_calendar_feeds_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.create_index("ix_calendar_feeds_party", "calendar_feeds", ["event_id", "party_id"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_key", "login_failures", ["key", "at"])
    # In place on both databases, as in 0003: SQLite's batch copy is refused while bookings
    # refer to the meetings.
    op.add_column(
        "meetings",
        sa.Column("calendar_sequence", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    for statement in statements(op.get_bind().dialect.name, up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in statements(op.get_bind().dialect.name, up=False):
        op.execute(statement)
    op.drop_column("meetings", "calendar_sequence")
    op.drop_index("ix_login_failures_key", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index("ix_calendar_feeds_party", table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
