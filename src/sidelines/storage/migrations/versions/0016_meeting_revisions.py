"""Each meeting's revision (the event revision of its last write), and schedule versions that
hold only what changed.

A process keeps each event's scheduling state and reads back only the meetings written since
(``storage/revisions.py``); a schedule version made by one placement or edit records the
meetings it changed, not the whole schedule again (``full`` false). Rows written before keep
their whole snapshots (``full`` true) and revision 0: every cache starts from a full read.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sidelines.storage.revisions import meeting_revision_statements

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "meetings", sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.create_index("ix_meetings_event_revision", "meetings", ["event_id", "revision"])
    op.add_column(
        "schedule_versions",
        sa.Column("full", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    op.add_column("schedule_versions", sa.Column("revision", sa.Integer(), nullable=True))
    for statement in meeting_revision_statements(op.get_bind().dialect.name, up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in meeting_revision_statements(op.get_bind().dialect.name, up=False):
        op.execute(statement)
    op.drop_column("schedule_versions", "revision")
    op.drop_column("schedule_versions", "full")
    op.drop_index("ix_meetings_event_revision", table_name="meetings")
    op.drop_column("meetings", "revision")
