"""Press reports uploaded for review, with the claims read from them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sidelines.storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("owner_party", sa.String(length=64), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column(
            "uploaded_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_report_uploads_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_report_uploads_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_uploads")),
    )
    op.create_index(
        op.f("ix_report_uploads_event_id"), "report_uploads", ["event_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_report_uploads_event_id"), table_name="report_uploads")
    op.drop_table("report_uploads")
