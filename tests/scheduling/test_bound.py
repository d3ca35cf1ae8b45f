"""The LP bound: never below a real schedule, tight on small cases, a proof of infeasibility."""

from __future__ import annotations

from datetime import time

import pytest

from sidelines.domain import EventPolicy
from sidelines.scheduling import Bound, build_problem
from sidelines.scheduling.bound import COUNTING_KIND, BoundResult, counting_bound, upper_bound
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic.state import State, placement_masks
from sidelines.scheduling.lp_bound import KindMasks, capacity_bound
from sidelines.scheduling.problem import Problem
from tests.builders import event, meeting, principal, span, table


def test_bound_is_the_total_weight_when_everything_fits() -> None:
    problem = build_problem(
        event(["A", "B", "C"], [meeting("AB", "A", "B", priority=2), meeting("BC", "B", "C")])
    )

    assert upper_bound(problem) == BoundResult(Bound(3, 0))


def three_requests_in_two_slots() -> Problem:
    """A has two 30-minute slots and three requests: the two heaviest fit (weight 8)."""
    return build_problem(
        event(
            ["A", "B", "C", "D"],
            [
                meeting("AB", "A", "B", priority=1),
                meeting("AC", "A", "C", priority=5),
                meeting("AD", "A", "D", priority=3),
            ],
            day_end=time(10, 0),
        )
    )


def three_long_meetings_in_two_gaps() -> Problem:
    """A is free 09:00-10:00 and 10:20-11:20: six 20-minute slots would hold three 40-minute
    meetings, but each hour-long gap holds only one (weight 2)."""
    a = principal("A", unavailable=(span((10, 0), (10, 20)), span((11, 20), (12, 0))))
    return build_problem(
        event(
            [a, "B", "C", "D"],
            [meeting(f"A{other}", "A", other, duration_min=40) for other in "BCD"],
            grain_min=20,
        )
    )


def test_bound_counts_a_principals_free_slots() -> None:
    assert upper_bound(three_requests_in_two_slots()).bound == Bound(8, 0)


def test_bound_counts_meetings_that_fit_in_gaps_not_slots() -> None:
    assert upper_bound(three_long_meetings_in_two_gaps()).bound == Bound(2, 0)


def test_bound_keeps_the_room_policy() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B"), meeting("AC", "A", "C")],
            policy=EventPolicy(max_bookings_per_party_per_day=1),
        )
    )

    assert upper_bound(problem).bound == Bound(1, 0)


def test_bound_proves_infeasible_when_required_meetings_exceed_a_principals_time() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("AB", "A", "B", required=True), meeting("AC", "A", "C", required=True)],
            day_end=time(9, 30),
        )
    )

    result = upper_bound(problem)
    tight = capacity_bound(problem).result

    assert (result.bound, result.infeasible) == (None, True)
    # The capacity LP (lp_bound.py) proves it too.
    assert tight is not None
    assert (tight.bound, tight.infeasible) == (None, True)


@pytest.mark.parametrize(("space_classes", "seed"), [(0, 1), (3, 2), (5, 3)])
def test_bound_from_masks_in_parts_is_the_bound_from_masks_joined(
    space_classes: int, seed: int
) -> None:
    # The heuristic hands its masks in parts (a meeting's starts and its kind's classes); the
    # bound reads them as parts, and must see the same classes and starts as from every
    # meeting's masks joined.
    spec = GeneratorSpec(
        principals=30, requests=120, spaces=8, locked=1, space_classes=space_classes
    )
    problem = build_problem(generate_event(spec, seed))
    masks = placement_masks(problem)
    joined = [tuple(masks[idx]) for idx in range(len(masks))]

    from_parts = upper_bound(problem, masks)

    assert isinstance(masks, KindMasks)
    assert from_parts.bound is not None
    assert from_parts == upper_bound(problem, joined)
    assert from_parts == upper_bound(problem)


def test_bound_counts_whole_meetings_in_a_space_s_hours() -> None:
    # One table open 09:00-10:40 (ten 10-minute slots) and four 30-minute meetings of weight 3:
    # three fit whole. Counted in slots, fractions of meetings fill all ten (10 / 3 of them,
    # weight 10); counted as whole meetings per run of opening hours, 9.
    problem = build_problem(
        event(
            ["A", "B", "C", "D", "E", "F", "G", "H"],
            [meeting(pair, pair[0], pair[1], priority=3) for pair in ("AB", "CD", "EF", "GH")],
            spaces=[table("T1")],
            day_end=time(10, 40),
            grain_min=10,
        )
    )

    assert upper_bound(problem) == BoundResult(Bound(9, 0))


def test_counting_bound_takes_a_principals_heaviest_meetings_that_fit_in_its_gaps() -> None:
    # The same cases as the LP's, without an LP.
    assert counting_bound(three_requests_in_two_slots()) == Bound(8, 0, COUNTING_KIND)
    assert counting_bound(three_long_meetings_in_two_gaps()) == Bound(2, 0, COUNTING_KIND)


@pytest.mark.parametrize("seed", range(6))
def test_counting_bound_is_never_below_the_relaxed_lp(seed: int) -> None:
    # Its counts are implied by the LP's rows per principal: a weaker bound, never a lower one
    # (the LP is never below a real schedule). Read from the heuristic's masks as well.
    problem = build_problem(
        generate_event(
            GeneratorSpec(principals=12, requests=60, spaces=3, days=2, availability=0.6),
            seed=seed,
        )
    )
    relaxed = upper_bound(problem).bound
    masks = State(problem, placement_masks(problem)).allowed
    assert relaxed is not None
    assert counting_bound(problem).weight_scheduled >= relaxed.weight_scheduled
    assert counting_bound(problem, masks) == counting_bound(problem)
