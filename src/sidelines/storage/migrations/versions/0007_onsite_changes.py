"""Changes reported at the venue: earlier departures, programme overruns, spaces taken away.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sidelines.storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sidelines.storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "onsite_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=True),
        sa.Column("principal_id", sa.String(length=64), nullable=True),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        sa.Column("space_id", sa.String(length=64), nullable=True),
        _at("starts_at"),
        _at("ends_at", nullable=True),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        _at("reported_at"),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('departure', 'overrun', 'closure')", name=op.f("ck_onsite_changes_kind")
        ),
        sa.CheckConstraint(
            "ends_at IS NULL OR ends_at > starts_at", name=op.f("ck_onsite_changes_span")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_onsite_changes_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["users.id"], name=op.f("fk_onsite_changes_reported_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onsite_changes")),
    )
    op.create_index(
        op.f("ix_onsite_changes_event_id"), "onsite_changes", ["event_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_onsite_changes_event_id"), table_name="onsite_changes")
    op.drop_table("onsite_changes")
