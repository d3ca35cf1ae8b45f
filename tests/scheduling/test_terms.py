"""Agreed terms bind every strategy and the on-site placement: the place, the window, a
press-ready space with its press-out buffer, and interpreters from the event's pool.

The checks here read the domain event directly, not the rules, so that a rule written wrong
would not hide a broken term from them.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sidelines.domain import (
    Event,
    EventPolicy,
    Feature,
    InterpreterPool,
    MeetingId,
    PartyId,
    PressPlan,
    SpaceId,
)
from sidelines.scheduling import (
    Schedule,
    SolveOptions,
    SolveStatus,
    Strategy,
    build_problem,
    solve,
    validate,
)
from sidelines.scheduling.baselines import first_come_first_served
from sidelines.scheduling.onsite import NewMeeting, OnsiteOptions, replan
from sidelines.scheduling.onsite.replan import UNPLACED_RULES
from sidelines.scheduling.reasons import left_out_reasons
from tests.builders import event, meeting, principal, span, table
from tests.scheduling.onsite.test_properties import changes

PRESS_ROOM = frozenset({Feature.PRESS})
LANGUAGES = (("en",), ("ru",), ("en", "fr"), ("zh",), ())


def broken_terms(built: Event, schedule: Schedule) -> list[str]:
    """Every agreed term the schedule breaks, judged from the event itself."""
    problem = build_problem(built)
    broken: list[str] = []
    for meeting_id, assignment in schedule.items():
        item = built.meeting_by_id[meeting_id]
        start = problem.grid.start_of(assignment.start_slot)
        end = start + timedelta(minutes=item.effective_duration_min)
        if item.spaces and assignment.space not in item.spaces:
            broken.append(f"{meeting_id} outside its agreed place")
        if item.windows and not any(w.start <= start and end <= w.end for w in item.windows):
            broken.append(f"{meeting_id} outside its agreed window")
        if item.press is not PressPlan.NONE:
            space = built.space_by_id.get(assignment.space) if assignment.space else None
            if space is None or Feature.PRESS not in space.features:
                broken.append(f"{meeting_id} with the press in a space not press-ready")
                continue
            free_from = end + timedelta(minutes=space.turnover_min + built.policy.press_buffer_min)
            for other_id, other in schedule.items():
                other_start = problem.grid.start_of(other.start_slot)
                after = other_id != meeting_id and other.space == space.id
                if after and end <= other_start < free_from:
                    broken.append(f"{other_id} within the press-out buffer of {meeting_id}")
    counts = built.interpreter_counts
    for slot in range(problem.grid.n_slots):
        instant = problem.grid.start_of(slot)
        in_use: dict[frozenset[str], int] = {}
        for meeting_id, assignment in schedule.items():
            item = built.meeting_by_id[meeting_id]
            start = problem.grid.start_of(assignment.start_slot)
            if start <= instant < start + timedelta(minutes=item.effective_duration_min):
                for pair in built.interpretation_of(item):
                    in_use[pair] = in_use.get(pair, 0) + 1
        for pair, used in in_use.items():
            if used > counts.get(pair, 0):
                broken.append(f"{used} meetings need {sorted(pair)} at slot {slot}")
    return broken


@st.composite
def events_with_terms(draw: st.DrawFn) -> Event:
    n_principals = draw(st.integers(3, 6))
    names = [f"P{i}" for i in range(n_principals)]
    people = [principal(name, languages=draw(st.sampled_from(LANGUAGES))) for name in names]
    n_spaces = draw(st.integers(1, 3))
    spaces = [
        table(
            f"T{i}",
            features=PRESS_ROOM if draw(st.booleans()) else frozenset(),
            turnover_min=draw(st.sampled_from((0, 30))),
        )
        for i in range(n_spaces)
    ]
    pools = draw(
        st.sampled_from(
            (
                (),
                (InterpreterPool(("en", "ru"), 1),),
                (InterpreterPool(("en", "ru"), 2), InterpreterPool(("en", "zh"), 0)),
                (InterpreterPool(("en", "zh"), 1), InterpreterPool(("ru", "zh"), 1)),
            )
        )
    )
    meetings = []
    for index in range(draw(st.integers(1, 7))):
        pair = draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
        agreed = draw(st.lists(st.sampled_from([s.id for s in spaces]), unique=True, max_size=2))
        own = draw(st.lists(st.sampled_from(pair), unique=True, max_size=1))
        windows = ()
        if draw(st.booleans()):
            first = draw(st.integers(9, 11))
            windows = (span((first, 0), (first + 2, 0)),)
        meetings.append(
            meeting(
                f"m{index}",
                *pair,
                duration_min=draw(st.sampled_from((30, 60))),
                spaces=tuple(agreed),
                press=draw(st.sampled_from(list(PressPlan))),
                own_interpreters=tuple(PartyId(p) for p in own),
                windows=windows,
                priority=draw(st.integers(1, 3)),
            )
        )
    return event(
        people,
        meetings,
        spaces=spaces,
        interpreters=pools,
        policy=EventPolicy(press_buffer_min=draw(st.sampled_from((0, 10, 30, 60)))),
        day_end=time(13, 0),
        morning_ends=time(11, 0),
    )


SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@SETTINGS
@given(events_with_terms(), st.sampled_from((Strategy.HEURISTIC, Strategy.CPSAT)))
def test_no_strategy_breaks_an_agreed_term(built: Event, strategy: Strategy) -> None:
    problem = build_problem(built)
    result = solve(problem, SolveOptions(strategy=strategy, time_limit_s=2.0, workers=1))
    assert validate(problem, result.schedule) == []
    assert broken_terms(built, result.schedule) == []


@SETTINGS
@given(events_with_terms())
def test_the_first_come_first_served_baseline_breaks_no_agreed_term(built: Event) -> None:
    problem = build_problem(built)
    schedule = first_come_first_served(problem)
    assert validate(problem, schedule) == []
    assert broken_terms(built, schedule) == []


@SETTINGS
@given(events_with_terms(), st.data())
def test_no_onsite_placement_breaks_an_agreed_term(built: Event, data: st.DataObject) -> None:
    problem = build_problem(built)
    schedule = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=0.05)).schedule
    target = data.draw(st.sampled_from([m.id for m in built.meetings]))
    published = {m: a for m, a in schedule.items() if m != target}

    result = replan(problem, published, NewMeeting(target), OnsiteOptions())

    assert [
        v
        for v in validate(problem, result.schedule)
        if not (v.rule in UNPLACED_RULES and set(v.meetings) <= set(result.unplaced))
    ] == []
    assert broken_terms(built, result.schedule) == []


@SETTINGS
@given(events_with_terms(), st.data())
def test_no_change_at_the_venue_makes_a_placement_break_an_agreed_term(
    built: Event, data: st.DataObject
) -> None:
    problem = build_problem(built)
    published = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=0.05))
    change = data.draw(changes(problem))

    result = replan(problem, published.schedule, change, OnsiteOptions())

    # Meetings stay where they were or move to places the changed problem allows; the agreed
    # terms do not change with the venue, so no placement may break one.
    assert broken_terms(built, result.schedule) == []


def bound_event() -> Event:
    """Four required meetings whose terms leave one way to hold them all."""
    people = [
        principal("A", languages=("en",)),
        principal("B", languages=("ru",)),
        principal("C", languages=("en",)),
        principal("D", languages=("ru",)),
    ]
    return event(
        people,
        [
            meeting("press", "A", "C", required=True, press=PressPlan.POOL_SPRAY),
            meeting("agreed", "B", "D", required=True, spaces=(SpaceId("T2"),)),
            meeting("talks1", "A", "B", required=True),
            meeting("talks2", "C", "D", required=True),
        ],
        spaces=[table("T1", features=PRESS_ROOM), table("T2")],
        interpreters=(InterpreterPool(("en", "ru"), 1),),
        policy=EventPolicy(press_buffer_min=30),
        day_end=time(11, 0),
        morning_ends=time(10, 0),
    )


@pytest.mark.parametrize(
    "strategy", [Strategy.HEURISTIC, Strategy.CPSAT, Strategy.MAXSAT, Strategy.AUTO]
)
def test_every_strategy_holds_every_meeting_within_the_agreed_terms(strategy: Strategy) -> None:
    built = bound_event()
    problem = build_problem(built)

    result = solve(problem, SolveOptions(strategy=strategy, time_limit_s=5.0, workers=1))

    assert sorted(result.schedule) == ["agreed", "press", "talks1", "talks2"]
    assert validate(problem, result.schedule) == []
    assert broken_terms(built, result.schedule) == []
    assert result.schedule[MeetingId("press")].space == "T1"
    assert result.schedule[MeetingId("agreed")].space == "T2"


def test_a_pair_the_pool_lacks_leaves_the_meeting_out_with_the_reason() -> None:
    built = event(
        [principal("A", languages=("en",)), principal("B", languages=("zh",))],
        [meeting("m", "A", "B")],
        interpreters=(InterpreterPool(("en", "ru"), 1),),
    )
    problem = build_problem(built)

    result = solve(problem, SolveOptions(strategy=Strategy.CPSAT, time_limit_s=2.0))

    assert result.status is SolveStatus.OPTIMAL
    assert result.schedule == {}
    assert left_out_reasons(problem, result.schedule) == {
        "m": "m needs en-zh interpretation, which the event does not provide and no side brings"
    }


def test_a_side_bringing_its_own_interpreter_needs_none_from_the_pool() -> None:
    built = event(
        [principal("A", languages=("en",)), principal("B", languages=("zh",))],
        [meeting("m", "A", "B", own_interpreters=(PartyId("B"),))],
        interpreters=(InterpreterPool(("en", "ru"), 1),),
    )
    problem = build_problem(built)

    result = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=1.0))

    assert sorted(result.schedule) == ["m"]
