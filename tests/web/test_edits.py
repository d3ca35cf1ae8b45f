"""``/meetings/{id}/move`` and the other edits at Lima: the organiser moves, locks and unplaces
meetings of the published schedule; a place that breaks a rule is refused (409) with the rule
named and nothing written; a retried edit is answered once; delegations are refused (403) and
the public asked to log in (401)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditRow,
    NoticeRow,
    PrincipalBookingRow,
    ScheduleVersionRow,
    SpaceBookingRow,
)
from tests.web.helpers import Lima, lima_api, row_counts, solve_and_publish, url

WRITTEN = (PrincipalBookingRow, SpaceBookingRow, ScheduleVersionRow, NoticeRow, AuditRow)


def entry_of(schedule: dict[str, Any], *parties: str) -> dict[str, Any]:
    [entry] = [e for e in schedule["entries"] if e["parties"] == list(parties)]
    return entry


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def placement(values: list[Any]) -> tuple[datetime, datetime, str | None]:
    """``[starts_at, ends_at, space_id]`` with its instants read, whatever their spelling."""
    start, end, space = values
    return instant(start), instant(end), space


def places_of(api: Lima, meeting_id: int) -> list[dict[str, Any]]:
    response = api.client.get(url(f"/meetings/{meeting_id}/places"), headers=api.as_organiser)
    assert response.status_code == 200, response.text
    places: list[dict[str, Any]] = response.json()["places"]
    return places


def edit(api: Lima, meeting_id: int, action: str, body: Any = None, **headers: str) -> Any:
    return api.client.post(
        url(f"/meetings/{meeting_id}/{action}"),
        json=body,
        headers={**api.as_organiser, **headers},
    )


def test_the_organiser_moves_a_meeting_to_a_place_where_it_fits(database: Database) -> None:
    api = lima_api(database)
    xi_obama = entry_of(solve_and_publish(api), "CHN", "USA")
    places = places_of(api, xi_obama["meeting_id"])
    [current] = [p for p in places if p["current"]]
    assert (instant(current["starts_at"]), current["space_id"], current["fits"]) == (
        instant(xi_obama["starts_at"]),
        xi_obama["space_id"],
        True,
    )
    there = next(p for p in places if p["fits"] and p["space_id"] and not p["current"])

    response = edit(
        api,
        xi_obama["meeting_id"],
        "move",
        {"starts_at": there["starts_at"], "space_id": there["space_id"], "override": True},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["edit"], body["version"], body["locked"]) == ("move", 2, False)
    [change] = body["changes"]
    assert placement(change["after"]) == placement(
        [there["starts_at"], there["ends_at"], there["space_id"]]
    )
    seen = api.client.get(url("/schedule"), headers=api.as_("USA")).json()
    assert seen["version"] == 2
    assert instant(entry_of(seen, "CHN", "USA")["starts_at"]) == instant(there["starts_at"])
    notices = api.client.get(url("/notices"), headers=api.as_("USA")).json()
    assert [(n["meeting_id"], n["kind"]) for n in notices if n["version"] == 2] == [
        (xi_obama["meeting_id"], "moved")
    ]
    assert api.client.get(url("/notices"), headers=api.as_("RUS")).json() == []


def test_a_move_to_a_place_that_breaks_a_rule_is_refused_naming_it(database: Database) -> None:
    api = lima_api(database)
    xi_obama = entry_of(solve_and_publish(api), "CHN", "USA")
    wrong = next(p for p in places_of(api, xi_obama["meeting_id"]) if not p["fits"])
    before = row_counts(database, *WRITTEN)

    response = edit(
        api,
        xi_obama["meeting_id"],
        "move",
        {"starts_at": wrong["starts_at"], "space_id": wrong["space_id"], "push": True},
    )

    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "rule_broken"
    assert wrong["rule"] in [v["rule"] for v in error["violations"]]
    assert all(v["message"] for v in error["violations"])
    assert row_counts(database, *WRITTEN) == before


def test_a_move_on_an_older_version_of_a_meeting_moved_since_is_refused_with_409(
    database: Database,
) -> None:
    # Two organisers at the grid: the one who saw the meeting before the other moved it is
    # told so, rather than overwriting the other's move unknowingly.
    api = lima_api(database)
    meeting_id = entry_of(solve_and_publish(api), "CHN", "USA")["meeting_id"]
    fitting = [p for p in places_of(api, meeting_id) if p["fits"] and not p["current"]]
    first, second = fitting[0], fitting[len(fitting) // 2]
    moved = edit(
        api,
        meeting_id,
        "move",
        {"starts_at": first["starts_at"], "space_id": first["space_id"], "seen_version": 1},
    )
    before = row_counts(database, *WRITTEN)

    late = edit(
        api,
        meeting_id,
        "move",
        {"starts_at": second["starts_at"], "space_id": second["space_id"], "seen_version": 1},
    )
    late_lock = edit(api, meeting_id, "lock", {"seen_version": 1})
    in_russian = edit(api, meeting_id, "lock", {"seen_version": 1}, **{"Accept-Language": "ru"})

    assert moved.status_code == 200, moved.text
    assert (late.status_code, late.json()) == (
        409,
        {
            "error": {
                "code": "changed_since",
                # The meeting in words (its title); its id beside, for a program.
                "message": "Xi-Obama bilateral changed since version 1; the schedule is at "
                "version 2: look again",
                "field": "",
                "meetings": [meeting_id],
                "version": 2,
            }
        },
    )
    assert (late_lock.status_code, late_lock.json()["error"]["code"]) == (409, "changed_since")
    assert in_russian.json()["error"]["message"] == (
        "После версии 1 изменено: Xi-Obama bilateral. Расписание уже в версии 2: посмотрите ещё раз"
    )
    assert row_counts(database, *WRITTEN) == before
    current = edit(api, meeting_id, "lock", {"seen_version": 2})
    assert (current.status_code, current.json()["locked"]) == (200, True)


def test_a_version_not_yet_published_is_refused_naming_the_field(database: Database) -> None:
    api = lima_api(database)
    meeting_id = entry_of(solve_and_publish(api), "CHN", "USA")["meeting_id"]
    before = row_counts(database, *WRITTEN)

    response = edit(api, meeting_id, "unplace", {"seen_version": 7})

    assert (response.status_code, response.json()["error"]["field"]) == (422, "body.seen_version")
    assert row_counts(database, *WRITTEN) == before


def test_a_retried_edit_with_its_idempotency_key_is_answered_once(database: Database) -> None:
    api = lima_api(database)
    xi_obama = entry_of(solve_and_publish(api), "CHN", "USA")
    meeting_id = xi_obama["meeting_id"]

    first = edit(api, meeting_id, "lock", **{"Idempotency-Key": "lock-1"})
    again = edit(api, meeting_id, "lock", **{"Idempotency-Key": "lock-1"})
    fresh = edit(api, meeting_id, "lock", **{"Idempotency-Key": "lock-2"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (first.json()["locked"], first.json()["version"]) == (True, 2)
    # Without the key, a second lock is a second request: it is locked already.
    assert (fresh.status_code, fresh.json()["error"]["code"]) == (409, "conflict")
    assert row_counts(database, ScheduleVersionRow) == {"schedule_versions": 2}
    places = places_of(api, meeting_id)
    assert {p["rule"] for p in places if not p["current"]} == {"locked_meeting_kept"}


def test_an_unplaced_meeting_waits_and_is_placed_again(database: Database) -> None:
    api = lima_api(database)
    published = solve_and_publish(api)
    xi_obama = entry_of(published, "CHN", "USA")
    abe = entry_of(published, "JPN", "PER")
    meeting_id = abe["meeting_id"]
    required = edit(api, xi_obama["meeting_id"], "unplace")

    out = edit(api, meeting_id, "unplace")
    assert out.status_code == 200, out.text
    back = edit(
        api,
        meeting_id,
        "place",
        {"starts_at": abe["starts_at"], "space_id": abe["space_id"]},
    )

    assert (out.status_code, out.json()["changes"][0]["after"]) == (200, None)
    assert back.status_code == 200, back.text
    assert back.json()["version"] == 3
    seen = api.client.get(url("/schedule"), headers=api.as_("JPN")).json()
    assert instant(entry_of(seen, "JPN", "PER")["starts_at"]) == instant(abe["starts_at"])
    # The Xi-Obama bilateral is required: it cannot wait.
    assert required.status_code == 409
    assert [v["rule"] for v in required.json()["error"]["violations"]] == [
        "required_meeting_scheduled"
    ]


def test_delegations_are_refused_and_the_public_asked_to_log_in(database: Database) -> None:
    api = lima_api(database)
    xi_obama = entry_of(solve_and_publish(api), "CHN", "USA")
    meeting_id = xi_obama["meeting_id"]
    move = {"starts_at": xi_obama["starts_at"], "space_id": xi_obama["space_id"]}
    before = row_counts(database, *WRITTEN)

    for action, body in (("move", move), ("lock", None), ("unplace", None)):
        as_usa = api.client.post(
            url(f"/meetings/{meeting_id}/{action}"), json=body, headers=api.as_("USA")
        )
        public = api.client.post(url(f"/meetings/{meeting_id}/{action}"), json=body)
        assert (as_usa.status_code, public.status_code) == (403, 401)
    places = api.client.get(url(f"/meetings/{meeting_id}/places"), headers=api.as_("USA"))
    assert places.status_code == 403
    assert row_counts(database, *WRITTEN) == before


def test_a_start_without_a_time_zone_is_refused_naming_the_field(database: Database) -> None:
    api = lima_api(database)
    xi_obama = entry_of(solve_and_publish(api), "CHN", "USA")

    response = edit(
        api, xi_obama["meeting_id"], "move", {"starts_at": "2016-11-20T10:00", "space_id": None}
    )
    off_grid = edit(
        api,
        xi_obama["meeting_id"],
        "move",
        {"starts_at": "2016-11-20T10:07:00-05:00", "space_id": xi_obama["space_id"]},
    )

    assert (response.status_code, response.json()["error"]["field"]) == (422, "body.starts_at")
    assert (off_grid.status_code, off_grid.json()["error"]["field"]) == (422, "body.starts_at")
