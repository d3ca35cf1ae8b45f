"""Turning space-class choices into concrete spaces."""

from __future__ import annotations

import pytest

from sidelines.domain import MeetingId, Space
from sidelines.scheduling import Assignment, build_problem
from sidelines.scheduling.spaces import ClassChoice, SpacesExhausted, assign_spaces
from tests.builders import event, meeting, table


def two_tables(turnover_min: int = 0) -> list[Space]:
    return [table("T1", turnover_min=turnover_min), table("T2", turnover_min=turnover_min)]


def test_assign_spaces_overlapping_meetings_get_different_spaces() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C", "D", "E", "F"],
            [
                meeting("m1", "A", "B", duration_min=60),
                meeting("m2", "C", "D"),
                meeting("m3", "E", "F"),
            ],
            spaces=two_tables(),
        )
    )
    (class_idx,) = (c.index for c in problem.space_classes)

    schedule = assign_spaces(
        problem,
        [ClassChoice(0, 0, class_idx), ClassChoice(1, 0, class_idx), ClassChoice(2, 1, class_idx)],
    )

    # m1 holds T1 for two slots; m2 takes T2 and frees it for m3.
    assert schedule == {
        MeetingId("m1"): Assignment(0, "T1"),
        MeetingId("m2"): Assignment(0, "T2"),
        MeetingId("m3"): Assignment(1, "T2"),
    }


def test_assign_spaces_keeps_the_turnover_buffer() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [meeting("m1", "A", "B"), meeting("m2", "C", "D")],
            spaces=two_tables(turnover_min=30),
        )
    )

    schedule = assign_spaces(problem, [ClassChoice(0, 0, 0), ClassChoice(1, 1, 0)])

    assert schedule == {MeetingId("m1"): Assignment(0, "T1"), MeetingId("m2"): Assignment(1, "T2")}


def test_assign_spaces_meeting_without_class_gets_no_space() -> None:
    problem = build_problem(event(["A", "B"], [meeting("m", "A", "B")]))

    assert assign_spaces(problem, [ClassChoice(0, 3, None)]) == {MeetingId("m"): Assignment(3)}


def test_assign_spaces_more_meetings_than_spaces_is_refused() -> None:
    problem = build_problem(
        event(["A", "B", "C", "D"], [meeting("m1", "A", "B"), meeting("m2", "C", "D")])
    )

    with pytest.raises(SpacesExhausted, match="no space of class 0 is free at slot 0"):
        assign_spaces(problem, [ClassChoice(0, 0, 0), ClassChoice(1, 0, 0)])


def test_spaces_named_by_an_agreed_place_stay_interchangeable_only_among_themselves() -> None:
    from sidelines.domain import SpaceId

    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [
                meeting("m1", "A", "B", spaces=(SpaceId("T2"), SpaceId("T3"))),
                meeting("m2", "C", "D"),
            ],
            spaces=[table("T1"), table("T2"), table("T3"), table("T4")],
        )
    )

    assert sorted(
        sorted(problem.spaces[s].id for s in c.spaces) for c in problem.space_classes
    ) == [["T1", "T4"], ["T2", "T3"]]


def test_assign_spaces_keeps_a_space_free_for_the_press_leaving() -> None:
    from sidelines.domain import EventPolicy, Feature, PressPlan

    press = frozenset({Feature.PRESS})
    problem = build_problem(
        event(
            ["A", "B", "C", "D", "E", "F"],
            [
                meeting("m1", "A", "B", press=PressPlan.OPEN_PRESS),
                meeting("m2", "C", "D"),
                meeting("m3", "E", "F"),
            ],
            spaces=[table("T1", features=press), table("T2", features=press)],
            policy=EventPolicy(press_buffer_min=30),
        )
    )
    (class_idx,) = (c.index for c in problem.space_classes)

    schedule = assign_spaces(
        problem,
        [ClassChoice(0, 0, class_idx), ClassChoice(1, 0, class_idx), ClassChoice(2, 1, class_idx)],
    )

    # T1 holds m1 and then the press leaving, so m3 takes T2 once m2 is over.
    assert schedule == {
        MeetingId("m1"): Assignment(0, "T1"),
        MeetingId("m2"): Assignment(0, "T2"),
        MeetingId("m3"): Assignment(1, "T2"),
    }
