"""An exchange solved exactly: free a window of time in the spaces a left-out meeting may use
and of its principals, then let CP-SAT choose which meetings go back there and when.

On an over-subscribed event whose spaces are full, the weight left is in heavy meetings whose
principals are busy with lighter ones at every time both could meet, at times when every space
they may use is full too; seating one takes an exchange of three or more meetings, which the
bump draws at random (docs/benchmarks.md). Here the exchange is chosen instead, after the
large neighbourhood search of Shaw (1998) with a subproblem solved by a CP solver: the placed
meetings in the window (in the target's classes, and the target's principals' own) come out,
and a time-indexed model over them, the target and the left-out meetings of their principals
picks the heaviest set that fits the freed spaces and the principals' free time.

The model holds the principals' time (one meeting at a time) and each class's free spaces per
slot; everything else (the starts ``State.options`` allows once the window is free, which
keep every other hard rule against the meetings outside it) is read from the state. The
chosen placements are then made one by one through ``State.options`` and ``free_space``, so
that a rule the model leaves out (a space's exact free runs, interpreters, precedences and
walking among the chosen meetings) turns a placement away instead of breaking the schedule;
what does not go where the model put it is placed greedily, and the caller keeps the result
only if the objective did not get worse.
"""

from __future__ import annotations

import random
from typing import Any

from sidelines.scheduling.heuristic.construct import insert
from sidelines.scheduling.heuristic.state import CORRIDOR, State
from sidelines.scheduling.slots import iter_slots, run_mask, starts_touching

WINDOW_PAD = 1  # slots freed on each side of the target's start
MAX_CLASSES = 1  # of the target's classes, those whose spaces are freed in the window
POOL_PER_PRINCIPAL = 8  # left-out meetings of one principal offered to the model
MAX_CANDIDATES = 600  # meetings in one model: its building is Python, a few µs per variable
SOLVE_LIMIT_S = 0.5  # CP-SAT's time for one exchange
HOPS = 1  # rounds of adding the meetings of the principals met in the window


def exchange(state: State, target: int, ranks: list[int], rng: random.Random) -> list[int] | None:
    """Free a window around a start the target may take and re-seat it exactly; the meetings
    taken out (some may be back), or ``None`` when nothing heavier was found (the state is
    then left to be rolled back). The state's journal must be open (``State.begin``)."""
    masks = state.allowed[target]
    if not masks:
        return None
    anywhere = 0
    for _, starts in masks:
        anywhere |= starts
    if not anywhere:
        return None
    start = rng.choice(list(iter_slots(anywhere)))
    day_first, day_end = state.day_bounds[state.day_of_slot[start]]
    first = max(day_first, start - WINDOW_PAD)
    end = min(day_end, start + state.duration[target] + WINDOW_PAD)
    window = run_mask(first, end - first)
    classes = [class_idx for class_idx, _ in masks if class_idx != CORRIDOR]
    if len(classes) > MAX_CLASSES:
        classes = rng.sample(classes, MAX_CLASSES)

    freed = _freed(state, target, classes, window)
    held = {idx: (state.start[idx], state.space[idx]) for idx in freed}
    for idx in freed:
        state.unplace(idx)
    candidates = _candidates(state, target, freed)
    chosen = _solve(state, candidates, held, window)
    if chosen is None:
        return None  # nothing heavier fits there: the caller undoes the freeing
    for idx, at, space_idx in sorted(chosen, key=lambda c: (c[1], -state.weight[c[0]])):
        if _fits(state, idx, at, space_idx):
            state.place(idx, at, space_idx)
    for idx in sorted(held, key=lambda idx: -state.weight[idx]):
        if not state.is_placed(idx):
            insert(state, idx, ranks, rng)
    return freed


def _freed(state: State, target: int, classes: list[int], window: int) -> list[int]:
    """The movable meetings placed in the window: in the spaces of ``classes``, of the
    target's principals, and of the principals those meet there."""
    freed: set[int] = set()
    duration, start, fixed = state.duration, state.start, state.fixed
    meetings = state.problem.meetings
    for class_idx in classes:
        for space_idx in state.class_spaces[class_idx]:
            for idx in state.space_meetings[space_idx]:
                if not fixed[idx] and run_mask(start[idx], duration[idx]) & window:
                    freed.add(idx)
    principals = set(meetings[target].principals)
    for _ in range(HOPS):
        for principal_idx in sorted(principals):
            for idx in state.principal_meetings[principal_idx]:
                if not fixed[idx] and run_mask(start[idx], duration[idx]) & window:
                    freed.add(idx)
        principals = {p for idx in freed for p in meetings[idx].principals}
    return sorted(freed)


def _candidates(state: State, target: int, freed: list[int]) -> list[int]:
    """The freed meetings, the target, and the heaviest left-out meetings of their
    principals."""
    meetings = state.problem.meetings
    chosen = [*freed, target]
    seen = set(chosen)
    principals = sorted({p for idx in chosen for p in meetings[idx].principals})
    for principal_idx in principals:
        waiting = [
            idx
            for idx in state.problem.principal_meetings[principal_idx]
            if idx not in seen and not state.is_placed(idx) and state.allowed[idx]
        ]
        waiting.sort(key=lambda idx: -state.weight[idx])
        for idx in waiting[:POOL_PER_PRINCIPAL]:
            seen.add(idx)
            chosen.append(idx)
        if len(chosen) >= MAX_CANDIDATES:
            break
    return chosen


def _solve(
    state: State,
    candidates: list[int],
    held: dict[int, tuple[int, int | None]],
    window: int,
) -> list[tuple[int, int, int | None]] | None:
    """The heaviest set of (meeting, start, space) the model allows, when heavier than the
    freed meetings; else ``None``. A variable per space, not per class: the freed spaces are
    free over runs that end at different slots, and a count per class and slot would seat
    meetings that no single space can hold (a third of its choices, measured)."""
    from ortools.sat.python import cp_model

    meetings = state.problem.meetings
    model = cp_model.CpModel()
    per_principal: dict[tuple[int, int], list[Any]] = {}
    per_space: dict[tuple[int, int], list[Any]] = {}
    choices: list[tuple[Any, int, int, int | None]] = []
    terms: list[Any] = []
    for idx in candidates:
        length = state.duration[idx]
        # Starts overlapping the window, or in the time the freed meetings held.
        was = held.get(idx)
        near = window if was is None else window | run_mask(was[0], 1)
        reach = starts_touching(near, length)
        own: list[Any] = []
        for class_idx, starts in state.options(idx):
            spaces = state.class_spaces[class_idx] if class_idx != CORRIDOR else ()
            hold = length + state.press_buffer[idx]
            hold += state.class_turnover[class_idx] if class_idx != CORRIDOR else 0
            for at in iter_slots(starts & reach):
                members = -1
                if class_idx != CORRIDOR:
                    free = state.free[class_idx]
                    for slot in range(at, at + hold):
                        members &= free[slot]
                placements: list[int | None] = (
                    [None] if class_idx == CORRIDOR else [spaces[bit] for bit in _bits(members)]
                )
                for space_idx in placements:
                    var = model.new_bool_var("")
                    own.append(var)
                    choices.append((var, idx, at, space_idx))
                    if was is not None:
                        model.add_hint(var, was == (at, space_idx))
                    for principal_idx in meetings[idx].principals:
                        for slot in range(at, at + length):
                            per_principal.setdefault((principal_idx, slot), []).append(var)
                    if space_idx is not None:
                        for slot in range(at, at + hold):
                            per_space.setdefault((space_idx, slot), []).append(var)
        if own:
            if was is not None and meetings[idx].required:
                model.add_exactly_one(own)
            else:
                model.add_at_most_one(own)
            terms.extend(state.weight[idx] * var for var in own)
    for together in (*per_principal.values(), *per_space.values()):
        if len(together) > 1:
            model.add_at_most_one(together)
    freed_weight = sum(state.weight[idx] for idx in held)
    # Only a heavier set is worth a change: ask for one, and let CP-SAT prove there is none.
    model.add(sum(terms) >= freed_weight + 1)
    model.maximize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = SOLVE_LIMIT_S
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [(idx, at, sp) for var, idx, at, sp in choices if solver.boolean_value(var)]


def _bits(mask: int) -> list[int]:
    """The positions of the set bits of a non-negative mask."""
    result = []
    while mask > 0:
        low = mask & -mask
        result.append(low.bit_length() - 1)
        mask ^= low
    return result


def _fits(state: State, idx: int, at: int, space_idx: int | None) -> bool:
    """Whether the meeting may still start at ``at`` in that space (or with none)."""
    if state.is_placed(idx):
        return False
    class_idx = CORRIDOR if space_idx is None else state.problem.class_of_space[space_idx]
    for option in state.options(idx):
        if option.space_class == class_idx and (option.starts >> at) & 1:
            if space_idx is None:
                return True
            bit = 1 << state.member_bit[space_idx]
            end = at + state.duration[idx] + state.press_buffer[idx]
            end += state.class_turnover[class_idx]
            return all(state.free[class_idx][slot] & bit for slot in range(at, end))
    return False
