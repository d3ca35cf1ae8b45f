"""Where a meeting could go by hand, and what a move to a taken place would push: judged by the
same rules as the validator."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidelines.domain import MeetingId, Placement, SpaceId
from sidelines.scheduling import Problem, SolveOptions, Strategy, build_problem, solve, validate
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.onsite.manual import places, push
from sidelines.scheduling.rules import PLACEMENT_RULES, contact_at
from sidelines.scheduling.schedule import Assignment
from tests import builders
from tests.scheduling.heuristic.strategies import small_specs

PLACEMENT = {rule.name for rule in PLACEMENT_RULES}


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(), st.integers(0, 10_000), st.integers(0, 1_000))
def test_a_place_that_fits_keeps_every_rule_and_one_that_breaks_a_placement_rule_breaks_it(
    spec: GeneratorSpec, seed: int, pick: int
) -> None:
    problem = build_problem(generate_event(spec, seed))
    schedule = dict(
        solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=0.05)).schedule
    )
    if not schedule:
        return
    assert validate(problem, schedule) == []
    meeting_id = sorted(schedule)[pick % len(schedule)]

    meeting_idx = problem.meeting_index[meeting_id]
    duration = problem.meetings[meeting_idx].duration_slots
    checked = 0
    for place in places(problem, schedule, meeting_id, range(problem.grid.n_slots)):
        if place.start_slot + duration > problem.grid.n_slots:
            continue  # off the grid: the validator refuses the schedule itself
        space = SpaceId(place.space) if place.space is not None else None
        # In no space, a contact at a programme session names its session, as the service does.
        at = contact_at(problem, meeting_idx, place.start_slot) if space is None else None
        moved = {**schedule, meeting_id: Assignment(place.start_slot, space, at)}
        broken = {v.rule for v in validate(problem, moved)}
        if place.fits:
            assert broken == set(), (place, broken)
        elif place.rule in PLACEMENT:
            assert place.rule in broken, (place, broken)
        checked += 1
    assert checked > 0


def _two_at_one_table(*, locked: bool) -> tuple[Problem, dict[MeetingId, Assignment]]:
    """One table, 09:00-12:00 in 30-minute slots: ab at 09:00, cd at 09:30 (locked there if
    asked), the rest free."""
    table = SpaceId("T1")
    cd_lock = Placement(builders.at(9, 30), table) if locked else None
    event = builders.event(
        ["A", "B", "C", "D"],
        [builders.meeting("ab", "A", "B"), builders.meeting("cd", "C", "D", locked=cd_lock)],
    )
    problem = build_problem(event)
    return problem, {
        MeetingId("ab"): Assignment(0, table),
        MeetingId("cd"): Assignment(1, table),
    }


def test_a_move_to_a_taken_place_pushes_the_meeting_in_the_way_near_its_place() -> None:
    problem, schedule = _two_at_one_table(locked=False)
    target = Assignment(1, SpaceId("T1"))

    moves = push(problem, schedule, MeetingId("ab"), target, now=None, freeze_window_min=0)

    assert moves is not None
    [move] = moves
    assert (move.meeting, move.before, move.after) == (
        MeetingId("cd"),
        Assignment(1, SpaceId("T1")),
        Assignment(0, SpaceId("T1")),
    )


def test_a_locked_meeting_in_the_way_is_never_pushed() -> None:
    problem, schedule = _two_at_one_table(locked=True)

    moves = push(
        problem,
        schedule,
        MeetingId("ab"),
        Assignment(1, SpaceId("T1")),
        now=None,
        freeze_window_min=0,
    )

    assert moves is None


def test_the_places_of_a_meeting_name_the_meeting_in_the_way_and_the_lock() -> None:
    problem, schedule = _two_at_one_table(locked=True)

    ab = {(p.start_slot, p.space): p for p in places(problem, schedule, MeetingId("ab"), range(6))}
    cd = {(p.start_slot, p.space): p for p in places(problem, schedule, MeetingId("cd"), range(6))}

    assert (ab[(0, "T1")].fits, ab[(0, "T1")].current) == (True, True)
    # The locked meeting in the way cannot give way: no room can be made there.
    assert (ab[(1, "T1")].rule, ab[(1, "T1")].reason, ab[(1, "T1")].makes_room) == (
        "locked_meeting_kept",
        "T1 holds meeting cd (C–D), which is locked there: unlock it first",
        False,
    )
    assert [start for start in range(6) if ab[(start, "T1")].fits] == [0, 2, 3, 4, 5]
    assert ab[(0, None)].rule == "meeting_has_space_when_needed"
    assert {cd[(start, "T1")].rule for start in (0, 2, 3, 4, 5)} == {"locked_meeting_kept"}
    assert cd[(1, "T1")].fits


def test_a_place_held_by_a_meeting_that_can_move_offers_to_make_room() -> None:
    problem, schedule = _two_at_one_table(locked=False)

    ab = {(p.start_slot, p.space): p for p in places(problem, schedule, MeetingId("ab"), range(6))}

    assert (ab[(1, "T1")].rule, ab[(1, "T1")].reason, ab[(1, "T1")].makes_room) == (
        "space_not_double_booked",
        "T1 holds meeting cd (C–D)",
        True,
    )
    assert not any(p.makes_room for p in ab.values() if p != ab[(1, "T1")])


def test_no_room_is_offered_where_a_principal_stays_busy_in_a_locked_meeting() -> None:
    # cd holds T1 at 09:30 and could give way, but A is in ae, locked at T2 then.
    event = builders.event(
        ["A", "B", "C", "D", "E"],
        [
            builders.meeting("ab", "A", "B"),
            builders.meeting("cd", "C", "D"),
            builders.meeting("ae", "A", "E", locked=Placement(builders.at(9, 30), SpaceId("T2"))),
        ],
        spaces=[builders.table("T1"), builders.table("T2")],
    )
    problem = build_problem(event)
    schedule = {
        MeetingId("ab"): Assignment(0, SpaceId("T1")),
        MeetingId("cd"): Assignment(1, SpaceId("T1")),
        MeetingId("ae"): Assignment(1, SpaceId("T2")),
    }

    ab = {(p.start_slot, p.space): p for p in places(problem, schedule, MeetingId("ab"), range(6))}

    assert (ab[(1, "T1")].rule, ab[(1, "T1")].reason, ab[(1, "T1")].makes_room) == (
        "locked_meeting_kept",
        "a principal of it is in meeting ae (A–E), which is locked there: unlock it first",
        False,
    )


def test_no_room_is_offered_where_the_meeting_in_the_way_starts_within_the_freeze_window() -> None:
    problem, schedule = _two_at_one_table(locked=False)
    # From 10:00 on meetings may move: cd, at 09:30, is about to begin and stays.
    from_ten = 2

    ab = {
        (p.start_slot, p.space): p
        for p in places(problem, schedule, MeetingId("ab"), range(6), moves_from=from_ten)
    }

    assert (ab[(1, "T1")].rule, ab[(1, "T1")].reason, ab[(1, "T1")].makes_room) == (
        "published_meeting_kept",
        "T1 holds meeting cd (C–D), which starts too soon to be moved",
        False,
    )
