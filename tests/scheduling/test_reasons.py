"""Why a meeting is out of a schedule: the rule that stops it, never a guess about others."""

from __future__ import annotations

from datetime import time

import pytest

from sidelines.domain import EventPolicy, MeetingId, Placement, SpaceId
from sidelines.scheduling import (
    Assignment,
    SolveOptions,
    SolveStatus,
    Strategy,
    build_problem,
    solve,
    validate,
)
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.reasons import left_out_reasons, not_holdable_where_locked
from tests.builders import at, event, meeting, principal, span, table


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
        "m1 cannot be held where it is locked (Mon 06 May 11:00–11:30 in T1): "
        "a space is used only within its opening hours"
    )


def test_a_meeting_that_is_not_locked_has_no_lock_to_break() -> None:
    assert not_holdable_where_locked(locked_in_t1(11, 0), 1) is None


def test_left_out_of_a_solve_without_a_schedule_blames_no_other_meeting() -> None:
    problem = locked_in_t1(11, 0)
    assert left_out_reasons(problem, {}, SolveStatus.UNKNOWN) == {
        "m1": "m1 cannot be held where it is locked (Mon 06 May 11:00–11:30 in T1): "
        "a space is used only within its opening hours",
        "m2": "m2 could be placed on its own, but the solve found no schedule",
    }


def test_left_out_of_a_schedule_is_for_the_meetings_that_took_its_times() -> None:
    # One table, two half-hour slots: A meets B, then C; A's meeting with D finds none free.
    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [meeting("m1", "A", "B"), meeting("m2", "A", "C"), meeting("m3", "A", "D")],
            day_end=time(10, 0),
        )
    )
    schedule = {
        MeetingId("m1"): Assignment(0, SpaceId("T1")),
        MeetingId("m2"): Assignment(1, SpaceId("T1")),
    }
    assert validate(problem, schedule) == []
    assert left_out_reasons(problem, schedule) == {
        "m3": "every possible time for m3 is taken by meetings of equal or higher value for "
        "A, D or by the spaces it could use"
    }


def test_a_meeting_left_out_with_its_times_free_is_said_to_fit() -> None:
    # A solve cut short by its time limit leaves meetings out whose times are free: it was
    # said that every possible time was taken by meetings of equal or higher value.
    problem = locked_in_t1(10, 30)
    assert left_out_reasons(problem, {}) == {
        "m1": "m1 fits at Mon 06 May 10:30–11:00 in T1, but the solve did not place it",
        "m2": "m2 fits at Mon 06 May 09:00–09:30 in T1, but the solve did not place it",
    }


def m3_at_eleven(fairness: int) -> Problem:
    """Five half-hour slots from 09:00. A meets B at 09:00 and C at 10:00, with its forbidden
    window between: one break for A, none for the others. m3 (A and D) may only be held at
    11:00, where every rule but fairness lets it be; there it gives A a second break while D,
    B and C have none: a spread of 2."""
    return build_problem(
        event(
            [principal("A", unavailable=(span((9, 30), (10, 0)),)), "B", "C", "D"],
            [
                meeting("m1", "A", "B"),
                meeting("m2", "A", "C"),
                meeting("m3", "A", "D", windows=(span((11, 0), (11, 30)),)),
            ],
            spaces=(table("T1"), table("T2")),
            day_end=time(11, 30),
            policy=EventPolicy(fairness_max_spread=fairness),
        )
    )


M1_M2 = {
    MeetingId("m1"): Assignment(0, SpaceId("T1")),
    MeetingId("m2"): Assignment(2, SpaceId("T1")),
}


def test_a_meeting_kept_out_by_the_fairness_bound_alone_is_said_to_be() -> None:
    # It was said that "every possible time is taken by meetings of equal or higher value",
    # while its time was free.
    problem = m3_at_eleven(fairness=1)
    assert validate(problem, M1_M2) == []
    assert left_out_reasons(problem, M1_M2) == {
        "m3": "m3 has free times, but at each the principals' breaks would spread more than "
        "the event's fairness bound (max - min 1) allows"
    }


def test_a_meeting_that_fits_within_the_fairness_bound_is_said_to_fit() -> None:
    problem = m3_at_eleven(fairness=2)
    assert left_out_reasons(problem, M1_M2) == {
        "m3": "m3 fits at Mon 06 May 11:00–11:30 in T1, but the solve did not place it"
    }


def test_a_meeting_kept_out_by_the_room_policy_alone_is_said_to_be() -> None:
    # A and B's parties may book one of the organiser's tables a day, and m1 holds it: m2 has
    # every time free, but no booking left. It was said that every possible time was taken by
    # meetings of equal or higher value for A, B.
    problem = build_problem(
        event(
            ["A", "B"],
            [meeting("m1", "A", "B"), meeting("m2", "A", "B")],
            spaces=(table("T1"), table("T2")),
            policy=EventPolicy(max_bookings_per_party_per_day=1),
        )
    )
    schedule = {MeetingId("m1"): Assignment(0, SpaceId("T1"))}
    assert validate(problem, schedule) == []
    assert left_out_reasons(problem, schedule) == {
        "m2": "m2 has free times, but its sides have used the bookings of the organiser's "
        "rooms the room policy allows them that day (at most 1 per party a day)"
    }


def test_after_a_solve_the_reasons_ask_the_rules_again_only_of_meetings_without_a_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The left-out reasons came 0.18 s past a 5-s limit at 20,000 requests: they worked the
    # placement masks out again and asked every placement rule, class by class, of each of
    # the thousands of meetings left out. The masks of the solve say which have a start; the
    # reasons are the same.
    import sidelines.scheduling.reasons as reasons_module

    spec = GeneratorSpec(principals=12, requests=80, spaces=2, days=1, availability=0.5)
    problem = build_problem(generate_event(spec, seed=5))
    result = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=0, workers=1))
    assert len(result.left_out) > 10
    asked: list[int] = []
    rules = reasons_module.possible_starts
    monkeypatch.setattr(
        reasons_module,
        "possible_starts",
        lambda problem, meeting_idx, space_idx: (
            asked.append(meeting_idx) or rules(problem, meeting_idx, space_idx)
        ),
    )
    again = left_out_reasons(problem, result.schedule)
    assert again == result.left_out
    without_start = {
        idx for idx, m in enumerate(problem.meetings) if "no possible time" in again.get(m.id, "")
    }
    assert set(asked) == without_start
    # Worked out afresh, for another problem object, the reasons are the same.
    afresh = build_problem(generate_event(spec, seed=5))
    monkeypatch.setattr(reasons_module, "possible_starts", rules)
    assert left_out_reasons(afresh, result.schedule) == again
