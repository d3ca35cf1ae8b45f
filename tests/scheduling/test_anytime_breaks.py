"""Break minimisation (every meeting required) is anytime: a schedule from the first moment,
kept whatever MaxSAT manages in the time it gets."""

from __future__ import annotations

from datetime import time
from itertools import combinations

from sidelines.domain import Event
from sidelines.scheduling import (
    Progress,
    SolveOptions,
    SolveStatus,
    Strategy,
    build_problem,
    solve,
    validate,
)
from sidelines.scheduling.heuristic import solve_heuristic
from sidelines.scheduling.maxsat import solve_maxsat, unsupported
from tests.builders import event, meeting, table


def round_robin() -> Event:
    """A small B2B round: six companies, each meets four others, three tables, all required."""
    names = ["A", "B", "C", "D", "E", "F"]
    pairs = [(a, b) for a, b in combinations(names, 2) if (ord(b) - ord(a)) % 5 != 0][:12]
    return event(
        names,
        [meeting(f"{a}{b}", a, b, required=True) for a, b in pairs],
        spaces=[table("T1"), table("T2"), table("T3")],
    )


def test_the_instance_is_a_break_minimisation_problem() -> None:
    assert unsupported(build_problem(round_robin())) is None


def test_stopped_at_once_it_still_answers_with_every_meeting() -> None:
    problem = build_problem(round_robin())
    options = SolveOptions(strategy=Strategy.MAXSAT, time_limit_s=5.0, workers=2)
    options.stop.set()  # RC2 would hold no schedule at this point

    result = solve(problem, options)

    assert result.status is not SolveStatus.UNKNOWN
    assert len(result.schedule) == len(problem.meetings)
    assert validate(problem, result.schedule) == []


def test_the_answer_is_no_worse_than_any_schedule_reported() -> None:
    problem = build_problem(round_robin())
    seen: list[Progress] = []
    # The solve ends once its answer is proven (a second or two here); the generous limit is
    # for a loaded machine, where 5 s were not always enough for the proof.
    options = SolveOptions(
        strategy=Strategy.AUTO, time_limit_s=120.0, workers=2, on_progress=seen.append
    )

    result = solve(problem, options)

    assert seen
    assert seen[0].objective is not None
    assert seen[0].objective.meetings_scheduled == len(problem.meetings)
    assert result.objective is not None
    assert validate(problem, result.schedule) == []
    assert all(
        result.objective.breaks <= p.objective.breaks for p in seen if p.objective is not None
    )
    assert result.status is SolveStatus.OPTIMAL


def test_the_linear_search_alone_gives_a_complete_schedule() -> None:
    problem = build_problem(round_robin())
    options = SolveOptions(time_limit_s=5.0, workers=2)

    linear = solve_maxsat(problem, options, searches=("lsu:cd19",))

    assert linear.objective is not None
    assert validate(problem, linear.schedule) == []
    assert len(linear.schedule) == len(problem.meetings)


def one_round_in_five_slots(*, optional: bool = False) -> Event:
    """Six companies, each meets every other once in five 30-min slots at three tables (all
    required): only a perfect round fits, which the heuristic's construction misses (with
    ``optional``, a seventh company's meeting that may be left out)."""
    names = ["A", "B", "C", "D", "E", "F"]
    meetings = [meeting(f"{a}{b}", a, b, required=True) for a, b in combinations(names, 2)]
    if optional:
        names.append("G")
        meetings.append(meeting("AG", "A", "G"))
    return event(
        names,
        meetings,
        spaces=[table("T1"), table("T2"), table("T3")],
        day_end=time(11, 30),
    )


def test_the_heuristic_strategy_completes_what_its_construction_leaves_out() -> None:
    problem = build_problem(one_round_in_five_slots())
    options = SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=20.0)
    assert solve_heuristic(problem, options).schedule == {}  # construction alone gives up

    result = solve(problem, options)

    assert result.strategy.startswith("heuristic:")
    assert len(result.schedule) == len(problem.meetings)
    assert validate(problem, result.schedule) == []


def test_the_heuristic_strategy_completes_them_where_maxsat_cannot_express_the_event() -> None:
    problem = build_problem(one_round_in_five_slots(optional=True))
    assert unsupported(problem) is not None
    options = SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=3.0)
    assert solve_heuristic(problem, options).schedule == {}

    result = solve(problem, options)

    assert result.strategy == "heuristic:heuristic"
    assert all(m.id in result.schedule for m in problem.meetings if m.required)
    assert validate(problem, result.schedule) == []
