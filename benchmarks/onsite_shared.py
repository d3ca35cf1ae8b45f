"""On-site insertions into one published schedule shared by several source trees: the quality
(breaks, moves) of ``onsite.replan`` compared between versions of the search, free of the
differences a time-limited solve of the published schedule makes from run to run.

``prepare`` generates the fair of ``benchmarks/onsite.py`` (500 principals, 6,000 requests,
150 spaces, three days), solves its published part once and pickles the problem, the published
schedule and the meetings to insert; ``insert`` (run with ``PYTHONPATH`` naming the source tree
to measure) places them one after the other with ``replan`` and prints one table row.

    PYTHONPATH=src .venv/bin/python benchmarks/onsite_shared.py prepare case.pkl --seed 1
    PYTHONPATH=<tree>/src .venv/bin/python benchmarks/onsite_shared.py insert case.pkl --name X
"""

from __future__ import annotations

import argparse
import pickle
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def prepare(path: Path, seed: int, insertions: int, published: int, solve_time: float) -> None:
    from sidelines.scheduling import SolveOptions, Strategy, build_problem, solve, validate
    from sidelines.scheduling.generator import GeneratorSpec, generate_event

    spec = GeneratorSpec(principals=500, requests=6000, spaces=150, days=3, locked=2, precedences=5)
    event = generate_event(spec, seed)
    holdable = solve(
        build_problem(event), SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=5.0)
    ).schedule
    locked = [m.id for m in event.meetings if m.locked is not None]
    rng = random.Random(seed)
    pool = sorted(set(holdable) - set(locked))
    rng.shuffle(pool)
    first = set(locked) | set(pool[: published - len(locked)])
    later = pool[published - len(locked) :][:insertions]
    chosen = first | set(later)
    meetings = tuple(
        replace(m, after=tuple(a for a in m.after if a in chosen))
        for m in event.meetings
        if m.id in chosen
    )
    only_first = tuple(
        replace(m, after=tuple(a for a in m.after if a in first)) for m in meetings if m.id in first
    )
    schedule = dict(
        solve(
            build_problem(replace(event, meetings=only_first)),
            SolveOptions(time_limit_s=solve_time, seed=seed),
        ).schedule
    )
    problem = build_problem(replace(event, meetings=meetings))
    assert validate(problem, schedule) == []
    path.write_bytes(pickle.dumps((problem, schedule, later)))
    print(f"{len(schedule)} meetings published, {len(later)} to insert")


def insert(path: Path, name: str) -> None:
    from sidelines.scheduling import validate
    from sidelines.scheduling.onsite import NewMeeting, OnsiteOptions, replan
    from sidelines.scheduling.validator import score

    problem, published, later = pickle.loads(path.read_bytes())
    options = OnsiteOptions(now=problem.grid.start_of(0), freeze_window_min=30)
    schedule = published
    cpu: list[float] = []
    moved: list[int] = []
    placed = invalid = 0
    for meeting_id in later:
        started = time.process_time()
        result = replan(problem, schedule, NewMeeting(meeting_id), options)
        cpu.append(1000 * (time.process_time() - started))
        moved.append(len(result.moved))
        invalid += bool(result.violations)
        placed += bool(result.placed)
        schedule = dict(result.schedule)
    end = score(problem, schedule)
    print(
        "| tree | placed | breaking a rule | final schedule's violations | breaks (published) "
        "| moved in all | moved p50 / p95 / max | CPU p50 / p95 (ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {name} | {placed} / {len(later)} | {invalid} | {len(validate(problem, schedule))} "
        f"| {end.breaks} ({score(problem, published).breaks}) | {sum(moved)} "
        f"| {statistics.median(moved):.0f} / {_percentile(moved, 0.95):.0f} / {max(moved)} "
        f"| {statistics.median(cpu):.1f} / {_percentile(cpu, 0.95):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["prepare", "insert"])
    parser.add_argument("case", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--insertions", type=int, default=400)
    parser.add_argument("--published", type=int, default=3000)
    parser.add_argument("--solve-time", type=float, default=10.0)
    parser.add_argument("--name", default="this tree")
    args = parser.parse_args()
    if args.mode == "prepare":
        prepare(args.case, args.seed, args.insertions, args.published, args.solve_time)
    else:
        insert(args.case, args.name)


if __name__ == "__main__":
    main()
