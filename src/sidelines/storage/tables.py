"""The tables. Rows are thin; the rules live in ``sidelines.domain`` and ``sidelines.services``.

Every table of an event's data carries ``event_id`` so that a query can always be scoped to one
event, and visibility filters (which party may see which row) are simple joins.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    FetchedValue,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from sidelines.storage.types import UTCDateTime

# Named constraints make migrations reproducible on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(64)

# The ids of stored objects are drawn at random from [1, 2^53), not counted by a sequence: the
# ids a delegation sees of its own requests, meetings, notices or statements would otherwise
# count what others created in between. 2^53 keeps every id exact in JavaScript's numbers
# (RFC 8259 §6 advises staying within it). The space is so large that an id drawn again, by a
# new object or in place of one long gone, is as likely as guessing a 53-bit key: with a
# million objects in a table the odds that any two ever collide are about 1 in 18,000, and the
# primary key refuses such a row rather than mixing two objects up.
ROW_ID_END = 2**53
# PostgreSQL's ``integer`` stops at 2^31 - 1; SQLite's INTEGER already holds 64 bits, and stays
# the rowid so that lookups by id keep their speed.
RowId = BigInteger().with_variant(Integer(), "sqlite")


def random_id() -> int:
    """A new row id, uniformly random in [1, ``ROW_ID_END``), from the system's CSPRNG."""
    return 1 + secrets.randbelow(ROW_ID_END - 1)


def random_id_column() -> Mapped[int]:
    """The primary key of a table whose rows get a random id when they are inserted."""
    return mapped_column(RowId, primary_key=True, autoincrement=False, default=random_id)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    organiser_sees: Mapped[str] = mapped_column(String(16))
    request_ttl_hours: Mapped[int | None]
    # The event as its file describes it (without meetings), to rebuild the domain Event.
    # Deferred: most reads need the event's policy, not its whole description.
    spec: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    created_at: Mapped[datetime]
    # Raised by a database trigger (migration 0004) whenever a meeting of the event is written,
    # in the same transaction: a reader that saw revision r and caches what it read under r can
    # trust the cache for as long as the revision stays r, in every process.
    revision: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Raised by every edit of the event's description (``services/event_setup.py``): a process
    # that parsed ``spec`` at one setup revision parses it again at the next (migration 0015).
    setup_revision: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class PartyRow(Base):
    __tablename__ = "parties"

    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), primary_key=True)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))


class PrincipalRow(Base):
    __tablename__ = "principals"
    __table_args__ = (
        ForeignKeyConstraint(["event_id", "party_id"], ["parties.event_id", "parties.id"]),
    )

    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), primary_key=True)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    party_id: Mapped[str] = mapped_column(ID)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    rank: Mapped[str] = mapped_column(String(32))


class SpaceRow(Base):
    __tablename__ = "spaces"

    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), primary_key=True)
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = random_id_column()
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # organiser | delegate
    event_id: Mapped[str | None] = mapped_column(ID, ForeignKey("events.id"))
    party_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime]
    # The language the pages speak to this user ("en", "ru"); none chosen: the browser's.
    language: Mapped[str | None] = mapped_column(String(8))


class TokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = random_id_column()
    user_id: Mapped[int] = mapped_column(RowId, ForeignKey("users.id"), index=True)
    # Only a SHA-256 of the token is kept: a stolen database yields no usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class RequestRow(Base):
    __tablename__ = "meeting_requests"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    requester_party: Mapped[str] = mapped_column(ID)
    state: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[int] = mapped_column(RowId, ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    on_site: Mapped[bool] = mapped_column(Boolean, default=False)


class RequestPartyRow(Base):
    """A party's side of a request. ``priority`` and ``note`` are private to that side."""

    __tablename__ = "request_parties"

    request_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("meeting_requests.id"), primary_key=True
    )
    party_id: Mapped[str] = mapped_column(ID, primary_key=True)
    # The request's event, copied from it when the side is written (a request never changes
    # event): a delegation's requests are read from its own sides alone (``ix_request_parties_
    # party``), whatever the planner knows of the tables' sizes.
    event_id: Mapped[str] = mapped_column(ID)
    role: Mapped[str] = mapped_column(String(16))  # requester | invitee
    principal_id: Mapped[str] = mapped_column(ID)
    priority: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    accepted_current: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str | None] = mapped_column(String(16))
    answer_reason: Mapped[str | None] = mapped_column(Text)
    # Never read (``lazy="raise"``): declared so that a flush holding a new request and its
    # sides inserts the request first (the unit of work orders tables by their relationships).
    request: Mapped[RequestRow] = relationship(lazy="raise")


# A delegation's sides at an event, by role: its inbox and its sent box. Without statistics
# (tables that start empty, no autovacuum yet) PostgreSQL took the event's index on
# ``meeting_requests`` to be as selective as the party's and read every request of the event
# for each inbox, one index scan of the party's sides per request.
Index(
    "ix_request_parties_party",
    RequestPartyRow.party_id,
    RequestPartyRow.event_id,
    RequestPartyRow.role,
    RequestPartyRow.request_id,
)
# A delegation's own requests, read on every send (the duplicate check and the cap on open
# requests): without it each send read every request of the event.
Index("ix_meeting_requests_requester", RequestRow.event_id, RequestRow.requester_party)


class ProposalRow(Base):
    __tablename__ = "proposals"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)

    id: Mapped[int] = random_id_column()
    request_id: Mapped[int] = mapped_column(RowId, ForeignKey("meeting_requests.id"), index=True)
    seq: Mapped[int]
    by_party: Mapped[str] = mapped_column(ID)
    format: Mapped[str] = mapped_column(String(32))
    duration_min: Mapped[int]
    windows: Mapped[list[Any]]  # [[start ISO, end ISO], ...] in UTC
    space_id: Mapped[str | None] = mapped_column(ID)
    host_party: Mapped[str | None] = mapped_column(ID)
    press_plan: Mapped[str] = mapped_column(String(32))
    topics: Mapped[list[Any]]
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    # The place as "the host side's own premises" instead of a space (``domain.terms``).
    host_suite: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # {party_id: {"principal" | "level": ..., "plus": n}}; null: not part of this proposal.
    attendees: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Parties that bring their own interpreter; null: not part of this proposal.
    own_interpreters: Mapped[list[Any] | None] = mapped_column(JSON)
    # For the order of inserts only, as ``RequestPartyRow.request``.
    request: Mapped[RequestRow] = relationship(lazy="raise")


class RequestTermRow(Base):
    """One term of a request (``domain.terms``): the value on the table, who proposed it in
    which step of the thread, and which parties agree to it. No row: the term is open."""

    __tablename__ = "request_terms"

    request_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("meeting_requests.id"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    proposed_by: Mapped[str] = mapped_column(ID)
    proposed_in: Mapped[int]
    agreed_by: Mapped[list[Any]]
    # For the order of inserts only, as ``RequestPartyRow.request``.
    request: Mapped[RequestRow] = relationship(lazy="raise")


class MeetingRow(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(
        RowId, ForeignKey("meeting_requests.id"), unique=True
    )
    proposal_id: Mapped[int | None] = mapped_column(RowId, ForeignKey("proposals.id"))
    format: Mapped[str] = mapped_column(String(32))
    duration_min: Mapped[int]
    windows: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(24))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    space_id: Mapped[str | None] = mapped_column(ID)
    weight: Mapped[int]
    topics: Mapped[list[Any]]
    # The rest of what the engine needs to place it (required, lock, needs, size, host, day part,
    # preferred windows, the meetings it must follow), as ``services.events.meeting_terms``
    # writes it.
    terms: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The iCalendar SEQUENCE of the meeting: a database trigger (``storage/sequences.py``)
    # raises it whenever its time, place, format or status changes, whichever code writes it.
    calendar_sequence: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # The event's revision at the meeting's last write, set by a database trigger
    # (``storage/revisions.py``): what changed since a cached state is ``revision > r``.
    revision: Mapped[int] = mapped_column(
        Integer, server_default=text("0"), server_onupdate=FetchedValue()
    )


Index("ix_meetings_event_revision", MeetingRow.event_id, MeetingRow.revision)


class MeetingPrincipalRow(Base):
    __tablename__ = "meeting_principals"

    meeting_id: Mapped[int] = mapped_column(RowId, ForeignKey("meetings.id"), primary_key=True)
    principal_id: Mapped[str] = mapped_column(ID, primary_key=True)
    party_id: Mapped[str] = mapped_column(ID, index=True)
    # For the order of inserts only, as ``RequestPartyRow.request``: a new meeting and its
    # principals are inserted with one flush.
    meeting: Mapped[MeetingRow] = relationship(lazy="raise")


class PrincipalBookingRow(Base):
    """A principal's time taken by a scheduled meeting. The database refuses overlapping rows
    of one principal (see ``guards.py``)."""

    __tablename__ = "principal_bookings"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"))
    meeting_id: Mapped[int] = mapped_column(RowId, ForeignKey("meetings.id"), index=True)
    principal_id: Mapped[str] = mapped_column(ID)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


Index(
    "ix_principal_bookings_principal",
    PrincipalBookingRow.event_id,
    PrincipalBookingRow.principal_id,
    PrincipalBookingRow.starts_at,
)


class SpaceBookingRow(Base):
    """A space's time taken by a scheduled meeting, turnover buffer included."""

    __tablename__ = "space_bookings"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"))
    meeting_id: Mapped[int] = mapped_column(RowId, ForeignKey("meetings.id"), index=True)
    space_id: Mapped[str] = mapped_column(ID)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


Index(
    "ix_space_bookings_space",
    SpaceBookingRow.event_id,
    SpaceBookingRow.space_id,
    SpaceBookingRow.starts_at,
)


class InterestRow(Base):
    """ "We would like to meet them": revealed to the other side only when it is mutual."""

    __tablename__ = "interests"

    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), primary_key=True)
    from_party: Mapped[str] = mapped_column(ID, primary_key=True)
    to_party: Mapped[str] = mapped_column(ID, primary_key=True)
    created_at: Mapped[datetime]


class ContactRow(Base):
    """ "No meeting planned, but possible": one side's mark for a pair."""

    __tablename__ = "open_contacts"

    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), primary_key=True)
    from_party: Mapped[str] = mapped_column(ID, primary_key=True)
    to_party: Mapped[str] = mapped_column(ID, primary_key=True)
    created_at: Mapped[datetime]


class SolveRunRow(Base):
    __tablename__ = "solve_runs"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed | published
    requested_by: Mapped[int] = mapped_column(RowId, ForeignKey("users.id"))
    time_limit_s: Mapped[float]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    progress: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any] | None]


# One solve per event at a time, enforced by the database: a second running row is refused.
Index(
    "uq_solve_runs_one_running",
    SolveRunRow.event_id,
    unique=True,
    sqlite_where=text("status = 'running'"),
    postgresql_where=text("status = 'running'"),
)


class ScheduleVersionRow(Base):
    __tablename__ = "schedule_versions"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"))
    number: Mapped[int]
    published_at: Mapped[datetime]
    published_by: Mapped[int] = mapped_column(RowId, ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(200))
    # meeting id -> [start ISO, end ISO, space id or null]: the whole published schedule when
    # ``full``, else only the meetings whose placement this version changed (null: taken out),
    # on top of the version before (``services.schedule_versions``). Deferred: most readers
    # need the number only, and a whole schedule is large.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    full: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # The event's revision when the version was made: the meetings written since are the only
    # ones the next version can change. Null for versions made before it was kept.
    revision: Mapped[int | None] = mapped_column(Integer)


class NoticeRow(Base):
    """A change notice: one delegation learns that one of its meetings was placed, moved or
    taken out of the published schedule."""

    __tablename__ = "change_notices"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"))
    party_id: Mapped[str] = mapped_column(ID)
    version: Mapped[int]
    meeting_id: Mapped[int] = mapped_column(RowId, ForeignKey("meetings.id"))
    kind: Mapped[str] = mapped_column(String(16))  # placed | moved | unplaced
    before: Mapped[list[Any] | None] = mapped_column(JSON)
    after: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


Index("ix_change_notices_party", NoticeRow.event_id, NoticeRow.party_id, NoticeRow.id)


class AuditRow(Base):
    """One state change, appended and never edited: the database refuses UPDATE and DELETE."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    actor_party: Mapped[str | None] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(48))
    subject_type: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]]


class AuditAudienceRow(Base):
    """Which delegations may read an audit entry (the sides of the thread it concerns)."""

    __tablename__ = "audit_audience"

    entry_id: Mapped[int] = mapped_column(RowId, ForeignKey("audit_entries.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ID, primary_key=True)
    # For the order of inserts only, as ``RequestPartyRow.request``: an entry and its audience
    # go in one flush (``services.audit``).
    entry: Mapped[AuditRow] = relationship(lazy="raise")


Index("ix_audit_audience_party", AuditAudienceRow.party_id, AuditAudienceRow.entry_id)


class IdempotencyRow(Base):
    """The stored answer to a POST carrying an ``Idempotency-Key``, replayed on retries."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(RowId, ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


# --- the record: what became of meetings, what each side said, and the history of pairs -------


class OutcomeRow(Base):
    """What became of a meeting, recorded afterwards by a side or the organiser.

    ``reason`` (why it was cancelled or not held) is for the two sides alone, like the words of
    a refusal (DESIGN.md §2); ``held_format`` is the format it was really held in when it was
    downgraded (a planned bilateral that became a brief contact).
    """

    __tablename__ = "meeting_outcomes"

    meeting_id: Mapped[int] = mapped_column(RowId, ForeignKey("meetings.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    held_format: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(ID)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class EncounterRow(Base):
    """A contact nobody planned (a greeting, a pull-aside, a word at dinner), logged afterwards."""

    __tablename__ = "encounters"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    format: Mapped[str] = mapped_column(String(32))
    place: Mapped[str] = mapped_column(String(200))
    session_id: Mapped[str | None] = mapped_column(ID)  # the programme session it happened at
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[Any]]
    logged_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    logged_party: Mapped[str | None] = mapped_column(ID)  # None: logged by the organiser
    created_at: Mapped[datetime]


class EncounterPartyRow(Base):
    __tablename__ = "encounter_parties"

    encounter_id: Mapped[int] = mapped_column(RowId, ForeignKey("encounters.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ID, primary_key=True, index=True)
    principal_id: Mapped[str | None] = mapped_column(ID)
    # When this side logged the encounter: each side that logged it owns it. None for a side
    # only named by the other side (or by the organiser).
    logged_at: Mapped[datetime | None]


class StatementRow(Base):
    """What one side says about a meeting or an encounter. Each side's statements are its own
    rows: sides may disagree, and nothing merges them."""

    __tablename__ = "statements"
    __table_args__ = (
        # About a meeting, an encounter, or (before either exists) a set of parties at the
        # event; never about a meeting and an encounter at once.
        CheckConstraint(
            "(meeting_id IS NULL OR encounter_id IS NULL) AND "
            "(meeting_id IS NOT NULL OR encounter_id IS NOT NULL OR parties_key IS NOT NULL)",
            name="subject",
        ),
    )

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(RowId, ForeignKey("meetings.id"), index=True)
    encounter_id: Mapped[int | None] = mapped_column(RowId, ForeignKey("encounters.id"), index=True)
    # The parties a statement made on its own is about, sorted and joined by "+" ("RUS+USA");
    # kept when it is later linked to the meeting or encounter it was about.
    parties_key: Mapped[str | None] = mapped_column(String(200))
    party_id: Mapped[str] = mapped_column(ID)  # the side that speaks
    kind: Mapped[str] = mapped_column(
        String(16)
    )  # readout | confirmation | denial | joint | announcement
    visibility: Mapped[str] = mapped_column(String(16))  # side | counterpart | public
    text: Mapped[str] = mapped_column(Text)
    said_at: Mapped[datetime]
    speaker: Mapped[str] = mapped_column(String(200), default="")
    described_format: Mapped[str] = mapped_column(String(200), default="")
    topics: Mapped[list[Any]]
    sources: Mapped[list[Any]]  # [{"name", "kind", "url"}, ...]
    created_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StatementSignatureRow(Base):
    """A side's signature under a joint statement another side proposed. The proposing side
    signs by proposing; the statement is joint once every side of its subject has signed."""

    __tablename__ = "statement_signatures"

    statement_id: Mapped[int] = mapped_column(RowId, ForeignKey("statements.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ID, primary_key=True)
    signed_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    signed_at: Mapped[datetime]


class HistoricalMeetingRow(Base):
    """A meeting held before the system knew of it, imported from the public record.

    ``parties_key`` is the sorted party keys joined by "+" ("RUS+USA"): with the day, the
    event, the format and the place it identifies the meeting, so importing the same file twice
    adds nothing, while a pair that met twice on one day of a summit keeps both meetings.
    """

    __tablename__ = "historical_meetings"
    __table_args__ = (UniqueConstraint("held_on", "event", "parties_key", "format", "place"),)

    id: Mapped[int] = random_id_column()
    held_on: Mapped[date]
    event: Mapped[str] = mapped_column(String(200))
    series: Mapped[str] = mapped_column(String(64), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(100), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    format: Mapped[str] = mapped_column(String(32))
    parties_key: Mapped[str] = mapped_column(String(200))
    topics: Mapped[list[Any]]
    summary: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[list[Any]]
    imported_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    imported_at: Mapped[datetime]


class HistoricalPartyRow(Base):
    __tablename__ = "historical_meeting_parties"

    meeting_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("historical_meetings.id"), primary_key=True
    )
    party_key: Mapped[str] = mapped_column(ID, primary_key=True, index=True)
    principal_key: Mapped[str | None] = mapped_column(ID)


class CalendarFeedRow(Base):
    """A delegation's private calendar feed. Its URL carries a random token, of which only the
    SHA-256 is kept; a revoked feed keeps its row (``revoked_at``) and answers like none."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"))
    party_id: Mapped[str] = mapped_column(ID)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


Index("ix_calendar_feeds_party", CalendarFeedRow.event_id, CalendarFeedRow.party_id)


class LoginFailureRow(Base):
    """A failed login, counted for a while against the username and the client address it
    came with. ``key`` is a SHA-256 of what it counts against, never the raw address."""

    __tablename__ = "login_failures"

    id: Mapped[int] = random_id_column()
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


Index("ix_login_failures_key", LoginFailureRow.key, LoginFailureRow.at)


class OnsiteChangeRow(Base):
    """A change reported at the venue: a principal or a whole party leaving earlier, a programme
    session running over, a space taken away for a span. Every problem built for the event
    after it includes it (``services.recorded_changes``), so that later solves and placements
    respect it.

    ``starts_at`` is the moment of departure, the end of the session as programmed, or the
    start of the closure; ``ends_at`` the end of the overrun or of the closure (None for a
    departure). ``version`` is the schedule version that absorbing it made, if any."""

    __tablename__ = "onsite_changes"
    __table_args__ = (
        CheckConstraint("kind IN ('departure', 'overrun', 'closure')", name="kind"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="span"),
    )

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    party_id: Mapped[str | None] = mapped_column(ID)
    principal_id: Mapped[str | None] = mapped_column(ID)
    session_id: Mapped[str | None] = mapped_column(ID)
    space_id: Mapped[str | None] = mapped_column(ID)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    reported_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    reported_at: Mapped[datetime]
    version: Mapped[int | None]


class ReportUploadRow(Base):
    """A press report uploaded by a delegation (or the organiser: ``owner_party`` None) and the
    claims read from it. The claims are proposals, private to the uploader, until a person
    reviews each; ``claims`` keeps every claim's fields, spans, confidence and review."""

    __tablename__ = "report_uploads"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    owner_party: Mapped[str | None] = mapped_column(ID)
    uploaded_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(200))
    published_on: Mapped[date]
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    claims: Mapped[list[Any]]


class CheckInRow(Base):
    """A side's arrival at one of its meetings: through its page, the API, or the organiser's
    scan at the door (``channel``)."""

    __tablename__ = "check_ins"

    meeting_id: Mapped[int] = mapped_column(RowId, ForeignKey("meetings.id"), primary_key=True)
    party_id: Mapped[str] = mapped_column(ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    checked_in_at: Mapped[datetime]
    checked_in_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16))  # page | api | scan


class NoShowRow(Base):
    """A meeting one side did not come to: ``absent`` lists the sides that had not checked in
    when it was marked, and the placement it held is kept here, since the meeting leaves the
    schedule (its outcome is ``not_held``)."""

    __tablename__ = "no_shows"

    meeting_id: Mapped[int] = mapped_column(RowId, ForeignKey("meetings.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    absent: Mapped[list[Any]]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    space_id: Mapped[str | None] = mapped_column(ID)
    marked_at: Mapped[datetime]
    marked_by: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))


class RefillRow(Base):
    """An agreed meeting placed into the time a no-show freed. It counts only once every side
    has confirmed it (``confirmed_by``); unconfirmed at ``confirm_by`` it is released: it
    leaves the schedule and waits again. ``state``: offered | confirmed | released."""

    __tablename__ = "refills"
    __table_args__ = (
        CheckConstraint("state IN ('offered', 'confirmed', 'released')", name="state"),
    )

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(RowId, ForeignKey("meetings.id"), index=True)
    freed_by: Mapped[int] = mapped_column(RowId, ForeignKey("meetings.id"))
    offered_at: Mapped[datetime]
    confirm_by: Mapped[datetime]
    confirmed_by: Mapped[list[Any]]
    state: Mapped[str] = mapped_column(String(16))
    settled_at: Mapped[datetime | None]


class RequestReminderRow(Base):
    """The notice that an unanswered request will soon expire, one per request and invitee
    (so that a sweep run twice reminds once)."""

    __tablename__ = "request_reminders"

    request_id: Mapped[int] = mapped_column(
        RowId, ForeignKey("meeting_requests.id"), primary_key=True
    )
    party_id: Mapped[str] = mapped_column(ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    expires_at: Mapped[datetime]
    reminded_at: Mapped[datetime]


# --- messages: the outbox, and what reaches people outside the pages ---------------------------


class OutboxRow(Base):
    """One message to one receiver (a user's e-mail address or a webhook), written in the
    transaction of the change it tells of and delivered later by ``sidelines worker``.

    ``key`` is the idempotency key the receiver sees: a redelivery after a crash repeats it.
    A worker claims a row by setting ``claimed_by`` and ``claimed_until`` (a lease): a worker
    killed mid-delivery leaves a claim that lapses, and another worker (or the same, restarted)
    delivers the row again."""

    __tablename__ = "outbox"

    id: Mapped[int] = random_id_column()
    key: Mapped[str] = mapped_column(String(200), unique=True)
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"))
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    user_id: Mapped[int | None] = mapped_column(RowId, ForeignKey("users.id"))
    webhook_id: Mapped[int | None] = mapped_column(RowId, ForeignKey("webhooks.id"))
    # The receiver's delegation (None: the organiser), the viewer the text is written for.
    party_id: Mapped[str | None] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(24))
    # What it tells of: {"entry": audit id} | {"notice": id} | {"meeting": id, "starts_at": iso}.
    source: Mapped[dict[str, Any]]
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # pending | sent | dropped | failed
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


# The workers' one hot query: the pending rows that are due, oldest first.
Index("ix_outbox_due", OutboxRow.status, OutboxRow.due_at)
Index("ix_outbox_user", OutboxRow.user_id, OutboxRow.status)


class WebhookRow(Base):
    """Where a delegation (or the organiser, ``party_id`` None) wants its messages posted,
    signed with ``secret`` (HMAC-SHA256 of the body)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = random_id_column()
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("events.id"), index=True)
    party_id: Mapped[str | None] = mapped_column(ID)
    url: Mapped[str] = mapped_column(String(2000))
    # Kept in the clear: signing needs it. Shown to its owner once, when it is made.
    secret: Mapped[str] = mapped_column(String(100))
    kinds: Mapped[list[Any]]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int] = mapped_column(RowId, ForeignKey("users.id"))
    created_at: Mapped[datetime]


class DeliveryRow(Base):
    """One attempt to deliver an outbox row: the delivery log its owner reads."""

    __tablename__ = "deliveries"

    id: Mapped[int] = random_id_column()
    outbox_id: Mapped[int] = mapped_column(RowId, ForeignKey("outbox.id"), index=True)
    attempt: Mapped[int]
    at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int]


class MessagePreferenceRow(Base):
    """How a user wants to hear of things: an e-mail address, which kinds, at once or as a
    digest every ``digest_min`` minutes, quiet hours in the venue's time (``HH:MM``), and how
    long before each meeting its reminder comes."""

    __tablename__ = "message_preferences"

    user_id: Mapped[int] = mapped_column(RowId, ForeignKey("users.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    kinds: Mapped[list[Any]]
    digest_min: Mapped[int] = mapped_column(Integer, default=0)
    quiet_from: Mapped[str | None] = mapped_column(String(5))
    quiet_until: Mapped[str | None] = mapped_column(String(5))
    reminder_min: Mapped[int] = mapped_column(Integer, default=15)
    updated_at: Mapped[datetime]
