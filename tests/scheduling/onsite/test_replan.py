"""Constructed cases: for each kind of change, one that can be absorbed and one that cannot."""

from __future__ import annotations

from datetime import time

from sidelines.domain import (
    EventPolicy,
    InterpreterPool,
    MeetingFormat,
    MeetingId,
    PartyId,
    Placement,
    PrincipalId,
    SpaceId,
)
from sidelines.scheduling import Assignment, Problem, build_problem, validate
from sidelines.scheduling.onsite import (
    AlternativeKind,
    EarlierDeparture,
    Move,
    NewMeeting,
    OnsiteOptions,
    OnsiteStatus,
    SessionOverrun,
    SpaceUnavailable,
    replan,
)
from sidelines.scheduling.validator import score
from tests.builders import DAY, at, event, meeting, principal, span, table

M1, M2, M3, NEW = (MeetingId(m) for m in ("m1", "m2", "m3", "new"))
T1, T2 = SpaceId("T1"), SpaceId("T2")


def _only_at_nine() -> Problem:
    """m1 between a and c, and the new meeting between a and b, which only 09:00 allows."""
    return build_problem(
        event(
            ["a", "b", "c"],
            [meeting("m1", "a", "c"), meeting("new", "a", "b", windows=(span((9, 0), (9, 30)),))],
        )
    )


def test_new_meeting_goes_to_the_earliest_free_place_and_moves_nothing() -> None:
    problem = build_problem(
        event(["a", "b", "c"], [meeting("m1", "a", "b"), meeting("new", "a", "c")])
    )
    published = {M1: Assignment(0, T1)}

    result = replan(problem, published, NewMeeting(NEW))

    assert result.status is OnsiteStatus.PLACED
    assert result.placed == {NEW: Assignment(1, T1)}
    assert result.moved == ()
    assert result.schedule == {M1: Assignment(0, T1), NEW: Assignment(1, T1)}
    assert result.violations == ()


def test_new_meeting_moves_one_meeting_out_of_its_only_window() -> None:
    # The new meeting may only be held at 09:00, where m1 of principal a sits.
    problem = _only_at_nine()
    published = {M1: Assignment(0, T1)}

    result = replan(problem, published, NewMeeting(NEW))

    assert result.placed == {NEW: Assignment(0, T1)}
    assert result.moved == (Move(M1, Assignment(0, T1), Assignment(1, T1)),)
    assert validate(problem, result.schedule) == []


def test_a_meeting_moves_to_close_the_gap_the_new_one_opens() -> None:
    # new can only be held at 09:00; a's other meeting m1 is at 10:00, so a would wait idle
    # from 09:30. Moving m1 to 09:30 closes that gap, where the organiser allows such a move.
    problem = _only_at_nine()
    published = {M1: Assignment(2, T1)}

    kept = replan(problem, published, NewMeeting(NEW), OnsiteOptions(break_moves=0))
    closed = replan(problem, published, NewMeeting(NEW), OnsiteOptions(break_moves=1))

    assert kept.placed[NEW].start_slot == closed.placed[NEW].start_slot == 0
    assert kept.moved == ()
    assert score(problem, kept.schedule).breaks == 1
    assert [
        (m.meeting, m.before, m.after.start_slot if m.after else None) for m in closed.moved
    ] == [(M1, Assignment(2, T1), 1)]
    assert score(problem, closed.schedule).breaks == 0
    assert validate(problem, closed.schedule) == []


def test_no_move_to_close_a_gap_where_the_meeting_is_frozen() -> None:
    problem = _only_at_nine()
    published = {M1: Assignment(2, T1)}

    result = replan(
        problem, published, NewMeeting(NEW), OnsiteOptions(now=at(9, 0), freeze_window_min=90)
    )

    assert result.placed[NEW].start_slot == 0
    assert result.moved == ()


def test_meeting_in_the_freeze_window_is_not_moved() -> None:
    problem = _only_at_nine()
    published = {M1: Assignment(0, T1)}

    result = replan(
        problem, published, NewMeeting(NEW), OnsiteOptions(now=at(8, 45), freeze_window_min=30)
    )

    assert result.status is OnsiteStatus.NEEDS_DECISION
    assert list(result.unplaced) == [NEW]
    assert result.schedule == published
    assert result.moved == ()


def test_locked_meeting_is_not_moved() -> None:
    problem = build_problem(
        event(
            ["a", "b", "c"],
            [
                meeting("m1", "a", "c", locked=Placement(at(9, 0), T1)),
                meeting("new", "a", "b", windows=(span((9, 0), (9, 30)),)),
            ],
        )
    )
    published = {M1: Assignment(0, T1)}

    result = replan(problem, published, NewMeeting(NEW))

    assert list(result.unplaced) == [NEW]
    assert result.schedule == published


def test_moved_meeting_never_lands_inside_the_freeze_window() -> None:
    # The new meeting fits only at 10:30, where m1 sits; m1 could go to 09:30 (10:00 is taken
    # by c's meeting m2, which cannot move), but with a 60-minute freeze window from 09:00 a
    # meeting may move only to 10:00 or later.
    problem = build_problem(
        event(
            ["a", "b", "c", "d"],
            [
                meeting("m1", "a", "c", windows=(span((9, 30), (11, 0)),)),
                meeting("m2", "c", "d", windows=(span((10, 0), (10, 30)),)),
                meeting("new", "a", "b", windows=(span((10, 30), (11, 0)),)),
            ],
        )
    )
    published = {M1: Assignment(3, T1), M2: Assignment(2, T1)}

    frozen = replan(
        problem, published, NewMeeting(NEW), OnsiteOptions(now=at(9, 0), freeze_window_min=60)
    )
    free = replan(
        problem, published, NewMeeting(NEW), OnsiteOptions(now=at(9, 0), freeze_window_min=0)
    )

    assert list(frozen.unplaced) == [NEW]
    assert free.placed == {NEW: Assignment(3, T1)}
    assert free.moved == (Move(M1, Assignment(3, T1), Assignment(1, T1)),)


def test_two_meetings_move_along_a_chain() -> None:
    # new needs a at 09:00; m1 (a, c) must leave 09:00 for 09:30, where m2 (c, d) must leave
    # for 10:00: one table, so each move pushes the next.
    problem = build_problem(
        event(
            ["a", "b", "c", "d"],
            [
                meeting("m1", "a", "c", windows=(span((9, 0), (10, 0)),)),
                meeting("m2", "c", "d", windows=(span((9, 30), (10, 30)),)),
                meeting("new", "a", "b", windows=(span((9, 0), (9, 30)),)),
            ],
        )
    )
    published = {M1: Assignment(0, T1), M2: Assignment(1, T1)}

    result = replan(problem, published, NewMeeting(NEW))

    assert result.placed == {NEW: Assignment(0, T1)}
    assert result.moved == (
        Move(M1, Assignment(0, T1), Assignment(1, T1)),
        Move(M2, Assignment(1, T1), Assignment(2, T1)),
    )
    assert validate(problem, result.schedule) == []
    assert list(
        replan(problem, published, NewMeeting(NEW), OnsiteOptions(max_moves=1)).unplaced
    ) == [NEW]


def test_earlier_departure_moves_the_meetings_after_it() -> None:
    problem = build_problem(event(["a", "b"], [meeting("m1", "a", "b")]))
    published = {M1: Assignment(4, T1)}  # 11:00

    result = replan(problem, published, EarlierDeparture(at(10, 0), party=PartyId("a")))

    assert result.moved == (Move(M1, Assignment(4, T1), Assignment(0, T1)),)
    assert result.status is OnsiteStatus.PLACED


def test_departure_before_any_free_time_leaves_the_meeting_out() -> None:
    problem = build_problem(event(["a", "b"], [meeting("m1", "a", "b")]))
    published = {M1: Assignment(4, T1)}

    result = replan(problem, published, EarlierDeparture(at(9, 0), principal=PrincipalId("a")))

    assert result.moved == (Move(M1, Assignment(4, T1), None),)
    assert list(result.unplaced) == [M1]
    assert result.schedule == {}


def test_session_overrun_moves_the_meeting_it_runs_into() -> None:
    problem = build_problem(event(["a", "b"], [meeting("m1", "a", "b")]))
    published = {M1: Assignment(2, T1)}  # 10:00
    overrun = SessionOverrun((PrincipalId("a"),), span((9, 30), (10, 30)))

    result = replan(problem, published, overrun)

    assert result.moved == (Move(M1, Assignment(2, T1), Assignment(0, T1)),)
    assert validate(overrun.apply(problem), result.schedule) == []


def test_session_overrun_over_the_whole_day_leaves_the_meeting_out() -> None:
    problem = build_problem(event(["a", "b"], [meeting("m1", "a", "b")]))
    overrun = SessionOverrun((PrincipalId("b"),), span((9, 0), (12, 0)))

    result = replan(problem, {M1: Assignment(2, T1)}, overrun)

    assert list(result.unplaced) == [M1]


def test_space_unavailable_moves_its_meetings_to_another_space() -> None:
    problem = build_problem(
        event(["a", "b"], [meeting("m1", "a", "b")], spaces=[table("T1"), table("T2")])
    )
    published = {M1: Assignment(0, T1)}

    result = replan(problem, published, SpaceUnavailable(T1, span((9, 0), (12, 0))))

    assert result.moved == (Move(M1, Assignment(0, T1), Assignment(0, T2)),)


def test_the_only_space_unavailable_leaves_its_meeting_out() -> None:
    problem = build_problem(event(["a", "b"], [meeting("m1", "a", "b")]))

    result = replan(problem, {M1: Assignment(0, T1)}, SpaceUnavailable(T1, span((9, 0), (12, 0))))

    assert list(result.unplaced) == [M1]
    assert result.schedule == {}


def _crowded(**fields: object) -> tuple[Problem, dict[MeetingId, Assignment]]:
    """One table taken all morning (09:00-10:00, 10-minute steps) by two meetings of weight 1,
    frozen or not; the new bilateral of weight 5 between a and b has no place."""
    people = ["a", "b", "c", "d", "e", "f"]
    meetings = [
        meeting("m1", "c", "d", duration_min=30, priority=1),
        meeting("m2", "e", "f", duration_min=30, priority=1),
        meeting("new", "a", "b", duration_min=30, priority=5, **fields),
    ]
    return build_problem(
        event(people, meetings, day_start=time(9, 0), day_end=time(10, 0), grain_min=10)
    ), {M1: Assignment(0, T1), M2: Assignment(3, T1)}


def test_alternatives_offer_a_pull_aside_and_the_meetings_that_would_give_way() -> None:
    problem, published = _crowded()

    result = replan(problem, published, NewMeeting(NEW))

    assert result.status is OnsiteStatus.NEEDS_DECISION
    assert result.schedule == published
    kinds = [a.kind for a in result.alternatives[NEW]]
    assert kinds == [AlternativeKind.FORMAT] + [AlternativeKind.GIVE_WAY] * 3
    pull_aside = result.alternatives[NEW][0]
    assert (pull_aside.format, pull_aside.duration_slots, pull_aside.placement) == (
        "pull_aside",
        1,
        Assignment(0, None),
    )
    assert pull_aside.moves == ()
    give_way = result.alternatives[NEW][1]
    assert give_way.placement == Assignment(0, T1)
    assert give_way.moves == (Move(M1, Assignment(0, T1), None),)
    assert give_way.summary == "if m1 gives way (lower priority)"
    assert [len(a.moves) for a in result.alternatives[NEW][2:]] == [1, 2]


def test_alternative_on_another_day_when_the_asked_day_is_full() -> None:
    second = DAY.replace(day=DAY.day + 1)
    people = ["a", "b", "c", "d"]
    meetings = [
        meeting(
            "m1",
            "a",
            "c",
            duration_min=60,
            format=MeetingFormat.BILATERAL_RESTRICTED,
            locked=Placement(at(9, 0), T1),
        ),
        meeting(
            "new",
            "a",
            "b",
            duration_min=60,
            format=MeetingFormat.BILATERAL_RESTRICTED,
            windows=(span((9, 0), (10, 0)),),
        ),
    ]
    problem = build_problem(
        event(
            people,
            meetings,
            spaces=[table("T1", capacity=6)],
            days=(DAY, second),
            day_start=time(9, 0),
            day_end=time(10, 0),
            grain_min=10,
        )
    )
    published = {M1: Assignment(0, T1)}

    result = replan(problem, published, NewMeeting(NEW), OnsiteOptions(now=at(8, 0)))

    day_options = [a for a in result.alternatives[NEW] if a.kind is AlternativeKind.DAY]
    assert [(a.placement, a.summary) for a in day_options] == [
        (Assignment(6, T1), f"on {second.strftime('%a %d %b')} instead")
    ]
    # The day as the pages write it, never an ISO date.
    assert second.isoformat() not in day_options[0].summary


def test_freeze_window_is_part_of_the_event_policy() -> None:
    assert EventPolicy().freeze_window_min == 30


def test_a_new_meeting_takes_the_interpreter_of_a_lighter_meeting_that_moves() -> None:
    people = [
        principal("A", languages=("en",)),
        principal("B", languages=("ru",)),
        principal("C", languages=("en",)),
        principal("D", languages=("ru",)),
    ]
    problem = build_problem(
        event(
            people,
            [
                meeting("light", "C", "D"),
                meeting("new", "A", "B", priority=3, windows=(span((9, 0), (9, 30)),)),
            ],
            spaces=[table("T1"), table("T2")],
            interpreters=(InterpreterPool(("en", "ru"), 1),),
        )
    )
    published = {MeetingId("light"): Assignment(0, SpaceId("T1"))}

    result = replan(problem, published, NewMeeting(MeetingId("new")))

    assert result.placed == {MeetingId("new"): Assignment(0, SpaceId("T1"))}
    assert [move.meeting for move in result.moved] == [MeetingId("light")]
    assert validate(problem, result.schedule) == []


def test_a_new_meeting_with_the_press_in_moves_what_stands_in_its_press_out_buffer() -> None:
    from sidelines.domain import Feature, PressPlan

    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [
                meeting("light", "C", "D"),
                meeting(
                    "new", "A", "B", press=PressPlan.POOL_SPRAY, windows=(span((9, 0), (9, 30)),)
                ),
            ],
            spaces=[table("T1", features=frozenset({Feature.PRESS})), table("T2")],
            policy=EventPolicy(press_buffer_min=30),
        )
    )
    published = {MeetingId("light"): Assignment(1, SpaceId("T1"))}

    result = replan(problem, published, NewMeeting(MeetingId("new")))

    assert result.placed == {MeetingId("new"): Assignment(0, SpaceId("T1"))}
    assert [move.meeting for move in result.moved] == [MeetingId("light")]
    assert validate(problem, result.schedule) == []
