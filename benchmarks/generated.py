"""Generated partnering events, small to 3,000 principals and 20,000 requests.

For each size, in one run and side by side: the default strategy (``auto``), the heuristic
alone, plain CP-SAT and the first-come-first-served baseline. Each solve runs in a fresh
subprocess, so its peak memory (``resource.getrusage``, maximum resident set size of that
process, generation of the event included, plus the largest of its own child processes) is its
own. "first valid" is the time to the first valid schedule as ``on_progress`` reports it,
measured from the call of ``solve()``, with its weight (a construction still running after
1.2 s reports the valid part it has); "full construction" is the first report of a complete
construction; "total" is the whole call. The weight is given as a share of the best (smallest)
upper bound any run proved.

``--space-classes N`` varies the spaces' opening hours and features so that they form N classes
(0, the default: the plain rooms and tables); ``--days N`` sets the event's days (default 2).

    python benchmarks/generated.py --sizes 100x700,1000x7000,3000x20000 --time-limit 30 --seed 1
    python benchmarks/generated.py --sizes 200x1000 --space-classes 50 --days 1 --time-limit 10
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

STRATEGIES = ("auto", "heuristic", "cpsat", "fcfs")
REQUESTS_PER_SPACE = 40  # a table per 40 requests keeps tables as scarce as time


def _child(
    principals: int,
    requests: int,
    strategy: str,
    time_limit: float,
    seed: int,
    space_classes: int,
    days: int,
) -> None:
    from sidelines.scheduling import SolveOptions, Strategy, build_problem, solve, validate
    from sidelines.scheduling.baselines import first_come_first_served
    from sidelines.scheduling.bound import upper_bound
    from sidelines.scheduling.generator import GeneratorSpec, generate_event
    from sidelines.scheduling.result import Progress
    from sidelines.scheduling.validator import score

    spec = GeneratorSpec(
        principals=principals,
        requests=requests,
        # At least one space per asked class: a small event with many classes gets more spaces.
        spaces=max(2, requests // REQUESTS_PER_SPACE, space_classes),
        locked=max(1, principals // 200),
        precedences=max(1, requests // 1000),
        space_classes=space_classes,
        days=days,
    )
    problem = build_problem(generate_event(spec, seed))
    out: dict[str, Any] = {"strategy": strategy, "first_s": None, "bound": None}
    started = time.monotonic()
    if strategy == "fcfs":
        schedule = first_come_first_served(problem)
        out["first_s"] = time.monotonic() - started
        out["complete_s"] = out["total_s"] = out["first_s"]
        out["status"] = "feasible"
        # The LP bound on its own, so every size has one even when no solver proves better.
        bounded = upper_bound(problem)
        if bounded.bound is not None:
            out["bound"] = bounded.bound.weight_scheduled
    else:

        def progress(report: Progress) -> None:
            if report.objective is None:
                return
            if out["first_s"] is None:
                out["first_s"] = time.monotonic() - started
                out["first_weight"] = report.objective.weight_scheduled
            if out.get("complete_s") is None and not report.phase.endswith(":partial"):
                out["complete_s"] = time.monotonic() - started

        options = SolveOptions(
            strategy=Strategy(strategy),
            time_limit_s=time_limit,
            seed=seed,
            on_progress=progress,
        )
        try:
            result = solve(problem, options)
        except NotImplementedError:
            print(json.dumps({"strategy": strategy, "missing": True}))
            return
        out["total_s"] = time.monotonic() - started
        out["status"] = str(result.status)
        out["engine"] = result.strategy
        schedule = dict(result.schedule)
        if result.bound is not None:
            out["bound"] = result.bound.weight_scheduled
        if out["first_s"] is None and schedule:
            out["first_s"] = out["complete_s"] = out["total_s"]
    value = score(problem, schedule)
    out.setdefault("first_weight", value.weight_scheduled)
    out["weight"] = value.weight_scheduled
    out["meetings"] = value.meetings_scheduled
    out["breaks"] = value.breaks
    out["valid"] = not validate(problem, schedule) if schedule else None
    # ru_maxrss is in KiB on Linux. The heuristic computes its LP bound in a child process of
    # its own; the two peaks are added, an upper bound on what both held at any one time.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["peak_mib"] = (own + children) / 1024
    print(json.dumps(out))


def _run(
    principals: int,
    requests: int,
    strategy: str,
    time_limit: float,
    seed: int,
    memory_gib: float,
    shape: tuple[int, int],
) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--child",
        f"{principals}x{requests}",
        strategy,
        str(time_limit),
        str(seed),
        str(shape[0]),
        str(shape[1]),
    ]

    def limit_memory() -> None:
        # A model that outgrows the limit fails on its own instead of starving the machine.
        cap = int(memory_gib * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    done = subprocess.run(
        command, capture_output=True, text=True, check=False, preexec_fn=limit_memory
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        return {"strategy": strategy, "error": f"{last[0][:80]} (limit {memory_gib:g} GiB)"}
    parsed: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return parsed


def _cell(value: Any, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100x700,1000x7000,3000x20000")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--memory-limit-gib", type=float, default=10.0)
    parser.add_argument("--space-classes", type=int, default=0)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        size, strategy, limit, seed, classes, days = args.child
        principals, requests = (int(part) for part in size.split("x"))
        _child(principals, requests, strategy, float(limit), int(seed), int(classes), int(days))
        return

    print(
        f"time limit {args.time_limit:g} s, seed {args.seed}, "
        f"address space limit {args.memory_limit_gib:g} GiB per run, "
        f"space classes {args.space_classes or 'plain'}, {args.days} day(s)"
    )
    print(
        "| principals x requests | strategy | weight | % of best bound | meetings | breaks "
        "| first valid (s) | its weight | full construction (s) | total (s) | peak RSS (MiB) "
        "| valid |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for size in args.sizes.split(","):
        principals, requests = (int(part) for part in size.split("x"))
        rows = [
            _run(
                principals,
                requests,
                strategy,
                args.time_limit,
                args.seed,
                args.memory_limit_gib,
                (args.space_classes, args.days),
            )
            for strategy in args.strategies.split(",")
        ]
        bounds = [row["bound"] for row in rows if row.get("bound") is not None]
        best = min(bounds) if bounds else None
        for row in rows:
            name = row["strategy"] + (f" ({row['engine']})" if row.get("engine") else "")
            if row.get("missing") or row.get("error"):
                note = "n/a" if row.get("missing") else f"error: {row['error']}"
                print(f"| {principals} x {requests} | {name} | {note} | | | | | | | | | |")
                continue
            share = 100 * row["weight"] / best if best else None
            print(
                f"| {principals} x {requests} | {name} | {row['weight']} | {_cell(share, '.2f')} "
                f"| {row['meetings']} | {row['breaks']} | {_cell(row['first_s'], '.2f')} "
                f"| {_cell(row.get('first_weight'), 'd')} | {_cell(row.get('complete_s'), '.2f')} "
                f"| {row['total_s']:.2f} | {row['peak_mib']:.0f} | {row['valid']} |"
            )
        print(f"| {principals} x {requests} | best bound | {_cell(best, 'd')} | | | | | | | | | |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
