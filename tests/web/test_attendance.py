"""Check-in, the door scan, the organiser's sweep, request limits and the results report
through the API: the right answers for the right readers, clear 4xx errors writing nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from sidelines.services import attendance
from sidelines.storage.db import Database
from sidelines.storage.tables import CheckInRow, MeetingPrincipalRow, MeetingRow, RequestRow
from tests.web.helpers import LIMA, Lima, lima_api, post_request, row_counts, solve_and_publish, url


def _xi_obama(database: Database) -> tuple[int, datetime]:
    with database.reading() as session:
        meeting_id = session.scalar(
            select(MeetingPrincipalRow.meeting_id).where(MeetingPrincipalRow.party_id == "CHN")
        )
        assert meeting_id is not None
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        assert row.starts_at is not None
        return meeting_id, row.starts_at


def _published(database: Database, monkeypatch: pytest.MonkeyPatch) -> tuple[Lima, int, datetime]:
    """The Lima event published, with the API's clock at the start of the US-China meeting."""
    api = lima_api(database, parties=("RUS", "USA", "JPN", "CHN"))
    solve_and_publish(api)
    meeting_id, start = _xi_obama(database)
    monkeypatch.setattr("sidelines.web.routes.attendance.now", lambda: start)
    return api, meeting_id, start


def test_a_side_checks_in_and_the_other_side_reads_it(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, meeting_id, start = _published(database, monkeypatch)

    checked = api.client.post(url(f"/meetings/{meeting_id}/check-in"), headers=api.as_("USA"))
    read = api.client.get(url(f"/meetings/{meeting_id}/attendance"), headers=api.as_("CHN"))

    assert checked.status_code == 200, checked.text
    body = read.json()
    assert [(c["party"], c["at"]) for c in body["checked_in"]] == [
        ("USA", start.isoformat().replace("+00:00", "Z"))
    ]
    assert (body["code"], body["sides"], body["absent"], body["refill"]) == (
        attendance.door_code(LIMA, meeting_id),
        ["CHN", "USA"],
        [],
        None,
    )


def test_the_organiser_scans_the_door_code(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, meeting_id, _ = _published(database, monkeypatch)
    code = attendance.door_code(LIMA, meeting_id)

    scanned = api.client.post(
        url("/check-ins/scan"), json={"code": code, "party": "CHN"}, headers=api.as_organiser
    )
    bad = api.client.post(
        url("/check-ins/scan"),
        json={"code": f"{meeting_id}-0000", "party": "CHN"},
        headers=api.as_organiser,
    )
    by_a_delegation = api.client.post(
        url("/check-ins/scan"), json={"code": code, "party": "USA"}, headers=api.as_("USA")
    )

    assert scanned.status_code == 200, scanned.text
    assert [c["party"] for c in scanned.json()["checked_in"]] == ["CHN"]
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "body.code")
    assert by_a_delegation.status_code == 403
    assert row_counts(database, CheckInRow) == {"check_ins": 1}


def test_check_in_refusals_name_the_field_and_write_nothing(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, meeting_id, start = _published(database, monkeypatch)

    third = api.client.post(url(f"/meetings/{meeting_id}/check-in"), headers=api.as_("RUS"))
    no_side = api.client.post(
        url(f"/meetings/{meeting_id}/check-in"), json={}, headers=api.as_organiser
    )
    monkeypatch.setattr("sidelines.web.routes.attendance.now", lambda: start - timedelta(hours=3))
    early = api.client.post(url(f"/meetings/{meeting_id}/check-in"), headers=api.as_("USA"))

    assert third.status_code == 404
    assert (no_side.status_code, no_side.json()["error"]["field"]) == (422, "body.party")
    assert (early.status_code, early.json()["error"]["code"]) == (409, "conflict")
    assert row_counts(database, CheckInRow) == {"check_ins": 0}


def test_the_sweep_is_the_organisers_and_reports_what_it_did(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, meeting_id, start = _published(database, monkeypatch)
    api.client.post(url(f"/meetings/{meeting_id}/check-in"), headers=api.as_("USA"))
    monkeypatch.setattr(
        "sidelines.web.routes.attendance.now", lambda: start + timedelta(minutes=10)
    )

    refused = api.client.post(url("/attendance/sweep"), headers=api.as_("USA"))
    swept = api.client.post(url("/attendance/sweep"), headers=api.as_organiser)
    read = api.client.get(url(f"/meetings/{meeting_id}/attendance"), headers=api.as_("USA"))

    assert refused.status_code == 403
    assert swept.status_code == 200, swept.text
    assert (swept.json()["no_shows"], swept.json()["released"]) == ([meeting_id], [])
    assert (read.json()["status"], read.json()["absent"]) == ("not_held", ["CHN"])
    notices = api.client.get(url("/notices"), headers=api.as_("CHN")).json()
    assert notices[-1]["kind"] == "no_show"


def test_a_second_open_request_is_refused_with_the_first_ones_id(database: Database) -> None:
    api = lima_api(database)
    first = post_request(api, "RUS", "USA")

    second = api.client.post(
        url("/requests"),
        json={"invitees": ["USA"], "proposal": {"topics": ["trade"]}},
        headers=api.as_("RUS"),
    )

    assert second.status_code == 409
    error = second.json()["error"]
    assert (error["code"], error["request_id"], error["field"]) == (
        "duplicate_request",
        first["id"],
        "body.invitees[0]",
    )
    assert row_counts(database, RequestRow) == {"meeting_requests": 1}


def test_the_results_read_as_json_and_csv_for_each_reader(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    own = api.client.get(url("/results"), headers=api.as_("USA"))
    everyone = api.client.get(url("/results"), headers=api.as_organiser)
    csv = api.client.get(url("/results.csv"), headers=api.as_("USA"))
    public = api.client.get(url("/results"))

    assert [line["party"] for line in own.json()["lines"]] == ["USA"]
    assert own.json()["lines"][0]["priority_asked"] == 0
    organiser_lines = everyone.json()["lines"]
    assert len(organiser_lines) == 21
    assert {line["requested"] for line in organiser_lines} == {None}
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.text.splitlines()[1].startswith("USA,United States,0,0,0,1,1,0,")
    assert public.status_code == 401
