"""Change notices in words: the meeting by its format and counterpart's name, old → new time
and place in the event's zone, spaces by name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sidelines.domain import Event, Party, PartyId
from sidelines.services.notice_text import MeetingLabel, describe, meeting_label, onsite_change
from sidelines.services.schedule_diff import stored
from tests import builders
from tests.builders import at


def summit() -> Event:
    """Russia and China in Lima's zone, with two bilateral rooms."""
    event = builders.event(
        ["RUS", "CHN"],
        spaces=[
            builders.table("B1", name="Bilateral room 1"),
            builders.table("B2", name="Bilateral room 2"),
        ],
    )
    names = {"RUS": "Russia", "CHN": "China"}
    return replace(
        event,
        timezone="America/Lima",
        parties=tuple(Party(PartyId(p), names[p]) for p in ("RUS", "CHN")),
    )


def placed(start: datetime, space: str | None) -> list[object]:
    return stored(start, start, space)


BILATERAL = MeetingLabel("bilateral_restricted", ("CHN", "RUS"))


def test_each_side_names_its_counterpart_and_the_organiser_both() -> None:
    event = summit()

    assert meeting_label(event, BILATERAL, "CHN") == "Bilateral with Russia"
    assert meeting_label(event, BILATERAL, "RUS") == "Bilateral with China"
    assert meeting_label(event, BILATERAL, None) == "Bilateral, China and Russia"


def test_a_move_in_the_same_room_names_the_room_once_in_local_time() -> None:
    event = summit()
    # 13:30 and 15:15 UTC are 08:30 and 10:15 in Lima (UTC-5), on Monday 6 May 2030.
    said = describe(
        event,
        "moved",
        "Bilateral with Russia",
        placed(at(13, 30), "B2"),
        placed(at(15, 15), "B2"),
    )

    assert said == "Bilateral with Russia moved from Mon 08:30 to Mon 10:15, Bilateral room 2"


def test_a_move_within_the_hour_lived_twice_says_which_of_the_two_it_is() -> None:
    """Lima keeps no summer time; Los Angeles goes back from 02:00 PDT to 01:00 PST on Sunday
    3 November 2030: 08:30 and 09:30 UTC are both 01:30 there."""
    event = replace(summit(), timezone="America/Los_Angeles")
    first = datetime(2030, 11, 3, 8, 30, tzinfo=UTC)

    said = describe(
        event,
        "moved",
        "Bilateral with Russia",
        placed(first, "B2"),
        placed(first + timedelta(hours=1), "B2"),
    )

    assert said == (
        "Bilateral with Russia moved from Sun 01:30 PDT to Sun 01:30 PST, Bilateral room 2"
    )


def test_a_move_to_another_room_names_both_rooms() -> None:
    said = describe(
        summit(), "moved", "Bilateral with China", placed(at(13), "B1"), placed(at(13), "B2")
    )

    assert said == (
        "Bilateral with China moved from Mon 08:00, Bilateral room 1 to Mon 08:00, Bilateral room 2"
    )


def test_a_placement_and_a_removal_say_where() -> None:
    event = summit()

    assert (
        describe(event, "placed", "Pull-aside with China", None, placed(at(14), None))
        == "Pull-aside with China placed on Mon 09:00, no room"
    )
    assert (
        describe(event, "unplaced", "Bilateral with China", placed(at(14), "B1"), None)
        == "Bilateral with China taken out of the schedule (was Mon 09:00, Bilateral room 1)"
    )


def test_a_brief_contact_at_a_session_says_at_which_session_it_is_held() -> None:
    retreat = replace(
        builders.session("retreat", ["RUS", "CHN"], (14, 30), (16, 30)),
        title="Leaders' retreat, session I",
        venue="Lima Convention Center",
    )
    event = replace(summit(), programme=(retreat,))
    contact = MeetingLabel("brief_contact", ("CHN", "RUS"), ("CHN", "RUS"))

    said = describe(
        event,
        "placed",
        "Brief contact with Russia",
        None,
        stored(at(14, 30), at(14, 35), None),
        contact,
    )

    assert said == (
        "Brief contact with Russia placed on Mon 09:30, "
        "at the start of Leaders' retreat, session I, Lima Convention Center"
    )


def test_attendance_notices_say_no_show_offer_and_release() -> None:
    event = summit()
    where = placed(at(14, 0), "B1")  # 09:00 in Lima

    said = [
        describe(event, kind, "Bilateral with Russia", before, after)
        for kind, before, after in (
            ("no_show", where, None),
            ("offered", None, where),
            ("released", where, None),
        )
    ]

    assert said == [
        "Bilateral with Russia marked a no-show (was Mon 09:00, Bilateral room 1)",
        "Bilateral with Russia offered Mon 09:00, Bilateral room 1, in time a no-show freed: "
        "confirm it to keep it",
        "Bilateral with Russia released, not confirmed in time (was Mon 09:00, Bilateral room 1)",
    ]


def test_an_onsite_change_in_the_hour_lived_twice_says_which_of_the_two_it_is() -> None:
    """A session that runs over until 01:30 on the night the clocks go back in Los Angeles:
    the second 01:30 (PST), not the first."""
    event = replace(summit(), timezone="America/Los_Angeles")
    second = datetime(2030, 11, 3, 9, 30, tzinfo=UTC)

    said = onsite_change(event, "closure", second - timedelta(hours=1), second, space_id="B2")
    overrun = onsite_change(event, "overrun", second, second, session_id="gone")

    assert said == "Bilateral room 2 is closed Sun 03 Nov 01:30 PDT–01:30 PST"
    assert overrun == "gone runs over, until Sun 03 Nov 01:30 PST"


def test_an_onsite_change_names_the_principal_who_leaves_in_venue_time() -> None:
    event = summit()

    said = onsite_change(event, "departure", at(20, 0), None, party_id="RUS")

    assert said == "Russia leaves early, at Mon 06 May 15:00"
