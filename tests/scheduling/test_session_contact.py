"""Brief contacts at programme sessions: where they may go, what they cost, who places them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sidelines.domain import (
    AtSession,
    DomainError,
    EventPolicy,
    MeetingFormat,
    MeetingId,
    Placement,
    SessionEdge,
    SessionId,
    SpaceId,
)
from sidelines.formats.event_loader import load_event
from sidelines.scheduling import (
    Assignment,
    SolveOptions,
    Strategy,
    build_problem,
    score,
    solve,
    validate,
)
from tests.builders import at, event, meeting, session, span

LIMA = Path(__file__).parents[2] / "examples" / "apec-2016-lima.yaml"

RETREAT_START = AtSession(SessionId("retreat"), SessionEdge.START)


def greeting(meeting_id: str = "greet", *principals: str, **fields: Any) -> Any:
    fields.setdefault("format", MeetingFormat.BRIEF_CONTACT)
    return meeting(meeting_id, *(principals or ("A", "B")), **fields)


def retreat_event(*meetings: Any, attendees: tuple[str, ...] = ("A", "B"), **fields: Any) -> Any:
    """09:00-12:00 in 5-minute steps, a retreat 10:00-11:00."""
    return event(
        ["A", "B", "C"],
        list(meetings),
        programme=(session("retreat", attendees, (10, 0), (11, 0)),),
        grain_min=5,
        **fields,
    )


@pytest.mark.parametrize("strategy", [Strategy.AUTO, Strategy.HEURISTIC, Strategy.CPSAT])
def test_contact_wanted_during_the_retreat_is_held_at_its_start(strategy: Strategy) -> None:
    problem = build_problem(retreat_event(greeting(windows=(span((10, 0), (10, 30)),))))
    result = solve(problem, SolveOptions(strategy=strategy, time_limit_s=2.0))
    assert result.schedule == {MeetingId("greet"): Assignment(12, at_session=RETREAT_START)}
    assert validate(problem, result.schedule) == []


def test_contact_at_the_end_of_a_session_sits_in_its_last_minutes() -> None:
    problem = build_problem(retreat_event(greeting(windows=(span((10, 30), (11, 0)),))))
    result = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=1.0))
    end = AtSession(SessionId("retreat"), SessionEdge.END)
    assert result.schedule == {MeetingId("greet"): Assignment(23, at_session=end)}


def test_contact_at_a_session_neither_makes_nor_closes_a_break() -> None:
    problem = build_problem(retreat_event(meeting("early", "A", "C"), greeting()))
    early = Assignment(0, SpaceId("T1"))
    assert (
        score(problem, {"early": early, "greet": Assignment(12, at_session=RETREAT_START)}).breaks
        == 0
    )
    # The same five minutes in a corridor before the retreat leave A waiting in between.
    assert score(problem, {"early": early, "greet": Assignment(11)}).breaks == 1


def test_heuristic_places_contact_even_when_no_principal_may_have_a_break() -> None:
    problem = build_problem(
        retreat_event(
            meeting("early", "A", "C", locked=Placement(at(9, 0), SpaceId("T1"))),
            greeting(windows=(span((10, 0), (10, 30)),)),
            policy=EventPolicy(fairness_max_spread=0),
        )
    )
    result = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=1.0))
    assert result.schedule[MeetingId("greet")] == Assignment(12, at_session=RETREAT_START)
    assert validate(problem, result.schedule) == []


def test_a_seated_format_is_not_held_at_a_session() -> None:
    problem = build_problem(retreat_event(meeting("talks", "A", "B", duration_min=10)))
    violations = validate(problem, {"talks": Assignment(12, at_session=RETREAT_START)})
    assert [(v.rule, v.message) for v in violations] == [
        (
            "contact_at_session_fits",
            "talks at the start of retreat: a b2b is not held at a programme session, only a "
            "greeting or a pull-aside",
        ),
        ("meeting_has_space_when_needed", "talks needs a room but was given none"),
    ]


def test_a_contact_at_a_session_needs_every_principal_there() -> None:
    problem = build_problem(retreat_event(greeting(), attendees=("A",)))
    violations = validate(problem, {"greet": Assignment(12, at_session=RETREAT_START)})
    assert [(v.rule, v.message) for v in violations] == [
        ("contact_at_session_fits", "greet at the start of retreat: B does not attend it"),
    ]


def test_a_pull_aside_longer_than_ten_minutes_is_not_held_at_a_session() -> None:
    problem = build_problem(
        retreat_event(greeting(format=MeetingFormat.PULL_ASIDE, duration_min=15))
    )
    violations = validate(problem, {"greet": Assignment(12, at_session=RETREAT_START)})
    assert [v.message for v in violations] == [
        "greet at the start of retreat: it lasts 15 min, more than the 10 min a contact at a "
        "session may"
    ]


def test_a_contact_in_a_session_not_declared_at_it_breaks_the_programme_rule() -> None:
    problem = build_problem(retreat_event(greeting()))
    assert [v.rule for v in validate(problem, {"greet": Assignment(12)})] == [
        "principal_not_in_programme_session"
    ]


def test_schedule_naming_an_unknown_session_is_reported() -> None:
    problem = build_problem(retreat_event(greeting()))
    unknown = AtSession(SessionId("gala"), SessionEdge.START)
    assert [
        v.message for v in validate(problem, {"greet": Assignment(12, at_session=unknown)})
    ] == ["greet placed at unknown programme session 'gala'"]


def test_locked_contact_stays_at_its_session() -> None:
    locked = Placement(at(10, 55), at_session=AtSession(SessionId("retreat"), SessionEdge.END))
    problem = build_problem(retreat_event(greeting(locked=locked)))
    result = solve(problem, SolveOptions(strategy=Strategy.AUTO, time_limit_s=1.0))
    assert result.schedule == {MeetingId("greet"): Assignment(23, at_session=locked.at_session)}
    moved = {"greet": Assignment(12, at_session=RETREAT_START)}
    assert [v.rule for v in validate(problem, moved)] == ["locked_meeting_kept"]


def test_locked_contact_must_start_at_its_session_edge() -> None:
    locked = Placement(at(10, 5), at_session=RETREAT_START)
    with pytest.raises(DomainError) as raised:
        build_problem(retreat_event(greeting(locked=locked)))
    assert raised.value.path == "meetings[0].locked.start"


def test_locked_contact_at_an_unknown_session_is_refused() -> None:
    locked = Placement(at(10, 0), at_session=AtSession(SessionId("gala")))
    with pytest.raises(DomainError) as raised:
        retreat_event(greeting(locked=locked))
    assert raised.value.path == "meetings[0].locked.at_session.session"


def test_a_contact_at_a_session_has_no_space() -> None:
    with pytest.raises(DomainError):
        Placement(at(10, 0), SpaceId("T1"), at_session=RETREAT_START)


def test_lima_putin_obama_contact_is_held_at_the_start_of_the_retreat() -> None:
    problem = build_problem(load_event(LIMA))
    result = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=2.0))
    contact = result.schedule[MeetingId("rus-usa")]
    assert contact.at_session == AtSession(SessionId("retreat-1"), SessionEdge.START)
    assert problem.describe_slot(contact.start_slot) == "Sun 20 Nov 09:30"
    assert validate(problem, result.schedule) == []
