"""First-come-first-served: earliest common free time, first free space, every rule kept."""

from __future__ import annotations

from datetime import time

from hypothesis import given, settings
from hypothesis import strategies as st

from sidelines.domain import EventPolicy, MeetingId, SpaceId
from sidelines.scheduling import Assignment, build_problem, validate
from sidelines.scheduling.baselines import first_come_first_served
from sidelines.scheduling.bound import upper_bound
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.validator import score
from tests.builders import event, meeting, principal, span, table
from tests.scheduling.heuristic.strategies import small_specs


def test_fcfs_serves_requests_in_arrival_order_whatever_their_priority() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B", priority=1), meeting("AC", "A", "C", priority=5)],
            day_end=time(9, 30),
        )
    )

    assert first_come_first_served(problem) == {MeetingId("AB"): Assignment(0, SpaceId("T1"))}


def test_fcfs_takes_the_earliest_common_free_time_in_the_first_free_space() -> None:
    late = principal("B", unavailable=(span((9, 0), (10, 0)),))
    problem = build_problem(
        event(
            ["A", late, "C", "D"],
            [meeting("CD", "C", "D"), meeting("AB", "A", "B")],
            spaces=[table("T1"), table("T2")],
        )
    )

    assert first_come_first_served(problem) == {
        MeetingId("CD"): Assignment(0, SpaceId("T1")),
        MeetingId("AB"): Assignment(2, SpaceId("T1")),
    }


def test_fcfs_keeps_the_room_policy() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B"), meeting("AC", "A", "C")],
            policy=EventPolicy(max_bookings_per_party_per_day=1),
        )
    )

    assert sorted(first_come_first_served(problem)) == ["AB"]


@settings(max_examples=60, deadline=None)
@given(small_specs(), st.integers(0, 1000))
def test_fcfs_schedules_of_generated_events_keep_every_rule(spec: GeneratorSpec, seed: int) -> None:
    problem = build_problem(generate_event(spec, seed))

    schedule = first_come_first_served(problem)

    assert validate(problem, schedule) == []
    bounded = upper_bound(problem)
    assert bounded.bound is not None
    assert score(problem, schedule).weight_scheduled <= bounded.bound.weight_scheduled
