"""The first complete schedule, timed from the command's start, with reading the event included.

Writes a generated event as JSON (by default one day of 40 fifteen-minute slots, 3,000
principals, 20,000 requests and 500 spaces in 50 classes), then for each time limit runs what
``sidelines solve FILE --time-limit T`` runs (``cli.instances.open_instance``, then ``solve``
with a progress callback), each in a fresh interpreter. Times count from just before that
interpreter is started ("past the limit": the total less reading and the time limit, which
counts from the call of ``solve()``): "first valid" is the first progress report that holds a
schedule, "first complete" the first one whose schedule was not found by a partial
construction, with the CPU time of that interpreter until then (start-up included), which says
more than the wall time on a busy machine; the engine's bound is given with its kind (the
capacity LP, or the cheaper relaxed bound standing for it). ``--src DIR`` (repeatable) runs
the same with another checkout's ``src`` first on the path, for a side-by-side table of
two versions of the engine in one run.

    python benchmarks/first_schedule.py --time-limits 1,3,30
    python benchmarks/first_schedule.py --time-limits 3 --src /tmp/before/src --src src
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import time as clock
from pathlib import Path
from typing import Any


def _child(path: str, time_limit: float, started: float) -> None:
    from sidelines.cli.instances import open_instance
    from sidelines.scheduling import SolveOptions, solve, validate
    from sidelines.scheduling.result import Progress

    read = open_instance(Path(path))
    out: dict[str, Any] = {"read_s": time.time() - started, "first_s": None, "complete_s": None}

    def progress(report: Progress) -> None:
        if report.objective is None:
            return
        now = time.time() - started
        if out["first_s"] is None:
            out["first_s"] = now
            out["first_weight"] = report.objective.weight_scheduled
        # Complete: found by a part that is not a partial construction (one cut short by the
        # time limit says so too).
        if out["complete_s"] is None and not report.found_by.endswith(":partial"):
            out["complete_s"] = now
            out["complete_cpu_s"] = time.process_time()
            out["complete_weight"] = report.objective.weight_scheduled

    problem = read.problem
    result = solve(problem, SolveOptions(time_limit_s=time_limit, on_progress=progress))
    out["total_s"] = time.time() - started
    out["strategy"] = result.strategy
    out["weight"] = result.objective.weight_scheduled if result.objective else 0
    out["meetings"] = len(result.schedule)
    out["bound"] = result.bound.weight_scheduled if result.bound else None
    out["bound_kind"] = result.bound.kind if result.bound else None
    out["valid"] = validate(problem, result.schedule) == []
    out["classes"] = len(problem.space_classes)
    print(json.dumps(out))


def _write_event(path: Path, principals: int, requests: int, classes: int, seed: int) -> None:
    from sidelines.formats.event_loader import dump_event
    from sidelines.scheduling.generator import GeneratorSpec, generate_event

    spec = GeneratorSpec(
        principals=principals,
        requests=requests,
        spaces=max(requests // 40, classes),
        space_classes=classes,
        days=1,
        grain_min=15,
        day_end=clock(19, 0),
        locked=max(1, principals // 200),
        precedences=max(1, requests // 1000),
    )
    path.write_text(json.dumps(dump_event(generate_event(spec, seed)), default=str))


def _run(src: str | None, path: Path, time_limit: float) -> dict[str, Any]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    started = time.time()
    command = [sys.executable, __file__, "--child", str(path), str(time_limit), repr(started)]
    # A failed run stops the benchmark with its own error (check=True).
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    row: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return row


def _cell(value: Any, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--principals", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--space-classes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limits", default="1,3,30")
    parser.add_argument("--src", action="append", help="a checkout's src directory to run")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], float(args.child[1]), float(args.child[2]))
        return

    sources = args.src or [None]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.json"
        _write_event(path, args.principals, args.requests, args.space_classes, args.seed)
        print(
            f"{args.principals} x {args.requests}, {args.space_classes} space classes asked, "
            f"one day of 40 slots, event file {path.stat().st_size / 1e6:.1f} MB, "
            f"seed {args.seed}; load average {os.getloadavg()[0]:.1f} at the start"
        )
        print(
            "| engine | time limit (s) | read (s) | first valid (s) | its weight "
            "| first complete (s) | its CPU (s) | its weight | total (s) | past the limit (s) "
            "| weight | meetings | engine's bound | its kind | % of engine's bound | valid |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|")
        for limit in (float(part) for part in args.time_limits.split(",")):
            for src in sources:
                row = _run(src, path, limit)
                name = src or "installed"
                share = 100 * row["weight"] / row["bound"] if row.get("bound") else None
                print(
                    f"| {name} | {limit:g} | {row['read_s']:.2f} | {_cell(row['first_s'], '.2f')} "
                    f"| {_cell(row.get('first_weight'), 'd')} "
                    f"| {_cell(row['complete_s'], '.2f')} "
                    f"| {_cell(row.get('complete_cpu_s'), '.2f')} "
                    f"| {_cell(row.get('complete_weight'), 'd')} | {row['total_s']:.2f} "
                    f"| {row['total_s'] - row['read_s'] - limit:.2f} "
                    f"| {row['weight']} | {row['meetings']} | {_cell(row.get('bound'), 'd')} "
                    f"| {row.get('bound_kind') or '–'} | {_cell(share, '.2f')} "
                    f"| {row['valid']} |"
                )
                sys.stdout.flush()
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
