"""``/onsite-changes``: the organiser reports an earlier departure, an overrun or a closed room
at Lima; the schedule absorbs it at once. Delegations are refused, the public is asked to log
in, and a bad report is refused naming its field, with nothing written."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from sidelines.storage.db import Database
from sidelines.storage.tables import AuditRow, NoticeRow, OnsiteChangeRow, ScheduleVersionRow
from sidelines.web.pages.session import SESSION_COOKIE
from tests.web.helpers import Lima, lima, lima_api, row_counts, solve_and_publish, url

WRITTEN = (OnsiteChangeRow, AuditRow, ScheduleVersionRow, NoticeRow)
DEPARTURE = {"principal_id": "obama", "leaves_at": "2016-11-20T17:00:00-05:00"}


def entry_of(schedule: dict[str, Any], *parties: str) -> dict[str, Any]:
    [entry] = [e for e in schedule["entries"] if e["parties"] == list(parties)]
    return entry


def placement(values: list[Any]) -> tuple[datetime, datetime, str | None]:
    """``[starts_at, ends_at, space_id]`` with its instants read, whatever their spelling."""
    start, end, space = values
    return datetime.fromisoformat(start), datetime.fromisoformat(end), space


def report(api: Lima, kind: str, body: Any, headers: dict[str, str]) -> Any:
    return api.client.post(url(f"/onsite-changes/{kind}"), json=body, headers=headers)


def test_a_closed_room_moves_its_meeting_and_the_answer_says_where(database: Database) -> None:
    api = lima_api(database)
    xi_obama = entry_of(solve_and_publish(api), "CHN", "USA")
    room, start, end = xi_obama["space_id"], xi_obama["starts_at"], xi_obama["ends_at"]

    response = report(
        api, "closures", {"space_id": room, "start": start, "end": end}, api.as_organiser
    )

    assert response.status_code == 201, response.text
    body = response.json()
    change = body["change"]
    assert (change["kind"], change["space_id"], change["version"], body["version"]) == (
        "closure",
        room,
        2,
        2,
    )
    assert body["unplaced"] == []
    [moved] = body["moved"]
    assert (moved["meeting_id"], placement(moved["before"])) == (
        xi_obama["meeting_id"],
        placement([start, end, room]),
    )
    assert moved["after"] != moved["before"]
    now_at = entry_of(
        api.client.get(url("/schedule"), headers=api.as_organiser).json(), "CHN", "USA"
    )
    assert placement([now_at["starts_at"], now_at["ends_at"], now_at["space_id"]]) == placement(
        moved["after"]
    )
    usa = api.client.get(url("/notices"), headers=api.as_("USA")).json()
    assert [(n["meeting_id"], n["kind"]) for n in usa if n["version"] == 2] == [
        (xi_obama["meeting_id"], "moved")
    ]
    listed = api.client.get(url("/onsite-changes"), headers=api.as_organiser)
    assert listed.status_code == 200
    assert listed.json() == [change]


def test_an_overrun_is_recorded_from_the_programmed_end(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    response = report(
        api, "overruns", {"session_id": "retreat-1", "extra_min": 15}, api.as_organiser
    )

    assert response.status_code == 201, response.text
    change = response.json()["change"]
    # The first retreat ends at 11:45 in Lima (UTC-5).
    assert (change["kind"], change["session_id"], change["starts_at"], change["ends_at"]) == (
        "overrun",
        "retreat-1",
        "2016-11-20T16:45:00Z",
        "2016-11-20T17:00:00Z",
    )


def test_delegations_are_refused_and_the_public_must_log_in(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    before = row_counts(database, *WRITTEN)

    as_usa = report(api, "departures", DEPARTURE, api.as_("USA"))
    as_public = report(api, "departures", DEPARTURE, {})
    list_as_usa = api.client.get(url("/onsite-changes"), headers=api.as_("USA"))
    list_as_public = api.client.get(url("/onsite-changes"))

    assert [as_usa.status_code, list_as_usa.status_code] == [403, 403]
    assert as_usa.json()["error"]["code"] == "forbidden"
    assert [as_public.status_code, list_as_public.status_code] == [401, 401]
    assert row_counts(database, *WRITTEN) == before


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("departures", {**DEPARTURE, "leaves_at": "2016-11-20T17:00:00"}, "body.leaves_at"),
        ("departures", {**DEPARTURE, "principal_id": "nobody"}, "body.principal_id"),
        ("departures", {**DEPARTURE, "leaves_at": "2016-11-25T17:00:00Z"}, "body.leaves_at"),
        ("overruns", {"session_id": "karaoke", "extra_min": 15}, "body.session_id"),
        ("overruns", {"session_id": "retreat-1", "extra_min": 0}, "body.extra_min"),
        (
            "closures",
            {
                "space_id": "lcc-bilateral-1",
                "start": "2016-11-20T12:00:00Z",
                "end": "2016-11-20T11:00:00Z",
            },
            "body.end",
        ),
        (
            "closures",
            {"space_id": "ballroom", "start": "2016-11-20T12:00Z", "end": "2016-11-20T13:00Z"},
            "body.space_id",
        ),
    ],
)
def test_a_bad_report_is_refused_naming_its_field_and_writes_nothing(
    database: Database, kind: str, body: dict[str, Any], field: str
) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    before = row_counts(database, *WRITTEN)

    response = report(api, kind, body, api.as_organiser)

    assert response.status_code == 422, response.text
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (
        "invalid",
        field,
    )
    assert row_counts(database, *WRITTEN) == before


def test_a_retried_report_with_its_idempotency_key_is_answered_once(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    headers = {**api.as_organiser, "Idempotency-Key": "departure-1"}

    first = report(api, "departures", DEPARTURE, headers)
    again = report(api, "departures", DEPARTURE, headers)
    other = report(api, "departures", {**DEPARTURE, "principal_id": "abe"}, headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert row_counts(database, OnsiteChangeRow) == {"onsite_changes": 1}


def _grid_row(html: str, at: str) -> str:
    """The grid's row of the step starting ``at`` (its ``datetime``), up to the next row."""
    start = html.index(f'<time datetime="{at}">')
    return html[start : html.index("</tr>", start)]


def test_the_grid_shows_a_room_closed_on_site_as_closed_and_an_overrun_as_running_on(
    database: Database,
) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    closed = {
        "space_id": "lcc-bilateral-5",
        "start": "2016-11-20T15:00:00-05:00",
        "end": "2016-11-20T16:00:00-05:00",
    }
    assert report(api, "closures", closed, api.as_organiser).status_code == 201
    overrun = {"session_id": "ceo-summit", "extra_min": 30}
    assert report(api, "overruns", overrun, api.as_organiser).status_code == 201
    api.client.cookies.set(SESSION_COOKIE, api.organiser)

    sunday = api.client.get("/events/apec-2016-lima/grid?day=2016-11-20").text
    saturday = api.client.get("/events/apec-2016-lima/grid?day=2016-11-19").text

    spaces = len(lima().spaces)
    during, after = (
        re.findall(r'class="cell (\w+)"', _grid_row(sunday, f"2016-11-20T{hour}:00:00-05:00"))
        for hour in (15, 16)
    )
    # Room 5 is the fifth space: closed while the closure lasts, free again after it.
    assert (during[4], after[4]) == ("closed", "free")
    assert during.count("free") == after.count("free") - 1
    assert len(during) == spaces + 1
    # The CEO Summit ran 30 minutes over its programmed noon: the grid holds it to 12:30.
    for hour, held in (("12:00", True), ("12:15", True), ("12:30", False)):
        row = _grid_row(saturday, f"2016-11-19T{hour}:00-05:00")
        assert ("APEC CEO Summit: leaders&#39; addresses continues" in row) is held, hour
