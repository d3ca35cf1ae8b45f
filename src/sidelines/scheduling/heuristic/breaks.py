"""Breaks and adjacency of one principal's calendar, in a handful of big-integer operations.

``objective.principal_breaks`` walks the slots one by one, which is right for a validator and too
slow for a search that re-scores a principal after every move. Here the same quantity comes from
whole-calendar masks: programme slots are "transparent" (a meeting, a retreat and a meeting make
one block, objective.py), so a principal's busy slots are first filled through the programme runs
that follow (or precede) them, then block starts are counted with a shift.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sidelines.scheduling.slots import SlotGrid, run_mask


@dataclass(frozen=True, slots=True)
class DayMasks:
    """Whole-grid masks of day boundaries, shared by every principal."""

    first: int  # the first slot of each day
    last: int  # the last slot of each day
    days: tuple[int, ...]  # each day's slots

    @classmethod
    def of(cls, grid: SlotGrid) -> DayMasks:
        first = last = 0
        days: list[int] = []
        for day in grid.days:
            if day.end_slot > day.first_slot:
                first |= 1 << day.first_slot
                last |= 1 << (day.end_slot - 1)
            days.append(run_mask(day.first_slot, day.end_slot - day.first_slot))
        return cls(first, last, tuple(days))


def _chain(propagator: int, shift_down: bool) -> tuple[int, ...]:
    """Kogge-Stone propagator masks: step k lets a fill jump 2**k slots through the programme."""
    chain: list[int] = []
    step = 1
    while propagator:
        chain.append(propagator)
        propagator &= (propagator >> step) if shift_down else (propagator << step)
        step <<= 1
    return tuple(chain)


@dataclass(frozen=True, slots=True)
class Transparent:
    """A principal's programme slots, prepared for filling. Runs are cut at day boundaries so a
    fill never leaks from one day into the next."""

    skip: int
    up: tuple[int, ...]  # fills towards later slots
    down: tuple[int, ...]  # fills towards earlier slots

    @classmethod
    def of(cls, skip: int, days: DayMasks) -> Transparent:
        return cls(skip, _chain(skip & ~days.first, False), _chain(skip & ~days.last, True))


NO_PROGRAMME = Transparent(0, (), ())


def fill_later(busy: int, transparent: Transparent) -> int:
    """``busy`` plus the programme slots whose nearest earlier non-programme slot is busy."""
    step = 1
    for propagator in transparent.up:
        busy |= propagator & (busy << step)
        step <<= 1
    return busy


def fill_earlier(busy: int, transparent: Transparent) -> int:
    """``busy`` plus the programme slots whose nearest later non-programme slot is busy."""
    step = 1
    for propagator in transparent.down:
        busy |= propagator & (busy >> step)
        step <<= 1
    return busy


# How many busy masks a calendar remembers (``Calendar.memo``) before it forgets them all.
MEMO_SIZE = 16


@dataclass(slots=True)
class Calendar:
    """What the search needs to know of one principal's meetings, kept up to date together."""

    busy: int = 0
    filled_later: int = 0
    filled_earlier: int = 0
    busy_days: int = 0  # all slots of the days that hold at least one meeting
    breaks: int = 0
    skip: int = 0  # the programme slots
    # What ``update`` worked out for the busy slots it was last given (``MEMO_SIZE`` of them):
    # (filled_later, filled_earlier, busy_days, breaks) by busy slots, for a search that puts
    # the same meetings in and takes them out again (``State.remember_calendars``); None: not
    # kept. Its principal's programme and the days are the same at every call. Not part of
    # what the calendar holds: two calendars of the same busy slots are equal.
    memo: dict[int, tuple[int, int, int, int]] | None = field(
        default=None, compare=False, repr=False
    )
    # What ``break_deltas`` last gave, and for which busy slots, length and days: the on-site
    # search asks it again for the same calendar more often than not (a meeting's principals,
    # looked at for each move tried). Not part of what the calendar holds either.
    last_deltas: tuple[int, int, DayMasks | None, int, int] = field(
        default=(-1, 0, None, 0, 0), compare=False, repr=False
    )

    def update(self, busy: int, transparent: Transparent, days: DayMasks) -> None:
        self.busy = busy
        memo = self.memo
        if memo is not None:
            known = memo.get(busy)
            if known is not None:
                self.filled_later, self.filled_earlier, self.busy_days, self.breaks = known
                return
        self.skip = transparent.skip
        # A contact held at a programme session lies in time the break count skips
        # (objective.py): it neither makes nor closes a break.
        counted = busy & ~transparent.skip
        later = fill_later(counted, transparent) if transparent.skip else counted
        self.filled_later = later
        self.filled_earlier = fill_earlier(counted, transparent) if transparent.skip else counted
        # A block starts at a busy slot whose previous (non-programme) slot on that day is idle.
        starts = counted & ~((later << 1) & ~days.first)
        busy_days = 0
        n_days = 0
        for day in days.days:
            if counted & day:
                busy_days |= day
                n_days += 1
        self.busy_days = busy_days
        self.breaks = starts.bit_count() - n_days
        if memo is not None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[busy] = (later, self.filled_earlier, busy_days, self.breaks)

    def break_deltas(self, length: int, days: DayMasks) -> tuple[int, int]:
        """Starts at which a meeting of ``length`` slots would remove a break (joining two
        blocks) and starts at which it would add one (standing alone on a day that has
        meetings); every other start keeps the count."""
        busy, last_length, last_days, fewer, more = self.last_deltas
        if busy == self.busy and last_length == length and last_days is days:
            return fewer, more
        joins_earlier = (self.filled_later << 1) & ~days.first
        joins_later = (self.filled_earlier >> length) & ~(days.first >> length)
        fewer = self.busy_days & joins_earlier & joins_later
        more = self.busy_days & ~joins_earlier & ~joins_later
        # A start inside the programme is a contact at a session, which changes nothing.
        fewer &= ~self.skip
        more &= ~self.skip
        self.last_deltas = (self.busy, length, days, fewer, more)
        return fewer, more
