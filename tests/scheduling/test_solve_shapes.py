"""``solve()`` on unusual event shapes: every strategy, short limits, answers the validator
accepts."""

from __future__ import annotations

import pytest

from sidelines.domain import MeetingFormat, Placement, SpaceId
from sidelines.scheduling import build_problem, solve, validate
from sidelines.scheduling.options import SolveOptions, Strategy
from sidelines.scheduling.result import SolveStatus
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
