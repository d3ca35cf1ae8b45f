"""The capacity LP bound beside the relaxed one and the default strategy's schedules.

For each generated event (``--sizes``, ``--space-classes``, ``--days``): the relaxed bound of
``scheduling/bound.py`` and the capacity LP of ``scheduling/lp_bound.py`` computed on their own
(value, seconds and CPU seconds, whether every capacity row was separated), then ``solve()``
with the default strategy at each ``--time-limits``: its weight as a share of the capacity LP,
the bound the result reports and its kind, the gap between that bound and the LP, and the first
complete schedule from the call of ``solve()``. Everything of one event runs in one process, one
event after another, so the figures of a row share the machine's load of the same minutes.

    python benchmarks/lp_bound.py --sizes 200x1000,1000x5000 --space-classes 50 --days 1 \
        --time-limits 5,30
"""

from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sidelines.scheduling.generator import GeneratorSpec
    from sidelines.scheduling.problem import Problem

REQUESTS_PER_SPACE = 40


def event_spec(principals: int, requests: int, space_classes: int, days: int) -> GeneratorSpec:
    """The generated event of these benchmarks (``search_quality.py`` reads the same)."""
    from sidelines.scheduling.generator import GeneratorSpec

    return GeneratorSpec(
        principals=principals,
        requests=requests,
        spaces=max(2, requests // REQUESTS_PER_SPACE, space_classes),
        locked=max(1, principals // 200),
        precedences=max(1, requests // 1000),
        space_classes=space_classes,
        days=days,
    )


def _row(
    principals: int,
    requests: int,
    space_classes: int,
    days: int,
    seed: int,
    time_limits: list[float],
    lp_limit: float,
) -> list[str]:
    from sidelines.scheduling import SolveOptions, build_problem, solve
    from sidelines.scheduling.bound import upper_bound
    from sidelines.scheduling.generator import generate_event
    from sidelines.scheduling.heuristic.state import placement_masks
    from sidelines.scheduling.lp_bound import capacity_bound
    from sidelines.scheduling.result import Progress

    spec = event_spec(principals, requests, space_classes, days)
    problem = build_problem(generate_event(spec, seed))
    masks = placement_masks(problem)
    started, cpu = time.monotonic(), time.process_time()
    relaxed = upper_bound(problem, masks)
    relaxed_s, relaxed_cpu = time.monotonic() - started, time.process_time() - cpu
    started, cpu = time.monotonic(), time.process_time()
    tight = capacity_bound(problem, masks, lp_limit)
    separated = (
        f"{tight.separated_bound} at {tight.separated_s:.1f} s" if tight.separated_s else "–"
    )
    tight_s, tight_cpu = time.monotonic() - started, time.process_time() - cpu
    dual = _dual(problem, masks, lp_limit)
    relaxed_value = relaxed.bound.weight_scheduled if relaxed.bound else None
    lp = tight.result.bound.weight_scheduled if tight.result and tight.result.bound else None
    bounds = [
        f"| {principals} x {requests}",
        str(space_classes),
        str(days),
        str(relaxed_value),
        f"{relaxed_s:.1f} ({relaxed_cpu:.1f})",
        separated,
        f"{lp}{'' if tight.complete else ' (partial)'}",
        f"{tight_s:.1f} ({tight_cpu:.1f})",
        dual,
    ]
    if not time_limits:  # the bounds alone
        return [" | ".join([*bounds, *["–"] * 7, "– |"])]
    rows = []
    for limit in time_limits:
        first: list[float] = []

        def progress(report: Progress, first: list[float] = first) -> None:
            complete = report.objective is not None and not report.phase.endswith(":partial")
            if complete and not first:
                first.append(time.monotonic())

        at = time.monotonic()
        result = solve(problem, SolveOptions(time_limit_s=limit, seed=seed, on_progress=progress))
        weight = result.objective.weight_scheduled if result.objective else 0
        bound = result.bound
        share = f"{100 * weight / lp:.2f}" if lp else "–"
        gap = f"{100 * (bound.weight_scheduled - lp) / lp:.2f}" if bound and lp else "–"
        rows.append(
            " | ".join(
                [
                    *bounds,
                    f"{limit:g}",
                    str(weight),
                    share,
                    str(bound.weight_scheduled) if bound else "–",
                    bound.kind if bound and bound.kind else "–",
                    gap,
                    f"{first[0] - at:.2f}" if first else "–",
                    f"{result.wall_time_s:.1f} |",
                ]
            )
        )
    return rows


def _dual(problem: Problem, masks: Any, lp_limit: float) -> str:
    """PDLP's dual bound with every row per principal and slot (``lp_dual.py``), with its
    wall and CPU seconds; "–" for a tree without it."""
    try:
        from sidelines.scheduling.lp_dual import principal_bound
    except ImportError:
        return "–"
    started, cpu = time.monotonic(), time.process_time()
    value = principal_bound(problem, masks, started + lp_limit)
    return f"{value} ({time.monotonic() - started:.1f}, {time.process_time() - cpu:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200x1000,1000x5000")
    parser.add_argument("--space-classes", type=int, default=50)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limits", default="5,30")
    parser.add_argument("--lp-limit", type=float, default=120.0)
    args = parser.parse_args()
    # An empty ``--time-limits ''``: the two bounds only, no solve.
    limits = [float(x) for x in args.time_limits.split(",") if x]
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    print(
        "| principals x requests | classes | days | relaxed bound | its s (CPU s)"
        " | capacity rows all held | capacity LP | its s (CPU s)"
        " | dual bound with the rows per principal and slot, PDLP (s, CPU s)"
        " | time limit (s) | weight | % of LP | reported bound | its kind | bound above LP (%)"
        " | first complete (s) | total (s) |"
    )
    print(
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
        flush=True,
    )
    for size in args.sizes.split(","):
        principals, requests = (int(x) for x in size.split("x"))
        for line in _row(
            principals, requests, args.space_classes, args.days, args.seed, limits, args.lp_limit
        ):
            print(line, flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
