"""Greedy placement: where one meeting goes, and the order in which meetings are placed.

A meeting goes on its spaces' packing grid if it can (meetings back to back, no stranded
gaps), then to the start that adds the fewest breaks for its principals, in a preferred window if
it can, then as early as possible, then in the smallest space class that fits (tables before
rooms, so rooms stay free for the meetings that need them).
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterable
from itertools import accumulate

from sidelines.scheduling.heuristic.state import (
    CORRIDOR,
    Option,
    SharedMasks,
    State,
    plain_first,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.slots import run_mask

# Bump costs are weights plus a hundredth per meeting removed, summed in floating point: two
# costs that differ at all differ by far more than this, which covers the rounding.
COST_ROUNDING = 0.005
INFINITE = float("inf")


def class_rank(state: State) -> list[int]:
    """Order of preference among space classes: the plainest first (``plain_first``)."""
    order = plain_first(state.problem)
    rank = [0] * len(order)
    for position, class_idx in enumerate(order):
        rank[class_idx] = position
    return rank


def _pick(mask: int, rng: random.Random | None) -> int:
    """The earliest start of ``mask``, or with ``rng`` one of its first few at random."""
    low = (mask & -mask).bit_length() - 1
    if rng is None or rng.random() < 0.7:
        return low
    skip = rng.randrange(min(4, mask.bit_count()))
    for _ in range(skip):
        mask &= mask - 1
    return (mask & -mask).bit_length() - 1


def break_levels(state: State, meeting_idx: int, mask: int) -> dict[int, int]:
    """The starts of ``mask`` split by how many breaks each adds to the days of the meeting's
    principals, summed over them (negative where it joins two blocks)."""
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


def best_placement(
    state: State, meeting_idx: int, ranks: list[int], rng: random.Random | None = None
) -> tuple[int, int | None] | None:
    """The best (start, space) for the meeting now, or None when it fits nowhere."""
    options = state.options(meeting_idx)
    if not options:
        return None
    if len(options) > 1 and not _in_rank_order(options, ranks):
        options.sort(
            key=lambda option: ranks[option.space_class] if option.space_class >= 0 else -1
        )
    starts = [option.starts for option in options]
    anywhere = 0
    for mask in starts:
        anywhere |= mask
    length = state.duration[meeting_idx]
    levels = break_levels(state, meeting_idx, anywhere)
    preferred = state.preferred_starts[meeting_idx]
    # Starts on the spaces' packing grid first (``State.packing_grid``), then anywhere.
    grids = state.packing_grids(length)
    on_grid = [
        mask & grids[option.space_class] for option, mask in zip(options, starts, strict=True)
    ]
    for candidates in (on_grid, starts) if on_grid != starts else (starts,):
        placement = _first_fit(state, meeting_idx, options, candidates, levels, preferred, rng)
        if placement is not None:
            return placement
    return None


def _first_fit(
    state: State,
    meeting_idx: int,
    options: list[Option],
    starts: list[int],
    levels: dict[int, int],
    preferred: int,
    rng: random.Random | None,
) -> tuple[int, int | None] | None:
    """The earliest (or, with ``rng``, an early) start among ``starts`` with the fewest added
    breaks, in a preferred window if it can, and a free space there in the plainest class."""
    starts = list(starts)
    for level in sorted(levels):
        level_mask = levels[level]
        for wish in (preferred, -1) if preferred else (-1,):
            target = level_mask & wish
            while True:
                union = 0
                for mask in starts:
                    union |= mask
                union &= target
                if not union:
                    break
                start = _pick(union, rng)
                bit = 1 << start
                # At that start, the plainest class with a space free throughout.
                for position, mask in enumerate(starts):
                    if not mask & bit:
                        continue
                    class_idx = options[position].space_class
                    if class_idx == CORRIDOR:
                        return start, None
                    space_idx = state.free_space(meeting_idx, class_idx, start)
                    if space_idx is not None:
                        return start, space_idx
                    # Every slot has a free space, but no single space is free throughout.
                    starts[position] &= ~bit
    return None


def _in_rank_order(options: list[Option], ranks: list[int]) -> bool:
    """Whether the options come plainest first, as ``placement_masks`` orders them."""
    previous = -1
    for option in options:
        rank = ranks[option.space_class] if option.space_class >= 0 else -1
        if rank < previous:
            return False
        previous = rank
    return True


def insert(
    state: State, meeting_idx: int, ranks: list[int], rng: random.Random | None = None
) -> bool:
    placement = best_placement(state, meeting_idx, ranks, rng)
    if placement is None:
        return False
    state.place(meeting_idx, *placement)
    return True


def place_locked(state: State, meeting_idx: int) -> bool:
    """Put a locked meeting at its slot and space, if the rules still allow it there."""
    meeting = state.problem.meetings[meeting_idx]
    start = meeting.locked_start
    assert start is not None
    for option in state.options(meeting_idx):
        if not (option.starts >> start) & 1:
            continue
        if option.space_class == CORRIDOR:
            state.place(meeting_idx, start, None)
            return True
        if meeting.locked_space is not None:
            if state.problem.class_of_space[meeting.locked_space] != option.space_class:
                continue
            # A locked space is a class of its own (Problem.space_classes).
            if state.free_space(meeting_idx, option.space_class, start) is None:
                return False
            state.place(meeting_idx, start, meeting.locked_space)
            return True
        space_idx = state.free_space(meeting_idx, option.space_class, start)
        if space_idx is not None:
            state.place(meeting_idx, start, space_idx)
            return True
    return False


def construction_order(state: State) -> list[int]:
    """Locked first, then required, then by weight, the hardest to place first; a meeting that
    must come after others of its own tier (locked, required or neither) comes right after
    them (``_earlier_first``)."""
    problem = state.problem
    masks = state.allowed

    def key(meeting_idx: int) -> tuple[int, int, int, int, int]:
        meeting = problem.meetings[meeting_idx]
        if isinstance(masks, SharedMasks):
            anywhere = masks.anywhere(meeting_idx)
        else:
            anywhere = 0
            for _, starts in masks[meeting_idx]:
                anywhere |= starts
        return (
            not meeting.locked,
            not meeting.required,
            -meeting.weight,
            anywhere.bit_count(),
            meeting_idx,
        )

    order = sorted(range(len(problem.meetings)), key=key)
    if not any(meeting.after for meeting in problem.meetings):
        return order
    return _earlier_first(problem, order)


def _earlier_first(problem: Problem, order: list[int]) -> list[int]:
    """``order`` with each meeting's predecessors of the same tier moved to right before it:
    placed first, a heavier meeting took the first start and left its lighter predecessor no
    time before it (of two meetings in six free slots, one placed, until the local search
    moved it, which a busy machine's share of a 1-s limit did not always leave time for)."""
    meetings = problem.meetings

    def tier(meeting_idx: int) -> tuple[bool, bool]:
        meeting = meetings[meeting_idx]
        return (not meeting.locked, not meeting.required)

    position = {meeting_idx: at for at, meeting_idx in enumerate(order)}
    emitted = [False] * len(meetings)
    opened = [False] * len(meetings)  # its predecessors on the stack: a cycle ends there
    result: list[int] = []
    for first in order:
        # Depth first over the predecessors, without recursion (chains may be long).
        stack = [(first, False)]
        while stack:
            meeting_idx, expanded = stack.pop()
            if emitted[meeting_idx]:
                continue
            if expanded:
                emitted[meeting_idx] = True
                result.append(meeting_idx)
                continue
            if opened[meeting_idx]:
                continue
            opened[meeting_idx] = True
            stack.append((meeting_idx, True))
            own = tier(meeting_idx)
            earlier = [
                other
                for other in meetings[meeting_idx].after
                if not emitted[other] and tier(other) == own
            ]
            # Pushed last-first, so that the earliest in ``order`` comes out first.
            for other in sorted(earlier, key=position.__getitem__, reverse=True):
                stack.append((other, False))
    return result


def bump_insert(
    state: State,
    meeting_idx: int,
    ranks: list[int],
    rng: random.Random,
    samples: int = 12,
    relocate: bool = False,
    principals_free: bool = False,
) -> list[int] | None:
    """Make room for the meeting by removing cheaper meetings in its way, then place it.

    Tries a few starts, removes the meetings that stand in the way at the cheapest one (those of
    its principals, of one space, precedences and walking neighbours, room-policy bookings) and
    returns the removed meetings; None when no start is cheap enough or the meeting still does
    not fit, after which the caller rolls its journal back. Locked meetings never move; required
    ones move only for another required meeting. With ``relocate`` the removed meetings may
    weigh more than the meeting: the caller puts them back elsewhere. With ``principals_free``
    only starts at which its principals are free are tried (when there are any), so that only
    space stands in the way: on events whose spaces are scarcer than the principals' time,
    most starts drawn at random clash with a principal's meeting and the bump removes it.
    """
    assert state.journal is not None, "bump_insert needs a journal to undo a failed attempt"
    problem = state.problem
    meeting = problem.meetings[meeting_idx]
    # A bump pays for itself only if what it removes weighs less; a relocation removes anything
    # movable and counts on putting it back elsewhere (an ejection chain of depth one).
    ceiling = float("inf") if relocate or meeting.required else state.weight[meeting_idx]
    best: tuple[float, int, int | None, set[int]] | None = None
    # ``samples`` (start, class) pairs in all, each class drawn in proportion to its number of
    # spaces: a hall of 450 tables offers more ways in than a room of its own, and sampling
    # every class as often made one bump cost as much as a hundred insertions.
    allowed = list(state.allowed[meeting_idx])
    if principals_free:
        free = ~state.principals_busy_starts(meeting_idx)
        narrowed = [(c, starts & free) for c, starts in allowed if starts & free]
        if narrowed:
            allowed = narrowed
    sizes = [len(state.class_spaces[c]) if c != CORRIDOR else 1 for c, _ in allowed]
    # ``rng.choices(range(len(allowed)), weights=sizes)`` worked out once per bump: the same
    # draws from the same random numbers, without summing the sizes at every sample.
    cumulative = list(accumulate(sizes))
    total = cumulative[-1] + 0.0 if cumulative else 0.0
    last = len(allowed) - 1
    tried = [0] * len(allowed)
    fixed, weight, meetings = state.fixed, state.weight, problem.meetings
    for _ in range(samples * min(2, len(allowed))):
        if not allowed:
            break
        position = bisect(cumulative, rng.random() * total, 0, last) if last > 0 else 0
        class_idx, candidates = allowed[position]
        candidates &= ~tried[position]
        if not candidates:
            continue
        start = _random_bit(candidates, rng)
        tried[position] |= 1 << start
        # What the principals' meetings alone cost is a floor on the whole cost: when it
        # already loses (to the ceiling or to the best start so far, by more than rounding),
        # the spaces need no look. Most samples of a bump end here or in a free space.
        limit = ceiling if best is None else min(ceiling, best[0])
        in_the_way = principal_blockers(state, meeting_idx, class_idx, start)
        floor = 0.0
        for other in in_the_way:
            if fixed[other] or (meetings[other].required and not meeting.required):
                floor = INFINITE
                break
            floor += weight[other] + 0.01
        if floor == INFINITE or floor > limit + COST_ROUNDING:
            continue
        found = _blockers(state, meeting_idx, class_idx, start, in_the_way)
        if found is None:
            continue
        blockers, space_idx = found
        cost = 0.0
        for other in blockers:
            if fixed[other] or (meetings[other].required and not meeting.required):
                cost = float("inf")
                break
            cost += weight[other] + 0.01
        if cost >= ceiling:
            continue
        if best is None or cost < best[0]:
            best = (cost, start, space_idx, blockers)
    if best is None or best[0] == float("inf"):
        return None
    _, _, _, blockers = best
    for other in blockers:
        state.unplace(other)
    if insert(state, meeting_idx, ranks):
        return sorted(blockers)
    return None


def _random_bit(mask: int, rng: random.Random) -> int:
    skip = rng.randrange(mask.bit_count())
    for _ in range(skip):
        mask &= mask - 1
    return (mask & -mask).bit_length() - 1


def _blockers(
    state: State, meeting_idx: int, class_idx: int, start: int, blockers: set[int]
) -> tuple[set[int], int | None] | None:
    """The placed meetings that keep the meeting from ``start`` in the class, and the space;
    ``blockers`` holds those of its principals (``principal_blockers``) and is added to."""
    end = start + state.duration[meeting_idx]
    space_idx: int | None = None
    if class_idx != CORRIDOR:
        cheapest: tuple[int, int, set[int]] | None = None
        free_space = state.free_space(meeting_idx, class_idx, start)
        if free_space is not None:
            candidates: Iterable[int] = (free_space,)
        else:
            candidates = spaces_to_try(state, class_idx, start, end)
        for candidate in candidates:
            # The space stays taken after it while the press leaves, if it has the press in.
            in_way = space_blockers(state, candidate, start, end + state.press_buffer[meeting_idx])
            cost = sum(state.weight[other] for other in in_way - blockers)
            if cheapest is None or cost < cheapest[0]:
                cheapest = (cost, candidate, in_way)
                if cost == 0:
                    break
        if cheapest is None:
            return None
        _, space_idx, in_way = cheapest
        blockers |= in_way
        if state.class_organiser_run[class_idx]:
            booked = _policy_blockers(state, meeting_idx, start, blockers)
            if booked is None:
                return None
            blockers |= booked
    return blockers, space_idx


def principal_blockers(state: State, meeting_idx: int, class_idx: int, start: int) -> set[int]:
    """The placed meetings in the way of the meeting at ``start`` in the class, whichever space
    it takes: those of its principals (with the walking time from the class's place), those
    of its precedences, and where every interpreter of a pair it needs is taken, the meetings
    holding them."""
    problem = state.problem
    meeting = problem.meetings[meeting_idx]
    end = start + state.duration[meeting_idx]
    here = state.class_location[class_idx] if class_idx != CORRIDOR else None
    found: set[int] = set()
    if here is None or not problem.has_walking:
        # No walking time: only meetings overlapping ``[start, end)`` are in the way, and a
        # principal free throughout (the calendar's busy slots say so) has none of them.
        window = ((1 << (end - start)) - 1) << start  # ``run_mask``, inline
        for principal_idx in meeting.principals:
            if not state.calendars[principal_idx].busy & window:
                continue
            for other in state.principal_meetings[principal_idx]:
                other_start = state.start[other]
                if other_start < end and start < other_start + state.duration[other]:
                    found.add(other)
    else:
        for principal_idx in meeting.principals:
            for other in state.principal_meetings[principal_idx]:
                other_start = state.start[other]
                walk = 0
                other_space = state.space[other]
                if other_space is not None:
                    there = problem.spaces[other_space].location_idx
                    walk = problem.walking_slots.get((here, there), 0) if here != there else 0
                if other_start - walk < end and start < other_start + state.duration[other] + walk:
                    found.add(other)
    for earlier in meeting.after:
        if state.start[earlier] >= 0 and state.start[earlier] + state.duration[earlier] > start:
            found.add(earlier)
    for later in state.successors[meeting_idx]:
        if 0 <= state.start[later] < end:
            found.add(later)
    for pair_idx in meeting.interpretation:
        if state.interpreters_full[pair_idx] & run_mask(start, end - start):
            found.update(
                other
                for other in state.interpreted[pair_idx]
                if state.start[other] < end and start < state.start[other] + state.duration[other]
            )
    return found


def spaces_to_try(state: State, class_idx: int, start: int, end: int) -> list[int]:
    """The spaces of the class worth clearing for ``[start, end)``: up to six free when the
    meeting would start or end (where the fewest meetings are in the way), and the first two.
    Scanning every table of a large hall costs more than the move could gain."""
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


def space_blockers(state: State, space_idx: int, start: int, end: int) -> set[int]:
    """The meetings of the space that overlap ``[start, end)``, its turnover (and their
    press-out buffers) included."""
    turnover = state.class_turnover[state.problem.class_of_space[space_idx]]
    # A meeting holds its space from its start to its end, turnover and press-out buffer
    # included (``State.holder``); it overlaps when it holds one of these slots.
    found = set(state.holder[space_idx][start : end + turnover])
    found.discard(-1)
    return found


def _policy_blockers(
    state: State, meeting_idx: int, start: int, removed: set[int]
) -> set[int] | None:
    """Cheapest bookings to cancel so each party stays within the room policy that day (None
    when the policy allows no booking at all)."""
    cap = state.problem.max_bookings_per_party_per_day
    if cap is None:
        return set()
    if cap == 0:
        return None
    problem = state.problem
    day = state.day_of_slot[start]
    extra: set[int] = set()
    for party in problem.meetings[meeting_idx].parties:
        booked = sorted(
            (state.weight[other], other)
            for other in _party_bookings(state, party, day)
            if other not in removed
        )
        surplus = len(booked) + 1 - cap
        for _, other in booked[: max(0, surplus)]:
            extra.add(other)
    return extra


def _party_bookings(state: State, party: str, day: int) -> Iterable[int]:
    problem = state.problem
    seen: set[int] = set()
    for principal_idx in state.party_principals[party]:
        for other in state.principal_meetings[principal_idx]:
            space_idx = state.space[other]
            if (
                other not in seen
                and space_idx is not None
                and problem.spaces[space_idx].organiser_run
                and state.day_of_slot[state.start[other]] == day
            ):
                seen.add(other)
                yield other
