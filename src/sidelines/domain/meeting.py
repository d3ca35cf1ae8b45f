"""Meetings to be scheduled: who meets, in which format, for how long, and under which wishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sidelines.domain.errors import DomainError
from sidelines.domain.formats import MeetingFormat, defaults_for
from sidelines.domain.ids import MeetingId, PartyId, PrincipalId, SpaceId
from sidelines.domain.programme import AtSession
from sidelines.domain.space import Feature
from sidelines.domain.time import TimeSpan, require_aware

# The solvers weigh meetings by their priorities in 64-bit and floating-point sums (CP-SAT's
# objective multiplies the weight by the breaks' and preferences' ranges): far below that limit,
# and far above any scale of priorities in use (a request's sides give 1 to 10 each).
MAX_PRIORITY = 1_000_000


class PressPlan(StrEnum):
    """What the press sees of a meeting: nothing, a pool spray (cameras for the opening
    handshake and remarks, then out), or an open press event."""

    NONE = "none"
    POOL_SPRAY = "pool_spray"
    OPEN_PRESS = "open_press"


class DayPart(StrEnum):
    """A "morning only" or "afternoon only" wish; the event says where noon falls."""

    ANY = "any"
    MORNING = "morning"
    AFTERNOON = "afternoon"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a locked meeting must stay: its start and its space (a meeting locked in a space is
    held in a room, whatever its format); or, for a brief contact held at a programme session,
    that session's start or end (and no space)."""

    start: datetime
    space: SpaceId | None = None
    at_session: AtSession | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", require_aware(self.start, "locked start"))
        if self.space is not None and self.at_session is not None:
            raise DomainError(
                "a contact at a programme session is held in no space", "locked.at_session"
            )


@dataclass(frozen=True, slots=True)
class Meeting:
    """An agreed (or requested) engagement of two or more principals, to be placed in time.

    Unset fields take the format's defaults (``duration_min``, ``needs_space``, ``size``,
    ``needs``). ``priority`` weighs the meeting in the objective; a ``required`` meeting must be
    scheduled or the problem is infeasible. ``windows`` restricts when it may happen (empty: any
    time), ``preferred`` is a soft wish. ``after`` lists meetings that must end before it starts.
    """

    id: MeetingId
    principals: tuple[PrincipalId, ...]
    format: MeetingFormat = MeetingFormat.BILATERAL_RESTRICTED
    duration_min: int | None = None
    priority: int = 1
    required: bool = False
    windows: tuple[TimeSpan, ...] = ()
    day_part: DayPart = DayPart.ANY
    preferred: tuple[TimeSpan, ...] = ()
    locked: Placement | None = None
    after: tuple[MeetingId, ...] = ()
    needs_space: bool | None = None
    size: int | None = None
    needs: frozenset[Feature] | None = None
    host: PartyId | None = None
    title: str = ""
    topics: tuple[str, ...] = ()
    spaces: tuple[SpaceId, ...] = ()
    press: PressPlan = PressPlan.NONE
    own_interpreters: tuple[PartyId, ...] = ()

    def __post_init__(self) -> None:
        # Enum fields given as their plain values (as files and APIs write them) become enums,
        # so that rules comparing with ``is`` read them right. Those given as enums (as the
        # event reader gives them) are taken as they are: an enum's call is a microsecond,
        # three per meeting of a large event file.
        if type(self.format) is not MeetingFormat:
            try:
                object.__setattr__(self, "format", MeetingFormat(self.format))
            except ValueError:
                raise DomainError(f"unknown format {self.format!r}", "format") from None
        if type(self.day_part) is not DayPart:
            try:
                object.__setattr__(self, "day_part", DayPart(self.day_part))
            except ValueError:
                raise DomainError(f"unknown day part {self.day_part!r}", "day_part") from None
        if type(self.press) is not PressPlan:
            try:
                object.__setattr__(self, "press", PressPlan(self.press))
            except ValueError:
                raise DomainError(f"unknown press plan {self.press!r}", "press") from None
        if not self.id.strip():
            raise DomainError("meeting id must not be empty", "id")
        if len(self.principals) < 2:
            raise DomainError("a meeting needs at least two principals", "principals")
        if len(set(self.principals)) != len(self.principals):
            raise DomainError("a principal is listed twice", "principals")
        if self.duration_min is not None and self.duration_min <= 0:
            raise DomainError(f"duration must be positive, got {self.duration_min}", "duration_min")
        if self.priority < 1:
            raise DomainError(f"priority must be at least 1, got {self.priority}", "priority")
        if self.priority > MAX_PRIORITY:
            raise DomainError(
                f"priority must be at most {MAX_PRIORITY}, got {self.priority}", "priority"
            )
        if self.size is not None and self.size < 1:
            raise DomainError(f"size must be at least 1, got {self.size}", "size")
        if self.spaces and len(set(self.spaces)) != len(self.spaces):
            raise DomainError("a space is listed twice", "spaces")
        if self.own_interpreters and len(set(self.own_interpreters)) != len(self.own_interpreters):
            raise DomainError("a side is listed twice", "own_interpreters")
        if self.after and self.id in self.after:
            raise DomainError("a meeting cannot come after itself", "after")

    @property
    def effective_duration_min(self) -> int:
        if self.duration_min is not None:
            return self.duration_min
        return defaults_for(self.format).duration_min

    @property
    def effective_needs_space(self) -> bool:
        # An agreed place, a press plan or a lock in a space is held in a room, whatever the
        # format's default.
        if self.spaces or self.press is not PressPlan.NONE:
            return True
        if self.locked is not None and self.locked.space is not None:
            return True
        if self.needs_space is not None:
            return self.needs_space
        return defaults_for(self.format).needs_space

    @property
    def effective_needs(self) -> frozenset[Feature]:
        return self.needs if self.needs is not None else defaults_for(self.format).needs

    def effective_size(self, n_parties: int) -> int:
        if self.size is not None:
            return self.size
        return defaults_for(self.format).size_for(n_parties)

    @property
    def label(self) -> str:
        return self.title or self.id
