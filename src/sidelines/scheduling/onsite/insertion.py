"""Placing one meeting into a full schedule with as few moves as possible.

First a free (time, space), at the earliest good time: among the starts that add the fewest
breaks to its principals' days, the earliest. Failing that, ejection chains
(Glover's term for moving one item to make room for another, and so on down the chain): at each
candidate start, the movable meetings in the way are taken out, the meeting goes in, and each of
them is put back elsewhere, directly or by a chain of its own, never past ``max_moves`` moved
meetings in all. Chains with one move are tried before chains with two, so the first success
moves the fewest meetings. Locked and frozen meetings (``Board.fixed``) never move; the search
stops at its deadline and reports failure rather than run on.

Breaks: with ``break_moves``, a free place that adds breaks gives way to one reached by moving
meetings where that leaves fewer in all, and once the meeting is in, a meeting of the
principals concerned moves where that closes a gap (``close_gaps``), with a second move to make
room for it where two are allowed; the same is tried from the meeting's next few free starts
and the fewest breaks kept (``place_fewest_breaks``); never past ``max_moves``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from sidelines.scheduling.heuristic.construct import (
    break_levels,
    principal_blockers,
    space_blockers,
    spaces_to_try,
)
from sidelines.scheduling.heuristic.state import CORRIDOR, Option, State
from sidelines.scheduling.onsite.board import Board
from sidelines.scheduling.slots import run_mask

# A chain that re-places a moved meeting looks at this many of its candidate starts, the best
# first: deeper in the list the moves only get worse, and the time is better spent elsewhere.
CHAIN_CANDIDATES = 48
# How many candidate starts to look at for a move that saves breaks when a free place exists:
# the free place is the answer already, and this only polishes it. A generated fair's meeting
# has 75 to 100 starts, and the search stops at the first start that adds no break in all, so
# this bounds only the days of a longer or finer grid; a count rather than a time keeps the
# result the same on a loaded machine. Looking at the first 40 only left a third more breaks
# added by 1,000 insertions (benchmarks/onsite.py).
BREAK_SEARCH_STARTS = 160
# How many other free starts of a new meeting to try with the moves that close gaps after it.
LOOKAHEAD_STARTS = 6
# The work the moves that only close gaps may take once the meeting is in
# (``place_fewest_breaks``), in steps of the search (a candidate move or start looked at, as
# ``Insertion.out_of_time`` counts them): the answer that agrees a meeting waits on them, and
# unbounded they cost 30-40 ms. A count rather than CPU time, so that the result is the same on
# a loaded machine and the cost falls when a step gets cheaper; sized against
# benchmarks/onsite_shared.py (docs/benchmarks.md, issue 14), where 8 ms of CPU, the bound
# before, was 50 to 150 steps depending on the machine's load.
BREAK_POLISH_STEPS = 60


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
    first, end = state.day_bounds[state.day_of_slot[anchor]]
    day = run_mask(first, end - first)
    for level in sorted(levels):
        yield from _nearest_first(levels[level] & day, anchor)
        yield from _nearest_first(levels[level] & ~day, anchor)


def first_ranked(state: State, meeting_idx: int, mask: int, anchor: int | None) -> int | None:
    """The first start ``ranked_starts`` gives for ``mask``, where it can be told without
    ranking the others: None where it cannot (then only the ranking tells it). A start adds
    to the principals' days the sum of what it adds to each; where some start of ``mask``
    adds the least possible to every principal at once (saves a break for each that has a
    start saving one, adds none for each that has a start adding none), the starts doing so
    are those of the lowest level, and the first of them is the one ``ranked_starts`` gives
    first. Most of the starts the polish asks for are found so (docs/benchmarks.md)."""
    if not mask:
        return None
    lowest = mask
    length = state.duration[meeting_idx]
    days = state.days
    calendars = state.calendars
    for principal_idx in state.problem.meetings[meeting_idx].principals:
        fewer, more = calendars[principal_idx].break_deltas(length, days)
        if fewer & mask:
            lowest &= fewer
        elif mask & ~more:
            lowest &= ~more
        # Else every start of ``mask`` adds a break to this principal's day: no narrowing.
    if not lowest:
        return None  # No start is the lowest for every principal: only the levels tell.
    if anchor is None:
        return (lowest & -lowest).bit_length() - 1
    first, end = state.day_bounds[state.day_of_slot[anchor]]
    day = run_mask(first, end - first)
    return next(_nearest_first(lowest & day or lowest & ~day, anchor))


def _nearest_first(mask: int, anchor: int) -> Iterator[int]:
    """The starts of ``mask`` the nearest to ``anchor`` first, the earlier of two as near: the
    order of a sort by distance, one start at a time, as the caller mostly takes the first."""
    below = mask & ((1 << anchor) - 1)
    above = mask >> anchor  # bit k: the start ``anchor + k``
    while below and above:
        down = below.bit_length() - 1
        up = anchor + (above & -above).bit_length() - 1
        if anchor - down <= up - anchor:
            yield down
            below ^= 1 << down
        else:
            yield up
            above &= above - 1
    while below:
        down = below.bit_length() - 1
        yield down
        below ^= 1 << down
    while above:
        yield anchor + (above & -above).bit_length() - 1
        above &= above - 1


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
        # How many published meetings the last ``place`` had to move to make room at all.
        self.needed = 0
        # While only saving breaks (``place_fewest_breaks``): the steps still allowed.
        self.polish_steps: int | None = None

    def out_of_time(self) -> bool:
        """Whether to stop: past the deadline, or while polishing, past its steps (each call
        is one step of the search)."""
        if self.polish_steps is not None:
            self.polish_steps -= 1
            if self.polish_steps < 0:
                return True
        return time.perf_counter() > self.deadline

    def _spent(self) -> bool:
        """Whether the polishing has no step left (``out_of_time`` would stop it at once)."""
        return self.polish_steps is not None and self.polish_steps <= 0

    def place(self, meeting_idx: int) -> bool:
        """Put the meeting in, moving at most ``max_moves`` other meetings; False (and the
        board as it was) when it cannot be done in time. Where a free place adds breaks, one
        move that adds fewer in all is taken instead (with ``break_moves``)."""
        state = self.state
        journal = state.journal
        assert journal is not None, "the caller opens the state's journal"
        mark = len(journal)
        before = state.total_breaks
        self.needed = 0
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
                self.needed = self.moved_since(mark)
                return True
        return False

    def place_fewest_breaks(self, meeting_idx: int) -> bool:
        """``place`` and ``close_gaps``, then the same from the next ``LOOKAHEAD_STARTS`` free
        starts of the meeting (the fewest breaks first, then the earliest): the one that leaves
        the fewest breaks in all is kept, the first on a tie. A start that adds a break can
        still be the better one when a move then closes a gap it could not."""
        state = self.state
        journal = state.journal
        assert journal is not None
        mark = len(journal)
        if not self.place(meeting_idx):
            return False
        if not state.total_breaks:
            # Every move below is kept only where it leaves fewer breaks in all, and no
            # principal's day has fewer than none: with none anywhere, nothing can be kept.
            return True
        # The polishing below only saves breaks: it is bounded by a count of steps rather
        # than by the whole deadline, so that the answer that waits on it stays quick.
        self.polish_steps = BREAK_POLISH_STEPS
        try:
            return self._polish(meeting_idx, mark)
        finally:
            self.polish_steps = None

    def _polish(self, meeting_idx: int, mark: int) -> bool:
        """``close_gaps`` after the meeting placed (the journal from ``mark`` on), then from
        its next free starts, keeping the fewest breaks (``place_fewest_breaks``)."""
        state = self.state
        journal = state.journal
        assert journal is not None
        self.close_gaps(meeting_idx, mark)
        if not self.break_moves or self.needed or self._spent():
            # With no step left, the starts below would each stop at once: undoing the moves
            # made and making them again would be all the work.
            return True
        first = state.start[meeting_idx]
        best = (state.total_breaks, journal[mark:])
        undo_to(state, mark)
        options = state.options(meeting_idx)
        union = 0
        for option in options:
            union |= option.starts
        tried = 0
        for start in ranked_starts(state, meeting_idx, union & ~(1 << first), None):
            if tried >= LOOKAHEAD_STARTS or self.out_of_time():
                break
            if not self._fits_at(meeting_idx, options, start):
                continue
            tried += 1
            self.needed = 0
            self.close_gaps(meeting_idx, mark)
            if state.total_breaks < best[0]:
                best = (state.total_breaks, journal[mark:])
            undo_to(state, mark)
        replay(state, best[1])
        # Where two moves are still allowed, one may make room for the other (an ejection
        # chain): too slow to try from every start, so only from the one kept.
        self.close_gaps(meeting_idx, mark, chains=True)
        return True

    def _fits_at(
        self, meeting_idx: int, options: list[Option], start: int, class_idx: int | None = None
    ) -> bool:
        """Put the meeting at ``start`` in a free place of the plainest class of ``options``
        that has one (of ``class_idx`` only, if given); False when none has."""
        state = self.state
        for option in options:
            if not (option.starts >> start) & 1:
                continue
            if class_idx is not None and option.space_class != class_idx:
                continue
            if option.space_class == CORRIDOR:
                state.place(meeting_idx, start, None)
                return True
            space_idx = state.free_space(meeting_idx, option.space_class, start)
            if space_idx is not None:
                state.place(meeting_idx, start, space_idx)
                return True
        return False

    def close_gaps(self, meeting_idx: int, mark: int, chains: bool = False) -> int:
        """Once the meeting is placed (the journal from ``mark`` on), move up to
        ``break_moves`` more meetings of the principals of the meetings placed or moved, one
        at a time, each where it leaves the fewest breaks in all (with ``chains``, also by
        pushing one more meeting to a free place), and only while that saves breaks and at
        most ``max_moves`` published meetings differ from their place; the number of such
        moves made. The insertion opens or closes gaps in the principals' days: a meeting next
        to a new gap is the one a re-solve would shift."""
        allowed = min(self.max_moves, self.needed + self.break_moves)
        made = 0
        while self.moved_since(mark) < allowed and not self.out_of_time():
            room = allowed - self.moved_since(mark)
            if not self._relocate_best(meeting_idx, mark, room, chains):
                break
            made += 1
        return made

    def moved_since(self, mark: int) -> int:
        """How many published meetings the journal from ``mark`` on left elsewhere."""
        state = self.state
        journal = state.journal or []
        count = 0
        for other in {idx for _, idx, _, _ in journal[mark:]}:
            published = self.board.published[other]
            if published is not None and published != (state.start[other], state.space[other]):
                count += 1
        return count

    def _relocate_best(
        self, meeting_idx: int, mark: int, room: int = 1, chains: bool = False
    ) -> bool:
        """Move the movable meeting of the principals that saves the most breaks (ties: the
        first by index); False (and the board as it was) when none saves any."""
        state = self.state
        journal = state.journal
        assert journal is not None
        base = state.total_breaks
        meetings = state.problem.meetings
        candidates: set[int] = set()
        # The principals of the meeting and of every meeting moved for it.
        for touched in {idx for _, idx, _, _ in journal[mark:]}:
            for principal_idx in meetings[touched].principals:
                candidates |= state.principal_meetings[principal_idx]
        candidates.discard(meeting_idx)
        best: tuple[int, list[tuple[bool, int, int, int | None]]] | None = None
        here = len(journal)
        chains = chains and room >= 2
        # A meeting whose best place is where it is leaves the board as it was: the meeting
        # being placed then fares as it did for the first such one, so that is tried once (a
        # sixth of the meetings looked at stay put). Not with fairness, which ``fair_since``
        # checks for the principals of the meeting that stayed put too.
        stayed_put = False
        for other in sorted(candidates):
            if self.board.fixed[other] or self.out_of_time():
                continue
            origin, origin_space = state.start[other], state.space[other]
            for chained in (False, True) if chains else (False,):
                state.unplace(other)
                moved = (
                    self.eject(other, 1, origin, {meeting_idx, other}) is not None
                    if chained
                    else self.direct(other, origin)
                )
                same = (
                    moved
                    and not chained
                    and state.fairness_cap is None
                    and (state.start[other], state.space[other]) == (origin, origin_space)
                )
                if (
                    moved
                    and not (same and stayed_put)
                    and self._replace_better(meeting_idx)
                    and state.total_breaks < base - (best[0] if best else 0)
                    and self.moved_since(mark) <= self.max_moves
                    and self.fair_since(here)
                ):
                    best = (base - state.total_breaks, journal[here:])
                stayed_put = stayed_put or same
                undo_to(state, here)
                if best is not None and best[0] > 0 and not chained:
                    break
        if best is None:
            return False
        replay(state, best[1])
        return True

    def _replace_better(self, meeting_idx: int) -> bool:
        """Put the meeting being placed where it now adds the fewest breaks (it has no
        published place, so this moves nobody); always True, for use in a condition."""
        state = self.state
        journal = state.journal
        assert journal is not None
        mark = len(journal)
        before = state.total_breaks
        start, space_idx = state.start[meeting_idx], state.space[meeting_idx]
        state.unplace(meeting_idx)
        placed = self.direct(meeting_idx, None)
        if state.fairness_cap is None:
            # Back where it was by undoing, not by moving it back: the journal then holds no
            # moves of it, and the caller's undo has none to make (most calls end here). With
            # fairness the moves stay, as ``fair_since`` checks its principals for them.
            where = (state.start[meeting_idx], state.space[meeting_idx])
            if not placed or state.total_breaks > before or where == (start, space_idx):
                undo_to(state, mark)
            return True
        if not placed or state.total_breaks > before:
            if state.is_placed(meeting_idx):
                state.unplace(meeting_idx)
            state.place(meeting_idx, start, space_idx)
        return True

    def _fewer_breaks(self, meeting_idx: int, bound: int) -> bool:
        """Place the meeting by moving at most ``break_moves`` meetings, so that the principals
        have fewer breaks in all than ``bound``, the fewest found among the first
        ``BREAK_SEARCH_STARTS`` starts; False (and the board as it was) when none has fewer."""
        state = self.state
        journal = state.journal
        assert journal is not None
        mark = len(journal)
        before = state.total_breaks
        static = 0
        for _, starts in state.allowed[meeting_idx]:
            static |= starts
        best: tuple[int, list[tuple[bool, int, int, int | None]]] | None = None
        for count, start in enumerate(ranked_starts(state, meeting_idx, static, None)):
            if count >= BREAK_SEARCH_STARTS or self.out_of_time():
                break
            for class_idx, starts in state.allowed[meeting_idx]:
                if not (starts >> start) & 1:
                    continue
                found = self.blockers(meeting_idx, class_idx, start, {meeting_idx})
                if not found or len(found) > self.break_moves:
                    continue
                used = self._try(meeting_idx, class_idx, start, found, self.break_moves, set())
                if used is None:
                    continue
                if state.total_breaks < (best[0] if best is not None else bound):
                    best = (state.total_breaks, journal[mark:])
                undo_to(state, mark)
            if best is not None and best[0] <= before:
                # Nothing added in all: a start that saves a break is rare enough (about one
                # call in a hundred on a generated fair) not to search on for it.
                break
        if best is None:
            return False
        replay(state, best[1])
        return True

    def direct(self, meeting_idx: int, anchor: int | None) -> bool:
        """Put the meeting in a free place, the best first; False when there is none."""
        state = self.state
        options = state.options(meeting_idx)
        union = 0
        for option in options:
            union |= option.starts
        first = first_ranked(state, meeting_idx, union, anchor)
        if first is not None and self._fits_at(meeting_idx, options, first):
            # The start the loop below would try first, and it fits: the same place, without
            # ranking every start. Where it does not fit, the loop tries it again first, to
            # the same effect (a start that does not fit changes nothing).
            return True
        for start in ranked_starts(state, meeting_idx, union, anchor):
            if self._fits_at(meeting_idx, options, start):
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
        return self._fits_at(meeting_idx, self.state.options(meeting_idx), start, class_idx)

    def blockers(
        self, meeting_idx: int, class_idx: int, start: int, chain: set[int]
    ) -> set[int] | None:
        """The placed meetings in the way of the meeting at ``start`` in the class: those of its
        principals (with walking time), of its precedences, and of the one space with the fewest
        in the way. None when a fixed meeting or one of ``chain`` is in the way."""
        board = self.board
        state = self.state
        end = start + state.duration[meeting_idx]
        found = principal_blockers(state, meeting_idx, class_idx, start)
        if any(board.fixed[other] or other in chain for other in found):
            return None
        if class_idx == CORRIDOR or state.free_space(meeting_idx, class_idx, start) is not None:
            return found
        best: set[int] | None = None
        for space_idx in spaces_to_try(state, class_idx, start, end):
            # The space stays taken after it while the press leaves, if it has the press in.
            in_way = space_blockers(state, space_idx, start, end + state.press_buffer[meeting_idx])
            if any(board.fixed[other] or other in chain for other in in_way):
                continue
            if best is None or len(in_way - found) < len(best - found):
                best = in_way
        if best is None:
            return None
        return found | best


def replay(state: State, moves: list[tuple[bool, int, int, int | None]]) -> None:
    """Make again the journal entries ``moves``, on the board they were first made on."""
    for placed, meeting_idx, start, space_idx in moves:
        if placed:
            state.place(meeting_idx, start, space_idx)
        else:
            state.unplace(meeting_idx)


def undo_to(state: State, mark: int) -> None:
    """Undo the journal's moves after position ``mark``, keeping the journal open."""
    journal = state.journal
    assert journal is not None
    undone = cancelled(journal[mark:])
    del journal[mark:]
    state.journal = None
    for placed, meeting_idx, start, space_idx in reversed(undone):
        if placed:
            state.unplace(meeting_idx)
        else:
            state.place(meeting_idx, start, space_idx)
    state.journal = journal


def cancelled(
    moves: list[tuple[bool, int, int, int | None]],
) -> list[tuple[bool, int, int, int | None]]:
    """``moves`` without the pairs that cancel out: a meeting taken out and put back where it
    stood (or put somewhere and taken out again), one right after the other once the pairs
    inside are gone. Such a pair leaves the board as it found it, so undoing it is work with
    no effect: most of the polish's tries put the meeting being placed back where it was
    (nine in ten on a generated fair), and most undos were of those."""
    kept: list[tuple[bool, int, int, int | None]] = []
    for move in moves:
        if kept:
            placed, meeting_idx, start, space_idx = kept[-1]
            if (not placed, meeting_idx, start, space_idx) == move:
                kept.pop()
                continue
        kept.append(move)
    return kept


__all__ = ["Insertion", "cancelled", "first_ranked", "ranked_starts", "undo_to"]
