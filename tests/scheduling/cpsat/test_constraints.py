"""Every hard rule built into the CP-SAT model: a feasible and an infeasible case each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest

from sidelines.domain import (
    DayPart,
    Delegation,
    Event,
    EventPolicy,
    Feature,
    InterpreterPool,
    MeetingFormat,
    MeetingId,
    PartyId,
    Placement,
    PressPlan,
    SpaceId,
    WalkingTimes,
)
from sidelines.scheduling import SolveOptions, SolveStatus, build_problem, validate
from sidelines.scheduling.cpsat import solve_cpsat
from sidelines.scheduling.cpsat.constraints import CONSTRAINTS
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules import RULE_NAMES
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.stability import Published, Stability, with_published
from tests.builders import at, event, meeting, principal, session, span, table

OPTIONS = SolveOptions(time_limit_s=5.0, workers=2)


def status_of(built: Event | Problem) -> SolveStatus:
    """Solve with CP-SAT; a returned schedule must pass the validator."""
    problem = built if isinstance(built, Problem) else build_problem(built)
    result = solve_cpsat(problem, OPTIONS)
    if result.objective is not None:
        assert validate(problem, result.schedule) == []
    else:
        assert result.schedule == {}
    return result.status


def test_constraints_registry_covers_exactly_the_rules() -> None:
    assert sorted(CONSTRAINTS) == sorted(RULE_NAMES)


# Each case builds an event from a flag: True gives the feasible twin, False the infeasible one.


def within_one_day(feasible: bool) -> Event:
    start = at(10, 30) if feasible else at(11, 0)
    return event(
        ["A", "B"],
        [meeting("m", "A", "B", duration_min=90, required=True, locked=Placement(start))],
    )


def within_windows(feasible: bool) -> Event:
    window = span((9, 0), (10, 0) if feasible else (9, 30))
    return event(
        ["A", "B"], [meeting("m", "A", "B", duration_min=60, required=True, windows=(window,))]
    )


def principal_present(feasible: bool) -> Event:
    arrival = at(11, 0) if feasible else at(11, 30)
    return event(
        ["A", "B"],
        [meeting("m", "A", "B", duration_min=60, required=True)],
        delegations=(Delegation(PartyId("A"), arrival=arrival),),
    )


def principal_available(feasible: bool) -> Event:
    blocked = span((9, 0), (11, 30) if feasible else (12, 0))
    return event(
        [principal("A", unavailable=(blocked,)), "B"], [meeting("m", "A", "B", required=True)]
    )


def not_in_programme(feasible: bool) -> Event:
    end = (11, 30) if feasible else (12, 0)
    return event(
        ["A", "B"],
        [meeting("m", "A", "B", required=True)],
        programme=(session("plenary", ["A"], (9, 0), end),),
    )


def contact_at_session(feasible: bool) -> Event:
    """A greeting wanted during a retreat: only its start can hold it, and only if both sides
    attend the retreat."""
    return event(
        ["A", "B"],
        [
            meeting(
                "m",
                "A",
                "B",
                format=MeetingFormat.BRIEF_CONTACT,
                required=True,
                windows=(span((10, 0), (10, 30)),),
            )
        ],
        programme=(session("retreat", ["A", "B"] if feasible else ["A"], (10, 0), (11, 0)),),
        grain_min=5,
    )


def has_space(feasible: bool) -> Event:
    return event(
        ["A", "B"],
        [meeting("m", "A", "B", required=True)],
        spaces=[table("T1")] if feasible else [],
    )


def space_fits(feasible: bool) -> Event:
    return event(
        ["A", "B"],
        [meeting("m", "A", "B", required=True, size=5)],
        spaces=[table("T1", capacity=5 if feasible else 2)],
    )


def space_open(feasible: bool) -> Event:
    hours = span((9, 0), (10, 0) if feasible else (9, 30))
    return event(
        ["A", "B"],
        [meeting("m", "A", "B", duration_min=60, required=True)],
        spaces=[table("T1", opening_hours=(hours,))],
    )


def principal_double_booked(feasible: bool) -> Event:
    return event(
        ["A", "B", "C"],
        [meeting("m1", "A", "B", required=True), meeting("m2", "A", "C", required=True)],
        spaces=[table("T1"), table("T2")],
        day_end=time(10, 0) if feasible else time(9, 30),
        morning_ends=time(9, 30),
    )


def space_double_booked(feasible: bool) -> Event:
    # Two slots, one table whose turnover takes a slot when the event is infeasible.
    return event(
        ["A", "B", "C", "D"],
        [meeting("m1", "A", "B", required=True), meeting("m2", "C", "D", required=True)],
        spaces=[table("T1", turnover_min=0 if feasible else 30)],
        day_end=time(10, 0),
        morning_ends=time(9, 30),
    )


def walking_time(feasible: bool) -> Event:
    # Only the north room interprets and only the south room is press-ready: A must walk.
    return event(
        ["A", "B", "C"],
        [
            meeting("m1", "A", "B", required=True, needs=frozenset({Feature.INTERPRETATION})),
            meeting("m2", "A", "C", required=True, needs=frozenset({Feature.PRESS})),
        ],
        spaces=[
            table("N", location="north", features=frozenset({Feature.INTERPRETATION})),
            table("S", location="south", features=frozenset({Feature.PRESS})),
        ],
        walking_times=WalkingTimes({("north", "south"): 30}),
        day_end=time(10, 30) if feasible else time(10, 0),
        morning_ends=time(9, 30),
    )


def precedence(feasible: bool) -> Event:
    first, second = (
        (DayPart.MORNING, DayPart.AFTERNOON) if feasible else (DayPart.AFTERNOON, DayPart.MORNING)
    )
    return event(
        ["A", "B", "C", "D"],
        [
            meeting("m1", "A", "B", required=True, day_part=first),
            meeting("m2", "C", "D", required=True, day_part=second, after=("m1",)),
        ],
    )


def locked_kept(feasible: bool) -> Event:
    second_space = SpaceId("T2") if feasible else SpaceId("T1")
    return event(
        ["A", "B", "C", "D"],
        [
            meeting("m1", "A", "B", locked=Placement(at(9, 0), SpaceId("T1"))),
            meeting("m2", "C", "D", locked=Placement(at(9, 0), second_space)),
        ],
        spaces=[table("T1"), table("T2")],
    )


def room_policy(feasible: bool) -> Event:
    return event(
        ["A", "B", "C"],
        [meeting("m1", "A", "B", required=True), meeting("m2", "A", "C", required=True)],
        policy=EventPolicy(max_bookings_per_party_per_day=2 if feasible else 1),
    )


def required(feasible: bool) -> Event:
    return event(
        ["A", "B", "C", "D"],
        [meeting("m1", "A", "B", required=True), meeting("m2", "C", "D", required=not feasible)],
        day_end=time(9, 30),
        morning_ends=time(9, 30),
    )


def fairness(feasible: bool) -> Event:
    # A's two meetings are locked an hour apart (one break); B and C have none.
    return event(
        ["A", "B", "C"],
        [
            meeting("m1", "A", "B", locked=Placement(at(9, 0))),
            meeting("m2", "A", "C", locked=Placement(at(10, 0))),
        ],
        policy=EventPolicy(fairness_max_spread=1 if feasible else 0),
    )


def published_kept(feasible: bool) -> Problem:
    # Keep: m1 stays at 09:00, where a locked meeting of A's is (or is not) as well.
    built = event(
        ["A", "B", "C"],
        [
            meeting("m1", "A", "B"),
            meeting("m2", "A", "C", locked=Placement(at(9, 30) if feasible else at(9, 0))),
        ],
    )
    published = Published({MeetingId("m1"): Assignment(0, SpaceId("T1"))}, Stability.KEEP)
    return with_published(build_problem(built), published)


def published_held(feasible: bool) -> Problem:
    # Minimal, one move allowed: a locked meeting takes m1's place, and a second slot (or none)
    # is left for m1 to move to.
    built = event(
        ["A", "B", "C"],
        [meeting("m1", "A", "B"), meeting("m2", "A", "C", locked=Placement(at(9, 0)))],
        day_end=time(10, 0) if feasible else time(9, 30),
        morning_ends=time(9, 30),
    )
    published = Published({MeetingId("m1"): Assignment(0, SpaceId("T1"))}, max_moves=1)
    return with_published(build_problem(built), published)


def move_budget(feasible: bool) -> Problem:
    # m1 must move for a locked meeting; the budget allows one move, or none.
    built = event(
        ["A", "B", "C"],
        [meeting("m1", "A", "B"), meeting("m2", "A", "C", locked=Placement(at(9, 0)))],
    )
    published = Published(
        {MeetingId("m1"): Assignment(0, SpaceId("T1"))}, max_moves=1 if feasible else 0
    )
    return with_published(build_problem(built), published)


def agreed_space(feasible: bool) -> Event:
    # One slot, two rooms: two meetings agreed for the same room cannot both be held.
    return event(
        ["A", "B", "C", "D"],
        [
            meeting("m1", "A", "B", required=True, spaces=(SpaceId("T1"),)),
            meeting("m2", "C", "D", required=True, spaces=(SpaceId("T2" if feasible else "T1"),)),
        ],
        spaces=[table("T1"), table("T2")],
        day_end=time(9, 30),
        morning_ends=time(9, 30),
    )


def press_ready(feasible: bool) -> Event:
    features = frozenset({Feature.PRESS}) if feasible else frozenset()
    return event(
        ["A", "B"],
        [meeting("m", "A", "B", required=True, press=PressPlan.POOL_SPRAY)],
        spaces=[table("T1", features=features)],
    )


def press_out_buffer(feasible: bool) -> Event:
    # Two slots and one press-ready room: the press must be out before the second meeting.
    return event(
        ["A", "B", "C", "D"],
        [
            meeting("m1", "A", "B", required=True, press=PressPlan.OPEN_PRESS),
            meeting("m2", "C", "D", required=True, after=("m1",)),
        ],
        spaces=[table("T1", features=frozenset({Feature.PRESS}))],
        policy=EventPolicy(press_buffer_min=0 if feasible else 10),
        day_end=time(10, 0),
        morning_ends=time(9, 30),
    )


def has_interpreter(feasible: bool) -> Event:
    return event(
        [principal("A", languages=("en",)), principal("B", languages=("ru",))],
        [meeting("m", "A", "B", required=True)],
        interpreters=(InterpreterPool(("en", "ru"), 1 if feasible else 0),),
    )


def interpreters_overbooked(feasible: bool) -> Event:
    # One slot, two rooms, two meetings needing en-ru at once.
    return event(
        [
            principal("A", languages=("en",)),
            principal("B", languages=("ru",)),
            principal("C", languages=("en",)),
            principal("D", languages=("ru",)),
        ],
        [meeting("m1", "A", "B", required=True), meeting("m2", "C", "D", required=True)],
        spaces=[table("T1"), table("T2")],
        interpreters=(InterpreterPool(("en", "ru"), 2 if feasible else 1),),
        day_end=time(9, 30),
        morning_ends=time(9, 30),
    )


CASES: dict[str, Callable[[bool], Event | Problem]] = {
    "meeting_in_agreed_space": agreed_space,
    "press_ready_space": press_ready,
    "press_out_buffer_respected": press_out_buffer,
    "meeting_has_interpreter": has_interpreter,
    "interpreters_not_overbooked": interpreters_overbooked,
    "meeting_within_one_day": within_one_day,
    "meeting_within_its_windows": within_windows,
    "principal_present": principal_present,
    "principal_available": principal_available,
    "principal_not_in_programme_session": not_in_programme,
    "contact_at_session_fits": contact_at_session,
    "meeting_has_space_when_needed": has_space,
    "space_fits_meeting": space_fits,
    "space_open": space_open,
    "principal_not_double_booked": principal_double_booked,
    "space_not_double_booked": space_double_booked,
    "walking_time_respected": walking_time,
    "precedence_respected": precedence,
    "locked_meeting_kept": locked_kept,
    "room_policy_respected": room_policy,
    "required_meeting_scheduled": required,
    "breaks_fairly_spread": fairness,
    "published_meeting_kept": published_kept,
    "published_meeting_still_held": published_held,
    "move_budget_respected": move_budget,
}


def test_cases_cover_every_rule() -> None:
    assert sorted(CASES) == sorted(RULE_NAMES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_cpsat_rule_feasible_case_is_solved_optimally(rule: str) -> None:
    assert status_of(CASES[rule](True)) is SolveStatus.OPTIMAL


@pytest.mark.parametrize("rule", sorted(CASES))
def test_cpsat_rule_infeasible_case_is_infeasible(rule: str) -> None:
    assert status_of(CASES[rule](False)) is SolveStatus.INFEASIBLE


def test_cpsat_corridor_meeting_gets_no_space() -> None:
    built = event(
        ["A", "B"],
        [meeting("m", "A", "B", format=MeetingFormat.PULL_ASIDE, duration_min=30)],
        spaces=[],
    )
    problem = build_problem(built)
    result = solve_cpsat(problem, OPTIONS)
    assert result.status is SolveStatus.OPTIMAL
    assert result.schedule["m"].space is None
    assert validate(problem, result.schedule) == []


@pytest.mark.parametrize("feasible", [True, False])
def test_cpsat_walking_time_holds_with_several_room_kinds_per_location(feasible: bool) -> None:
    # Each hall has rooms of two kinds (two space classes), so several start literals of A end
    # and start at the same time in the same hall: the walk still separates them.
    interpreting = frozenset({Feature.INTERPRETATION})
    press = frozenset({Feature.PRESS})
    built = event(
        ["A", "B", "C"],
        [
            meeting("m1", "A", "B", required=True, needs=interpreting),
            meeting("m2", "A", "C", required=True, needs=press),
        ],
        spaces=[
            table("N1", location="north", features=interpreting),
            table("N2", location="north", features=interpreting | {Feature.SECURE}),
            table("S1", location="south", features=press),
            table("S2", location="south", features=press | {Feature.SECURE}),
        ],
        walking_times=WalkingTimes({("north", "south"): 30}),
        day_end=time(10, 30) if feasible else time(10, 0),
        morning_ends=time(9, 30),
    )
    problem = build_problem(built)
    assert [len(c.spaces) for c in problem.space_classes] == [1, 1, 1, 1]
    expected = SolveStatus.OPTIMAL if feasible else SolveStatus.INFEASIBLE
    assert status_of(problem) is expected
