"""What the API reads and writes: ``XCreate`` for input, ``XPublic`` for output."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from sidelines.domain import MeetingFormat
from sidelines.domain.attendance import Level
from sidelines.domain.negotiation import Answer, MeetingStatus, RequestState
from sidelines.web.bounds import Instant, Ref, Topics, no_nul

T = TypeVar("T")


class Strict(BaseModel):
    """Input: unknown fields refused, and no NUL character in any text (``web.bounds``)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def without_nul(cls, value: Any) -> Any:
        return no_nul(value)


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str  # the path of the bad input (``body.invitees[0]``), or empty


class ErrorPublic(BaseModel):
    """Every error response, whatever its status (``sidelines.web.errors``)."""

    error: ErrorDetail


class TokenCreate(Strict):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class TokenPublic(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    role: str
    event_id: str | None
    party_id: str | None


class WindowIn(Strict):
    start: Instant
    end: Instant

    @model_validator(mode="after")
    def ordered(self) -> WindowIn:
        if self.end <= self.start:
            raise ValueError("a window must end after it starts")
        return self


class AttendeeIn(Strict):
    """Who attends for one side: a named principal or a level, and how many more people."""

    principal: Ref | None = None
    level: Level | None = None
    plus: int = Field(default=0, ge=0, le=100)

    @model_validator(mode="after")
    def one_of(self) -> AttendeeIn:
        if (self.principal is None) == (self.level is None):
            raise ValueError("name a principal or a level, not both")
        return self


class ProposalIn(Strict):
    """A whole proposal. The place is ``space_id`` or ``host_suite`` (the host side's own
    premises); ``attendees`` (by party) and ``own_interpreters`` (parties that bring their own)
    are left as they stand when absent."""

    format: MeetingFormat = MeetingFormat.BILATERAL_RESTRICTED
    duration_min: int | None = Field(default=None, ge=1, le=24 * 60)
    windows: list[WindowIn] = Field(default_factory=list, max_length=50)
    space_id: Ref | None = None
    host_party: Ref | None = None
    press_plan: Ref = "none"
    topics: Topics = Field(default_factory=list)
    message: str = Field(default="", max_length=5000)
    host_suite: bool = False
    attendees: dict[Ref, AttendeeIn] | None = Field(default=None, max_length=10)
    own_interpreters: list[Ref] | None = Field(default=None, max_length=10)


class RequestCreate(Strict):
    invitees: list[Ref] = Field(min_length=1, max_length=10)
    proposal: ProposalIn = Field(default_factory=ProposalIn)
    priority: int | None = Field(default=None, ge=1, le=10)
    note: str = Field(default="", max_length=5000)
    send: bool = True
    on_site: bool = False


class AnswerCreate(Strict):
    answer: Answer
    proposal: ProposalIn | None = None
    reason: str | None = Field(default=None, max_length=1000)


class PrivateUpdate(Strict):
    priority: int | None = Field(default=None, ge=1, le=10)
    note: str | None = Field(default=None, max_length=5000)


class WindowPublic(BaseModel):
    start: datetime
    end: datetime


class ProposalPublic(BaseModel):
    seq: int
    by_party: str
    format: str
    duration_min: int | None
    windows: list[WindowPublic]
    space_id: str | None
    host_party: str | None
    press_plan: str
    topics: list[str]
    message: str
    created_at: datetime
    host_suite: bool = False
    attendees: dict[str, Any] | None = None
    own_interpreters: list[str] | None = None


class SidePublic(BaseModel):
    party_id: str
    role: str
    principal_id: str
    accepted_current: bool
    answer: str | None
    answer_reason: str | None


class RequestPublic(BaseModel):
    id: int
    event_id: str
    state: RequestState
    requester: str
    channel: str
    on_site: bool
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None
    sides: list[SidePublic]
    proposals: list[ProposalPublic]
    meeting_id: int | None
    my_party: str | None
    my_priority: int | None
    my_note: str | None
    # The terms, each open, proposed or agreed (``domain.terms``); who would attend, in protocol
    # order; the language pairs the meeting needs interpreters for.
    terms: list[TermPublic] = []
    participants: list[ParticipantPublic] = []
    interpretation: list[list[str]] = []


class TermPublic(BaseModel):
    term: str
    state: str  # open | proposed | agreed
    value: Any
    proposed_by: str | None
    agreed_by: list[str]
    required: bool


class ParticipantPublic(BaseModel):
    party_id: str
    principal_id: str
    name: str
    rank: str
    languages: list[str]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    next_cursor: int | None


class MarkCreate(Strict):
    party: str = Field(min_length=1, max_length=64)


class MarksPublic(BaseModel):
    marked: list[str]
    mutual: list[str]


class MeetingPublic(BaseModel):
    id: int
    event_id: str
    status: MeetingStatus
    format: str
    duration_min: int
    starts_at: datetime | None
    ends_at: datetime | None
    space_id: str | None
    parties: list[str]
    principals: list[str]
    topics: list[str] | None
    request_id: int | None
    # Where it is held, in words: a space's name, "At the start of Leaders' retreat, session I,
    # Lima Convention Center" for a contact at a programme session; None while it has no time.
    place: str | None


class StatusUpdate(Strict):
    status: MeetingStatus


class AgendaItemPublic(BaseModel):
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    where: str | None  # in words: a space's name, or where at a programme session
    meeting_id: int | None
    space_id: str | None = None  # a room meeting's space


class SolveCreate(Strict):
    """``stability``: keep, minimal or free (default: minimal once a version is published,
    free before); ``max_moves``: a minimal solve's budget, a count (3) or a percentage of the
    published meetings ("2%"); default 1 %, at least one."""

    time_limit_s: float = Field(default=10.0, gt=0, le=600)
    stability: str | None = Field(default=None, max_length=16)
    max_moves: int | Annotated[str, StringConstraints(max_length=8)] | None = None


class SolvePublic(BaseModel):
    id: int
    event_id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    progress: dict[str, Any]
    result: dict[str, Any] | None


class EntryPublic(BaseModel):
    meeting_id: int
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    parties: list[str]


class SchedulePublic(BaseModel):
    version: int
    published_at: datetime | None
    entries: list[EntryPublic]


class NoticePublic(BaseModel):
    id: int
    version: int
    meeting_id: int
    kind: str
    before: list[Any] | None
    after: list[Any] | None
    created_at: datetime
    summary: str  # the change in words, in the event's local time: "Bilateral with Russia moved"


class AuditPublic(BaseModel):
    id: int
    at: datetime
    actor_party: str | None
    action: str
    subject_type: str
    subject_id: str
    channel: str
    detail: dict[str, Any]


class EventPublic(BaseModel):
    id: str
    name: str
    timezone: str
    organiser_sees: str


class ProgrammeItemPublic(BaseModel):
    id: str
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    attendees: list[str]
