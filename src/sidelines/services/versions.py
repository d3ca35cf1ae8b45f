"""A delegation's own numbering of the schedule's versions.

Versions are counted per event, and every on-site placement of any delegation's meeting makes
one. Were a delegation shown those numbers, the gaps between the versions that changed its own
meetings would tell it how busy the others were. So a delegation counts only the versions it
was shown: the first one published, and each that sent it a change notice; its number for a
version is how many of those are no newer. The organiser keeps the event's numbers.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.storage.tables import NoticeRow, ScheduleVersionRow


@dataclass(frozen=True)
class OwnVersions:
    """The event's numbers of the versions one delegation was shown, oldest first (the first
    published version always among them)."""

    numbers: tuple[int, ...]

    @property
    def last(self) -> int:
        """The event's number of the newest version the delegation was shown."""
        return self.numbers[-1]

    def ordinal(self, number: int) -> int:
        """The delegation's number for the event's version ``number`` (0 stays 0: nothing
        published)."""
        return bisect_right(self.numbers, number) if number > 0 else 0

    def number(self, ordinal: int) -> int | None:
        """The event's number of the delegation's version ``ordinal``; None if it has none."""
        return self.numbers[ordinal - 1] if 1 <= ordinal <= len(self.numbers) else None


def own_versions(session: Session, event_id: str, party: str) -> OwnVersions:
    """The versions ``party`` was shown, in one statement."""
    told = session.scalars(
        select(NoticeRow.version)
        .where(NoticeRow.event_id == event_id, NoticeRow.party_id == party)
        .distinct()
        .order_by(NoticeRow.version)
    ).all()
    return OwnVersions(tuple(sorted({1, *told})))


def shown_version(session: Session, event_id: str, own: OwnVersions) -> ScheduleVersionRow:
    """The newest version the delegation was shown (``own.last``)."""
    return session.scalars(
        select(ScheduleVersionRow).where(
            ScheduleVersionRow.event_id == event_id,
            ScheduleVersionRow.number == own.last,
        )
    ).one()
