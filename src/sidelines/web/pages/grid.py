"""The schedule grid: spaces across, time down, one day in the event's local time.

A picture of the day for the organiser: what each space holds in each step, where a space is
closed, where it is free, and conflicts — a space or a delegation in two meetings in one step.
The database refuses double bookings, so a conflict here means data that bypassed it; the grid
shows it rather than hide it. Steps are a quarter of an hour (or the event's grain, if coarser):
a finer grid is too long to read on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sidelines.domain import Event, ProgrammeSession, Space
from sidelines.i18n import N_, _
from sidelines.services.published_entries import Entry

STEP_MIN = 15
NO_ROOM = N_("no room")


@dataclass(frozen=True)
class Cell:
    entries: tuple[Entry, ...]
    starts: tuple[Entry, ...]  # entries that begin in this step: they carry the label
    open: bool
    conflict: bool = False

    @property
    def state(self) -> str:
        if self.conflict:
            return "conflict"
        if self.entries:
            return "busy"
        return "free" if self.open else "closed"


@dataclass(frozen=True)
class Row:
    # In UTC: a local time in the hour lived twice (fold=1) never equals an instant of another
    # zone (PEP 495), so the places offered for a step would not be found by its start.
    starts_at: datetime
    programme: tuple[ProgrammeSession, ...]
    cells: tuple[Cell, ...]
    double_booked: tuple[str, ...]  # parties in two meetings at once
    local_start: datetime  # ``starts_at`` on the venue's clock, for the page

    @property
    def free_spaces(self) -> int:
        return sum(1 for cell in self.cells[:-1] if cell.state == "free")


@dataclass(frozen=True)
class Grid:
    day: date
    columns: tuple[str, ...]  # space names, then "no room"
    rows: tuple[Row, ...]
    free_min: tuple[int, ...] = field(default=())  # free open minutes per space

    @property
    def conflicts(self) -> int:
        return sum(
            1
            for row in self.rows
            if row.double_booked or any(c.state == "conflict" for c in row.cells)
        )


def _open(space: Space, start: datetime, end: datetime) -> bool:
    if not space.opening_hours:
        return True
    return any(span.start <= start and end <= span.end for span in space.opening_hours)


def _overlapping(entries: list[Entry], start: datetime, end: datetime) -> list[Entry]:
    return [e for e in entries if e.starts_at < end and start < e.ends_at]


def _clashing_pairs(entries: list[Entry]) -> list[tuple[Entry, Entry]]:
    """Pairs of entries that overlap each other: two short meetings one after the other in
    the same step do not clash."""
    return [
        (a, b)
        for i, a in enumerate(entries)
        for b in entries[i + 1 :]
        if a.starts_at < b.ends_at and b.starts_at < a.ends_at
    ]


def build_grid(event: Event, day: date, entries: list[Entry]) -> Grid:
    step = timedelta(minutes=max(STEP_MIN, event.grain_min))
    # Stepped in UTC: adding to a local time counts on the wall clock, which skips the hour
    # lived twice when the clocks go back (and invents the one skipped when they go forward).
    first = event.local(day, event.day_start).astimezone(UTC)
    last = event.local(day, event.day_end).astimezone(UTC)
    by_space: dict[str | None, list[Entry]] = {}
    for entry in entries:
        by_space.setdefault(entry.space_id, []).append(entry)
    columns = (*(s.name for s in event.spaces), _(NO_ROOM))
    rows = []
    free = [0] * len(event.spaces)
    at = first
    while at < last:
        end = at + step
        cells = []
        for index, space in enumerate(event.spaces):
            here = _overlapping(by_space.get(space.id, []), at, end)
            is_open = _open(space, at, end)
            starts = tuple(e for e in here if at <= e.starts_at < end)
            cells.append(Cell(tuple(here), starts, is_open, bool(_clashing_pairs(here))))
            if is_open and not here:
                free[index] += int(step.total_seconds() // 60)
        # Meetings without a room (corridor contacts) share no space, so never clash by place.
        corridor = _overlapping(by_space.get(None, []), at, end)
        starts = tuple(e for e in corridor if at <= e.starts_at < end)
        cells.append(Cell(tuple(corridor), starts, True))
        double = {
            party
            for a, b in _clashing_pairs(_overlapping(entries, at, end))
            for party in set(a.parties) & set(b.parties)
        }
        rows.append(
            Row(
                at,
                tuple(s for s in event.programme if s.span.start < end and at < s.span.end),
                tuple(cells),
                tuple(sorted(double)),
                at.astimezone(event.zone),
            )
        )
        at = end
    return Grid(day, columns, tuple(rows), tuple(free))
