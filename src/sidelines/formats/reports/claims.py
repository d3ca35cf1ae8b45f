"""What a report is read into: proposed claims, each tied to the text it came from.

A claim is a proposal for a person to confirm, never a fact of the record. Spans are half-open
``[start, end)`` character offsets into the report's plain text (``Reading.text``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sidelines.domain.formats import MeetingFormat


class Modality(StrEnum):
    """What a report says of a meeting: that it happened, is planned, may happen though nobody
    planned it, was called off, or is denied."""

    HELD = "held"
    PLANNED = "planned"
    POSSIBLE_NOT_PLANNED = "possible_not_planned"
    CANCELLED = "cancelled"
    DENIED = "denied"


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date as precise as the report made it: "September 2016" is a month, not its first day."""

    value: date
    precision: Precision = Precision.DAY

    def __str__(self) -> str:
        if self.precision is Precision.YEAR:
            return f"{self.value.year:04d}"
        if self.precision is Precision.MONTH:
            return f"{self.value.year:04d}-{self.value.month:02d}"
        return self.value.isoformat()


@dataclass(frozen=True, slots=True)
class Confirmer:
    """Who spoke for a side about the meeting: a person or an office, in which role."""

    id: str
    name: str
    role: str
    side: str
    span: Span


@dataclass(frozen=True, slots=True)
class Note:
    """What a person should check in a claim before accepting it, and the report's words it is
    about: ``weekday_conflict``, a date written with a weekday it does not fall on ("on Saturday,
    November 21" when the 21st is a Monday)."""

    kind: str
    words: str
    span: Span


@dataclass
class MeetingClaim:
    """A meeting or a contact of two principals at an event, as the report tells it.

    ``pair`` holds the principals' ids in sorted order, ``parties`` their parties in the same
    order. ``session`` and ``edge`` place it at a programme session ("at the beginning of the
    retreat"); ``day`` is that session's day or a date the report gives; ``time_of_day`` the
    time the report gives, on the clock ("15:00") or in words ("morning", "afternoon",
    "evening", "night").
    """

    pair: tuple[str, str]
    parties: tuple[str, str]
    event: str | None
    format: MeetingFormat
    modality: Modality
    day: PartialDate | None = None
    session: str | None = None
    edge: str | None = None
    time_of_day: str | None = None
    described: str = ""  # the report's own words for the format: "a short conversation"
    confirmers: list[Confirmer] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    confidence: float = 0.0


@dataclass
class HistoryClaim:
    """An earlier meeting of the pair the report recalls ("they last met at the G20 in
    Hangzhou, on Ukraine and Syria")."""

    pair: tuple[str, str]
    parties: tuple[str, str]
    event: str | None
    when: PartialDate | None = None
    topics: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class Report:
    """A report as uploaded: its text (plain text or HTML), the date it bears and who
    published it."""

    text: str
    published_on: date
    source: str = ""
    media_type: str = "text/plain"  # or text/html


@dataclass
class Reading:
    """The claims read from one report, and the plain text their spans point into."""

    text: str
    language: str  # en | ru
    event: str | None
    meetings: list[MeetingClaim] = field(default_factory=list)
    history: list[HistoryClaim] = field(default_factory=list)
