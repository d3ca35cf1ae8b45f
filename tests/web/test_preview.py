"""The preview of a solve and its publication through the API: only the organiser previews,
publishing names the preview it confirms, a conflict or a changed preview is refused with JSON
that says why, and the notices read in words, each side naming its own counterpart."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, NoticeRow, UserRow
from tests.services import runs
from tests.web.helpers import LIMA, Lima, lima_api, row_counts, solve_and_publish, url


def solved(api: Lima, **choice: Any) -> dict[str, Any]:
    started = api.client.post(
        url("/solves"), json={"time_limit_s": 1, **choice}, headers=api.as_organiser
    )
    assert started.status_code == 202, started.text
    run = started.json()
    deadline = time.monotonic() + 30
    while run["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        run = api.client.get(url(f"/solves/{run['id']}"), headers=api.as_organiser).json()
    assert run["status"] == "done", run
    return run


def preview_of(api: Lima, run_id: int, keep_out: tuple[int, ...] = ()) -> dict[str, Any]:
    answer = api.client.get(
        url(f"/solves/{run_id}/preview"),
        params={"keep_out": list(keep_out)},
        headers=api.as_organiser,
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def publish(api: Lima, run_id: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    answer = api.client.post(url(f"/solves/{run_id}/publish"), json=body, headers=api.as_organiser)
    return answer.status_code, answer.json()


def test_the_preview_of_a_first_solve_adds_its_meetings_and_names_the_delegations(
    database: Database,
) -> None:
    api = lima_api(database)
    run = solved(api)

    shown = preview_of(api, run["id"])

    assert shown["version"] == 0
    assert shown["counts"] == {"added": 3, "moved": 0, "left_out": 0, "delegations": 6}
    assert shown["summary"] == "3 added, 0 moved, 0 left out, notices to 6 delegations"
    assert sorted(item["label"] for item in shown["added"]) == [
        "Conversation at a meal, Australia and Canada",
        "Courtesy call, Japan and Peru",
        "Expanded bilateral, People's Republic of China and United States",
    ]
    assert [d["party_id"] for d in shown["delegations"]] == [
        "AUS",
        "CAN",
        "CHN",
        "JPN",
        "PER",
        "USA",
    ]
    assert shown["totals"]["weight"] == run["result"]["objective"]["weight_scheduled"]
    assert shown["totals"]["weight_change"] is None


def test_only_the_organiser_previews(database: Database) -> None:
    api = lima_api(database)
    run = solved(api)

    answer = api.client.get(url(f"/solves/{run['id']}/preview"), headers=api.as_("USA"))

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (None, "body"),
        ({}, "body.confirm"),
        ({"confirm": ""}, "body.confirm"),
        ({"confirm": "x", "keep_out": ["one"]}, "body.keep_out[0]"),
        ({"confirm": "x", "keep_out": [999999]}, "body.keep_out[0]"),
        ({"confirm": "x", "later": True}, "body.later"),
    ],
)
def test_a_publication_without_a_valid_confirmation_is_refused_naming_the_field(
    database: Database, body: dict[str, Any] | None, field: str
) -> None:
    api = lima_api(database)
    run = solved(api)
    before = row_counts(database)

    answer = api.client.post(
        url(f"/solves/{run['id']}/publish"), json=body, headers=api.as_organiser
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field
    assert row_counts(database) == before


def test_a_confirmation_of_another_preview_is_refused_with_the_current_one(
    database: Database,
) -> None:
    api = lima_api(database)
    run = solved(api)
    shown = preview_of(api, run["id"])
    before = row_counts(database)

    status, body = publish(api, run["id"], {"confirm": "0123456789abcdef"})

    assert status == 409
    assert body["error"]["code"] == "preview_changed"
    assert body["error"]["preview"] == {
        "digest": shown["digest"],
        "added": 3,
        "moved": 0,
        "left_out": 0,
        "delegations": 6,
    }
    assert row_counts(database) == before


def notices(api: Lima, party: str) -> list[str]:
    answer = api.client.get(url("/notices"), headers=api.as_(party))
    assert answer.status_code == 200
    return [notice["summary"] for notice in answer.json()]


def test_publishing_the_preview_sends_its_notices_each_naming_the_sides_counterpart(
    database: Database,
) -> None:
    api = lima_api(database, parties=("CHN", "USA", "JPN"))
    run = solved(api)
    shown = preview_of(api, run["id"])

    status, published = publish(api, run["id"], {"confirm": shown["digest"]})

    assert (status, published["version"]) == (200, 1)
    with database.reading() as session:
        sent = sorted((n.meeting_id, n.party_id) for n in session.scalars(select(NoticeRow)))
    assert sent == sorted(
        (item["meeting_id"], party) for item in shown["added"] for party in item["delegations"]
    )
    place = r"placed on (Sat|Sun) \d\d:\d\d, .+"
    [usa] = notices(api, "USA")
    [china] = notices(api, "CHN")
    [japan] = notices(api, "JPN")
    assert re.fullmatch(f"Expanded bilateral with People's Republic of China {place}", usa)
    assert re.fullmatch(f"Expanded bilateral with United States {place}", china)
    assert re.fullmatch(f"Courtesy call with Peru {place}", japan)


def test_a_re_solve_with_keep_leaves_the_published_schedule_as_it_is(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    run = solved(api, stability="keep")
    shown = preview_of(api, run["id"])

    assert run["result"]["stability"] == {
        "mode": "keep",
        "max_moves": None,
        "published_meetings": 3,
    }
    assert run["result"]["moved"] == []
    assert shown["summary"] == "0 added, 0 moved, 0 left out, notices to 0 delegations"
    assert shown["totals"]["moves_change"] == 0


def test_a_re_solve_is_minimal_by_default(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    run = solved(api, max_moves="100%")

    assert run["result"]["stability"] == {
        "mode": "minimal",
        "max_moves": 3,
        "published_meetings": 3,
    }


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"stability": "sometimes"}, "body.stability"),
        ({"max_moves": "lots"}, "body.max_moves"),
        ({"max_moves": -2}, "body.max_moves"),
        ({"stability": "keep", "max_moves": 1}, "body.max_moves"),
    ],
)
def test_a_bad_stability_choice_is_refused_naming_the_field(
    database: Database, choice: dict[str, Any], field: str
) -> None:
    api = lima_api(database)
    before = row_counts(database)

    answer = api.client.post(
        url("/solves"), json={"time_limit_s": 1, **choice}, headers=api.as_organiser
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field
    assert row_counts(database) == before


def test_keeping_out_a_move_that_conflicts_is_refused_with_the_rules_and_writes_nothing(
    database: Database,
) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    with database.reading() as session:
        placed: dict[int, tuple[datetime, str | None]] = {}
        for row in session.scalars(select(MeetingRow).where(MeetingRow.starts_at.is_not(None))):
            assert row.starts_at is not None
            placed[row.id] = (row.starts_at, row.space_id)
        china_us = session.scalars(
            select(MeetingRow.id).where(MeetingRow.format == "bilateral_expanded")
        ).one()
        japan_peru = session.scalars(
            select(MeetingRow.id).where(MeetingRow.format == "courtesy_call")
        ).one()
        organiser = session.scalars(select(UserRow.id).where(UserRow.username == "protocol")).one()
    # Japan-Peru takes the China-US bilateral's place, which moves: keeping the bilateral where
    # it was puts both in one room at once.
    moved = {**placed, japan_peru: placed[china_us], china_us: placed[japan_peru]}
    run_id = runs.finished_run(database, LIMA, organiser, moved)
    shown = preview_of(api, run_id, keep_out=(china_us,))
    before = row_counts(database)

    status, body = publish(api, run_id, {"confirm": shown["digest"], "keep_out": [china_us]})

    assert status == 409
    assert body["error"]["code"] == "rules_broken"
    rules = {rule["rule"] for rule in body["error"]["rules"]}
    assert "space_not_double_booked" in rules
    assert rules == {rule["rule"] for rule in shown["conflicts"]}
    assert row_counts(database) == before
