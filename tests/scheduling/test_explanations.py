"""Explanations name the facts that block a meeting, and only those."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from sidelines.domain import (
    Delegation,
    EventPolicy,
    MeetingFormat,
    MeetingId,
    PartyId,
    Placement,
    SpaceId,
)
from sidelines.scheduling import Assignment, build_problem
from sidelines.scheduling.explanations import FactKind, UnknownMeeting, explain
from sidelines.scheduling.problem import Problem
from tests.builders import at, event, meeting, principal, session, span, table

HOURS = {"day_start": time(9, 0), "day_end": time(16, 0), "morning_ends": time(12, 0)}


def lima_like(**fields: object) -> Problem:
    """USA is in a retreat until 11:30, RUS departs at 15:00, and five higher-priority meetings
    of others fill the only room that fits from 11:30 to 14:00 (B2 is too small for it)."""
    fillers = [
        meeting(
            f"f{i}",
            f"C{i}",
            f"D{i}",
            priority=5,
            locked=Placement(at(11 + (30 + 30 * i) // 60, (30 + 30 * i) % 60), SpaceId("B1")),
        )
        for i in range(5)
    ]
    people = ["USA", "RUS", "E", *(f"C{i}" for i in range(5)), *(f"D{i}" for i in range(5))]
    return build_problem(
        event(
            [principal(p) if p != "USA" else principal(p, title="President") for p in people],
            [
                meeting("usa-rus", "USA", "RUS", format=MeetingFormat.BILATERAL_RESTRICTED),
                *fillers,
                meeting("small", "E", "C0", locked=Placement(at(12, 0), SpaceId("B2"))),
                meeting("late", "USA", "E", locked=Placement(at(15, 0), SpaceId("B2"))),
            ],
            spaces=(table("B1", capacity=6), table("B2", capacity=2)),
            programme=(
                session("Leaders' retreat", ["USA"], (9, 0), (11, 30)),
                session("Ministers' lunch", ["E"], (12, 0), (13, 0)),
            ),
            delegations=(Delegation(PartyId("RUS"), departure=at(14, 0)),),
            **HOURS,
            **fields,
        )
    )


def placed(problem: Problem) -> dict[MeetingId, Assignment]:
    return {
        m.id: Assignment(m.locked_start or 0, problem.spaces[m.locked_space or 0].id)
        for m in problem.meetings
        if m.locked
    }


def test_explanation_names_the_session_the_departure_and_the_rooms() -> None:
    problem = lima_like()
    explanation = explain(problem, placed(problem), MeetingId("usa-rus"))
    assert not explanation.scheduled
    assert explanation.text == (
        "usa-rus cannot be placed: President USA is in Leaders' retreat Mon 06 May 09:00–11:30; "
        "RUS departs at Mon 06 May 14:00; every room that fits is taken Mon 06 May 11:30–14:00 "
        "by meetings of higher priority: f0 (priority 5), f1 (priority 5), f2 (priority 5), "
        "f3 (priority 5), f4 (priority 5)."
    )


def test_explanation_leaves_out_what_blocks_nothing() -> None:
    problem = lima_like()
    text = explain(problem, placed(problem), MeetingId("usa-rus")).text
    # E's lunch, the meeting in the room too small, and USA's meeting after RUS has left block
    # no time the meeting could have had.
    assert "lunch" not in text
    assert "small" not in text
    assert "late" not in text


def test_explanation_hides_meetings_the_reader_may_not_see() -> None:
    problem = lima_like()
    explanation = explain(
        problem,
        placed(problem),
        MeetingId("usa-rus"),
        visible=lambda meeting_id: meeting_id == "usa-rus",
        priorities=False,
    )
    assert [f.kind for f in explanation.facts] == [
        FactKind.PROGRAMME,
        FactKind.ABSENT,
        FactKind.ROOMS,
    ]
    assert explanation.facts[-1].text == (
        "every room that fits is taken Mon 06 May 11:30–14:00 by meetings: another meeting, "
        "another meeting, another meeting, another meeting, another meeting"
    )


def test_explanation_names_a_principal_busy_in_another_meeting() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [
                meeting("ab", "A", "B", windows=(span((9, 0), (10, 0)),)),
                meeting("ac", "A", "C", priority=3, duration_min=60),
            ],
            spaces=(table("T1"), table("T2")),
        )
    )
    explanation = explain(problem, {"ac": Assignment(0, SpaceId("T2"))}, MeetingId("ab"))
    assert [(f.kind, f.text) for f in explanation.facts] == [
        (FactKind.WINDOW, "it may only be held Mon 06 May 09:00–10:00"),
        (FactKind.MEETING, "A is in ac (priority 3) Mon 06 May 09:00–10:00"),
    ]


def test_explanation_names_the_room_policy() -> None:
    # The party is named by its name, as principals are, and the day as the pages say it.
    sides = event(
        ["A", "B", "C"],
        [meeting("ab", "A", "B"), meeting("ac", "A", "C")],
        spaces=(table("T1"), table("T2")),
        policy=EventPolicy(max_bookings_per_party_per_day=1),
    )
    named = tuple(replace(party, name=f"Republic of {party.id}") for party in sides.parties)
    problem = build_problem(replace(sides, parties=named))
    explanation = explain(problem, {"ac": Assignment(0, SpaceId("T2"))}, MeetingId("ab"))
    assert [(f.kind, f.text) for f in explanation.facts] == [
        (FactKind.MEETING, "A is in ac (priority 1) Mon 06 May 09:00–09:30"),
        (
            FactKind.POLICY,
            "Republic of A already holds 1 meetings in the organiser's rooms on Mon 06 May, all "
            "the room policy allows",
        ),
    ]


def test_explanation_of_a_meeting_no_room_fits() -> None:
    problem = build_problem(
        event(["A", "B"], [meeting("ab", "A", "B", size=20)], spaces=(table("T1", capacity=4),))
    )
    assert explain(problem, {}, MeetingId("ab")).text == (
        "ab cannot be placed: no room seats 20 and belongs to no other party."
    )


def test_explanation_says_when_nothing_blocks_a_time() -> None:
    problem = build_problem(event(["A", "B"], [meeting("ab", "A", "B")]))
    (fact,) = explain(problem, {}, MeetingId("ab")).facts
    assert fact.kind is FactKind.FREE
    assert fact.text == (
        "as far as its principals, rooms and the room policy go it could be held at "
        "Mon 06 May 09:00, Mon 06 May 09:30, Mon 06 May 10:00; the solver left it out for "
        "meetings of more value, for walking time between rooms or to keep breaks fair"
    )


def test_explanation_of_a_scheduled_meeting_says_where() -> None:
    problem = build_problem(event(["A", "B"], [meeting("ab", "A", "B")]))
    explanation = explain(problem, {"ab": Assignment(1, SpaceId("T1"))}, MeetingId("ab"))
    assert explanation.scheduled
    assert explanation.text == "ab is scheduled Mon 06 May 09:30–10:00, T1"


def test_explanation_of_an_unknown_meeting_is_refused() -> None:
    problem = build_problem(event(["A", "B"], [meeting("ab", "A", "B")]))
    with pytest.raises(UnknownMeeting):
        explain(problem, {}, MeetingId("zz"))


def test_explanation_names_a_language_pair_the_event_does_not_provide() -> None:
    from sidelines.domain import InterpreterPool

    problem = build_problem(
        event(
            [principal("A", languages=("en",)), principal("B", languages=("zh",))],
            [meeting("ab", "A", "B")],
            interpreters=(InterpreterPool(("en", "ru"), 1),),
        )
    )
    explanation = explain(problem, {}, MeetingId("ab"))
    assert [(f.kind, f.text) for f in explanation.facts] == [
        (
            FactKind.INTERPRETERS,
            "it needs en-zh interpretation, which the event does not provide and no side brings",
        )
    ]


def test_explanation_names_the_interpreters_taken_and_the_agreed_place() -> None:
    from sidelines.domain import InterpreterPool

    problem = build_problem(
        event(
            [
                principal("A", languages=("en",)),
                principal("B", languages=("ru",)),
                principal("C", languages=("en",)),
                principal("D", languages=("ru",)),
                "E",
                "F",
            ],
            [
                meeting("ab", "A", "B", windows=(span((9, 0), (9, 30)),)),
                meeting("cd", "C", "D", spaces=(SpaceId("T2"),), windows=(span((9, 0), (10, 0)),)),
                meeting("ef", "E", "F"),
            ],
            spaces=(table("T1"), table("T2")),
            interpreters=(InterpreterPool(("en", "ru"), 1),),
        )
    )
    schedule = {"ab": Assignment(0, SpaceId("T1")), "ef": Assignment(1, SpaceId("T2"))}

    explanation = explain(problem, schedule, MeetingId("cd"))

    assert [(f.kind, f.text) for f in explanation.facts] == [
        (FactKind.WINDOW, "it may only be held Mon 06 May 09:00–10:00"),
        (FactKind.INTERPRETERS, "every en-ru interpreter of the event is in another meeting then"),
        (
            FactKind.ROOMS,
            "every room that fits is taken Mon 06 May 09:30–10:00 by meetings of equal or "
            "higher priority: ef (priority 1)",
        ),
    ]


def test_a_closed_room_is_said_closed_for_its_own_span_not_the_meetings() -> None:
    # The only room is closed 13:00-14:00; an hour-long meeting that may only be held
    # 12:00-15:00 is kept out of the starts 12:30-13:30 by it, yet the room is closed for
    # an hour, not from 12:30 to 14:30.
    problem = build_problem(
        event(
            ["A", "B"],
            [meeting("ab", "A", "B", duration_min=60, windows=(span((12, 0), (15, 0)),))],
            spaces=(table("T1", opening_hours=(span((9, 0), (13, 0)), span((14, 0), (16, 0)))),),
            **HOURS,
        )
    )
    facts = explain(problem, {}, MeetingId("ab")).facts
    assert [(f.kind, f.text) for f in facts][1:2] == [
        (FactKind.ROOMS, "every room that fits is closed Mon 06 May 13:00–14:00"),
    ]
