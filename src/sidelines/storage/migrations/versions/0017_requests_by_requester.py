"""An index on each delegation's own requests.

Sending a request reads the sender's open requests twice (no second open request to the same
invitee for the same format, and the cap on open requests per delegation). With only the
event's index, PostgreSQL read every request of the event on each send: 2,213 rows per send in
a 200-delegation load run.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_meeting_requests_requester", "meeting_requests", ["event_id", "requester_party"]
    )


def downgrade() -> None:
    op.drop_index("ix_meeting_requests_requester", table_name="meeting_requests")
