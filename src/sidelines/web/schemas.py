"""What the API reads and writes: ``XCreate`` for input, ``XPublic`` for output."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)
from starlette.responses import Response

from sidelines.domain import MeetingFormat
from sidelines.domain.attendance import Level
from sidelines.domain.negotiation import Answer, MeetingStatus, RequestState
from sidelines.web.bounds import Instant, Ref, Topics, no_nul

T = TypeVar("T")


class Strict(BaseModel):
    """Input: unknown fields refused, and no NUL character in any text (``web.bounds``).

    Numbers and yes/no fields are ``StrictInt``, ``StrictFloat`` and ``StrictBool``: JSON says
    what a value is, so ``true`` is no count and ``"3"`` no priority; a client sending them has
    a bug to hear about. (Not the whole model strict: in pydantic's strict mode a time or an
    enum could not be read from its JSON text, as FastAPI hands bodies over parsed.)"""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def without_nul(cls, value: Any) -> Any:
        return no_nul(value)


class Public(BaseModel):
    """Output: built from a service's view by its attribute names (``Model.model_validate(view)``),
    so that a field is written once, in the view, and here only its JSON shape."""

    model_config = ConfigDict(from_attributes=True)


def rendered(model: BaseModel, status_code: int = 200) -> Response:
    """``model``'s JSON as the answer. A plain route that returns the model itself has FastAPI
    validate it again and serialise it in a second trip through the thread pool, behind the
    requests waiting for a thread (the route names its ``response_model`` for the OpenAPI
    document instead)."""
    return Response(model.model_dump_json(), status_code, media_type="application/json")


def of_terms(name: str, **default: Any) -> Any:
    """A field read from the view's ``terms`` (a proposal's), or by its own name from JSON."""
    return Field(validation_alias=AliasChoices(name, AliasPath("terms", name)), **default)


def from_pairs(*names: str) -> BeforeValidator:
    """A list the view holds as tuples (``("RUS", "Russia")``), read as objects with these
    field names."""

    def build(value: Any) -> Any:
        return [
            dict(zip(names, item, strict=True)) if isinstance(item, tuple) else item
            for item in value
        ]

    return BeforeValidator(build)


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str  # the path of the bad input (``body.invitees[0]``), or empty


# Every error answer, for the ``responses`` of a route that answers other than JSON.
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorPublic"}


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
    plus: StrictInt = Field(default=0, ge=0, le=100)

    @model_validator(mode="after")
    def one_of(self) -> AttendeeIn:
        if (self.principal is None) == (self.level is None):
            raise ValueError("name a principal or a level, not both")
        return self


class ProposalIn(Strict):
    """A whole proposal. The place is ``space_id`` or ``host_suite`` (the host side's own
    premises); ``attendees`` (by party) and ``own_interpreters`` (parties that bring their own)
    are left as they stand when absent. Without ``format`` the event's default format (a
    counter: the one on the table), without ``duration_min`` the event's length for it."""

    format: MeetingFormat | None = None
    duration_min: StrictInt | None = Field(default=None, ge=1, le=24 * 60)
    windows: list[WindowIn] = Field(default_factory=list, max_length=50)
    space_id: Ref | None = None
    host_party: Ref | None = None
    press_plan: Ref = "none"
    topics: Topics = Field(default_factory=list)
    message: str = Field(default="", max_length=5000)
    host_suite: StrictBool = False
    attendees: dict[Ref, AttendeeIn] | None = Field(default=None, max_length=10)
    own_interpreters: list[Ref] | None = Field(default=None, max_length=10)


class RequestCreate(Strict):
    invitees: list[Ref] = Field(min_length=1, max_length=10)
    proposal: ProposalIn = Field(default_factory=ProposalIn)
    priority: StrictInt | None = Field(default=None, ge=1, le=10)
    note: str = Field(default="", max_length=5000)
    send: StrictBool = True
    on_site: StrictBool = False


class AnswerCreate(Strict):
    answer: Answer
    proposal: ProposalIn | None = None
    reason: str | None = Field(default=None, max_length=1000)


class PrivateUpdate(Strict):
    priority: StrictInt | None = Field(default=None, ge=1, le=10)
    note: str | None = Field(default=None, max_length=5000)


class WindowPublic(Public):
    start: datetime
    end: datetime


class ProposalPublic(Public):
    # A step of the thread: who proposed it, when, and its terms (the view's ``terms``).

    seq: int
    by_party: str
    format: str = of_terms("format")
    duration_min: int | None = of_terms("duration_min")
    windows: list[WindowPublic] = of_terms("windows")
    space_id: str | None = of_terms("space_id")
    host_party: str | None = of_terms("host_party")
    press_plan: str = of_terms("press_plan")
    topics: list[str] = of_terms("topics")
    message: str = of_terms("message")
    created_at: datetime
    host_suite: bool = of_terms("host_suite", default=False)
    attendees: dict[str, Any] | None = of_terms("attendees", default=None)
    own_interpreters: list[str] | None = of_terms("own_interpreters", default=None)


class SidePublic(Public):
    party_id: str
    role: str
    principal_id: str
    accepted_current: bool
    answer: str | None
    answer_reason: str | None


class RequestPublic(Public):
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


class TermPublic(Public):
    term: str
    state: str  # open | proposed | agreed
    value: Any
    proposed_by: str | None
    agreed_by: list[str]
    required: bool


class ParticipantPublic(Public):
    party_id: str
    principal_id: str
    name: str
    rank: str
    languages: list[str]


class Page(Public, Generic[T]):
    items: list[T]
    total: int
    next_cursor: int | None


class MarkCreate(Strict):
    party: str = Field(min_length=1, max_length=64)


class MarksPublic(Public):
    marked: list[str]
    mutual: list[str]


class MeetingPublic(Public):
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


class AgendaItemPublic(Public):
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    where: str | None  # in words: a space's name, or where at a programme session
    meeting_id: int | None
    space_id: str | None = None  # a room meeting's space
    attending: list[str] = []  # the names of the delegation's own people at a meeting


class SolveCreate(Strict):
    """``stability``: keep, minimal or free (default: minimal once a version is published,
    free before); ``max_moves``: a minimal solve's budget, a count (3) or a percentage of the
    published meetings ("2%"); default 1 %, at least one."""

    time_limit_s: StrictFloat = Field(default=10.0, gt=0, le=600)
    stability: str | None = Field(default=None, max_length=16)
    max_moves: StrictInt | Annotated[str, StringConstraints(max_length=8)] | None = None


class SolvePublic(Public):
    id: int
    event_id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    progress: dict[str, Any]
    result: dict[str, Any] | None


class EntryPublic(Public):
    meeting_id: int
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    parties: list[str]


class SchedulePublic(Public):
    version: int
    published_at: datetime | None
    entries: list[EntryPublic]


class NoticePublic(Public):
    id: int
    version: int
    meeting_id: int
    kind: str
    before: list[Any] | None
    after: list[Any] | None
    created_at: datetime
    summary: str  # the change in words, in the event's local time: "Bilateral with Russia moved"


class AuditPublic(Public):
    id: int
    at: datetime
    actor_party: str | None
    action: str
    subject_type: str
    subject_id: str
    channel: str
    detail: dict[str, Any]


class EventPublic(Public):
    id: str
    name: str
    timezone: str
    organiser_sees: str


class ProgrammeItemPublic(Public):
    id: str
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    attendees: list[str]
