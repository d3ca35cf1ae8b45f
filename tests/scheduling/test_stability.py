"""Stable re-solves: keep, minimal and free against a published schedule, for every strategy."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sidelines.domain import Delegation, MeetingId, PartyId, Placement, SpaceId
from sidelines.scheduling import (
    Progress,
    SolveOptions,
    SolveStatus,
    Strategy,
    build_problem,
    score,
    solve,
    validate,
)
from sidelines.scheduling.baselines import first_come_first_served
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.maxsat import unsupported
from sidelines.scheduling.objective import ObjectiveValue
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.schedule import Assignment, Schedule
from sidelines.scheduling.stability import (
    Change,
    Published,
    Stability,
    changes,
    default_move_budget,
    principals_affected,
    with_published,
)
from tests.builders import at, event, meeting, span

STRATEGIES = [Strategy.HEURISTIC, Strategy.CPSAT, Strategy.MAXSAT, Strategy.AUTO]


def options(strategy: Strategy, seconds: float = 3.0) -> SolveOptions:
    return SolveOptions(strategy=strategy, time_limit_s=seconds, workers=1)


def t(slot: int, space: str | None = "T1") -> Assignment:
    return Assignment(slot, SpaceId(space) if space is not None else None)


def resolve(
    problem: Problem, published: Schedule, stability: Stability, max_moves: int | None = None
) -> Problem:
    return with_published(problem, Published(dict(published), stability, max_moves))


def heavier_newcomer() -> Problem:
    """One table, two half-hour slots. m1 (weight 1) was published at 09:00; m2 (weight 5), agreed
    since, can only be held at 09:00, and A is in both."""
    return build_problem(
        event(
            ["A", "B", "C"],
            [
                meeting("m1", "A", "B", priority=1),
                meeting("m2", "A", "C", priority=5, windows=(span((9, 0), (9, 30)),)),
            ],
            day_end=time(10, 0),
            morning_ends=time(10, 0),
        )
    )


PUBLISHED_M1 = {MeetingId("m1"): t(0)}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_minimal_moves_a_published_meeting_to_let_a_heavier_one_in(strategy: Strategy) -> None:
    problem = resolve(heavier_newcomer(), PUBLISHED_M1, Stability.MINIMAL, max_moves=1)
    result = solve(problem, options(strategy))
    assert validate(problem, result.schedule) == []
    assert result.schedule == {"m1": t(1), "m2": t(0)}
    assert result.objective is not None
    assert (result.objective.weight_scheduled, result.objective.moves) == (6, 1)
    assert changes(problem, result.schedule) == [Change(MeetingId("m1"), t(0), t(1), False)]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_minimal_re_solve_reports_its_progress_with_the_moves_ranked(
    strategy: Strategy,
) -> None:
    # Every report counts its schedule's moves and ranks them as the result does: reports
    # without them ranked a schedule with a move above the same schedule in the result, so
    # that the series claimed more than the solve returned.
    problem = resolve(heavier_newcomer(), PUBLISHED_M1, Stability.MINIMAL, max_moves=1)
    reports: list[Progress] = []
    result = solve(problem, replace(options(strategy), on_progress=reports.append))
    assert result.objective is not None
    assert reports != []
    assert [r.objective.moves_ranked for r in reports if r.objective is not None] == [True] * len(
        reports
    )
    assert reports[-1].objective == result.objective


def test_the_principals_of_the_moved_meetings_are_affected_each_once() -> None:
    problem = resolve(break_to_save(), PUBLISHED_BREAK, Stability.FREE)
    moved = changes(problem, {MeetingId("m1"): t(1), MeetingId("m2"): t(3)})
    assert [change.meeting for change in moved] == ["m1", "m2"]
    assert principals_affected(problem, moved) == ["A", "B", "C"]
    assert principals_affected(problem, moved[1:]) == ["A", "C"]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_keep_never_moves_a_published_meeting(strategy: Strategy) -> None:
    problem = resolve(heavier_newcomer(), PUBLISHED_M1, Stability.KEEP)
    result = solve(problem, options(strategy))
    assert validate(problem, result.schedule) == []
    assert result.schedule == {"m1": t(0)}
    assert result.objective is not None
    assert result.objective.moves == 0
    assert "m2" in result.left_out


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_minimal_with_no_budget_keeps_the_published_place(strategy: Strategy) -> None:
    problem = resolve(heavier_newcomer(), PUBLISHED_M1, Stability.MINIMAL, max_moves=0)
    result = solve(problem, options(strategy))
    assert validate(problem, result.schedule) == []
    assert result.schedule == {"m1": t(0)}


def break_to_save() -> Problem:
    """A meets B at 09:00 and C at 10:00, both published: a break at 09:30 that moving m2 to
    09:30 would close. Nothing new is agreed."""
    return build_problem(
        event(["A", "B", "C"], [meeting("m1", "A", "B"), meeting("m2", "A", "C")]),
    )


PUBLISHED_BREAK = {MeetingId("m1"): t(0), MeetingId("m2"): t(2)}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_minimal_never_moves_a_meeting_to_save_a_break(strategy: Strategy) -> None:
    problem = resolve(break_to_save(), PUBLISHED_BREAK, Stability.MINIMAL, max_moves=2)
    result = solve(problem, options(strategy))
    assert validate(problem, result.schedule) == []
    assert result.schedule == PUBLISHED_BREAK
    assert result.objective is not None
    assert (result.objective.breaks, result.objective.moves) == (1, 0)


def test_free_moves_a_meeting_to_save_a_break_and_reports_it() -> None:
    problem = resolve(break_to_save(), PUBLISHED_BREAK, Stability.FREE)
    result = solve(problem, options(Strategy.CPSAT))
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None
    assert result.objective.breaks == 0
    assert result.objective.moves >= 1
    assert result.objective.moves == len(changes(problem, result.schedule))


def test_without_a_published_schedule_nothing_counts_as_moved() -> None:
    problem = break_to_save()
    result = solve(problem, options(Strategy.CPSAT))
    assert result.objective is not None
    assert result.objective.moves == 0
    assert changes(problem, result.schedule) == []


# --- forced moves, withdrawn meetings ----------------------------------------------------------


def test_a_meeting_whose_place_is_no_longer_allowed_is_forced_and_outside_the_budget() -> None:
    # B now leaves at 09:30: m1's published place (09:30) is no longer allowed.
    built = event(
        ["A", "B"],
        [meeting("m1", "A", "B")],
        delegations=[Delegation(PartyId("B"), departure=at(9, 30))],
    )
    problem = resolve(build_problem(built), {MeetingId("m1"): t(1)}, Stability.MINIMAL, 0)
    assert problem.published is not None
    assert problem.published.forced == {0}
    result = solve(problem, options(Strategy.HEURISTIC))
    assert validate(problem, result.schedule) == []
    assert result.schedule == {"m1": t(0)}
    assert changes(problem, result.schedule) == [Change(MeetingId("m1"), t(1), t(0), True)]
    assert score(problem, result.schedule).moves == 1


def test_a_published_space_the_event_no_longer_has_forces_a_move() -> None:
    problem = resolve(break_to_save(), {MeetingId("m1"): t(0, "gone")}, Stability.KEEP)
    assert problem.published is not None
    assert problem.published.forced == {0}
    result = solve(problem, options(Strategy.HEURISTIC))
    assert validate(problem, result.schedule) == []
    assert result.schedule["m1"].space == "T1"


def test_a_lock_elsewhere_forces_a_move() -> None:
    built = event(["A", "B"], [meeting("m1", "A", "B", locked=Placement(at(10, 0)))])
    problem = resolve(build_problem(built), {MeetingId("m1"): t(0)}, Stability.KEEP)
    assert problem.published is not None
    assert problem.published.forced == {0}


def test_of_two_published_meetings_that_clash_the_later_one_is_forced() -> None:
    # A published file that books T1 twice at 09:00 (made for another set-up, or edited).
    built = event(["A", "B", "C", "D"], [meeting("m1", "A", "B"), meeting("m2", "C", "D")])
    published = {MeetingId("m2"): t(0), MeetingId("m1"): t(0)}
    problem = resolve(build_problem(built), published, Stability.KEEP)
    assert problem.published is not None
    assert problem.published.forced == {1}
    result = solve(problem, options(Strategy.HEURISTIC))
    assert validate(problem, result.schedule) == []
    assert result.schedule["m1"] == t(0)
    assert result.schedule["m2"] != t(0)


def test_a_withdrawn_meeting_frees_its_place() -> None:
    # m0 was published at 09:00 and withdrawn: it is not in the problem any more.
    published = {MeetingId("m0"): t(0), MeetingId("m1"): t(1)}
    problem = resolve(heavier_newcomer(), published, Stability.KEEP)
    assert problem.published is not None
    assert set(problem.published.places) == {0}
    result = solve(problem, options(Strategy.HEURISTIC))
    assert validate(problem, result.schedule) == []
    assert result.schedule == {"m1": t(1), "m2": t(0)}


def test_a_published_meeting_that_can_no_longer_be_held_may_be_left_out() -> None:
    built = event(
        ["A", "B"],
        [meeting("m1", "A", "B")],
        delegations=[Delegation(PartyId("B"), departure=at(9, 0))],
    )
    problem = resolve(build_problem(built), {MeetingId("m1"): t(0)}, Stability.KEEP)
    assert problem.published is not None
    assert problem.published.holdable == frozenset()
    result = solve(problem, options(Strategy.HEURISTIC))
    assert result.schedule == {}
    assert validate(problem, result.schedule) == []
    assert changes(problem, {}) == [Change(MeetingId("m1"), t(0), None, True)]


# --- the budget and the objective ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "budget"), [(0, 1), (1, 1), (100, 1), (101, 2), (700, 7), (20_000, 200)]
)
def test_default_move_budget_is_one_percent_and_at_least_one(published: int, budget: int) -> None:
    assert default_move_budget(published) == budget


def test_published_without_a_budget_takes_the_default() -> None:
    problem = resolve(heavier_newcomer(), PUBLISHED_M1, Stability.MINIMAL)
    assert problem.published is not None
    assert problem.published.max_moves == 1


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="max_moves"):
        Published({}, Stability.MINIMAL, -1)


def test_minimal_ranks_moves_after_weight_and_before_breaks() -> None:
    fewer_moves = ObjectiveValue(10, 5, breaks=4, breaks_spread=0, preferences_met=0, moves=1)
    fewer_breaks = ObjectiveValue(10, 5, breaks=0, breaks_spread=0, preferences_met=0, moves=2)
    heavier = ObjectiveValue(11, 5, breaks=9, breaks_spread=0, preferences_met=0, moves=3)
    ranked = [
        ObjectiveValue(o.weight_scheduled, 5, o.breaks, 0, 0, o.moves, moves_ranked=True)
        for o in (fewer_moves, fewer_breaks, heavier)
    ]
    assert ranked[0].key() > ranked[1].key()
    assert ranked[2].key() > ranked[0].key()
    # Unranked (keep, free), moves play no part.
    assert fewer_breaks.key() > fewer_moves.key()
    assert fewer_moves.as_dict()["moves"] == 1


def test_maxsat_declines_keep_and_minimal_but_not_free() -> None:
    problem = build_problem(event(["A", "B"], [meeting("m1", "A", "B", required=True)]))
    assert unsupported(problem) is None
    for stability in (Stability.KEEP, Stability.MINIMAL):
        reason = unsupported(resolve(problem, {MeetingId("m1"): t(0)}, stability))
        assert reason == f"it has no {stability} re-solve against a published schedule"
    assert unsupported(resolve(problem, {MeetingId("m1"): t(0)}, Stability.FREE)) is None


# --- properties on generated events ------------------------------------------------------------

specs = st.builds(
    GeneratorSpec,
    principals=st.integers(3, 7),
    requests=st.integers(1, 12),
    spaces=st.integers(1, 2),
    days=st.just(1),
    grain_min=st.just(30),
    durations_min=st.sampled_from([(30,), (30, 60)]),
    day_start=st.just(time(9, 0)),
    day_end=st.sampled_from([time(11, 0), time(12, 0)]),
    morning_ends=st.just(time(10, 0)),
    availability=st.floats(0.5, 1.0),
    programme_sessions=st.integers(0, 1),
    locked=st.integers(0, 1),
    precedences=st.integers(0, 1),
)


def published_part(problem: Problem, keep: list[bool]) -> dict[MeetingId, Assignment]:
    """A valid schedule with some meetings taken out: they stand for meetings agreed since."""
    schedule = first_come_first_served(problem)
    kept = [m for m in sorted(schedule) if keep[problem.meeting_index[m] % len(keep)]]
    return {m: schedule[m] for m in kept}


def moved_by_choice(problem: Problem, schedule: Schedule) -> list[Change]:
    return [change for change in changes(problem, schedule) if not change.forced]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=specs,
    seed=st.integers(0, 1000),
    keep=st.lists(st.booleans(), min_size=1, max_size=5),
    budget=st.integers(0, 3),
    strategy=st.sampled_from([Strategy.HEURISTIC, Strategy.AUTO]),
)
def test_keep_never_moves_and_minimal_stays_within_budget(
    spec: GeneratorSpec, seed: int, keep: list[bool], budget: int, strategy: Strategy
) -> None:
    base = build_problem(generate_event(spec, seed))
    published = published_part(base, keep)
    kept = resolve(base, published, Stability.KEEP)
    result = solve(kept, options(strategy, 1.0))
    assume(result.objective is not None)
    assert validate(kept, result.schedule) == []
    assert moved_by_choice(kept, result.schedule) == []
    minimal = resolve(base, published, Stability.MINIMAL, budget)
    result = solve(minimal, options(strategy, 1.0))
    assume(result.objective is not None)
    assert validate(minimal, result.schedule) == []
    assert len(moved_by_choice(minimal, result.schedule)) <= budget


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=specs,
    seed=st.integers(0, 1000),
    keep=st.lists(st.booleans(), min_size=1, max_size=5),
    budget=st.integers(1, 3),
)
def test_minimal_moves_a_meeting_only_for_weight(
    spec: GeneratorSpec, seed: int, keep: list[bool], budget: int
) -> None:
    """Exact, on proven optima: a keep schedule is a minimal one with no move, so when the
    optimal minimal schedule moves a published meeting, no schedule without a move reaches its
    weight."""
    base = build_problem(generate_event(spec, seed))
    published = published_part(base, keep)
    kept = resolve(base, published, Stability.KEEP)
    minimal = resolve(base, published, Stability.MINIMAL, budget)
    without_moves = solve(kept, options(Strategy.CPSAT, 10.0))
    with_moves = solve(minimal, options(Strategy.CPSAT, 10.0))
    assume(without_moves.status is SolveStatus.OPTIMAL)
    assume(with_moves.status is SolveStatus.OPTIMAL)
    assert without_moves.objective is not None
    assert with_moves.objective is not None
    assert validate(minimal, with_moves.schedule) == []
    moved = moved_by_choice(minimal, with_moves.schedule)
    assert len(moved) <= budget
    if moved:
        assert with_moves.objective.weight_scheduled > without_moves.objective.weight_scheduled
    else:
        assert with_moves.objective.weight_scheduled == without_moves.objective.weight_scheduled
