"""The Kempe-chain search's best schedule beside a proven optimum, principal by principal.

    python benchmarks/jair_optimum.py [--data DIR] [--limit 120] [--cpu 4] [--seed 1] NAME

Solves the instance with the default strategy (two workers, ``--limit`` seconds) for a proven
optimum, then runs the heuristic beside the searches (``anytime.Improver``) to its first
complete schedule and its Kempe-chain search alone until the process has used ``--cpu``
seconds of CPU since the problem was built, as ``benchmarks/jair_kempe.py`` does. It prints,
for every principal with a break in either schedule, its day in both (``#`` a meeting, ``.``
none) with its breaks and the slots it must attend for a day without one, then the meetings
per slot in both, how many principals must attend each slot, and how many meetings sit at
the same slot in both: what separates the search's plateau from the optimum.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from jair import DEFAULT_DATA
from sidelines.formats.dzn import read_dzn
from sidelines.scheduling import SolveOptions, build_problem, solve
from sidelines.scheduling.anytime import Improver
from sidelines.scheduling.heuristic.kempe import KempeSearch
from sidelines.scheduling.problem import Problem


def kempe_best(problem: Problem, seed: int, cpu_s: float, start_cpu: float) -> KempeSearch:
    """The Kempe-chain search after ``cpu_s`` seconds of the process's CPU."""
    improver = Improver(problem, SolveOptions(seed=seed), time.monotonic())
    while not improver.complete():
        improver.step(time.monotonic() + 0.05)
    improver.step(time.monotonic())  # loads the first complete schedule
    kempe = improver.kempe
    assert kempe is not None, "the Kempe-chain search does not apply"
    while time.process_time() - start_cpu < cpu_s:
        kempe.run(500)
    return kempe


def days(problem: Problem, slots: list[int]) -> list[tuple[str, int]]:
    """Every principal's days as a line of ``#`` and ``.``, with its breaks (runs of meetings
    beyond the first of each day)."""
    lines = [["."] * problem.grid.n_slots for _ in problem.principals]
    for meeting_idx, start in enumerate(slots):
        for principal_idx in problem.meetings[meeting_idx].principals:
            lines[principal_idx][start] = "#"
    found = []
    for line in lines:
        breaks = 0
        for day in problem.grid.days:
            runs = "".join(line[day.first_slot : day.end_slot]).split(".")
            breaks += max(0, sum(1 for run in runs if run) - 1)
        found.append(("".join(line), breaks))
    return found


def must_cover(kempe: KempeSearch, principal_idx: int) -> tuple[int, int] | None:
    """The slots a principal attends throughout in any schedule where its day has no break:
    from the latest slot its earliest-bound meeting may take to the earliest its latest-bound
    one may take (on the JAIR originals, one meeting bound to the morning and one to the
    afternoon), or None when no such slots exist."""
    own = kempe.meetings_of[principal_idx]
    if not own:
        return None
    latest = min(kempe.allowed[idx].bit_length() - 1 for idx in own)
    earliest = max((kempe.allowed[idx] & -kempe.allowed[idx]).bit_length() - 1 for idx in own)
    return (latest, earliest) if earliest > latest else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="an instance, e.g. ticf-13crafb.original")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=float, default=120.0)
    parser.add_argument("--cpu", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    event = read_dzn(args.data / f"{args.name}.dzn")
    problem = build_problem(event)
    result = solve(problem, SolveOptions(time_limit_s=args.limit, workers=2, seed=args.seed))
    assert result.objective is not None, "no schedule within the limit"
    index = {meeting.id: idx for idx, meeting in enumerate(problem.meetings)}
    optimum = [0] * len(problem.meetings)
    for meeting_id, assignment in result.schedule.items():
        optimum[index[meeting_id]] = assignment.start_slot
    start_cpu = time.process_time()
    kempe = kempe_best(build_problem(event), args.seed, args.cpu, start_cpu)
    found = kempe.best_slots or kempe.slot
    print(f"solve: {result.status}, {result.objective.breaks} breaks")
    print(f"Kempe-chain search after {args.cpu} s of CPU: {kempe.best_breaks} breaks")
    for principal_idx, ((best, best_breaks), (mine, my_breaks)) in enumerate(
        zip(days(problem, optimum), days(problem, found), strict=True)
    ):
        if best_breaks or my_breaks:
            meetings = best.count("#")
            span = must_cover(kempe, principal_idx)
            cover = "" if span is None else f"  must cover {span[0]}-{span[1]}"
            print(
                f"principal {principal_idx:3d} ({meetings:2d} meetings): "
                f"optimum {best} {best_breaks}  search {mine} {my_breaks}{cover}"
            )
    n_slots = kempe.n_slots
    print("meetings per slot, optimum:", [optimum.count(slot) for slot in range(n_slots)])
    print("meetings per slot, search: ", [found.count(slot) for slot in range(n_slots)])
    spans = [must_cover(kempe, idx) for idx in range(len(problem.principals))]
    print(
        "principals that must cover each slot for a day without a break:",
        [
            sum(1 for span in spans if span and span[0] <= slot <= span[1])
            for slot in range(n_slots)
        ],
    )
    same = sum(1 for a, b in zip(optimum, found, strict=True) if a == b)
    print(f"meetings at the same slot in both: {same} of {len(optimum)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
