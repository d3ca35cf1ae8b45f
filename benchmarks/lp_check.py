"""An independent check of the capacity LP, for the benchmarks only (not the engine's code).

Built from the placement rules directly (``possible_starts`` per meeting and space class, not
the heuristic's shared masks), with the union closure of the requirement sets enumerated in full
at every slot instead of separated, and solved from scratch by GLOP through MathOpt instead of
``pywraplp``. Rows: a meeting at most once (required and locked ones exactly, locked at their
start), per principal and slot at most one meeting, per slot and union of requirement sets the
meetings needing only those classes at most the spaces open. It leaves out the engine's rows per
principal and half-day, the turnover and the room policy, so it may lie above the engine's LP,
never below it when both are exact. It is solved twice: without the rows per principal and slot,
which the engine leaves out above ``PRINCIPAL_ROWS_MAX_MEETINGS`` meetings (the engine's LP
must come out at or under this value), and with them (the issue's LP: how much the engine's
bound gives away where it leaves them out or has not added them all in time, and how much its
own rows that this LP has not, the whole meetings counted per space and run of opening hours,
take back: the last column is negative where the engine's bound is the tighter). The engine's
LP gets ``--engine-limit`` seconds.

    python benchmarks/lp_check.py --sizes 60x300,200x1000 --space-classes 50 --days 1
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sidelines.scheduling.problem import Problem


def check(
    principals: int, requests: int, space_classes: int, days: int, seed: int, engine_limit: float
) -> str:
    from sidelines.scheduling import build_problem
    from sidelines.scheduling.generator import GeneratorSpec, generate_event
    from sidelines.scheduling.lp_bound import capacity_bound

    spec = GeneratorSpec(
        principals=principals,
        requests=requests,
        spaces=max(2, requests // 40, space_classes),
        locked=max(1, principals // 200),
        precedences=max(1, requests // 1000),
        space_classes=space_classes,
        days=days,
    )
    problem = build_problem(generate_event(spec, seed))
    started = time.monotonic()
    independent, unions = _independent(problem, principal_slots=False)
    independent_s = time.monotonic() - started
    started = time.monotonic()
    issues, _ = _independent(problem, principal_slots=True)
    issues_s = time.monotonic() - started
    started = time.monotonic()
    engine = capacity_bound(problem, None, engine_limit)
    engine_s = time.monotonic() - started
    value = engine.result.bound.weight_scheduled if engine.result and engine.result.bound else None
    agrees = value is not None and value <= independent + 1e-6
    # Negative when the engine's rows (its whole-meeting counts per space and run of hours)
    # make it tighter than the issue's LP.
    above = "–" if value is None else f"{round(100 * (value - issues) / issues, 2) + 0.0:+.2f}"
    return (
        f"| {principals} x {requests} | {space_classes} | {days} | {independent:.2f} "
        f"| {unions} | {independent_s:.1f} | {issues:.2f} | {issues_s:.1f} | {value} "
        f"| {engine.complete} | {engine_s:.1f} | {'yes' if agrees else 'NO'} | {above} |"
    )


def _independent(problem: Problem, principal_slots: bool) -> tuple[float, int]:
    """The independent LP's optimum and its number of union rows."""
    from ortools.math_opt.python import mathopt

    from sidelines.scheduling.rules.placement import possible_starts

    n_slots = problem.grid.n_slots
    model = mathopt.Model()
    objective = []
    per_principal: dict[tuple[int, int], list[mathopt.Variable]] = {}
    needing: list[dict[frozenset[int], list[mathopt.Variable]]] = [{} for _ in range(n_slots)]
    for idx, meeting in enumerate(problem.meetings):
        by_start: dict[int, set[int]] = {}
        if meeting.needs_space:
            for space_class in problem.space_classes:
                mask = possible_starts(problem, idx, space_class.spaces[0])
                for start in range(n_slots):
                    if mask >> start & 1:
                        by_start.setdefault(start, set()).add(space_class.index)
        else:
            mask = possible_starts(problem, idx, None)
            by_start = {s: set() for s in range(n_slots) if mask >> s & 1}
        own = []
        for start, classes in by_start.items():
            x = model.add_variable(lb=0.0, ub=1.0)
            if start == meeting.locked_start:
                x.lower_bound = 1.0
            own.append(x)
            objective.append(meeting.weight * x)
            for slot in range(start, min(start + meeting.duration_slots, n_slots)):
                for principal in meeting.principals:
                    per_principal.setdefault((principal, slot), []).append(x)
                if classes:
                    needing[slot].setdefault(frozenset(classes), []).append(x)
        if own:
            total = mathopt.fast_sum(own)
            if meeting.required or meeting.locked:
                model.add_linear_constraint(total == 1.0)
            else:
                model.add_linear_constraint(total <= 1.0)
    for terms in per_principal.values():
        if principal_slots and len(terms) > 1:
            model.add_linear_constraint(mathopt.fast_sum(terms) <= 1.0)
    unions = 0
    for slot, groups in enumerate(needing):
        closure = set(groups)
        frontier = list(closure)
        while frontier:
            first = frontier.pop()
            for other in list(closure):
                union = first | other
                if union not in closure:
                    closure.add(union)
                    frontier.append(union)
        for chosen in closure:
            spaces = sum(
                problem.space_classes[c].size
                for c in chosen
                if problem.spaces[problem.space_classes[c].spaces[0]].open >> slot & 1
            )
            terms = [x for classes, group in groups.items() if classes <= chosen for x in group]
            if len(terms) > spaces:
                model.add_linear_constraint(mathopt.fast_sum(terms) <= spaces)
                unions += 1
    model.maximize(mathopt.fast_sum(objective))
    params = mathopt.SolveParameters(time_limit=timedelta(seconds=600))
    result = mathopt.solve(model, mathopt.SolverType.GLOP, params=params)
    return result.objective_value(), unions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60x300,200x1000")
    parser.add_argument("--space-classes", type=int, default=50)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engine-limit", type=float, default=600.0)
    args = parser.parse_args()
    print(
        "| principals x requests | classes | days | independent LP | its union rows | its s"
        " | with rows per principal and slot | its s | engine's LP | all rows separated | its s"
        " | engine at or under the independent LP | engine above the issue's LP (%) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|")
    for size in args.sizes.split(","):
        principals, requests = (int(x) for x in size.split("x"))
        row = check(
            principals, requests, args.space_classes, args.days, args.seed, args.engine_limit
        )
        print(row, flush=True)


if __name__ == "__main__":
    main()
