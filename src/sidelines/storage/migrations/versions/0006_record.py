"""The record: meetings' outcomes, encounters, each side's statements, the history of pairs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sidelines.storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sidelines.storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "meeting_outcomes",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("held_format", sa.String(length=32), nullable=True),
        _at("started_at", nullable=True),
        _at("ended_at", nullable=True),
        sa.Column("cancelled_by", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        _at("recorded_at"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_meeting_outcomes_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_outcomes_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_meeting_outcomes_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("meeting_id", name=op.f("pk_meeting_outcomes")),
    )
    op.create_index(
        op.f("ix_meeting_outcomes_event_id"), "meeting_outcomes", ["event_id"], unique=False
    )
    op.create_table(
        "encounters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=True),
        _at("started_at"),
        _at("ended_at", nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("logged_by", sa.Integer(), nullable=True),
        sa.Column("logged_party", sa.String(length=64), nullable=True),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_encounters_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["logged_by"], ["users.id"], name=op.f("fk_encounters_logged_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encounters")),
    )
    op.create_index(op.f("ix_encounters_event_id"), "encounters", ["event_id"], unique=False)
    op.create_table(
        "encounter_parties",
        sa.Column("encounter_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("principal_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["encounter_id"],
            ["encounters.id"],
            name=op.f("fk_encounter_parties_encounter_id_encounters"),
        ),
        sa.PrimaryKeyConstraint("encounter_id", "party_id", name=op.f("pk_encounter_parties")),
    )
    op.create_index(
        op.f("ix_encounter_parties_party_id"), "encounter_parties", ["party_id"], unique=False
    )
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("encounter_id", sa.Integer(), nullable=True),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _at("said_at"),
        sa.Column("speaker", sa.String(length=200), nullable=False),
        sa.Column("described_format", sa.String(length=200), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.CheckConstraint(
            "(meeting_id IS NULL) <> (encounter_id IS NULL)",
            name=op.f("ck_statements_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_statements_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["encounter_id"], ["encounters.id"], name=op.f("fk_statements_encounter_id_encounters")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_statements_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_statements_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
    )
    for column in ("encounter_id", "event_id", "meeting_id"):
        op.create_index(op.f(f"ix_statements_{column}"), "statements", [column], unique=False)
    op.create_table(
        "historical_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("series", sa.String(length=64), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=100), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("parties_key", sa.String(length=200), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("imported_by", sa.Integer(), nullable=True),
        _at("imported_at"),
        sa.ForeignKeyConstraint(
            ["imported_by"], ["users.id"], name=op.f("fk_historical_meetings_imported_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_historical_meetings")),
        sa.UniqueConstraint(
            "held_on", "event", "parties_key", name=op.f("uq_historical_meetings_held_on")
        ),
    )
    op.create_table(
        "historical_meeting_parties",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("party_key", sa.String(length=64), nullable=False),
        sa.Column("principal_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["historical_meetings.id"],
            name=op.f("fk_historical_meeting_parties_meeting_id_historical_meetings"),
        ),
        sa.PrimaryKeyConstraint(
            "meeting_id", "party_key", name=op.f("pk_historical_meeting_parties")
        ),
    )
    op.create_index(
        op.f("ix_historical_meeting_parties_party_key"),
        "historical_meeting_parties",
        ["party_key"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_historical_meeting_parties_party_key"), table_name="historical_meeting_parties"
    )
    op.drop_table("historical_meeting_parties")
    op.drop_table("historical_meetings")
    for column in ("meeting_id", "event_id", "encounter_id"):
        op.drop_index(op.f(f"ix_statements_{column}"), table_name="statements")
    op.drop_table("statements")
    op.drop_index(op.f("ix_encounter_parties_party_id"), table_name="encounter_parties")
    op.drop_table("encounter_parties")
    op.drop_index(op.f("ix_encounters_event_id"), table_name="encounters")
    op.drop_table("encounters")
    op.drop_index(op.f("ix_meeting_outcomes_event_id"), table_name="meeting_outcomes")
    op.drop_table("meeting_outcomes")
