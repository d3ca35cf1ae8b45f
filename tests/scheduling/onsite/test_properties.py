"""Invariants of every re-plan, on small generated events and random changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sidelines.domain import DomainError, MeetingId, PrincipalId, SpaceId, TimeSpan
from sidelines.scheduling import (
    Problem,
    Schedule,
    SolveOptions,
    Strategy,
    build_problem,
    solve,
    validate,
)
from sidelines.scheduling.generator import generate_event
from sidelines.scheduling.onsite import (
    Change,
    EarlierDeparture,
    NewMeeting,
    OnsiteOptions,
    OnsiteResult,
    OnsiteStatus,
    SessionOverrun,
    SpaceUnavailable,
    displaced,
    replan,
)
from sidelines.scheduling.onsite.replan import UNPLACED_RULES
from sidelines.scheduling.validator import score
from tests.builders import event, meeting
from tests.scheduling.heuristic.strategies import small_specs

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _published(problem: Problem) -> Schedule:
    # The construction alone (no time for the search): the same schedule for the same event
    # on a busy machine as on an idle one, which Hypothesis needs to replay an example.
    return solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=0.0)).schedule


@st.composite
def situations(draw: st.DrawFn) -> tuple[Problem, Schedule, OnsiteOptions]:
    """An event, its published schedule, and the moment of the change with a freeze window."""
    event = generate_event(draw(small_specs()), draw(st.integers(0, 10_000)))
    problem = build_problem(event)
    grid = problem.grid
    now = grid.start_of(draw(st.integers(0, grid.n_slots - 1))) if draw(st.booleans()) else None
    options = OnsiteOptions(now=now, freeze_window_min=draw(st.sampled_from((0, 30, 60))))
    return problem, _published(problem), options


def _fixed(problem: Problem, published: Schedule, options: OnsiteOptions) -> set[MeetingId]:
    """Meetings that must not move: locked, or starting before the freeze window ends."""
    until = None
    if options.now is not None:
        until = options.now + timedelta(minutes=options.freeze_window_min)
    return {
        meeting_id
        for meeting_id, assignment in published.items()
        if problem.meetings[problem.meeting_index[meeting_id]].locked
        or (until is not None and problem.grid.start_of(assignment.start_slot) < until)
    }


def _violations(problem: Problem, result: OnsiteResult) -> list[str]:
    """Every broken rule but an unplaced meeting's own lock or "required" (it is unplaced)."""
    return [
        str(v)
        for v in validate(problem, result.schedule)
        if not (v.rule in UNPLACED_RULES and set(v.meetings) <= set(result.unplaced))
    ]


def _check_truthful(published: Schedule, result: OnsiteResult) -> None:
    differs = {m for m, a in published.items() if result.schedule.get(m) != a}
    assert {move.meeting for move in result.moved} == differs
    assert len(result.moved) == len(differs)
    for move in result.moved:
        assert move.before == published[move.meeting]
        assert move.after == result.schedule.get(move.meeting)


def _agreed_later(
    problem: Problem, schedule: Schedule, data: st.DataObject
) -> tuple[MeetingId, Schedule]:
    """A meeting of ``schedule``, and the schedule as published before it was agreed."""
    assume(schedule)
    target = data.draw(st.sampled_from(sorted(schedule)))
    published = {m: a for m, a in schedule.items() if m != target}
    # Taking the meeting out may split a principal's day past the fairness bound.
    assume(not [v for v in validate(problem, published) if v.rule == "breaks_fairly_spread"])
    return target, published


@pytest.mark.slow
@SETTINGS
@given(situations(), st.data())
def test_a_new_meeting_keeps_every_rule_and_moves_no_frozen_meeting(
    situation: tuple[Problem, Schedule, OnsiteOptions], data: st.DataObject
) -> None:
    problem, schedule, options = situation
    target, published = _agreed_later(problem, schedule, data)

    result = replan(problem, published, NewMeeting(target), options)

    assert _violations(problem, result) == []
    assert result.violations == ()
    _check_truthful(published, result)
    for meeting_id in _fixed(problem, published, options):
        assert result.schedule[meeting_id] == published[meeting_id]
    assert len(result.moved) <= options.max_moves
    assert (target in result.schedule) == (target in result.placed)
    assert (result.status is OnsiteStatus.PLACED) == (target in result.placed)
    if target not in result.placed:
        assert result.schedule == published
        assert list(result.unplaced) == [target]
    if options.now is not None:
        earliest = options.now + timedelta(minutes=options.freeze_window_min)
        for move in result.moved:
            assert move.after is not None
            assert problem.grid.start_of(move.after.start_slot) >= earliest
        if target in result.placed:
            assert problem.grid.start_of(result.placed[target].start_slot) >= options.now


@pytest.mark.slow
@SETTINGS
@given(situations(), st.data(), st.integers(1, 2))
def test_moves_for_breaks_leave_fewer_breaks_and_stay_within_their_budget(
    situation: tuple[Problem, Schedule, OnsiteOptions], data: st.DataObject, break_moves: int
) -> None:
    problem, schedule, options = situation
    target, published = _agreed_later(problem, schedule, data)

    plain = replan(problem, published, NewMeeting(target), replace(options, break_moves=0))
    polished = replan(
        problem, published, NewMeeting(target), replace(options, break_moves=break_moves)
    )

    assert polished.violations == ()
    _check_truthful(published, polished)
    assert (target in polished.placed) == (target in plain.placed)
    assert score(problem, polished.schedule).breaks <= score(problem, plain.schedule).breaks
    assert len(polished.moved) <= min(options.max_moves, len(plain.moved) + break_moves)


@st.composite
def changes(draw: st.DrawFn, problem: Problem) -> Change:
    grid = problem.grid
    first = draw(st.integers(0, grid.n_slots - 1))
    last = draw(st.integers(first, grid.n_slots - 1))
    span = TimeSpan(grid.start_of(first), grid.end_of(last))
    kind = draw(st.sampled_from(("departure", "overrun", "space")))
    if kind == "departure":
        who = draw(st.sampled_from(problem.principals))
        return EarlierDeparture(grid.start_of(first), principal=PrincipalId(who.id))
    if kind == "overrun":
        people = draw(st.lists(st.sampled_from(problem.principals), min_size=1, max_size=3))
        return SessionOverrun(tuple(PrincipalId(p.id) for p in people), span)
    space = draw(st.sampled_from(problem.spaces))
    return SpaceUnavailable(SpaceId(space.id), span)


@pytest.mark.slow
@SETTINGS
@given(situations(), st.data())
def test_any_change_keeps_every_rule_and_moves_only_what_it_may(
    situation: tuple[Problem, Schedule, OnsiteOptions], data: st.DataObject
) -> None:
    problem, published, options = situation
    assume(validate(problem, published) == [])
    change = data.draw(changes(problem))
    changed = change.apply(problem)
    hit = set(displaced(changed, published))

    result = replan(problem, published, change, options)

    _check_truthful(published, result)
    # Only what the change forces can break a rule: a meeting that cannot move from where the
    # change broke it, or one that lost its place and left a principal's day split past the
    # fairness bound. The result reports exactly what the validator finds.
    assert sorted(map(str, result.violations)) == sorted(_violations(changed, result))
    stuck = {m for m in result.unplaced if m in result.schedule}
    for violation in result.violations:
        assert violation.rule == "breaks_fairly_spread" or set(violation.meetings) & stuck
    for meeting_id in _fixed(problem, published, options) - hit:
        assert result.schedule[meeting_id] == published[meeting_id]
    moved_unasked = [m.meeting for m in result.moved if m.meeting not in hit]
    assert len(moved_unasked) <= options.max_moves * max(1, len(hit))
    for meeting_id in hit - stuck:
        assert (meeting_id in result.unplaced) != (meeting_id in result.schedule)


def test_new_meeting_already_in_the_schedule_is_refused() -> None:
    problem = build_problem(event(["a", "b"], [meeting("m1", "a", "b")]))
    published = _published(problem)

    with pytest.raises(DomainError, match="in the schedule already"):
        replan(problem, published, NewMeeting(MeetingId("m1")))
