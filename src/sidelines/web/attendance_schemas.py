"""What the API reads and writes for check-in, no-shows and refills, and the results report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BeforeValidator, Field

from sidelines.domain.negotiation import MeetingStatus
from sidelines.web.bounds import Ref
from sidelines.web.schemas import Public, Strict, from_pairs


class CheckInCreate(Strict):
    """A delegation checks in for itself (no ``party``); the organiser names the side."""

    party: Ref | None = None


class ScanCreate(Strict):
    """The organiser's scan at the door: the code printed for the meeting, and the side."""

    code: str = Field(min_length=3, max_length=24)  # up to 16 digits, a dash and 4 check characters
    party: Ref


class CheckedInPublic(Public):
    party: str
    at: datetime


class RefillPublic(Public):
    freed_by: int
    state: str  # offered | confirmed | released
    offered_at: datetime
    confirm_by: datetime
    confirmed_by: list[str]


class AttendancePublic(Public):
    meeting_id: int
    status: MeetingStatus
    code: str
    starts_at: datetime | None
    sides: list[str]
    checked_in: Annotated[list[CheckedInPublic], from_pairs("party", "at")]
    absent: list[str]
    refill: RefillPublic | None


class SweepPublic(Public):
    no_shows: list[int]
    offered: list[int]
    released: list[int]
    version: int | None
    refill_ms: float | None


class LeftOutPublic(Public):
    meeting_id: int
    label: str
    reason: str


class DelegationResultPublic(Public):
    """None where the reader may not read it (requests under a bookings-only organiser,
    priorities of any side but the reader's own)."""

    party: str
    name: str
    requested: int | None
    received: int | None
    accepted: int | None
    agreed: int
    placed: int
    held: int
    no_show_absent: int
    no_show_other: int
    left_out: list[LeftOutPublic]
    share_placed: float | None = Field(validation_alias=AliasChoices("share_placed", "share"))
    priority_asked: int | None
    priority_met: int | None


def _parties(lines: Any) -> Any:
    return [getattr(line, "party", line) for line in lines]


class ResultsPublic(Public):
    event_id: str
    viewer: str | None
    lines: list[DelegationResultPublic]
    # the parties, least served first (the view holds their lines)
    least_served: Annotated[list[str], BeforeValidator(_parties)]
