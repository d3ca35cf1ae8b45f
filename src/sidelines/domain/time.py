"""Time in Sidelines.

Every span is half-open, ``[start, end)``: a meeting that ends at 10:30 and one that starts at
10:30 do not overlap. Instants are timezone-aware and stored in UTC; they are shown in the event's
local time zone only at the edges (files, pages, agendas).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sidelines.domain.errors import DomainError


def require_aware(instant: datetime, what: str) -> datetime:
    """Return ``instant`` in UTC, refusing naive datetimes (their zone would be a guess)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise DomainError(f"{what} must carry a time zone, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """A half-open span of time ``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", require_aware(self.start, "start"))
        object.__setattr__(self, "end", require_aware(self.end, "end"))
        if self.end <= self.start:
            raise DomainError(
                f"span must end after it starts: {self.start.isoformat()} to {self.end.isoformat()}"
            )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: TimeSpan) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: TimeSpan) -> bool:
        return self.start <= other.start and other.end <= self.end

    def contains_instant(self, instant: datetime) -> bool:
        return self.start <= instant < self.end
