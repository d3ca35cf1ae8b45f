"""The schedule read: its entries kept per process and brought up to date from the meetings
written since, its JSON joined from entries rendered once, and its tag for conditional reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sidelines.services.published_entries import Entry
from sidelines.services.schedule_versions import ScheduleView
from sidelines.storage.db import Database
from sidelines.web.schedule_json import schedule_json
from sidelines.web.schemas import SchedulePublic
from tests.web.helpers import lima_api, solve_and_publish, url
from tests.web.test_agenda import move_by_an_hour

NINE = datetime(2016, 11, 19, 9, 0, tzinfo=UTC)


def test_the_joined_json_is_the_schedule_model_s_byte_for_byte() -> None:
    views = [
        ScheduleView(0, None, []),
        ScheduleView(
            3,
            NINE,
            [
                Entry(7, NINE, NINE + timedelta(minutes=30), "T1", ("CHN", "USA")),
                Entry(9, NINE, NINE + timedelta(minutes=10), None, ("RUS",)),
            ],
        ),
    ]

    assert [schedule_json(view) for view in views] == [
        SchedulePublic.model_validate(view).model_dump_json().encode() for view in views
    ]


def test_an_unchanged_schedule_answers_304_to_its_own_tag_only(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    first = api.client.get(url("/schedule"), headers=api.as_organiser)
    etag = first.headers["ETag"]
    again = api.client.get(url("/schedule"), headers=api.as_organiser | {"If-None-Match": etag})
    other = api.client.get(url("/schedule"), headers=api.as_organiser | {"If-None-Match": '"x"'})
    usa = api.client.get(url("/schedule"), headers=api.as_("USA") | {"If-None-Match": etag})

    assert first.status_code == 200
    assert first.json()["entries"]  # the published China–US bilateral
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    assert (other.status_code, other.json()) == (200, first.json())
    assert usa.status_code == 200
    assert usa.headers["ETag"] != etag


def test_a_meeting_moved_by_another_process_shows_at_the_next_schedule_read(
    database: Database,
) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    before = api.client.get(url("/schedule"), headers=api.as_organiser)
    entries = {e["meeting_id"]: e for e in before.json()["entries"]}
    meeting_id = min(entries)

    move_by_an_hour(database, meeting_id)
    after = api.client.get(
        url("/schedule"), headers=api.as_organiser | {"If-None-Match": before.headers["ETag"]}
    )

    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    now = {e["meeting_id"]: e for e in after.json()["entries"]}
    hour = timedelta(hours=1)
    moved, was = now.pop(meeting_id), entries.pop(meeting_id)
    assert (
        datetime.fromisoformat(moved["starts_at"])
        == datetime.fromisoformat(was["starts_at"]) + hour
    )
    assert datetime.fromisoformat(moved["ends_at"]) == datetime.fromisoformat(was["ends_at"]) + hour
    assert now == entries
