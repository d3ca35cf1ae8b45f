"""Stable re-solves on generated events: what keep, minimal and free cost and change.

For each size, an event is generated with 10 % more requests than its nominal count; the
nominal share is solved and published, then the other 10 % are agreed and 2 % of the published
meetings withdrawn, and the event is re-solved against the published schedule with keep,
minimal (the default budget, 1 % of the published meetings) and free. On the first size, the
weight is also measured against the move budget (0, 0.5, 1, 2, 5 % and free), and CP-SAT,
started from the minimal schedule, searches for a heavier one within the same budget and
reports the bound it proves. As CP-SAT proves nothing at that size on two shared cores, the
minimal re-solve is also compared with CP-SAT's proven optimum on smaller events (20 x 100).

    python benchmarks/stability.py --sizes 100x700,1000x7000,3000x20000 --time-limit 30
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, replace

from sidelines.domain.event import Event
from sidelines.domain.ids import MeetingId
from sidelines.scheduling import SolveOptions, Strategy, build_problem, solve, validate
from sidelines.scheduling.bound import upper_bound
from sidelines.scheduling.cpsat import solve_cpsat
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import SolveResult
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.stability import (
    Published,
    Stability,
    changes,
    default_move_budget,
    with_published,
)

REQUESTS_PER_SPACE = 40  # as in generated.py: tables as scarce as time
AGREED_SHARE = 0.10  # meetings agreed after publishing, of the nominal count
WITHDRAWN_SHARE = 0.02  # published meetings withdrawn before the re-solve
BUDGET_SHARES = (0.0, 0.005, 0.01, 0.02, 0.05)
EXACT_WIDE_SHARE = 0.05  # the larger budget of the exact comparison


@dataclass(frozen=True)
class Scenario:
    problem: Problem  # the event after the changes
    published: dict[MeetingId, Assignment]  # what was published, less the withdrawn meetings
    published_weight: int
    publish_s: float


def _with_meetings(event: Event, keep: set[MeetingId]) -> Event:
    """The event with only the meetings of ``keep``, precedences to the others dropped."""
    meetings = tuple(
        replace(meeting, after=tuple(m for m in meeting.after if m in keep))
        for meeting in event.meetings
        if meeting.id in keep
    )
    return replace(event, meetings=meetings)


def scenario(principals: int, requests: int, seed: int, publish_limit: float) -> Scenario:
    agreed = round(requests * AGREED_SHARE)
    spec = GeneratorSpec(
        principals=principals,
        requests=requests + agreed,
        spaces=max(2, requests // REQUESTS_PER_SPACE),
        locked=max(1, principals // 200),
        precedences=max(1, requests // 1000),
    )
    event = generate_event(spec, seed)
    rng = random.Random(seed)
    unlocked = [m.id for m in event.meetings if m.locked is None]
    later = set(rng.sample(unlocked, agreed))
    before = {m.id for m in event.meetings} - later
    first = build_problem(_with_meetings(event, before))
    started = time.monotonic()
    result = solve(first, SolveOptions(time_limit_s=publish_limit, seed=seed))
    publish_s = time.monotonic() - started
    assert result.objective is not None
    assert not validate(first, result.schedule)
    published = dict(result.schedule)
    withdrawn = set(rng.sample(sorted(published), round(len(published) * WITHDRAWN_SHARE)))
    after = {m.id for m in event.meetings} - withdrawn
    return Scenario(
        problem=build_problem(_with_meetings(event, after)),
        published=published,
        published_weight=result.objective.weight_scheduled,
        publish_s=publish_s,
    )


def resolve(
    case: Scenario,
    stability: Stability,
    max_moves: int | None,
    time_limit: float,
    strategy: Strategy = Strategy.AUTO,
    hint: dict[MeetingId, Assignment] | None = None,
) -> tuple[Problem, SolveResult]:
    # The withdrawn meetings are not in the problem: ``with_published`` drops them. The budget
    # is a share of the meetings still published.
    still = {m: a for m, a in case.published.items() if m in case.problem.meeting_index}
    problem = with_published(case.problem, Published(still, stability, max_moves))
    options = SolveOptions(strategy=strategy, time_limit_s=time_limit)
    if hint is not None:
        return problem, solve_cpsat(problem, options, hint=hint)
    return problem, solve(problem, options)


def row(label: str, problem: Problem, result: SolveResult, budget: int | None) -> str:
    objective = result.objective
    if objective is None:
        return f"| {label} | – | – | – | – | – | {result.wall_time_s:.1f} | {result.status} |"
    moved = changes(problem, result.schedule)
    forced = sum(1 for change in moved if change.forced)
    valid = "yes" if not validate(problem, result.schedule) else "NO"
    return (
        f"| {label} | {'–' if budget is None else budget} | {len(moved) - forced} | {forced} "
        f"| {objective.weight_scheduled} | {objective.breaks} | {result.wall_time_s:.1f} "
        f"| {valid} |"
    )


HEADER = (
    "| re-solve | budget | moved | forced | weight | breaks | time (s) | valid |\n"
    "|---|---:|---:|---:|---:|---:|---:|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100x700,1000x7000,3000x20000")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument(
        "--publish-limit", type=float, default=None, help="seconds for the published solve"
    )
    parser.add_argument("--exact-limit", type=float, default=120.0, help="seconds for CP-SAT")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-budget-table", action="store_true")
    parser.add_argument("--exact-size", default="20x100", help="'' to skip the exact table")
    parser.add_argument("--exact-seeds", type=int, default=5)
    parser.add_argument(
        "--exact-time-limit", type=float, default=5.0, help="seconds for minimal on those"
    )
    args = parser.parse_args()
    publish_limit = args.publish_limit if args.publish_limit is not None else args.time_limit
    print(f"re-solve limit {args.time_limit:g} s, publish limit {publish_limit:g} s, auto strategy")
    for position, size in enumerate(args.sizes.split(",")):
        principals, requests = (int(part) for part in size.split("x"))
        case = scenario(principals, requests, args.seed, publish_limit)
        still = sum(1 for m in case.published if m in case.problem.meeting_index)
        print(
            f"\n{principals} x {requests}: published {len(case.published)} meetings "
            f"(weight {case.published_weight}, {case.publish_s:.1f} s), "
            f"{len(case.published) - still} withdrawn, {len(case.problem.meetings)} meetings "
            f"in the re-solve; default budget {default_move_budget(still)}"
        )
        print(HEADER)
        results = {}
        for stability in (Stability.KEEP, Stability.MINIMAL, Stability.FREE):
            problem, result = resolve(case, stability, None, args.time_limit)
            plan = problem.published
            minimal = plan is not None and plan.stability is Stability.MINIMAL
            budget = plan.max_moves if plan is not None and minimal else None
            results[stability] = (problem, result)
            print(row(str(stability), problem, result, budget))
            sys.stdout.flush()
        if position > 0 or args.no_budget_table:
            continue
        print(f"\nweight against the move budget ({principals} x {requests})")
        print(HEADER)
        for share in BUDGET_SHARES:
            budget = int(share * still)
            problem, result = resolve(case, Stability.MINIMAL, budget, args.time_limit)
            print(row(f"minimal {100 * share:g} %", problem, result, budget))
            sys.stdout.flush()
        free_problem, free_result = results[Stability.FREE]
        print(row("free", free_problem, free_result, None))
        minimal_problem, minimal_result = results[Stability.MINIMAL]
        assert minimal_result.objective is not None
        assert minimal_problem.published is not None
        relaxed = upper_bound(case.problem).bound
        if relaxed is not None:
            weight = minimal_result.objective.weight_scheduled
            print(
                f"\nLP bound of the re-solve, any number of moves: {relaxed.weight_scheduled}; "
                f"minimal reaches {100 * weight / relaxed.weight_scheduled:.2f} % of it"
            )
        if args.exact_limit <= 0:
            continue
        print(f"\nCP-SAT from the minimal schedule, same budget, {args.exact_limit:g} s")
        problem, exact = resolve(
            case,
            Stability.MINIMAL,
            minimal_problem.published.max_moves,
            args.exact_limit,
            Strategy.CPSAT,
            hint=minimal_result.schedule,
        )
        print(HEADER)
        print(row("minimal, CP-SAT", problem, exact, minimal_problem.published.max_moves))
        weight = minimal_result.objective.weight_scheduled
        if exact.bound is not None:
            gap = 100 * (exact.bound.weight_scheduled - weight) / exact.bound.weight_scheduled
            print(
                f"status {exact.status}; proven: no schedule within the budget weighs more than "
                f"{exact.bound.weight_scheduled}; minimal's {weight} is within {gap:.2f} % of it"
            )
        else:
            print(f"status {exact.status}; no bound proven")
    if args.exact_size and args.exact_limit > 0:
        exact_table(args.exact_size, args.exact_seeds, args.exact_time_limit, args.exact_limit)


def exact_table(size: str, seeds: int, time_limit: float, exact_limit: float) -> None:
    """Minimal (auto) against CP-SAT's proven optimum with the same budget, on small events."""
    principals, requests = (int(part) for part in size.split("x"))
    print(
        f"\nminimal ({time_limit:g} s) against the proven optimum with the same budget "
        f"(CP-SAT, {exact_limit:g} s), {principals} x {requests}"
    )
    print(
        "| seed | budget | minimal weight | its moves | CP-SAT status | best weight "
        "| its moves | gap (%) |\n|---:|---:|---:|---:|---|---:|---:|---:|"
    )
    for seed in range(1, seeds + 1):
        case = scenario(principals, requests, seed, time_limit)
        still = sum(1 for m in case.published if m in case.problem.meeting_index)
        # The default budget (1 %, at least one), and 5 %.
        for budget in (None, max(1, int(EXACT_WIDE_SHARE * still))):
            problem, heuristic = resolve(case, Stability.MINIMAL, budget, time_limit)
            _, exact = resolve(case, Stability.MINIMAL, budget, exact_limit, Strategy.CPSAT)
            assert problem.published is not None
            assert heuristic.objective is not None
            weight = heuristic.objective.weight_scheduled
            best = exact.bound.weight_scheduled if exact.bound is not None else None
            found = exact.objective
            gap = "–" if not best else f"{100 * (best - weight) / best:.2f}"
            print(
                f"| {seed} | {problem.published.max_moves} | {weight} "
                f"| {heuristic.objective.moves} | {exact.status} "
                f"| {found.weight_scheduled if found else '–'} "
                f"| {found.moves if found else '–'} | {gap} |"
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
