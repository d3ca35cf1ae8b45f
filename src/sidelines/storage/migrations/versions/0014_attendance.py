"""Check-in, no-shows and the refills of the time they free; reminders of expiring requests.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sidelines.storage.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


# Ids and references to them: 64-bit on PostgreSQL (see 0012), SQLite's INTEGER elsewhere.
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sidelines.storage.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "check_ins",
        sa.Column("meeting_id", ROW_ID, nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        _when("checked_in_at"),
        sa.Column("checked_in_by", ROW_ID, nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        _fk("check_ins", "checked_in_by", "users"),
        _fk("check_ins", "event_id", "events"),
        _fk("check_ins", "meeting_id", "meetings"),
        sa.PrimaryKeyConstraint("meeting_id", "party_id", name=op.f("pk_check_ins")),
    )
    op.create_index(op.f("ix_check_ins_event_id"), "check_ins", ["event_id"], unique=False)
    op.create_table(
        "no_shows",
        sa.Column("meeting_id", ROW_ID, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("absent", sa.JSON(), nullable=False),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("space_id", sa.String(length=64), nullable=True),
        _when("marked_at"),
        sa.Column("marked_by", ROW_ID, nullable=True),
        _fk("no_shows", "event_id", "events"),
        _fk("no_shows", "marked_by", "users"),
        _fk("no_shows", "meeting_id", "meetings"),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_no_shows")),
    )
    op.create_index(op.f("ix_no_shows_event_id"), "no_shows", ["event_id"], unique=False)
    op.create_table(
        "refills",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("meeting_id", ROW_ID, nullable=False),
        sa.Column("freed_by", ROW_ID, nullable=False),
        _when("offered_at"),
        _when("confirm_by"),
        sa.Column("confirmed_by", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _when("settled_at", nullable=True),
        sa.CheckConstraint(
            "state IN ('offered', 'confirmed', 'released')", name=op.f("ck_refills_state")
        ),
        _fk("refills", "event_id", "events"),
        _fk("refills", "freed_by", "meetings"),
        _fk("refills", "meeting_id", "meetings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refills")),
    )
    op.create_index(op.f("ix_refills_event_id"), "refills", ["event_id"], unique=False)
    op.create_index(op.f("ix_refills_meeting_id"), "refills", ["meeting_id"], unique=False)
    op.create_table(
        "request_reminders",
        sa.Column("request_id", ROW_ID, nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        _when("expires_at"),
        _when("reminded_at"),
        _fk("request_reminders", "event_id", "events"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["meeting_requests.id"],
            name=op.f("fk_request_reminders_request_id_meeting_requests"),
        ),
        sa.PrimaryKeyConstraint("request_id", "party_id", name=op.f("pk_request_reminders")),
    )
    op.create_index(
        op.f("ix_request_reminders_event_id"), "request_reminders", ["event_id"], unique=False
    )


def downgrade() -> None:
    for table in ("request_reminders", "refills", "no_shows", "check_ins"):
        op.drop_index(op.f(f"ix_{table}_event_id"), table_name=table)
        if table == "refills":
            op.drop_index(op.f("ix_refills_meeting_id"), table_name=table)
        op.drop_table(table)
