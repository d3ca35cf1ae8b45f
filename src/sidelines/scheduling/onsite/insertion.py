"""Placing one meeting into a full schedule with as few moves as possible.

First a free (time, space), at the earliest good time: among the starts that add the fewest
breaks to its principals' days, the earliest. Failing that, ejection chains
(Glover's term for moving one item to make room for another, and so on down the chain): at each
candidate start, the movable meetings in the way are taken out, the meeting goes in, and each of
them is put back elsewhere, directly or by a chain of its own, never past ``max_moves`` moved
meetings in all. Chains with one move are tried before chains with two, so the first success
moves the fewest meetings. Locked and frozen meetings (``Board.fixed``) never move; the search
stops at its deadline and reports failure rather than run on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from sidelines.scheduling.heuristic.state import CORRIDOR, State
from sidelines.scheduling.onsite.board import Board

# A chain that re-places a moved meeting looks at this many of its candidate starts, the best
# first: deeper in the list the moves only get worse, and the time is better spent elsewhere.
CHAIN_CANDIDATES = 48
# How long to look for a move that saves breaks when a free place exists: the free place is the
# answer already, and this only polishes it.
BREAK_SEARCH_S = 0.05


def break_levels(state: State, meeting_idx: int, mask: int) -> dict[int, int]:
    """``mask`` split by how many breaks a start adds, summed over the meeting's principals."""
    length = state.duration[meeting_idx]
    levels = {0: mask}
    for principal_idx in state.problem.meetings[meeting_idx].principals:
        fewer, more = state.calendars[principal_idx].break_deltas(length, state.days)
        if not (fewer | more) & mask:
            continue
        same = ~(fewer | more)
        shifted: dict[int, int] = {}
        for level, part_mask in levels.items():
            for delta, part in ((-1, fewer), (0, same), (1, more)):
                hit = part_mask & part
                if hit:
                    shifted[level + delta] = shifted.get(level + delta, 0) | hit
        levels = shifted
    return levels


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def ranked_starts(state: State, meeting_idx: int, mask: int, anchor: int | None) -> Iterator[int]:
    """The starts of ``mask`` best first: the fewest breaks added to the principals' days (a
    good time joins their other meetings rather than splitting an idle run in two), then
    without ``anchor`` (a meeting to place) the earliest, and with one (a meeting that moves
    from ``anchor``) its own day, then the nearest to where it was."""
    if not mask:
        return
    levels = break_levels(state, meeting_idx, mask)
    if anchor is None:
        for level in sorted(levels):
            yield from _bits(levels[level])
        return
    day = state.day_of_slot[anchor]
    for level in sorted(levels):
        yield from sorted(
            _bits(levels[level]),
            key=lambda start: (state.day_of_slot[start] != day, abs(start - anchor), start),
        )


class Insertion:
    """Places meetings on a board by direct insertion or ejection chains, until ``deadline``
    (a ``time.perf_counter()`` value)."""

    def __init__(
        self, board: Board, deadline: float, max_moves: int = 2, break_moves: int = 0
    ) -> None:
        self.board = board
        self.state = board.state
        self.deadline = deadline
        self.max_moves = max_moves
        self.break_moves = break_moves

    def out_of_time(self) -> bool:
        return time.perf_counter() > self.deadline

    def place(self, meeting_idx: int) -> bool:
        """Put the meeting in, moving at most ``max_moves`` other meetings; False (and the
        board as it was) when it cannot be done in time. Where a free place adds breaks, one
        move that adds fewer in all is taken instead (with ``break_moves``)."""
        state = self.state
        journal = state.journal
        assert journal is not None, "the caller opens the state's journal"
        mark = len(journal)
        before = state.total_breaks
        if self.direct(meeting_idx, None):
            if self.break_moves and state.total_breaks > before:
                direct = state.total_breaks
                undo_to(state, mark)
                if not self._fewer_breaks(meeting_idx, direct):
                    self.direct(meeting_idx, None)
            return True
        for budget in range(1, self.max_moves + 1):
            if self.out_of_time():
                return False
            if self.eject(meeting_idx, budget, None, {meeting_idx}) is not None:
                return True
        return False

    def _fewer_breaks(self, meeting_idx: int, bound: int) -> bool:
        """Place the meeting by moving one meeting, so that the principals have fewer breaks
        in all than ``bound``; False (and the board as it was) when no such move is found
        within a short search."""
        state = self.state
        journal = state.journal
        assert journal is not None
        mark = len(journal)
        stop = min(self.deadline, time.perf_counter() + BREAK_SEARCH_S)
        static = 0
        for _, starts in state.allowed[meeting_idx]:
            static |= starts
        for start in ranked_starts(state, meeting_idx, static, None):
            if time.perf_counter() > stop:
                return False
            for class_idx, starts in state.allowed[meeting_idx]:
                if not (starts >> start) & 1:
                    continue
                found = self.blockers(meeting_idx, class_idx, start, {meeting_idx})
                if not found or len(found) > self.break_moves:
                    continue
                used = self._try(meeting_idx, class_idx, start, found, self.break_moves, set())
                if used is None:
                    continue
                if state.total_breaks < bound:
                    return True
                undo_to(state, mark)
        return False

    def direct(self, meeting_idx: int, anchor: int | None) -> bool:
        """Put the meeting in a free place, the best first; False when there is none."""
        state = self.state
        options = state.options(meeting_idx)
        union = 0
        for option in options:
            union |= option.starts
        for start in ranked_starts(state, meeting_idx, union, anchor):
            for option in options:
                if not (option.starts >> start) & 1:
                    continue
                if option.space_class == CORRIDOR:
                    state.place(meeting_idx, start, None)
                    return True
                space_idx = state.free_space(meeting_idx, option.space_class, start)
                if space_idx is not None:
                    state.place(meeting_idx, start, space_idx)
                    return True
        return False

    def eject(
        self, meeting_idx: int, budget: int, anchor: int | None, chain: set[int]
    ) -> int | None:
        """Place the meeting by moving at most ``budget`` meetings not in ``chain``; the number
        moved, or None with the board as it was."""
        state = self.state
        static = 0
        for _, starts in state.allowed[meeting_idx]:
            static |= starts
        limit = None if anchor is None else CHAIN_CANDIDATES
        for count, start in enumerate(ranked_starts(state, meeting_idx, static, anchor)):
            if (limit is not None and count >= limit) or self.out_of_time():
                return None
            for class_idx, starts in state.allowed[meeting_idx]:
                if not (starts >> start) & 1:
                    continue
                found = self.blockers(meeting_idx, class_idx, start, chain)
                if found is None or not found or len(found) > budget:
                    continue
                used = self._try(meeting_idx, class_idx, start, found, budget, chain)
                if used is not None:
                    return used
        return None

    def _try(
        self,
        meeting_idx: int,
        class_idx: int,
        start: int,
        blockers: set[int],
        budget: int,
        chain: set[int],
    ) -> int | None:
        state = self.state
        journal = state.journal
        assert journal is not None, "the caller opens the state's journal"
        mark = len(journal)
        for other in blockers:
            state.unplace(other)
        if not self._fits(meeting_idx, class_idx, start):
            undo_to(state, mark)
            return None
        used = len(blockers)
        inner = chain | blockers
        # The heaviest first: the first to be put back has the most room.
        for other in sorted(blockers, key=lambda m: -state.weight[m]):
            anchor = self.board.published[other]
            origin = anchor[0] if anchor is not None else start
            if self.direct(other, origin):
                continue
            spare = budget - used
            extra = self.eject(other, spare, origin, inner) if spare > 0 else None
            if extra is None:
                undo_to(state, mark)
                return None
            used += extra
        if not self.fair_since(mark):
            undo_to(state, mark)
            return None
        return used

    def fair_since(self, mark: int) -> bool:
        """Whether the principals of the meetings moved since ``mark`` keep the fairness bound:
        taking a meeting out of a principal's day can split it and add a break."""
        state = self.state
        if state.fairness_cap is None:
            return True
        journal = state.journal or []
        touched: set[int] = set()
        for _, meeting_idx, _, _ in journal[mark:]:
            touched.update(state.problem.meetings[meeting_idx].principals)
        return state.fair(touched)

    def _fits(self, meeting_idx: int, class_idx: int, start: int) -> bool:
        state = self.state
        for option in state.options(meeting_idx):
            if option.space_class != class_idx or not (option.starts >> start) & 1:
                continue
            if class_idx == CORRIDOR:
                state.place(meeting_idx, start, None)
                return True
            space_idx = state.free_space(meeting_idx, class_idx, start)
            if space_idx is not None:
                state.place(meeting_idx, start, space_idx)
                return True
        return False

    def blockers(
        self, meeting_idx: int, class_idx: int, start: int, chain: set[int]
    ) -> set[int] | None:
        """The placed meetings in the way of the meeting at ``start`` in the class: those of its
        principals (with walking time), of its precedences, and of the one space with the fewest
        in the way. None when a fixed meeting or one of ``chain`` is in the way."""
        board = self.board
        state = self.state
        problem = state.problem
        meeting = problem.meetings[meeting_idx]
        end = start + state.duration[meeting_idx]
        here = state.class_location[class_idx] if class_idx != CORRIDOR else None
        found: set[int] = set()
        for principal_idx in meeting.principals:
            for other in state.principal_meetings[principal_idx]:
                walk = 0
                other_space = state.space[other]
                if here is not None and other_space is not None and problem.has_walking:
                    there = problem.spaces[other_space].location_idx
                    walk = problem.walking_slots.get((here, there), 0) if here != there else 0
                other_start = state.start[other]
                if other_start - walk < end and start < other_start + state.duration[other] + walk:
                    found.add(other)
        for earlier in meeting.after:
            if state.start[earlier] >= 0 and state.start[earlier] + state.duration[earlier] > start:
                found.add(earlier)
        for later in state.successors[meeting_idx]:
            if 0 <= state.start[later] < end:
                found.add(later)
        if any(board.fixed[other] or other in chain for other in found):
            return None
        if class_idx == CORRIDOR or state.free_space(meeting_idx, class_idx, start) is not None:
            return found
        turnover = state.class_turnover[class_idx]
        best: set[int] | None = None
        for space_idx in self._spaces_to_try(class_idx, start, end):
            in_way = {
                other
                for other in state.space_meetings[space_idx]
                if state.start[other] < end + turnover
                and start < state.start[other] + state.duration[other] + turnover
            }
            if any(board.fixed[other] or other in chain for other in in_way):
                continue
            if best is None or len(in_way - found) < len(best - found):
                best = in_way
        if best is None:
            return None
        return found | best

    def _spaces_to_try(self, class_idx: int, start: int, end: int) -> list[int]:
        """Spaces free when the meeting would start or end (a few), and the first two: scanning
        every table of a large hall costs more than the move could gain."""
        state = self.state
        free = state.free[class_idx]
        members = state.class_spaces[class_idx]
        near = free[start] | free[end - 1]
        picks: list[int] = []
        while near and len(picks) < 6:
            low = near & -near
            picks.append(members[low.bit_length() - 1])
            near ^= low
        for space_idx in members[:2]:
            if space_idx not in picks:
                picks.append(space_idx)
        return picks


def undo_to(state: State, mark: int) -> None:
    """Undo the journal's moves after position ``mark``, keeping the journal open."""
    journal = state.journal
    assert journal is not None
    undone = journal[mark:]
    del journal[mark:]
    state.journal = None
    for placed, meeting_idx, start, space_idx in reversed(undone):
        if placed:
            state.unplace(meeting_idx)
        else:
            state.place(meeting_idx, start, space_idx)
    state.journal = journal


__all__ = ["Insertion", "break_levels", "ranked_starts", "undo_to"]
