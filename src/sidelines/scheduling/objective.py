"""The objective, computed the same way for every schedule from every strategy.

In order (DESIGN.md §5): (1) the priority-weighted number of meetings scheduled, larger is better;
(2) total breaks, smaller is better; (3) meetings placed in their preferred windows, larger is
better.

A break is a maximal run of idle time between two consecutive meetings of a principal on the same
day (Bofill et al., JAIR 74 (2022), Definition 2.3). Time a principal spends in a programme session
is neither idle nor a meeting: it is skipped, so a meeting, a retreat and another meeting in a row
make no break. A forbidden window is idle time, as in the paper.

A brief contact held at a programme session (a greeting at the start of a retreat) lies inside
the session, so its slots are skipped too: it neither makes nor closes a break. It takes none of
the principal's time that the session does not take already, and counting it would charge a
break for waiting the session imposes anyway, which would keep solvers from placing such contacts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.slots import iter_slots, run_mask


@dataclass(frozen=True, slots=True)
class ObjectiveValue:
    weight_scheduled: int
    meetings_scheduled: int
    breaks: int
    breaks_spread: int  # max - min breaks over the principals who have meetings to attend
    preferences_met: int
    # Published meetings whose time or space changed, or that were left out
    # (``stability.changes``); 0 without a published schedule.
    moves: int = 0
    # Whether moves rank second, after weight (a ``minimal`` re-solve); otherwise they are only
    # reported: ``keep`` has none by construction, ``free`` does not weigh them.
    moves_ranked: bool = False

    def key(self) -> tuple[int, int, int, int]:
        """Larger is better, compared term by term: weight, then (in a ``minimal`` re-solve)
        fewer moves, then fewer breaks, then preferences met."""
        moves = -self.moves if self.moves_ranked else 0
        return (self.weight_scheduled, moves, -self.breaks, self.preferences_met)

    def as_dict(self) -> dict[str, int]:
        return {
            "weight_scheduled": self.weight_scheduled,
            "meetings_scheduled": self.meetings_scheduled,
            "breaks": self.breaks,
            "breaks_spread": self.breaks_spread,
            "preferences_met": self.preferences_met,
            "moves": self.moves,
        }


def count_blocks(busy: int, day_mask: int, skip: int) -> int:
    """Maximal runs of busy slots in ``day_mask``, reading the day with ``skip`` slots removed."""
    busy &= day_mask
    if not busy:
        return 0
    skip &= day_mask
    if not skip:
        # A run starts at every busy slot whose predecessor is not busy.
        return (busy & ~(busy << 1)).bit_count()
    blocks = 0
    previous_busy = False
    for slot in iter_slots(day_mask & ~skip):
        is_busy = bool((busy >> slot) & 1)
        if is_busy and not previous_busy:
            blocks += 1
        previous_busy = is_busy
    return blocks


def principal_breaks(problem: Problem, principal_idx: int, busy: int) -> int:
    """Breaks of one principal whose meeting slots are ``busy``."""
    skip = problem.principals[principal_idx].programme
    breaks = 0
    for day in problem.grid.days:
        day_mask = run_mask(day.first_slot, day.end_slot - day.first_slot)
        blocks = count_blocks(busy, day_mask, skip)
        if blocks:
            breaks += blocks - 1
    return breaks


def busy_masks(problem: Problem, placed: Iterable[tuple[int, int]]) -> list[int]:
    """Each principal's meeting slots, from (meeting_idx, start_slot) pairs."""
    busy = [0] * len(problem.principals)
    for meeting_idx, start in placed:
        meeting = problem.meetings[meeting_idx]
        occupied = run_mask(start, meeting.duration_slots)
        for principal_idx in meeting.principals:
            busy[principal_idx] |= occupied
    return busy


def breaks_by_principal(problem: Problem, placed: Iterable[tuple[int, int]]) -> list[int]:
    busy = busy_masks(problem, placed)
    return [principal_breaks(problem, idx, mask) for idx, mask in enumerate(busy)]


def fairness_spread(problem: Problem, breaks: list[int]) -> int:
    """max - min breaks over the principals that have at least one meeting in the problem."""
    concerned = [breaks[idx] for idx, items in enumerate(problem.principal_meetings) if items]
    return max(concerned) - min(concerned) if concerned else 0


def evaluate(problem: Problem, placed: Iterable[tuple[int, int]]) -> ObjectiveValue:
    """The objective of (meeting_idx, start_slot) pairs; spaces do not enter it."""
    pairs = list(placed)
    breaks = breaks_by_principal(problem, pairs)
    weight = 0
    preferred = 0
    for meeting_idx, start in pairs:
        meeting = problem.meetings[meeting_idx]
        weight += meeting.weight
        occupied = run_mask(start, meeting.duration_slots)
        if meeting.preferred and occupied & meeting.preferred == occupied:
            preferred += 1
    return ObjectiveValue(
        weight_scheduled=weight,
        meetings_scheduled=len(pairs),
        breaks=sum(breaks),
        breaks_spread=fairness_spread(problem, breaks),
        preferences_met=preferred,
    )
