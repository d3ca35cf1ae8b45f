"""Random row ids: 64-bit id columns on PostgreSQL, no sequences.

New rows get their id from ``tables.random_id`` (uniformly random below 2^53), so that the ids a
delegation sees count nothing that others created. PostgreSQL's ``integer`` columns stop at
2^31 - 1: the ids and every column that refers to one become ``bigint``, and the sequences that
counted them go. SQLite's INTEGER holds 64 bits already; its rowids need no change. Existing
rows keep their ids.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The tables whose rows have an integer id, as of this revision.
ID_TABLES = (
    "users",
    "api_tokens",
    "meeting_requests",
    "proposals",
    "meetings",
    "principal_bookings",
    "space_bookings",
    "solve_runs",
    "schedule_versions",
    "change_notices",
    "audit_entries",
    "encounters",
    "statements",
    "historical_meetings",
    "calendar_feeds",
    "login_failures",
    "onsite_changes",
    "report_uploads",
)

# The columns that refer to one of those ids: (table, column, nullable).
REFERENCES = (
    ("api_tokens", "user_id", False),
    ("audit_entries", "actor_user_id", True),
    ("calendar_feeds", "created_by", True),
    ("encounters", "logged_by", True),
    ("historical_meetings", "imported_by", True),
    ("idempotency_keys", "user_id", False),
    ("meeting_requests", "created_by", False),
    ("onsite_changes", "reported_by", True),
    ("report_uploads", "uploaded_by", True),
    ("schedule_versions", "published_by", False),
    ("solve_runs", "requested_by", False),
    ("audit_audience", "entry_id", False),
    ("encounter_parties", "encounter_id", False),
    ("historical_meeting_parties", "meeting_id", False),
    ("proposals", "request_id", False),
    ("request_parties", "request_id", False),
    ("request_terms", "request_id", False),
    ("meetings", "request_id", True),
    ("meetings", "proposal_id", True),
    ("change_notices", "meeting_id", False),
    ("meeting_outcomes", "meeting_id", False),
    ("meeting_outcomes", "recorded_by", True),
    ("meeting_principals", "meeting_id", False),
    ("principal_bookings", "meeting_id", False),
    ("space_bookings", "meeting_id", False),
    ("statements", "meeting_id", True),
    ("statements", "encounter_id", True),
    ("statements", "created_by", True),
    ("statement_signatures", "statement_id", False),
    ("statement_signatures", "signed_by", True),
)


def _retype(to: sa.types.TypeEngine[int], start: sa.types.TypeEngine[int]) -> None:
    for table in ID_TABLES:
        op.alter_column(table, "id", type_=to, existing_type=start, existing_nullable=False)
    for table, column, nullable in REFERENCES:
        op.alter_column(table, column, type_=to, existing_type=start, existing_nullable=nullable)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _retype(sa.BigInteger(), sa.Integer())
    for table in ID_TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
        op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Ids past 2^31 - 1 cannot go back into ``integer``: the downgrade refuses them (PostgreSQL
    # raises "integer out of range") rather than lose rows.
    _retype(sa.Integer(), sa.BigInteger())
    for table in ID_TABLES:
        op.execute(f"CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id")
        op.execute(
            f"SELECT setval('{table}_id_seq', coalesce((SELECT max(id) FROM {table}), 0) + 1,"
            " false)"
        )
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
