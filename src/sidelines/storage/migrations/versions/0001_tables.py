"""The tables of negotiation, scheduling, accounts and audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sidelines.storage.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("organiser_sees", sa.String(length=16), nullable=False),
        sa.Column("request_ttl_hours", sa.Integer(), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_table(
        "interests",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("from_party", sa.String(length=64), nullable=False),
        sa.Column("to_party", sa.String(length=64), nullable=False),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_interests_event_id_events")
        ),
        sa.PrimaryKeyConstraint("event_id", "from_party", "to_party", name=op.f("pk_interests")),
    )
    op.create_table(
        "open_contacts",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("from_party", sa.String(length=64), nullable=False),
        sa.Column("to_party", sa.String(length=64), nullable=False),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_open_contacts_event_id_events")
        ),
        sa.PrimaryKeyConstraint(
            "event_id", "from_party", "to_party", name=op.f("pk_open_contacts")
        ),
    )
    op.create_table(
        "parties",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_parties_event_id_events")
        ),
        sa.PrimaryKeyConstraint("event_id", "id", name=op.f("pk_parties")),
    )
    op.create_table(
        "spaces",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_spaces_event_id_events")
        ),
        sa.PrimaryKeyConstraint("event_id", "id", name=op.f("pk_spaces")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.Column("party_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_users_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_party", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("subject_type", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_audit_entries_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_audit_entries_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entries_event_id"), ["event_id"], unique=False)

    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "meeting_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("requester_party", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_site", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_meeting_requests_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_meeting_requests_event_id_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_requests")),
    )
    with op.batch_alter_table("meeting_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_requests_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "principals",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id", "party_id"],
            ["parties.event_id", "parties.id"],
            name=op.f("fk_principals_event_id_parties"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_principals_event_id_events")
        ),
        sa.PrimaryKeyConstraint("event_id", "id", name=op.f("pk_principals")),
    )
    op.create_table(
        "schedule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "published_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_schedule_versions_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_schedule_versions_published_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_versions")),
        sa.UniqueConstraint("event_id", "number", name=op.f("uq_schedule_versions_event_id")),
    )
    op.create_table(
        "solve_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("time_limit_s", sa.Double(), nullable=False),
        sa.Column("started_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_solve_runs_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_solve_runs_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_solve_runs")),
    )
    with op.batch_alter_table("solve_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_solve_runs_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "uq_solve_runs_one_running",
            ["event_id"],
            unique=True,
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )

    op.create_table(
        "audit_audience",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["audit_entries.id"],
            name=op.f("fk_audit_audience_entry_id_audit_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "party_id", name=op.f("pk_audit_audience")),
    )
    with op.batch_alter_table("audit_audience", schema=None) as batch_op:
        batch_op.create_index("ix_audit_audience_party", ["party_id", "entry_id"], unique=False)

    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("by_party", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("space_id", sa.String(length=64), nullable=True),
        sa.Column("host_party", sa.String(length=64), nullable=True),
        sa.Column("press_plan", sa.String(length=32), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["meeting_requests.id"],
            name=op.f("fk_proposals_request_id_meeting_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("request_id", "seq", name=op.f("uq_proposals_request_id")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_request_id"), ["request_id"], unique=False)

    op.create_table(
        "request_parties",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("principal_id", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("accepted_current", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answer_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["meeting_requests.id"],
            name=op.f("fk_request_parties_request_id_meeting_requests"),
        ),
        sa.PrimaryKeyConstraint("request_id", "party_id", name=op.f("pk_request_parties")),
    )
    with op.batch_alter_table("request_parties", schema=None) as batch_op:
        batch_op.create_index("ix_request_parties_party", ["party_id", "request_id"], unique=False)

    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("starts_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("space_id", sa.String(length=64), nullable=True),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_meetings_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_meetings_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["meeting_requests.id"],
            name=op.f("fk_meetings_request_id_meeting_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("request_id", name=op.f("uq_meetings_request_id")),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_event_id"), ["event_id"], unique=False)

    op.create_table(
        "change_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_change_notices_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_change_notices_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_notices")),
    )
    with op.batch_alter_table("change_notices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_change_notices_party", ["event_id", "party_id", "id"], unique=False
        )

    op.create_table(
        "meeting_principals",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("principal_id", sa.String(length=64), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_principals_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "principal_id", name=op.f("pk_meeting_principals")),
    )
    with op.batch_alter_table("meeting_principals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_principals_party_id"), ["party_id"], unique=False
        )

    op.create_table(
        "principal_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("principal_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_principal_bookings_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_principal_bookings_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principal_bookings")),
    )
    with op.batch_alter_table("principal_bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_principal_bookings_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            "ix_principal_bookings_principal",
            ["event_id", "principal_id", "starts_at"],
            unique=False,
        )

    op.create_table(
        "space_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sidelines.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_space_bookings_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_space_bookings_meeting_id_meetings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_space_bookings")),
    )
    with op.batch_alter_table("space_bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_space_bookings_meeting_id"), ["meeting_id"], unique=False
        )
        batch_op.create_index(
            "ix_space_bookings_space", ["event_id", "space_id", "starts_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("space_bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_space_bookings_space")
        batch_op.drop_index(batch_op.f("ix_space_bookings_meeting_id"))

    op.drop_table("space_bookings")
    with op.batch_alter_table("principal_bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_principal_bookings_principal")
        batch_op.drop_index(batch_op.f("ix_principal_bookings_meeting_id"))

    op.drop_table("principal_bookings")
    with op.batch_alter_table("meeting_principals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_principals_party_id"))

    op.drop_table("meeting_principals")
    with op.batch_alter_table("change_notices", schema=None) as batch_op:
        batch_op.drop_index("ix_change_notices_party")

    op.drop_table("change_notices")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_event_id"))

    op.drop_table("meetings")
    with op.batch_alter_table("request_parties", schema=None) as batch_op:
        batch_op.drop_index("ix_request_parties_party")

    op.drop_table("request_parties")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_request_id"))

    op.drop_table("proposals")
    with op.batch_alter_table("audit_audience", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_audience_party")

    op.drop_table("audit_audience")
    with op.batch_alter_table("solve_runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_solve_runs_one_running",
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )
        batch_op.drop_index(batch_op.f("ix_solve_runs_event_id"))

    op.drop_table("solve_runs")
    op.drop_table("schedule_versions")
    op.drop_table("principals")
    with op.batch_alter_table("meeting_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_requests_event_id"))

    op.drop_table("meeting_requests")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_event_id"))

    op.drop_table("audit_entries")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("spaces")
    op.drop_table("parties")
    op.drop_table("open_contacts")
    op.drop_table("interests")
    op.drop_table("events")
