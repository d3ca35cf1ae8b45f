"""``solve()`` on unusual event shapes: every strategy, short limits, answers the validator
accepts."""

from __future__ import annotations

import sys

import pytest

from sidelines.domain import MeetingFormat, MeetingId, Placement, SpaceId
from sidelines.scheduling import build_problem, solve, validate
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.options import SolveOptions, Strategy
from sidelines.scheduling.problem import Stability
from sidelines.scheduling.result import SolveStatus
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.stability import Published, with_published
from tests.builders import at, event, meeting, table


@pytest.mark.parametrize("strategy", list(Strategy))
@pytest.mark.parametrize("time_limit_s", [0.0, 0.5])
def test_a_corridor_format_locked_in_a_room_is_held_in_that_room(
    strategy: Strategy, time_limit_s: float
) -> None:
    contact = meeting(
        "m1",
        "a",
        "b",
        format=MeetingFormat.BRIEF_CONTACT,
        duration_min=30,
        locked=Placement(at(9, 30), SpaceId("T1")),
    )
    problem = build_problem(event(["a", "b"], [contact], spaces=[table("T1")]))

    result = solve(problem, SolveOptions(strategy=strategy, time_limit_s=time_limit_s, workers=1))

    assert result.status is SolveStatus.OPTIMAL
    assert result.schedule["m1"].space == "T1"
    assert validate(problem, result.schedule) == []


@pytest.mark.parametrize("strategy", list(Strategy))
@pytest.mark.parametrize("stability", [Stability.KEEP, Stability.MINIMAL])
def test_a_required_meeting_that_only_fits_by_moving_what_may_not_move_is_no_schedule(
    strategy: Strategy, stability: Stability
) -> None:
    # The published meeting holds the morning's first slot; the new required one needs all of
    # the morning. Keep may not move the first, and minimal's budget of none may not either.
    published_meeting = meeting("m1", "a", "b")
    whole_morning = meeting("m2", "a", "b", duration_min=180, required=True)
    before = build_problem(event(["a", "b"], [published_meeting]))
    published = {MeetingId("m1"): Assignment(0, SpaceId("T1"))}
    assert validate(before, published) == []
    problem = with_published(
        build_problem(event(["a", "b"], [published_meeting, whole_morning])),
        Published(published, stability, max_moves=0),
    )

    result = solve(problem, SolveOptions(strategy=strategy, time_limit_s=0.2, workers=1))

    assert result.schedule == {} or validate(problem, result.schedule) == []
    assert result.status in (SolveStatus.INFEASIBLE, SolveStatus.UNKNOWN)


@pytest.mark.parametrize("strategy", [Strategy.CPSAT, Strategy.MAXSAT])
@pytest.mark.parametrize("time_limit_s", [0.0, 0.01])
def test_cpsat_is_not_loaded_on_a_limit_too_short_to_load_it(
    monkeypatch: pytest.MonkeyPatch, strategy: Strategy, time_limit_s: float
) -> None:
    # Loading OR-Tools' CP-SAT takes 0.4 s of CPU, seconds on a busy machine: a solve asked
    # for within 0 s answered 1.5-4 s late. The construction is the answer.
    monkeypatch.delitem(sys.modules, "sidelines.scheduling.cpsat.solver", raising=False)
    problem = build_problem(
        generate_event(GeneratorSpec(principals=10, requests=40, spaces=1, days=1), seed=1)
    )

    result = solve(problem, SolveOptions(strategy=strategy, time_limit_s=time_limit_s, workers=1))

    assert "sidelines.scheduling.cpsat.solver" not in sys.modules
    assert result.status is SolveStatus.FEASIBLE
    assert result.strategy.endswith("cpsat:heuristic")
    assert result.schedule != {}
    assert validate(problem, result.schedule) == []
