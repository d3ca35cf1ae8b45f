"""Why a meeting is out of a schedule: the rule that stops it, never a guess about others."""

from __future__ import annotations

from sidelines.domain import Placement, SpaceId
from sidelines.scheduling import SolveStatus, build_problem
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.reasons import left_out_reasons, not_holdable_where_locked
from tests.builders import at, event, meeting, span, table


def locked_in_t1(hour: int, minute: int) -> Problem:
    """m1 locked in T1, which opens 09:00-11:00 only, and m2 free to go anywhere."""
    return build_problem(
        event(
            ["A", "B", "C"],
            [
                meeting("m1", "A", "B", locked=Placement(at(hour, minute), SpaceId("T1"))),
                meeting("m2", "A", "C"),
            ],
            spaces=(table("T1", opening_hours=(span((9, 0), (11, 0)),)), table("T2")),
        )
    )


def test_a_lock_its_placement_rules_allow_is_holdable() -> None:
    assert not_holdable_where_locked(locked_in_t1(10, 30), 0) is None


def test_a_lock_after_its_room_closes_names_the_opening_hours() -> None:
    assert not_holdable_where_locked(locked_in_t1(11, 0), 0) == (
        "m1 cannot be held where it is locked (2030-05-06 11:00-11:30 in T1): "
        "a space is used only within its opening hours"
    )


def test_a_meeting_that_is_not_locked_has_no_lock_to_break() -> None:
    assert not_holdable_where_locked(locked_in_t1(11, 0), 1) is None


def test_left_out_of_a_solve_without_a_schedule_blames_no_other_meeting() -> None:
    problem = locked_in_t1(11, 0)
    assert left_out_reasons(problem, {}, SolveStatus.UNKNOWN) == {
        "m1": "m1 cannot be held where it is locked (2030-05-06 11:00-11:30 in T1): "
        "a space is used only within its opening hours",
        "m2": "m2 could be placed on its own, but the solve found no schedule",
    }


def test_left_out_of_a_schedule_is_for_the_meetings_that_took_its_times() -> None:
    problem = locked_in_t1(10, 30)
    assert left_out_reasons(problem, {}) == {
        "m1": "every possible time for m1 is taken by meetings of equal or higher value for "
        "A, B or by the spaces it could use",
        "m2": "every possible time for m2 is taken by meetings of equal or higher value for "
        "A, C or by the spaces it could use",
    }
