"""Exact moves at the boundary beside the Kempe-chain search alone, at equal CPU.

    python benchmarks/jair_boundary.py [--seeds 1 2 3] [--checkpoints 3 5 7.5 10]
        [--move plain|window|boundary] [--reach 2] [--data DIR] NAME...

As ``benchmarks/jair_kempe.py`` does, each run builds the problem from the ``.dzn`` file, lets
the heuristic reach its first complete schedule and runs its Kempe-chain search alone until the
first checkpoint (CPU seconds of the process); from there to the last one it goes on with
``--move``:

- ``plain``: the search as it is;
- ``window``: in turn, CP-SAT (one worker, 0.5 s) places again the meetings of the best schedule
  that sit within ``--reach`` slots of a boundary slot, every other meeting where it is,
  minimising the blocks that start there; then 1 s of CPU of the search;
- ``boundary``: CP-SAT (0.5 s) chooses the meetings of the two boundary slots so that one more
  of the principals that must attend both does, keeping as many of the meetings there as it
  can; a second call (0.5 s) places every other meeting elsewhere, moving as few as it can; a
  new Kempe-chain search runs from there for 2 s of CPU with the chosen meetings held, then 2 s
  free, and its best replaces the search's when it has fewer breaks.

A *boundary slot* is found from the instance: for every principal, the slots it must attend for
a day without a break (from the latest start of its meeting that must start earliest to the
earliest start of its meeting that must start latest); the slots most principals must attend.
The table gives the best breaks over both searches at each checkpoint.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

from ortools.sat.python import cp_model

from jair import DEFAULT_DATA, PUBLISHED
from sidelines.formats.dzn import read_dzn
from sidelines.scheduling import SolveOptions, build_problem
from sidelines.scheduling.anytime import Improver
from sidelines.scheduling.heuristic.kempe import KempeSearch

CP_SAT_S = 0.5


def must_attend(kempe: KempeSearch, principal: int) -> tuple[int, int] | None:
    """First and last slot a principal must attend for a day without a break, or None."""
    own = kempe.meetings_of[principal]
    if not own:
        return None
    first = min(kempe.allowed[idx].bit_length() - 1 for idx in own)
    last = max((kempe.allowed[idx] & -kempe.allowed[idx]).bit_length() - 1 for idx in own)
    return (first, last) if first < last else None


def boundary(kempe: KempeSearch) -> list[int]:
    """The two slots most principals must attend, in order."""
    counts = [0] * kempe.n_slots
    for principal in range(len(kempe.meetings_of)):
        span = must_attend(kempe, principal)
        for slot in range(span[0], span[1] + 1) if span else ():
            counts[slot] += 1
    return sorted(sorted(range(kempe.n_slots), key=lambda slot: -counts[slot])[:2])


def _solver(seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = CP_SAT_S
    solver.parameters.random_seed = seed
    return solver


def _capacity(
    kempe: KempeSearch, model: cp_model.CpModel, place: dict[tuple[int, int], cp_model.IntVar]
) -> None:
    """Per slot and class at most the class's spaces; per principal and slot one meeting."""
    by_slot: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for (idx, slot), var in place.items():
        by_slot.setdefault((slot, kempe.class_of[idx]), []).append(var)
        for principal in kempe.principals[idx]:
            by_slot.setdefault((slot, -1 - principal), []).append(var)
    for (_, key), members in by_slot.items():
        model.add(sum(members) <= (kempe.size[key] if key >= 0 else 1))


def window_move(kempe: KempeSearch, first: int, last: int, seed: int) -> list[int] | None:
    """The best schedule with its meetings in slots ``first``..``last`` placed again exactly."""
    assert kempe.best_slots is not None
    slots = list(kempe.best_slots)
    inside = [idx for idx, at in enumerate(slots) if first <= at <= last]
    model = cp_model.CpModel()
    place: dict[tuple[int, int], cp_model.IntVar] = {}
    for idx in inside:
        for slot in range(first, last + 1):
            if (kempe.allowed[idx] >> slot) & 1:
                place[idx, slot] = model.new_bool_var("")
                model.add_hint(place[idx, slot], slots[idx] == slot)
        model.add_exactly_one(var for (m, _), var in place.items() if m == idx)
    _capacity(kempe, model, place)
    starts: list[cp_model.IntVar] = []
    chosen = set(inside)
    for principal in {p for idx in inside for p in kempe.principals[idx]}:
        outside = sum(1 << slots[idx] for idx in kempe.meetings_of[principal] if idx not in chosen)
        attend: dict[int, cp_model.LinearExprT] = {}
        for slot in range(first - 1, min(last + 2, kempe.n_slots)):
            own = [place[idx, slot] for idx in kempe.meetings_of[principal] if (idx, slot) in place]
            attend[slot] = sum(own) if own else (outside >> slot) & 1 if slot >= 0 else 0
        for slot in range(first, min(last + 2, kempe.n_slots)):
            start = model.new_bool_var("")
            before = 0 if (kempe.first >> slot) & 1 else attend[slot - 1]
            model.add(start >= attend[slot] - before)
            starts.append(start)
    model.minimize(sum(starts))
    solver = _solver(seed)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    for (idx, slot), var in place.items():
        if solver.boolean_value(var):
            slots[idx] = slot
    return slots


def boundary_move(kempe: KempeSearch, pair: list[int], seed: int) -> dict[int, int] | None:
    """Meetings for the two boundary slots with one more principal attending both, and the
    best schedule's other meetings moved out of them; the held meetings, or None."""
    assert kempe.best_slots is not None
    slots = kempe.best_slots
    n = len(slots)
    must = []
    for principal in range(len(kempe.meetings_of)):
        span = must_attend(kempe, principal)
        if span and span[0] <= pair[0] and pair[1] <= span[1]:
            must.append(principal)
    now = sum(all(any(slots[idx] == s for idx in kempe.meetings_of[p]) for s in pair) for p in must)
    model = cp_model.CpModel()
    place = {
        (idx, s): model.new_bool_var("")
        for idx in range(n)
        for s in pair
        if (kempe.allowed[idx] >> s) & 1
    }
    for idx in range(n):
        model.add_at_most_one(var for (m, _), var in place.items() if m == idx)
    _capacity(kempe, model, place)
    covered = []
    for principal in must:
        both = model.new_bool_var("")
        for s in pair:
            model.add(
                both <= sum(place[i, s] for i in kempe.meetings_of[principal] if (i, s) in place)
            )
        covered.append(both)
    model.add(sum(covered) >= now + 1)
    model.maximize(sum(var for (idx, s), var in place.items() if slots[idx] == s))
    solver = _solver(seed)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    held = {idx: s for (idx, s), var in place.items() if solver.boolean_value(var)}
    model = cp_model.CpModel()
    rest: dict[tuple[int, int], cp_model.IntVar] = {}
    for idx in range(n):
        if idx not in held:
            for s in range(kempe.n_slots):
                if (kempe.allowed[idx] >> s) & 1 and s not in pair:
                    rest[idx, s] = model.new_bool_var("")
                    model.add_hint(rest[idx, s], slots[idx] == s)
            model.add_exactly_one(var for (m, _), var in rest.items() if m == idx)
    _capacity(kempe, model, rest)
    model.minimize(sum(var for (idx, s), var in rest.items() if slots[idx] != s))
    solver = _solver(seed)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    placed = dict(held)
    placed.update({idx: s for (idx, s), var in rest.items() if solver.boolean_value(var)})
    return placed


def run_one(path: Path, seed: int, move: str, reach: int, checkpoints: list[float]) -> list[int]:
    """Best breaks at each checkpoint (CPU seconds) in one run."""
    start_cpu = time.process_time()
    problem = build_problem(read_dzn(path))
    improver = Improver(problem, SolveOptions(seed=seed), time.monotonic())
    while not improver.complete():
        improver.step(time.monotonic() + 0.05)
    improver.step(time.monotonic())
    kempe = improver.kempe
    assert kempe is not None
    best: list[int] = []
    pending = sorted(checkpoints)

    def run(search: KempeSearch, until: float, done: Callable[[], int | None]) -> None:
        while True:
            used = time.process_time() - start_cpu
            while pending and used >= pending[0]:
                best.append(min(v for v in (kempe.best_breaks, done()) if v is not None))
                pending.pop(0)
            if used >= until or not pending:
                return
            search.run(500)

    run(kempe, pending[0], lambda: None)
    pair = boundary(kempe)
    turn = 0
    while pending:
        turn += 1
        if move == "plain":
            run(kempe, pending[-1] + 1, lambda: None)
        elif move == "window":
            centre = pair[turn % 2]
            last = kempe.n_slots - 1
            slots = window_move(
                kempe, max(0, centre - reach), min(last, centre + reach), seed + turn
            )
            if slots is not None:
                kempe.load(enumerate(slots))
            run(kempe, time.process_time() - start_cpu + 1.0, lambda: None)
        else:
            held = boundary_move(kempe, pair, seed + turn)
            if held is None:
                run(kempe, pending[-1] + 1, lambda: None)
                continue
            other = KempeSearch(problem, random.Random(seed + turn))
            free = list(other.fixed)
            for idx in range(len(free)):
                other.fixed[idx] = free[idx] or (idx in held and held[idx] in pair)
            other.movable = [idx for idx, fixed in enumerate(other.fixed) if not fixed]
            other.load(held.items())
            used = time.process_time() - start_cpu
            run(other, used + 2.0, lambda o=other: o.best_breaks)
            other.fixed = free
            other.movable = [idx for idx, fixed in enumerate(free) if not fixed]
            run(other, used + 4.0, lambda o=other: o.best_breaks)
            found = other.best_breaks
            if (
                other.best_slots is not None
                and found is not None
                and found < (kempe.best_breaks or found + 1)
            ):
                kempe.load(enumerate(other.best_slots))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help="instances, e.g. ticf-13crafb.original")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--checkpoints", type=float, nargs="+", default=[3.0, 5.0, 7.5, 10.0])
    parser.add_argument("--move", choices=["plain", "window", "boundary"], default="plain")
    parser.add_argument("--reach", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"| instance (optimum) | seed | {args.move}: best at {args.checkpoints} s CPU |")
    totals = [0] * len(args.checkpoints)
    for name in args.names:
        for seed in args.seeds:
            found = run_one(
                args.data / f"{name}.dzn", seed, args.move, args.reach, args.checkpoints
            )
            totals = [t + v for t, v in zip(totals, found, strict=True)]
            label = name.removesuffix(".original")
            print(f"| {label} ({PUBLISHED.get(name)}) | {seed} | {found} |", flush=True)
    print(f"| total | | {totals} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
