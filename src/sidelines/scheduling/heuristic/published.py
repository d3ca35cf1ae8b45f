"""The heuristic's construction for a re-solve against a published schedule (``keep`` or
``minimal``; ``free`` constructs from scratch as before publishing).

1. The published meetings that may stay are laid out where they were published (the on-site
   ``Board``); in ``keep`` they are fixed at once, like locked meetings.
2. The other meetings go in as the plain construction places them: locked, then required and
   published ones that must find a new place (forced), then by weight. A required or published
   one that finds no free place is placed by the on-site ejection chains (``Insertion``).
3. ``minimal`` only: the move budget is spent on ejection chains that let a meeting in that
   found no free place, as soon as it is its turn (heaviest first), and once more on those
   still left out at the end. Each chain puts every meeting it takes out back in, so a move is
   made only when the weight strictly grows, never for breaks.
4. Every published meeting that is placed is then fixed, so the local search that follows
   improves breaks and weight by moving only meetings that were not published.
5. After the search, a moved meeting whose published place is free again goes back there
   (``revert_moves``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sidelines.scheduling.heuristic.construct import (
    construction_order,
    insert,
    place_locked,
    principal_blockers,
    space_blockers,
)
from sidelines.scheduling.heuristic.state import CORRIDOR, State
from sidelines.scheduling.onsite.board import Board
from sidelines.scheduling.onsite.insertion import Insertion
from sidelines.scheduling.problem import Problem, PublishedPlan, Stability
from sidelines.scheduling.stability import assignment_of

# Time one ejection search may take for one meeting: the chains of at most two moves are found
# quickly or not at all, and thousands of left-out meetings share the time.
EJECTION_TIME_S = 0.05
# The share of the time limit that the ejection phase of ``minimal`` may use at most; the rest
# goes to the local search.
EJECTION_SHARE = 0.4
# Time to put moved meetings back after the search: a handful of direct placements each.
REVERT_TIME_S = 0.5
# Meetings an ejection chain may move for one insertion (as on site).
CHAIN_MOVES = 2


class StableConstruction:
    """Construction on a ``State`` that starts from the published schedule."""

    def __init__(self, problem: Problem, state: State, ranks: list[int]) -> None:
        plan = problem.published
        assert plan is not None, "a re-solve against a published schedule"
        self.problem = problem
        self.plan: PublishedPlan = plan
        self.state = state
        self.ranks = ranks
        stays = {
            problem.meetings[idx].id: assignment_of(problem, place)
            for idx, place in plan.stays.items()
        }
        self.board = Board(problem, stays, now=None, freeze_window_min=0, state=state)
        if plan.stability is Stability.KEEP:
            for idx in plan.stays:
                state.fixed[idx] = True
        # Published meetings that stay in the budget's sense: at their published place.
        self.moved: set[int] = set()

    def construct(self, deadline: float, out_of_time: Callable[[], bool]) -> list[str]:
        """Place everything that fits; the reasons why a locked, required or published meeting
        that must be held could not be placed, if any."""
        problem = self.problem
        state = self.state
        failures: list[str] = []
        for meeting_idx in construction_order(state):
            if state.is_placed(meeting_idx):
                continue
            meeting = problem.meetings[meeting_idx]
            if meeting.locked:
                if not place_locked(state, meeting_idx):
                    failures.append(
                        f"{meeting.label} is locked but its place breaks a hard rule or clashes "
                        "with another locked or published meeting"
                    )
            elif meeting.required or meeting_idx in self.plan.holdable:
                if not insert(state, meeting_idx, self.ranks) and not self.eject(
                    meeting_idx, deadline
                ):
                    what = "required" if meeting.required else "published"
                    failures.append(
                        f"{meeting.label} is {what} but found no place among the locked, "
                        "required and published meetings"
                    )
            elif out_of_time() or insert(state, meeting_idx, self.ranks):
                continue
            elif self.budget_left() > 0 and time.perf_counter() < deadline:
                # At once rather than after the lighter meetings: they would take the free
                # places that the moves open.
                self.eject(meeting_idx, deadline)
        if not failures and self.plan.stability is Stability.MINIMAL:
            self.spend_budget(deadline)
        for meeting_idx in self.plan.places:
            if state.is_placed(meeting_idx):
                state.fixed[meeting_idx] = True
        return failures

    def spend_budget(self, deadline: float) -> None:
        """Ejection chains for the left-out meetings, the heaviest first, while the budget
        lasts and the time allows."""
        state = self.state
        left_out = [
            idx for idx, options in enumerate(state.allowed) if options and not state.is_placed(idx)
        ]
        left_out.sort(key=lambda idx: (-state.weight[idx], idx))
        for meeting_idx in left_out:
            if self.budget_left() <= 0 or time.perf_counter() >= deadline:
                return
            self.eject(meeting_idx, deadline)

    def revert_moves(self, deadline: float) -> int:
        """Put back at its published place every moved meeting whose place is free again, or
        can be freed by moving meetings that were not published to free places (the local
        search may have opened the way, or the chain that moved it was not the only way). The
        weight stays the same and a move ranks above breaks, so it is undone whatever that does
        to breaks, as long as the fairness bound holds. The number put back."""
        state = self.state
        reverted = 0
        for meeting_idx in sorted(self.moved):
            state.begin()
            if self._put_back(meeting_idx, deadline) and state.fair(state.touched_principals()):
                state.commit()
                self.moved.discard(meeting_idx)
                reverted += 1
            else:
                state.rollback()
        return reverted

    def _put_back(self, meeting_idx: int, deadline: float) -> bool:
        state = self.state
        place = self.plan.places[meeting_idx]
        start, space_idx = place.start, place.space_idx
        class_idx = CORRIDOR if space_idx is None else self.problem.class_of_space[space_idx]
        end = start + state.duration[meeting_idx]
        in_way = principal_blockers(state, meeting_idx, class_idx, start)
        if space_idx is not None:
            in_way |= space_blockers(state, space_idx, start, end)
        in_way.discard(meeting_idx)
        if any(other in self.plan.places or state.fixed[other] for other in in_way):
            return False
        origins = {other: state.start[other] for other in in_way}
        state.unplace(meeting_idx)
        for other in in_way:
            state.unplace(other)
        if not self._fits_published(meeting_idx, start, space_idx):
            return False
        state.place(meeting_idx, start, space_idx)
        insertion = Insertion(self.board, deadline, max_moves=0)
        return all(insertion.direct(other, origins[other]) for other in sorted(in_way))

    def _fits_published(self, meeting_idx: int, start: int, space_idx: int | None) -> bool:
        """Whether the (unplaced) meeting may go back to its published start and space now."""
        state = self.state
        wanted = CORRIDOR if space_idx is None else self.problem.class_of_space[space_idx]
        if not any(
            option.space_class == wanted and (option.starts >> start) & 1
            for option in state.options(meeting_idx)
        ):
            return False
        if space_idx is None:
            return True
        free = state.free[wanted]
        bit = 1 << state.member_bit[space_idx]
        end = start + state.duration[meeting_idx] + state.class_turnover[wanted]
        return all(free[slot] & bit for slot in range(start, end))

    def budget_left(self) -> int:
        return self.plan.max_moves - len(self.moved)

    def eject(self, meeting_idx: int, deadline: float) -> bool:
        """Place the meeting by an ejection chain, keeping the fairness bound and the move
        budget (in ``keep`` the published meetings are fixed and nothing counts against it);
        False with the state as it was."""
        state = self.state
        clock = time.perf_counter()
        insertion = Insertion(
            self.board, min(deadline, clock + EJECTION_TIME_S), max_moves=CHAIN_MOVES
        )
        state.begin()
        placed = insertion.place(meeting_idx)
        if placed:
            moved = set(self.moved)
            for _, idx, _, _ in state.journal or ():
                place = self.plan.places.get(idx)
                if place is None or idx in self.plan.forced:
                    continue
                if (state.start[idx], state.space[idx]) == (place.start, place.space_idx):
                    moved.discard(idx)
                else:
                    moved.add(idx)
            if len(moved) <= self.plan.max_moves and state.fair(state.touched_principals()):
                state.commit()
                self.moved = moved
                return True
        state.rollback()
        return False
