"""Statements on their own about parties at an event, joint statements' signatures, and the
sides that logged an encounter.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sidelines.storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_SUBJECT = "(meeting_id IS NULL) <> (encounter_id IS NULL)"
NEW_SUBJECT = (
    "(meeting_id IS NULL OR encounter_id IS NULL) AND "
    "(meeting_id IS NOT NULL OR encounter_id IS NOT NULL OR parties_key IS NOT NULL)"
)


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sidelines.storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # SQLite changes a CHECK constraint by copying the table: batch mode does it there, and
    # alters in place on PostgreSQL.
    with op.batch_alter_table("statements") as batch:
        batch.add_column(sa.Column("parties_key", sa.String(length=200), nullable=True))
        batch.drop_constraint(op.f("ck_statements_one_subject"), type_="check")
        batch.create_check_constraint(op.f("ck_statements_subject"), NEW_SUBJECT)
    op.create_table(
        "statement_signatures",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=True),
        _at("signed_at"),
        sa.ForeignKeyConstraint(
            ["signed_by"], ["users.id"], name=op.f("fk_statement_signatures_signed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_signatures_statement_id_statements"),
        ),
        sa.PrimaryKeyConstraint("statement_id", "party_id", name=op.f("pk_statement_signatures")),
    )
    op.add_column("encounter_parties", _at("logged_at", nullable=True))
    # The side that logged an encounter so far owned it alone.
    op.execute(
        "UPDATE encounter_parties SET logged_at = (SELECT created_at FROM encounters "
        "WHERE encounters.id = encounter_parties.encounter_id "
        "AND encounters.logged_party = encounter_parties.party_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("encounter_parties") as batch:
        batch.drop_column("logged_at")
    op.drop_table("statement_signatures")
    # Statements made on their own have no place in the older schema.
    op.execute("DELETE FROM statements WHERE meeting_id IS NULL AND encounter_id IS NULL")
    with op.batch_alter_table("statements") as batch:
        batch.drop_constraint(op.f("ck_statements_subject"), type_="check")
        batch.create_check_constraint(op.f("ck_statements_one_subject"), OLD_SUBJECT)
        batch.drop_column("parties_key")
