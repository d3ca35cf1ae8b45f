"""A delegation's calendar feed says who of it goes to each meeting when it has more than one
person to send."""

from __future__ import annotations

from icalendar import Calendar

from sidelines.services import feeds
from sidelines.storage.db import Database
from tests.services.world import two_people_company


def test_a_company_of_two_reads_in_its_feed_who_goes_to_each_meeting(
    database: Database,
) -> None:
    company = two_people_company(database)
    issued = feeds.issue_feed(database, company, "two-people", "A")

    calendar = Calendar.from_ical(feeds.feed_calendar(database, issued.token))

    assert sorted(
        (str(entry["SUMMARY"]), str(entry["DESCRIPTION"])) for entry in calendar.walk("VEVENT")
    ) == [("Meeting with B", "Ana Ruiz."), ("Meeting with C", "Ben Ode.")]
