"""What the record's API reads and writes: outcomes, encounters, statements, history."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AliasChoices, Field

from sidelines.domain import MeetingFormat
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services.statements import SourceKind, StatementKind, Visibility
from sidelines.web.bounds import DbId, Instant, Ref, Topics
from sidelines.web.schemas import Public, Strict


class OutcomeCreate(Strict):
    status: MeetingStatus
    started_at: Instant | None = None
    ended_at: Instant | None = None
    held_format: MeetingFormat | None = None
    cancelled_by: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)


class OutcomePublic(Public):
    meeting_id: int
    event_id: str
    status: MeetingStatus
    planned_format: str
    format: str  # the format it had in the end
    started_at: datetime | None
    ended_at: datetime | None
    cancelled_by: str | None
    reason: str | None  # the sides only
    recorded_at: datetime | None


class EncounterCreate(Strict):
    parties: list[Ref] = Field(min_length=2, max_length=10)
    started_at: Instant
    ended_at: Instant | None = None
    format: MeetingFormat = MeetingFormat.BRIEF_CONTACT
    place: str = Field(default="", max_length=200)
    session_id: str | None = Field(default=None, max_length=64)
    principals: list[Ref] = Field(default_factory=list, max_length=10)
    description: str = Field(default="", max_length=5000)
    topics: Topics = Field(default_factory=list)


class EncounterPublic(Public):
    id: int
    event_id: str
    format: str
    place: str
    session_id: str | None
    started_at: datetime
    ended_at: datetime | None
    parties: list[str]
    principals: list[str]
    description: str
    topics: list[str]
    logged_by: str | None  # the side that logged it first; None for the organiser
    owners: list[str]  # the sides that logged it
    joined: bool  # this log joined an encounter another side had logged


class SourceIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: SourceKind = SourceKind.AGENCY
    url: str = Field(default="", max_length=2000)


class SourcePublic(Public):
    name: str
    kind: SourceKind
    url: str


class StatementUpdate(Strict):
    kind: StatementKind
    text: str = Field(min_length=1, max_length=20000)
    said_at: Instant
    visibility: Visibility = Visibility.SIDE
    speaker: str = Field(default="", max_length=200)
    described_format: str = Field(default="", max_length=200)
    topics: Topics = Field(default_factory=list)
    sources: list[SourceIn] = Field(default_factory=list, max_length=20)


class StatementCreate(StatementUpdate):
    """About a meeting (``meeting_id``), an encounter (``encounter_id``), or, on its own before
    either exists, about parties at the event (``about_parties``)."""

    meeting_id: DbId | None = None
    encounter_id: DbId | None = None
    about_parties: list[Ref] = Field(default_factory=list, max_length=10)


class StatementLink(Strict):
    """The meeting or the encounter a statement made on its own turned out to be about."""

    meeting_id: DbId | None = None
    encounter_id: DbId | None = None


class StatementPublic(Public):
    id: int
    event_id: str
    meeting_id: int | None
    encounter_id: int | None
    party_id: str
    kind: StatementKind
    visibility: Visibility
    text: str
    said_at: datetime
    speaker: str
    described_format: str
    topics: list[str]
    sources: list[SourcePublic]
    created_at: datetime
    updated_at: datetime
    about_parties: list[str]  # the sides of what it is about
    joint_state: str | None  # a joint statement: "proposed" until every side signed, "signed"
    signed_by: list[str]  # a joint statement's signatures, its proposer's first among them
    # the sides yet to sign a joint statement (the view's ``awaiting``)
    awaiting_signature: list[str] = Field(
        validation_alias=AliasChoices("awaiting_signature", "awaiting")
    )


class HistoryEntryPublic(Public):
    kind: str
    ref: int
    event_id: str | None
    event: str
    city: str
    country: str
    held_on: date
    starts_at: datetime | None
    format: str | None
    place: str
    parties: list[str]
    principals: list[str]
    topics: list[str]
    summary: str
    sources: list[SourcePublic]
    statements: list[StatementPublic]


class LastMetPublic(Public):
    pair: list[str]
    met: bool
    answer: str  # "They last met on the sidelines of …"
    entry: HistoryEntryPublic | None


class ImportPublic(Public):
    imported: int
    known: int


class PublicItemPublic(Public):
    kind: str
    ref: int
    status: str
    format: str
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    parties: list[str]
    statements: list[StatementPublic]


class PublicRecordPublic(Public):
    event_id: str
    event: str
    items: list[PublicItemPublic]
    statements: list[StatementPublic]  # public statements about parties, on their own
