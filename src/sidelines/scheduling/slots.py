"""The slot grid: the event's days cut into equal steps, and sets of slots as bit masks.

A set of slots is a Python ``int`` whose bit ``s`` is set when slot ``s`` belongs to it. Python's
big integers make union, intersection and shifting of whole calendars a single operation, which is
what keeps the constructive heuristic fast on events with tens of thousands of meetings.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from sidelines.domain.time import TimeSpan

SlotMask = int


def mask_of(slots: range | list[int] | tuple[int, ...]) -> SlotMask:
    if isinstance(slots, range) and slots.step == 1:
        return ((1 << len(slots)) - 1) << slots.start if len(slots) else 0
    mask = 0
    for slot in slots:
        mask |= 1 << slot
    return mask


def run_mask(start: int, length: int) -> SlotMask:
    """The slots ``[start, start + length)``."""
    return ((1 << length) - 1) << start


def starts_inside(mask: SlotMask, length: int) -> SlotMask:
    """The starts ``t`` whose whole run ``[t, t + length)`` lies inside ``mask``."""
    result = mask
    for offset in range(1, length):
        result &= mask >> offset
    return result


def starts_touching(mask: SlotMask, length: int) -> SlotMask:
    """The starts ``t`` whose run ``[t, t + length)`` meets ``mask`` in at least one slot."""
    result = mask
    for offset in range(1, length):
        result |= mask >> offset
    return result


def iter_slots(mask: SlotMask) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def lowest_slot(mask: SlotMask) -> int:
    return (mask & -mask).bit_length() - 1


@dataclass(frozen=True, slots=True)
class Day:
    """One day of the grid: slots ``[first_slot, end_slot)``, afternoon from ``afternoon_slot``."""

    index: int
    date: date
    first_slot: int
    end_slot: int
    afternoon_slot: int

    @property
    def slots(self) -> range:
        return range(self.first_slot, self.end_slot)


@dataclass(frozen=True)
class SlotGrid:
    """Consecutive slots of ``grain_min`` minutes covering each day's working hours."""

    grain_min: int
    days: tuple[Day, ...]
    starts: tuple[datetime, ...]  # UTC start of each slot, increasing

    @property
    def n_slots(self) -> int:
        return len(self.starts)

    # Cached: compiling a large event asks for these once per meeting and slot (a frozen
    # dataclass's ``cached_property`` writes the instance's own dict, not a field).
    @cached_property
    def grain(self) -> timedelta:
        return timedelta(minutes=self.grain_min)

    @cached_property
    def _all_slots(self) -> SlotMask:
        return run_mask(0, len(self.starts))

    def start_of(self, slot: int) -> datetime:
        return self.starts[slot]

    def end_of(self, slot: int) -> datetime:
        return self.starts[slot] + self.grain

    def span_of(self, start_slot: int, length: int) -> TimeSpan:
        return TimeSpan(self.start_of(start_slot), self.end_of(start_slot + length - 1))

    def day_of(self, slot: int) -> Day:
        for day in self.days:
            if day.first_slot <= slot < day.end_slot:
                return day
        raise IndexError(f"slot {slot} is outside the grid")

    def slot_at(self, instant: datetime) -> int | None:
        """The slot that starts exactly at ``instant``, if any."""
        index = bisect_right(self.starts, instant) - 1
        if index >= 0 and self.starts[index] == instant:
            return index
        return None

    def slots_within(self, span: TimeSpan) -> SlotMask:
        """Slots lying wholly inside ``span``."""
        first = bisect_right(self.starts, span.start - timedelta(microseconds=1))
        mask = 0
        for slot in range(first, self.n_slots):
            if self.starts[slot] + self.grain > span.end:
                break
            mask |= 1 << slot
        return mask

    def slots_touching(self, span: TimeSpan) -> SlotMask:
        """Slots that share some time with ``span``."""
        first = max(0, bisect_right(self.starts, span.start) - 1)
        mask = 0
        for slot in range(first, self.n_slots):
            slot_start = self.starts[slot]
            if slot_start >= span.end:
                break
            if slot_start + self.grain > span.start:
                mask |= 1 << slot
        return mask

    def all_slots(self) -> SlotMask:
        return self._all_slots

    def day_fit_starts(self, length: int) -> SlotMask:
        """Starts from which ``length`` slots stay within one day."""
        mask = 0
        for day in self.days:
            last_start = day.end_slot - length
            if last_start >= day.first_slot:
                mask |= run_mask(day.first_slot, last_start - day.first_slot + 1)
        return mask

    def morning_slots(self) -> SlotMask:
        mask = 0
        for day in self.days:
            mask |= run_mask(day.first_slot, day.afternoon_slot - day.first_slot)
        return mask

    def afternoon_slots(self) -> SlotMask:
        mask = 0
        for day in self.days:
            mask |= run_mask(day.afternoon_slot, day.end_slot - day.afternoon_slot)
        return mask
