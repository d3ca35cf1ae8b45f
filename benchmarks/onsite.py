"""On-site insertions: meetings agreed at the venue placed one after another into a published
schedule, against re-solving the whole event from scratch.

A generated fair (``scheduling.generator``) is solved once, over all its requests, to learn which
meetings can be held at all; ``--published`` of those are solved again on their own and published,
and ``--insertions`` others are then agreed one at a time and placed with ``onsite.replan``. Each
call gets the whole problem and the schedule as it stands (a fresh board every time, as the
service does); its wall time is the latency. At the end the same meetings are solved from
scratch with ``solve()`` (default strategy) and the breaks compared. Several ``--break-moves``
each place the same insertions into the same published schedule, against the same re-solve.

    python benchmarks/onsite.py --principals 500 --published 3000 --insertions 1000 --seed 1
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sidelines.domain import MeetingId
from sidelines.scheduling import (
    Problem,
    Schedule,
    SolveOptions,
    Strategy,
    build_problem,
    solve,
    validate,
)
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.objective import ObjectiveValue
from sidelines.scheduling.onsite import NewMeeting, OnsiteOptions, replan
from sidelines.scheduling.validator import score


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=500)
    parser.add_argument("--published", type=int, default=3000)
    parser.add_argument("--insertions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--spaces", type=int, default=150)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--solve-time", type=float, default=30.0, help="each from-scratch solve")
    parser.add_argument("--freeze-window", type=int, default=30)
    parser.add_argument(
        "--break-moves",
        type=int,
        nargs="+",
        default=[OnsiteOptions().break_moves],
        help="moves allowed only to save breaks; several: each run from the same published "
        "schedule, against the same re-solve",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    spec = GeneratorSpec(
        principals=args.principals,
        requests=args.requests,
        spaces=args.spaces,
        days=args.days,
        locked=max(1, args.principals // 200),
        precedences=5,
    )
    event = generate_event(spec, args.seed)
    # Which requests can be held at all: those a solve of the whole fair schedules.
    holdable = solve(
        build_problem(event), SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=5.0)
    ).schedule
    locked = [m.id for m in event.meetings if m.locked is not None]
    rng = random.Random(args.seed)
    pool = sorted(set(holdable) - set(locked))
    rng.shuffle(pool)
    first = set(locked) | set(pool[: args.published - len(locked)])
    later = pool[args.published - len(locked) :][: args.insertions]
    # Precedences on meetings outside the event would name unknown meetings.
    chosen = first | set(later)
    meetings = tuple(
        replace(m, after=tuple(a for a in m.after if a in chosen))
        for m in event.meetings
        if m.id in chosen
    )
    published_problem = build_problem(
        replace(
            event,
            meetings=tuple(
                replace(m, after=tuple(a for a in m.after if a in first))
                for m in meetings
                if m.id in first
            ),
        )
    )
    published = dict(
        solve(
            published_problem, SolveOptions(time_limit_s=args.solve_time, seed=args.seed)
        ).schedule
    )
    problem = build_problem(replace(event, meetings=meetings))
    assert validate(problem, published) == []
    now = problem.grid.start_of(0)
    runs = [
        _insert_all(
            problem,
            published,
            later,
            OnsiteOptions(now=now, freeze_window_min=args.freeze_window, break_moves=moves),
        )
        for moves in args.break_moves
    ]
    before = score(problem, published)
    scratch = solve(problem, SolveOptions(time_limit_s=args.solve_time, seed=args.seed))
    fresh = score(problem, scratch.schedule)

    print(
        f"{args.principals} principals, {len(published)} meetings published "
        f"({before.breaks} breaks), {len(later)} insertions, seed {args.seed}"
    )
    print()
    print("| measure | " + " | ".join(f"`--break-moves {m}`" for m in args.break_moves) + " |")
    print("|---|" + "---:|" * len(runs))
    names = [
        "insertions placed",
        "results breaking a hard rule",
        "latency p50 (ms)",
        "latency p95 (ms)",
        "latency p99 (ms)",
        "latency max (ms)",
        "moved meetings p50 / p95 / max",
        "incremental: meetings / weight",
        "incremental: breaks",
        "re-solve: meetings / weight",
        "re-solve: breaks",
        "breaks vs re-solve",
    ]
    columns = []
    for run in runs:
        latencies, moved = run.latencies, run.moved
        columns.append(
            [
                f"{run.placed} / {len(later)}",
                f"{run.invalid}",
                f"{1000 * statistics.median(latencies):.0f}",
                f"{1000 * _percentile(latencies, 0.95):.0f}",
                f"{1000 * _percentile(latencies, 0.99):.0f}",
                f"{1000 * max(latencies):.0f}",
                f"{statistics.median(moved):.0f} / {_percentile(moved, 0.95):.0f} / {max(moved)}",
                f"{run.end.meetings_scheduled} / {run.end.weight_scheduled}",
                f"{run.end.breaks}",
                f"{fresh.meetings_scheduled} / {fresh.weight_scheduled}",
                f"{fresh.breaks}",
                f"{100 * (run.end.breaks / max(1, fresh.breaks) - 1):+.1f} %",
            ]
        )
    for row, name in enumerate(names):
        print(f"| {name} | " + " | ".join(column[row] for column in columns) + " |")


@dataclass
class Run:
    latencies: list[float]
    moved: list[int]
    placed: int
    invalid: int
    end: ObjectiveValue


def _insert_all(
    problem: Problem, published: Schedule, later: list[MeetingId], options: OnsiteOptions
) -> Run:
    """Each meeting of ``later`` agreed in turn, each call on the schedule the last one left."""
    latencies: list[float] = []
    moved: list[int] = []
    placed = invalid = 0
    schedule = published
    for meeting_id in later:
        started = time.perf_counter()
        result = replan(problem, schedule, NewMeeting(meeting_id), options)
        latencies.append(time.perf_counter() - started)
        moved.append(len(result.moved))
        invalid += bool(result.violations)
        if result.placed:
            placed += 1
        schedule = dict(result.schedule)
    return Run(latencies, moved, placed, invalid, score(problem, schedule))


if __name__ == "__main__":
    main()
