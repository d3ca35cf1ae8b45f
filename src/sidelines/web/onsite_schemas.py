"""What the API reads and writes for changes reported at the venue (``routes/onsite_changes``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, StrictInt

from sidelines.services.onsite_changes import MAX_OVERRUN_MIN
from sidelines.web.bounds import Instant
from sidelines.web.schedule_schemas import AlternativePublic, ExplanationPublic, MovedPublic
from sidelines.web.schemas import Public, Strict


class DepartureCreate(Strict):
    """Name either the principal or the party (all its principals) that leaves."""

    principal_id: str | None = Field(default=None, min_length=1, max_length=64)
    party_id: str | None = Field(default=None, min_length=1, max_length=64)
    leaves_at: Instant


class OverrunCreate(Strict):
    """``session_id`` as the event's programme names the session; ``extra_min`` how long it
    runs past its programmed end."""

    session_id: str = Field(min_length=1, max_length=64)
    extra_min: StrictInt = Field(ge=1, le=MAX_OVERRUN_MIN)


class ClosureCreate(Strict):
    """The space cannot be used from ``start`` to ``end`` (within the event)."""

    space_id: str = Field(min_length=1, max_length=64)
    start: Instant
    end: Instant


class OnsiteChangePublic(Public):
    id: int
    kind: str  # departure | overrun | closure
    party_id: str | None
    principal_id: str | None
    session_id: str | None
    space_id: str | None
    starts_at: datetime  # the departure, the programmed end of the session, or the closure's start
    ends_at: datetime | None  # the end of the overrun or of the closure
    reported_at: datetime
    version: int | None  # the schedule version absorbing it made


class UnplacedPublic(Public):
    """A meeting the change took off the schedule: agreed again, for the organiser to decide."""

    meeting_id: int
    before: list[str | None]  # [starts_at, ends_at, space_id] where it was
    reason: str
    alternatives: list[AlternativePublic]
    explanation: ExplanationPublic


class AbsorbedPublic(Public):
    change: OnsiteChangePublic
    version: int | None
    moved: list[MovedPublic]
    unplaced: list[UnplacedPublic]
