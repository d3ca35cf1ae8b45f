"""A delegation's agenda: kept per process until a meeting of the event changes, tagged for
conditional reads, and never stale when another process writes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select, update

from sidelines.services.events import domain_event
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow
from sidelines.web.app import create_app
from sidelines.web.pages.session import SESSION_COOKIE
from tests.services.world import two_people_company
from tests.web.helpers import (
    LIMA,
    TestClient,
    answer,
    issue_token,
    lima_api,
    post_request,
    solve_and_publish,
    url,
)


def meeting_times(items: list[dict[str, str]]) -> dict[int, str]:
    return {item["meeting_id"]: item["starts_at"] for item in items if item["kind"] == "meeting"}


def test_an_unchanged_agenda_answers_304_to_its_own_tag_only(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    first = api.client.get(url("/agenda"), headers=api.as_("USA"))
    etag = first.headers["ETag"]
    again = api.client.get(url("/agenda"), headers=api.as_("USA") | {"If-None-Match": etag})
    other = api.client.get(url("/agenda"), headers=api.as_("USA") | {"If-None-Match": '"x-1"'})
    russian = api.client.get(url("/agenda"), headers=api.as_("RUS") | {"If-None-Match": etag})

    assert first.status_code == 200
    assert meeting_times(first.json())  # the published China–US bilateral
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    assert (other.status_code, other.json()) == (200, first.json())
    assert russian.status_code == 200
    assert russian.headers["ETag"] != etag


def move_by_an_hour(database: Database, meeting_id: int) -> None:
    """Move a meeting from another worker process: its own engine on the same database,
    bypassing this one's caches."""
    elsewhere = Database(database.url)
    try:
        with elsewhere.writing() as session:
            row = session.scalars(select(MeetingRow).where(MeetingRow.id == meeting_id)).one()
            assert row.starts_at is not None
            assert row.ends_at is not None
            session.execute(
                update(MeetingRow)
                .where(MeetingRow.id == meeting_id)
                .values(
                    starts_at=row.starts_at + timedelta(hours=1),
                    ends_at=row.ends_at + timedelta(hours=1),
                )
            )
    finally:
        elsewhere.dispose()


def test_a_meeting_moved_by_another_process_shows_at_the_next_read(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    before = api.client.get(url("/agenda"), headers=api.as_("USA"))
    [(meeting_id, starts_at)] = meeting_times(before.json()).items()

    move_by_an_hour(database, meeting_id)
    after = api.client.get(
        url("/agenda"), headers=api.as_("USA") | {"If-None-Match": before.headers["ETag"]}
    )

    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    moved = datetime.fromisoformat(meeting_times(after.json())[meeting_id])
    assert moved == datetime.fromisoformat(starts_at) + timedelta(hours=1)


def test_a_third_delegation_s_tag_ignores_other_delegations_meetings(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA", "JPN"))
    solve_and_publish(api)
    usa = api.client.get(url("/agenda"), headers=api.as_("USA"))
    russia = api.client.get(url("/agenda"), headers=api.as_("RUS"))
    [meeting_id] = meeting_times(usa.json())

    move_by_an_hour(database, meeting_id)  # the US and China's meeting, none of Russia's
    again = api.client.get(
        url("/agenda"), headers=api.as_("RUS") | {"If-None-Match": russia.headers["ETag"]}
    )

    assert (again.status_code, again.headers["ETag"]) == (304, russia.headers["ETag"])


def test_a_room_meeting_reads_in_words_with_its_space_by_name_and_id(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    [item] = [
        i
        for i in api.client.get(url("/agenda"), headers=api.as_("USA")).json()
        if i["kind"] == "meeting"
    ]

    with database.reading() as session:
        spaces = {space.id: space.name for space in domain_event(session, LIMA).spaces}
    assert item["title"] == "Expanded bilateral with People's Republic of China"
    assert item["space_id"] in spaces
    assert item["where"] == spaces[item["space_id"]] != item["space_id"]


def test_a_trilateral_held_off_the_schedule_shows_its_sides_and_the_times_it_was_held(
    database: Database,
) -> None:
    api = lima_api(database)
    asked = post_request(api, "RUS", "USA", "JPN", proposal={"format": "trilateral"})
    for side in ("USA", "JPN"):
        assert answer(api, side, asked["id"], "accept")[0] == 200
    [meeting] = [
        m
        for m in api.client.get(url("/meetings"), headers=api.as_("RUS")).json()
        if m["format"] == "trilateral"
    ]
    held = {
        "status": "held",
        "started_at": "2016-11-20T15:00:00-05:00",
        "ended_at": "2016-11-20T15:40:00-05:00",
    }
    recorded = api.client.post(
        url(f"/meetings/{meeting['id']}/outcome"), json=held, headers=api.as_("RUS")
    )
    assert recorded.status_code == 200, recorded.text
    api.client.cookies.set(SESSION_COOKIE, api.tokens["JPN"])

    page = api.client.get(f"/events/{LIMA}/meetings/{meeting['id']}").text

    assert "<h1>Trilateral: Japan, Russia and United States</h1>" in page
    assert "not placed yet" not in page
    assert "Sun 20 Nov 2016 15:00" in page
    assert "–15:40" in page
    assert "When held" in page
    # Made public by a side, it reads the same on the public page.
    readout = {
        "meeting_id": meeting["id"],
        "kind": "readout",
        "text": "The three leaders discussed trade.",
        "said_at": "2016-11-20T21:00:00Z",
        "visibility": "public",
    }
    said = api.client.post(url("/statements"), json=readout, headers=api.as_("RUS"))
    assert said.status_code == 201, said.text
    api.client.cookies.clear()
    public = api.client.get(f"/events/{LIMA}/public").text
    assert "<h3>Trilateral: Japan, Russia and United States</h3>" in public


def test_the_agenda_page_of_a_company_of_two_names_who_goes_to_each_meeting(
    database: Database,
) -> None:
    two_people_company(database)
    client = TestClient(create_app(database))
    client.cookies.set(SESSION_COOKIE, issue_token(database, "a-desk", "A", "two-people"))

    page = client.get("/events/two-people/agenda").text

    assert sorted(re.findall(r"<span class=\"who\">([^<]*)</span>", page)) == [
        "Ana Ruiz",
        "Ben Ode",
    ]
