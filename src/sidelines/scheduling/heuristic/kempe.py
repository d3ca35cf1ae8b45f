"""A local search on breaks alone, for problems where every meeting is held and only the breaks
are open (the B2B setting of Bofill et al., JAIR 74, 2022).

The general local search (``search.Search``) ruins and rebuilds a principal's day; on the JAIR
originals of 21-22 slots it stalls tens of breaks above the optimum. Here the schedule is only
a start slot per meeting, kept with a count of meetings per space class and slot (the concrete
spaces are given at the end, ``spaces.assign_spaces``), and one move does all the work: a
*Kempe chain* swap of two slots. A meeting at slot ``s`` is sent to ``t``; a meeting at ``t``
that shares a principal with it goes to ``s``, and so on, until the set of meetings in the two
slots closes. A chain of one meeting is a plain move into a free place, of two a swap; every
principal still attends one meeting at a time, and only the class counts of the two slots and
each meeting's own allowed starts need a check. Its cost is counted on the few principals
whose calendars change, in a couple of integer operations each.

Acceptance is simulated annealing on breaks plus a penalty for every break above the fairness
limit (each principal at most ``d`` breaks, which keeps ``max - min <= d``); moves are drawn
mostly from the meetings of principals with breaks. A schedule is kept as the best only when
it meets the fairness rule exactly as the validator reads it.

It covers problems whose meetings last one slot each, in one space class each, with no
turnover, interpretation, precedence or programme (``unfit`` says why another does not).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.spaces import ClassChoice
from sidelines.scheduling.starts import NO_CLASS, candidate_classes, start_mask

# Penalty per break above the fairness limit, in breaks.
UNFAIR_COST = 2.0
# Simulated annealing: the temperature falls from HOT to COLD over one cooling, then the search
# goes back to the best schedule and starts again, hot, with a cooling twice as long (from
# FIRST_COOLING moves up to LAST_COOLING): short coolings give good schedules within a fraction
# of a second, long ones the best within a few seconds (measured in docs/benchmarks.md).
HOT = 0.6
COLD = 0.08
FIRST_COOLING = 50_000
LAST_COOLING = 800_000
# Of the moves, the share that starts from a meeting of a principal with breaks.
FOCUS_SHARE = 0.8
# Of those, the share that sends the meeting into one of that principal's idle slots between
# its first and last meeting (a gap), when it has one the meeting may take.
GAP_SHARE = 0.8
# Of those, the share that starts from the principal's first or last meeting rather than any
# of its meetings (each as likely): a meeting inside a block sent into a gap opens another
# gap, an edge one shortens the span and closes the gap when it was one slot wide. With 9-15
# meetings its edges were drawn in one such move of 5-8; at equal CPU, half the time
# edges gave fewer breaks on the 21-22-slot JAIR originals (docs/benchmarks.md).
EDGE_SHARE = 0.5
# A chain longer than this is not tried (on the JAIR originals they close within a few).
MAX_CHAIN = 24
# No better schedule for this many moves: stalled (the caller gives its time back).
STALL_MOVES = 600_000
MOVES_PER_LOOK = 256  # moves between looks at the clock


def unfit(problem: Problem) -> str | None:
    """Why this search cannot work on the problem, or None when it can."""
    if any(not (meeting.required or meeting.locked) for meeting in problem.meetings):
        return "a meeting may be left out"
    if any(meeting.duration_slots != 1 for meeting in problem.meetings):
        return "a meeting lasts more than one slot"
    if any(meeting.after or meeting.interpretation for meeting in problem.meetings):
        return "a meeting has a precedence or needs interpreters"
    if any(meeting.preferred or meeting.press_buffer_slots for meeting in problem.meetings):
        return "a meeting has a preferred window or a press buffer"
    if any(principal.programme for principal in problem.principals):
        return "a principal attends programme sessions"
    if any(space.turnover_slots for space in problem.spaces):
        return "a space has a turnover"
    if problem.has_walking or problem.max_bookings_per_party_per_day is not None:
        return "walking times or a room policy"
    if problem.published is not None and problem.published.binding:
        return "a re-solve bound to a published schedule"
    for meeting_idx in range(len(problem.meetings)):
        classes = candidate_classes(problem, meeting_idx)
        if len(classes) != 1 or classes[0] == NO_CLASS:
            return "a meeting may use more than one class of space, or none"
    return None


def _blocks(busy: int, first: int) -> int:
    """Runs of busy slots, a day's first slot always starting one."""
    return (busy & ~((busy << 1) & ~first)).bit_count()


class KempeSearch:
    """Simulated annealing on breaks with Kempe-chain moves; see the module's text."""

    def __init__(self, problem: Problem, rng: random.Random) -> None:
        assert unfit(problem) is None
        self.problem = problem
        self.rng = rng
        n_slots = problem.grid.n_slots
        self.first = 0
        self.day_masks: list[int] = []
        for day in problem.grid.days:
            if day.end_slot > day.first_slot:
                self.first |= 1 << day.first_slot
                self.day_masks.append(
                    ((1 << (day.end_slot - day.first_slot)) - 1) << day.first_slot
                )
        meetings = problem.meetings
        self.principals = [meeting.principals for meeting in meetings]
        self.meetings_of = [list(items) for items in problem.principal_meetings]
        self.class_of = [candidate_classes(problem, idx)[0] for idx in range(len(meetings))]
        self.allowed = [
            start_mask(problem, idx, self.class_of[idx]) for idx in range(len(meetings))
        ]
        self.fixed = [meeting.locked for meeting in meetings]
        self.movable = [idx for idx in range(len(meetings)) if not self.fixed[idx]]
        self.size = [space_class.size for space_class in problem.space_classes]
        self.n_slots = n_slots
        self.one_day = len(self.day_masks) == 1
        spread = problem.fairness_max_spread
        self.limit = spread if spread is not None else n_slots
        concerned = [idx for idx, items in enumerate(problem.principal_meetings) if items]
        self.concerned = concerned
        self.spread = spread
        # The schedule: a start per meeting, who sits where, counts per class and slot.
        self.slot = [-1] * len(meetings)
        self.occupant = [[-1] * n_slots for _ in problem.principals]
        self.busy = [0] * len(problem.principals)
        self.breaks = [0] * len(problem.principals)
        self.count = [[0] * n_slots for _ in problem.space_classes]
        self.total = 0
        self.unfair = 0
        self.best_slots: list[int] | None = None
        self.best_breaks: int | None = None
        self.temperature = HOT
        self.moves = 0
        self.cooling_moves = FIRST_COOLING
        self.cooling_left = FIRST_COOLING
        self.cooling = math.exp(math.log(COLD / HOT) / FIRST_COOLING)
        self.last_gain = 0

    # --- the schedule ----------------------------------------------------------------------

    def load(self, starts: Iterable[tuple[int, int]]) -> None:
        """Start from a complete schedule, (meeting index, start slot) pairs; it becomes the
        best when it is better than the best so far (or the first one)."""
        for row in self.occupant:
            row[:] = [-1] * self.n_slots
        for row in self.count:
            row[:] = [0] * self.n_slots
        self.busy = [0] * len(self.busy)
        for meeting_idx, start in starts:
            self.slot[meeting_idx] = start
            self.count[self.class_of[meeting_idx]][start] += 1
            for principal_idx in self.principals[meeting_idx]:
                self.occupant[principal_idx][start] = meeting_idx
                self.busy[principal_idx] |= 1 << start
        assert all(start >= 0 for start in self.slot)
        self.breaks = [self._breaks_of(busy) for busy in self.busy]
        self.total = sum(self.breaks)
        self.unfair = sum(max(0, b - self.limit) for b in self.breaks)
        self._note()

    def choices(self) -> list[ClassChoice]:
        """The best schedule found, as class choices (spaces are assigned by the caller)."""
        slots = self.best_slots if self.best_slots is not None else self.slot
        return [ClassChoice(idx, start, self.class_of[idx]) for idx, start in enumerate(slots)]

    def _breaks_of(self, busy: int) -> int:
        if not busy:
            return 0
        days = 1 if len(self.day_masks) == 1 else sum(1 for d in self.day_masks if busy & d)
        return _blocks(busy, self.first) - days

    def _fair(self) -> bool:
        if self.spread is None:
            return True
        values = [self.breaks[idx] for idx in self.concerned]
        return not values or max(values) - min(values) <= self.spread

    def _note(self) -> bool:
        if self.best_breaks is not None and self.total >= self.best_breaks:
            return False
        if self.unfair and not self._fair():
            return False
        self.best_breaks = self.total
        self.best_slots = list(self.slot)
        self.last_gain = self.moves
        return True

    # --- the search ------------------------------------------------------------------------

    def run(self, moves: int) -> bool:
        """Try ``moves`` moves; whether a better schedule was found."""
        found = False
        random_ = self.rng.random
        movable = self.movable
        meetings_of = self.meetings_of
        breaks = self.breaks
        busy_of = self.busy
        allowed = self.allowed
        fixed = self.fixed
        random_slot = self._random_slot
        occupant = self.occupant
        try_ = self._try
        with_breaks = [p for p, b in enumerate(breaks) if b]
        for _ in range(moves):
            self.moves += 1
            self.cooling_left -= 1
            if self.cooling_left <= 0:
                self._restart()
                breaks = self.breaks  # ``load`` gives new lists
                busy_of = self.busy
                with_breaks = [p for p, b in enumerate(breaks) if b]
            else:
                self.temperature *= self.cooling
            if with_breaks and random_() < FOCUS_SHARE:
                principal_idx = with_breaks[int(random_() * len(with_breaks))]
                if not breaks[principal_idx]:
                    with_breaks = [p for p, b in enumerate(breaks) if b]
                    continue
                busy = busy_of[principal_idx]
                if random_() < EDGE_SHARE:
                    # Its first or last meeting: sent into a gap, it shortens the span.
                    edge = busy.bit_length() if random_() < 0.5 else (busy & -busy).bit_length()
                    meeting_idx = occupant[principal_idx][edge - 1]
                else:
                    own = meetings_of[principal_idx]
                    meeting_idx = own[int(random_() * len(own))]
                if fixed[meeting_idx]:
                    continue
                span = (1 << busy.bit_length()) - (busy & -busy)
                gaps = span & ~busy & allowed[meeting_idx]
                target = random_slot(gaps) if gaps and random_() < GAP_SHARE else -1
            else:
                meeting_idx = movable[int(random_() * len(movable))]
                target = -1
            if try_(meeting_idx, target) and self._note():
                found = True
            if self.moves % MOVES_PER_LOOK == 0:
                with_breaks = [p for p, b in enumerate(breaks) if b]
        return found

    def stalled(self) -> bool:
        """Whether no better schedule came for ``STALL_MOVES`` moves."""
        return self.moves - self.last_gain >= STALL_MOVES

    def _restart(self) -> None:
        """Back to the best schedule, hot again, for a longer cooling."""
        best = self.best_breaks
        if self.best_slots is not None and best is not None and (self.total > best or self.unfair):
            self.load(list(enumerate(self.best_slots)))
        self.cooling_moves = min(LAST_COOLING, 2 * self.cooling_moves)
        self.cooling_left = self.cooling_moves
        self.cooling = math.exp(math.log(COLD / HOT) / self.cooling_moves)
        self.temperature = HOT

    def _try(self, meeting_idx: int, target: int) -> bool:
        """One Kempe-chain move of the meeting to ``target`` (-1: a random other allowed
        slot); whether it removed breaks."""
        slot = self.slot
        source = slot[meeting_idx]
        if target < 0:
            targets = self.allowed[meeting_idx] & ~(1 << source)
            if not targets:
                return False
            target = self._random_slot(targets)
        # The chain: meetings in the two slots linked by a shared principal. Chains are short
        # (a few meetings), so a list answers "already in it?" faster than a set.
        chain = [meeting_idx]
        occupant = self.occupant
        principals = self.principals
        allowed = self.allowed
        fixed = self.fixed
        index = 0
        while index < len(chain):
            member = chain[index]
            index += 1
            at = slot[member]
            other = target if at == source else source
            for principal_idx in principals[member]:
                linked = occupant[principal_idx][other]
                if linked >= 0 and linked not in chain:
                    if fixed[linked] or not (allowed[linked] >> at) & 1:
                        return False
                    chain.append(linked)
                    if len(chain) > MAX_CHAIN:
                        return False
        # Class counts after the swap.
        class_of = self.class_of
        moved: dict[int, int] = {}  # class -> meetings gained by the target slot
        for member in chain:
            class_idx = class_of[member]
            moved[class_idx] = moved.get(class_idx, 0) + (1 if slot[member] == source else -1)
        for class_idx, gain in moved.items():
            if gain > 0:
                if self.count[class_idx][target] + gain > self.size[class_idx]:
                    return False
            elif gain < 0 and self.count[class_idx][source] - gain > self.size[class_idx]:
                return False
        # A principal present in exactly one of the two slots is in exactly one member of the
        # chain (one present in both has both meetings in it), so none is counted twice.
        swap = (1 << source) | (1 << target)
        busy_of = self.busy
        breaks_of = self.breaks
        one_day = self.one_day
        first = self.first
        limit = self.limit
        changed: list[int] = []  # principal, new calendar, new breaks, in threes
        delta_breaks = 0
        delta_unfair = 0
        for member in chain:
            for principal_idx in principals[member]:
                busy = busy_of[principal_idx]
                both = busy & swap
                if both and both != swap:
                    busy ^= swap
                    if one_day:
                        value = (busy & ~((busy << 1) & ~first)).bit_count() - 1
                    else:
                        value = self._breaks_of(busy)
                    old = breaks_of[principal_idx]
                    changed += (principal_idx, busy, value)
                    if value != old:
                        delta_breaks += value - old
                        if value > limit or old > limit:
                            delta_unfair += (value - limit if value > limit else 0) - (
                                old - limit if old > limit else 0
                            )
        delta = delta_breaks + UNFAIR_COST * delta_unfair if delta_unfair else delta_breaks
        if delta > 0 and self.rng.random() >= math.exp(-delta / self.temperature):
            return False
        # Make it.
        for member in chain:
            old_slot = slot[member]
            for principal_idx in self.principals[member]:
                if occupant[principal_idx][old_slot] == member:
                    occupant[principal_idx][old_slot] = -1
        for member in chain:
            old_slot = slot[member]
            new_slot = target if old_slot == source else source
            slot[member] = new_slot
            for principal_idx in self.principals[member]:
                occupant[principal_idx][new_slot] = member
        for class_idx, gain in moved.items():
            self.count[class_idx][target] += gain
            self.count[class_idx][source] -= gain
        for position in range(0, len(changed), 3):
            principal_idx = changed[position]
            busy_of[principal_idx] = changed[position + 1]
            breaks_of[principal_idx] = changed[position + 2]
        self.total += delta_breaks
        self.unfair += delta_unfair
        return delta_breaks < 0 or delta_unfair < 0

    def _random_slot(self, mask: int) -> int:
        """A slot drawn uniformly from the set bits of ``mask`` (not empty)."""
        # ``random()`` rather than ``randrange``: the draw is in every move, and ``randrange``
        # took a fifth of the search's time (profiled on forum-13crafb).
        pick = int(self.rng.random() * mask.bit_count())
        while pick:
            mask &= mask - 1
            pick -= 1
        return (mask & -mask).bit_length() - 1


__all__ = ["KempeSearch", "unfit"]
