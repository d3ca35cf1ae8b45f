"""Where a placed meeting is held, in words: a space, a programme session's start or end, or
no room."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from sidelines.domain import Event, MeetingFormat, SessionEdge
from sidelines.services.places import MeetingPlace, meeting_place
from tests import builders
from tests.builders import at


def event_with_retreat() -> Event:
    """A and B attend the retreat (10:00-11:00); C does not."""
    retreat = replace(
        builders.session("retreat", ["A", "B"], (10, 0), (11, 0)),
        title="Leaders' retreat",
        venue="Convention Center",
    )
    return builders.event(["A", "B", "C"], programme=(retreat,))


@pytest.mark.parametrize(
    ("start", "end", "edge", "text"),
    [
        (
            at(10, 0),
            at(10, 5),
            SessionEdge.START,
            "At the start of Leaders' retreat, Convention Center",
        ),
        (
            at(10, 55),
            at(11, 0),
            SessionEdge.END,
            "At the end of Leaders' retreat, Convention Center",
        ),
    ],
)
def test_a_brief_contact_at_a_session_is_at_its_start_or_end(
    start: datetime, end: datetime, edge: SessionEdge, text: str
) -> None:
    place = meeting_place(
        event_with_retreat(), str(MeetingFormat.BRIEF_CONTACT), start, end, None, ["A", "B"]
    )

    assert place == MeetingPlace(text, text, session_id="retreat", edge=edge)


def test_a_meeting_in_a_space_is_there_and_one_with_no_time_is_nowhere() -> None:
    event = event_with_retreat()

    in_space = meeting_place(event, "bilateral_restricted", at(9), at(9, 30), "T1", ["A", "B"])
    unplaced = meeting_place(event, "brief_contact", None, None, None, ["A", "B"])

    assert (in_space, unplaced) == (MeetingPlace("T1", "T1", space_id="T1"), None)


@pytest.mark.parametrize(
    ("meeting_format", "principals", "start", "end"),
    [
        ("brief_contact", ["A", "C"], at(10, 0), at(10, 5)),  # C does not attend the retreat
        ("brief_contact", ["A", "B"], at(9, 0), at(9, 5)),  # before the retreat
        ("bilateral_restricted", ["A", "B"], at(10, 0), at(10, 30)),  # not a format held there
        ("no_such_format", ["A", "B"], at(10, 0), at(10, 5)),
    ],
)
def test_a_meeting_in_no_room_that_is_no_contact_at_a_session_is_where_the_principals_are(
    meeting_format: str, principals: list[str], start: datetime, end: datetime
) -> None:
    place = meeting_place(event_with_retreat(), meeting_format, start, end, None, principals)

    assert place == MeetingPlace("no room: where the principals are", None)
