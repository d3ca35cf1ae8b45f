"""Private calendar feeds, read as a calendar program reads them: parsed with icalendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar

from sidelines.services.bookings import book, unbook
from sidelines.services.events import domain_event
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow
from tests.web.helpers import LIMA, Lima, lima_api, solve_and_publish, url

# Of the agreed meetings the Lima helpers import, only the Xi-Obama bilateral is the US's.


def issue(api: Lima, party: str, headers: dict[str, str] | None = None) -> str:
    response = api.client.post(url(f"/feeds/{party}"), headers=headers or api.as_(party))
    assert response.status_code == 201, response.text
    feed_url: str = response.json()["url"]
    return feed_url


def read_feed(api: Lima, feed_url: str) -> dict[str, dict[str, Any]]:
    """The feed's VEVENTs by UID: summary, start, sequence and status as a calendar sees them."""
    response = api.client.get(feed_url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {
        str(entry["UID"]): {
            "summary": str(entry["SUMMARY"]),
            "start": entry.decoded("DTSTART"),
            "sequence": int(entry.get("SEQUENCE", 0)),
            "status": str(entry.get("STATUS", "")),
        }
        for entry in calendar.walk("VEVENT")
    }


def us_meeting(api: Lima) -> int:
    meetings = api.client.get(url("/meetings"), headers=api.as_("USA")).json()
    [meeting] = meetings
    meeting_id: int = meeting["id"]
    return meeting_id


def move(database: Database, meeting_id: int, by: timedelta) -> None:
    """Move a placed meeting, as an on-site change does: out of its bookings and back in."""
    with database.writing() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        assert row.starts_at is not None
        start, space = row.starts_at + by, row.space_id
        unbook(session, row)
        session.flush()
        book(session, domain_event(session, LIMA), row, start, space)


def uid(meeting_id: int) -> str:
    return f"meeting-{meeting_id}@{LIMA}.sidelines"


def test_feed_lists_the_delegations_meetings_and_programme_and_nothing_else(
    database: Database,
) -> None:
    api = lima_api(database, parties=("USA", "JPN"))
    solve_and_publish(api)
    meeting_id = us_meeting(api)

    entries = read_feed(api, issue(api, "USA"))

    meetings = {key: value for key, value in entries.items() if key.startswith("meeting-")}
    assert list(meetings) == [uid(meeting_id)]
    # The format as the agenda names it, not its machine value.
    assert (
        meetings[uid(meeting_id)]["summary"] == "Expanded bilateral with People's Republic of China"
    )
    assert meetings[uid(meeting_id)]["status"] == "CONFIRMED"
    programme = [key for key in entries if key.startswith("programme-")]
    assert programme != []
    assert len(programme) + 1 == len(entries)


def test_a_move_keeps_the_uid_and_raises_the_sequence(database: Database) -> None:
    api = lima_api(database, parties=("USA",))
    solve_and_publish(api)
    meeting_id = us_meeting(api)
    feed_url = issue(api, "USA")
    before = read_feed(api, feed_url)[uid(meeting_id)]

    move(database, meeting_id, timedelta(hours=1))

    after = read_feed(api, feed_url)[uid(meeting_id)]
    assert after["start"] == before["start"] + timedelta(hours=1)
    assert after["sequence"] > before["sequence"]


def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(database: Database) -> None:
    api = lima_api(database, parties=("USA",))
    solve_and_publish(api)
    meeting_id = us_meeting(api)
    feed_url = issue(api, "USA")
    before = read_feed(api, feed_url)[uid(meeting_id)]

    cancelled = api.client.post(
        url(f"/meetings/{meeting_id}/status"), json={"status": "cancelled"}, headers=api.as_("USA")
    )

    assert cancelled.status_code == 200, cancelled.text
    after = read_feed(api, feed_url)[uid(meeting_id)]
    assert (after["status"], after["start"]) == ("CANCELLED", before["start"])
    assert after["sequence"] > before["sequence"]


def test_a_revoked_or_rotated_feed_answers_not_found(database: Database) -> None:
    api = lima_api(database, parties=("USA",))
    first = issue(api, "USA")
    second = issue(api, "USA")

    assert api.client.get(first).status_code == 404
    assert api.client.get(second).status_code == 200

    revoked = api.client.delete(url("/feeds/USA"), headers=api.as_("USA"))

    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    gone = api.client.get(second)
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "not_found")
    assert api.client.get("/api/feeds/never-issued.ics").status_code == 404


def test_the_organiser_manages_any_feed_and_another_delegation_none(database: Database) -> None:
    api = lima_api(database, parties=("USA", "JPN"))

    by_organiser = api.client.post(url("/feeds/USA"), headers=api.as_organiser)
    by_japan = api.client.post(url("/feeds/USA"), headers=api.as_("JPN"))
    japan_reads = api.client.get(url("/feeds/USA"), headers=api.as_("JPN"))

    assert by_organiser.status_code == 201
    assert (by_japan.status_code, japan_reads.status_code) == (403, 403)
    state = api.client.get(url("/feeds/USA"), headers=api.as_("USA")).json()
    assert (state["active"], state["url"]) == (True, None)
    assert api.client.get(by_organiser.json()["url"]).status_code == 200


def test_feed_times_are_utc(database: Database) -> None:
    api = lima_api(database, parties=("USA",))
    solve_and_publish(api)

    response = api.client.get(issue(api, "USA"))

    starts = [line for line in response.text.splitlines() if line.startswith("DTSTART")]
    assert starts != []
    assert all(line.endswith("Z") for line in starts)
    assert all(
        isinstance(entry.decoded("DTSTART"), datetime)
        for entry in Calendar.from_ical(response.content).walk("VEVENT")
    )
