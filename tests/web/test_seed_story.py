"""The seed story through the API (DESIGN.md §8): Putin and Obama at APEC 2016 in Lima.

Before the summit the Kremlin says that no separate talks are planned, but that they are
possible: a public statement about the pair, made when no meeting exists. On arrival both sides
mark themselves open to contact, Russia asks at the venue for a brief contact at the start of
the retreat, the US accepts, and the meeting goes into the published schedule at the retreat's
opening, 09:30 Lima time, held at the session in no room: both agendas and both calendar feeds
say so. It is held. Japan, a third delegation, and the organiser (who sees bookings only at
Lima) learn nothing of the negotiation. Then the Kremlin's press secretary confirms the
conversation (reported by Reuters and RIA Novosti), which puts it on the public record, and
asked about the pair the system recalls their previous meeting, in Hangzhou.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from sidelines.services import accounts, events
from sidelines.services.actors import Role
from sidelines.storage.db import Database
from sidelines.web.app import create_app
from tests.web.helpers import LIMA, Lima, TestClient, lima, solve_and_publish, url

PASSWORDS = {
    "protocol": "peru-protocol-2016",
    "russia": "kremlin-lima-2016",
    "usa": "white-house-lima",
    "japan": "kantei-lima-2016",
}
PARTIES = {"russia": "RUS", "usa": "USA", "japan": "JPN"}
HISTORY_FILE = Path(__file__).resolve().parents[2] / "examples" / "history-russia-usa.csv"
PESKOV = "At the beginning of the retreat (working session) greeted each other and briefly spoke."
# Before the summit (the seed article: "Prior to the summit, Peskov explained ..."; the day is
# not reported, any day before the summit tells the story).
NOT_PLANNED = (
    "A separate meeting of the two presidents is not planned, but they can meet during the "
    "event: one way or another they will cross paths during the summit."
)
# "At the start of the retreat": the first minutes of the retreat's first session, which opens
# at 09:30 Lima time (examples/apec-2016-lima.yaml).
RETREAT_OPENING = {"start": "2016-11-20T09:30:00-05:00", "end": "2016-11-20T09:45:00-05:00"}
AT_THE_RETREAT = "At the start of Leaders' retreat, session I, Lima Convention Center"


def log_in(client: TestClient, username: str) -> dict[str, Any]:
    response = client.post(
        "/api/auth/token", json={"username": username, "password": PASSWORDS[username]}
    )
    assert response.status_code == 201, response.text
    token: dict[str, Any] = response.json()
    return token


def what_japan_sees(api: Lima) -> dict[str, Any]:
    """Everything Japan's delegation can ask the API about its own business and the event."""
    headers = api.as_("JPN")
    seen: dict[str, Any] = {
        path: api.client.get(url(path), headers=headers).json()
        for path in (
            "/requests",
            "/meetings",
            "/audit",
            "/notices",
            "/contacts",
            "/interests",
            "/schedule",
        )
    }
    return seen


@pytest.mark.slow  # seconds on its own, idle: scripts/test runs it
def test_seed_story_brief_contact_is_agreed_placed_held_confirmed_and_remembered(
    database: Database,
) -> None:
    client = TestClient(create_app(database))
    accounts.create_user(database, "protocol", PASSWORDS["protocol"], Role.ORGANISER)
    organiser_login = log_in(client, "protocol")
    organiser = accounts.actor_for_token(database, organiser_login["token"])
    events.import_event(database, organiser, lima())
    for username, party in PARTIES.items():
        accounts.create_user(
            database, username, PASSWORDS[username], Role.DELEGATE, event_id=LIMA, party_id=party
        )
    logins = {party: log_in(client, username) for username, party in PARTIES.items()}
    api = Lima(
        database,
        client,
        organiser_login["token"],
        {party: login["token"] for party, login in logins.items()},
    )
    rus, usa, jpn = api.as_("RUS"), api.as_("USA"), api.as_("JPN")

    # Logins say who acts for whom.
    assert organiser_login["role"] == "organiser"
    assert [(t["role"], t["event_id"], t["party_id"]) for t in logins.values()] == [
        ("delegate", LIMA, "RUS"),
        ("delegate", LIMA, "USA"),
        ("delegate", LIMA, "JPN"),
    ]

    # The organiser schedules the meetings agreed beforehand and publishes them.
    published = solve_and_publish(api, time_limit_s=2)
    assert published["version"] == 1
    japan_before = what_japan_sees(api)

    # Before the summit the Kremlin says no separate talks are planned, but that they are
    # possible: a statement about the pair, on its own, as no meeting exists.
    planned = client.post(
        url("/statements"),
        json={
            "about_parties": ["RUS", "USA"],
            "kind": "announcement",
            "text": NOT_PLANNED,
            "said_at": "2016-11-17T12:00:00+03:00",
            "speaker": "Dmitry Peskov, Press Secretary of the President of Russia",
            "sources": [{"name": "Kremlin press service", "kind": "official"}],
            "visibility": "public",
        },
        headers=rus,
    )
    assert planned.status_code == 201, planned.text
    not_planned = planned.json()
    assert (
        not_planned["meeting_id"],
        not_planned["encounter_id"],
        not_planned["about_parties"],
        not_planned["kind"],
        not_planned["said_at"],
    ) == (None, None, ["RUS", "USA"], "announcement", "2016-11-17T09:00:00Z")
    assert [s["name"] for s in not_planned["sources"]] == ["Kremlin press service"]
    # It is public: the press, Japan and the public read it before anything was agreed.
    public = client.get(f"/api/public/events/{LIMA}").json()
    assert (public["items"], public["statements"]) == ([], [not_planned])
    about_pair = client.get(url("/statements") + "?about=USA&about=RUS", headers=jpn)
    assert about_pair.json() == [not_planned]

    # On arrival: open to contact, mutual only once both sides have said so.
    marked = client.post(url("/contacts"), json={"party": "USA"}, headers=rus)
    assert (marked.status_code, marked.json()) == (201, {"marked": ["USA"], "mutual": []})
    assert client.get(url("/contacts"), headers=usa).json() == {"marked": [], "mutual": []}
    marked = client.post(url("/contacts"), json={"party": "RUS"}, headers=usa)
    assert (marked.status_code, marked.json()) == (201, {"marked": ["RUS"], "mutual": ["RUS"]})
    assert client.get(url("/contacts"), headers=rus).json() == {
        "marked": ["USA"],
        "mutual": ["USA"],
    }

    # Russia asks, at the venue, for a brief contact as the retreat opens.
    asked = client.post(
        url("/requests"),
        json={
            "invitees": ["USA"],
            "proposal": {
                "format": "brief_contact",
                "windows": [RETREAT_OPENING],
                "topics": ["Syria", "Ukraine"],
            },
            "priority": 8,
            "on_site": True,
        },
        headers=rus,
    )
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["state"], request["my_priority"], request["on_site"]) == ("sent", 8, True)

    # The US side sees the request, without Russia's priority, and accepts.
    seen_by_usa = client.get(url(f"/requests/{request['id']}"), headers=usa).json()
    assert (seen_by_usa["state"], seen_by_usa["my_party"], seen_by_usa["my_priority"]) == (
        "sent",
        "USA",
        None,
    )
    assert seen_by_usa["proposals"][0]["topics"] == ["Syria", "Ukraine"]
    accepted = client.post(
        url(f"/requests/{request['id']}/answers"), json={"answer": "accept"}, headers=usa
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    meeting_id = accepted.json()["meeting_id"]

    # Agreed, and placed into the published schedule at once: five minutes at the retreat's
    # opening, 09:30 Lima time (14:30 UTC), in no room: at the session itself.
    meeting = client.get(url(f"/meetings/{meeting_id}"), headers=rus).json()
    assert meeting == {
        "id": meeting_id,
        "event_id": LIMA,
        "status": "scheduled",
        "format": "brief_contact",
        "duration_min": 5,
        "starts_at": "2016-11-20T14:30:00Z",
        "ends_at": "2016-11-20T14:35:00Z",
        "space_id": None,
        "parties": ["RUS", "USA"],
        "principals": ["obama", "putin"],
        "topics": ["Syria", "Ukraine"],
        "request_id": request["id"],
        "place": AT_THE_RETREAT,
    }
    entry = {
        "meeting_id": meeting_id,
        "starts_at": "2016-11-20T14:30:00Z",
        "ends_at": "2016-11-20T14:35:00Z",
        "space_id": None,
        "parties": ["RUS", "USA"],
    }
    assert client.get(url("/schedule"), headers=rus).json()["entries"] == [entry]
    for side in (rus, usa):
        notice = client.get(url("/notices"), headers=side).json()[-1]
        assert (notice["version"], notice["meeting_id"], notice["kind"], notice["after"]) == (
            2,
            meeting_id,
            "placed",
            ["2016-11-20T14:30:00+00:00", "2016-11-20T14:35:00+00:00", None],
        )

    # Both agendas place it at the retreat, just as the retreat itself begins.
    for side, other in ((rus, "United States"), (usa, "Russia")):
        agenda = client.get(url("/agenda"), headers=side).json()
        at_retreat = [i for i in agenda if i["starts_at"] == "2016-11-20T14:30:00Z"]
        assert [(i["kind"], i["title"], i["where"], i["space_id"]) for i in at_retreat] == [
            ("meeting", f"Brief contact with {other}", AT_THE_RETREAT, None),
            ("programme", "Leaders' retreat, session I", "Lima Convention Center", None),
        ]

    # And so do both calendar feeds: LOCATION and DESCRIPTION.
    for party, other in (("RUS", "United States"), ("USA", "Russia")):
        feed_url = client.post(url(f"/feeds/{party}"), headers=api.as_(party)).json()["url"]
        calendar = Calendar.from_ical(client.get(feed_url).content)
        (vevent,) = [
            c
            for c in calendar.walk("VEVENT")
            if str(c["UID"]) == f"meeting-{meeting_id}@{LIMA}.sidelines"
        ]
        assert (
            vevent.decoded("DTSTART").isoformat(),
            str(vevent["SUMMARY"]),
            str(vevent["LOCATION"]),
            str(vevent["DESCRIPTION"]),
        ) == (
            "2016-11-20T14:30:00+00:00",
            f"Brief contact with {other}",
            AT_THE_RETREAT,
            f"Brief contact with {other}. {AT_THE_RETREAT}.",
        )

    # It is held; either side may record it.
    held = client.post(url(f"/meetings/{meeting_id}/status"), json={"status": "held"}, headers=usa)
    assert (held.status_code, held.json()["status"]) == (200, "held")
    assert client.get(url(f"/meetings/{meeting_id}"), headers=rus).json()["status"] == "held"

    # Japan learns nothing: not found, exactly as for ids that do not exist.
    for path, kind, ident in (
        (f"/requests/{request['id']}", "request", request["id"]),
        (f"/meetings/{meeting_id}", "meeting", meeting_id),
    ):
        response = client.get(url(path), headers=jpn)
        assert (response.status_code, response.json()) == (
            404,
            {"error": {"code": "not_found", "message": f"no {kind} {ident}", "field": ""}},
        )
    answered = client.post(
        url(f"/requests/{request['id']}/answers"), json={"answer": "accept"}, headers=jpn
    )
    assert (answered.status_code, answered.json()["error"]["code"]) == (404, "not_found")
    assert what_japan_sees(api) == japan_before
    assert japan_before["/requests"] == {"items": [], "total": 0, "next_cursor": None}

    # The organiser (bookings only at Lima) sees the booking, not the negotiation.
    organiser_view = client.get(url(f"/requests/{request['id']}"), headers=api.as_organiser)
    assert organiser_view.status_code == 404
    assert client.get(url("/requests"), headers=api.as_organiser).json()["total"] == 0
    organiser_schedule = client.get(url("/schedule"), headers=api.as_organiser).json()
    assert organiser_schedule["version"] == 2
    assert [e for e in organiser_schedule["entries"] if e["meeting_id"] == meeting_id] == [entry]
    booking = client.get(url(f"/meetings/{meeting_id}"), headers=api.as_organiser).json()
    assert (booking["topics"], booking["request_id"]) == (None, None)

    # The public sees nothing either.
    assert client.get(url(f"/requests/{request['id']}")).status_code == 404
    assert client.get(url("/meetings")).json() == []
    assert client.get(url("/schedule")).status_code == 404

    # The Kremlin's press secretary confirms it; Reuters and RIA Novosti report it.
    confirmed = client.post(
        url("/statements"),
        json={
            "meeting_id": meeting_id,
            "kind": "confirmation",
            "text": PESKOV,
            "said_at": "2016-11-20T10:00:00-05:00",
            "speaker": "Dmitry Peskov, Press Secretary of the President of Russia",
            "described_format": "a short conversation",
            "sources": [{"name": "Reuters"}, {"name": "RIA Novosti"}],
            "visibility": "public",
        },
        headers=rus,
    )
    assert confirmed.status_code == 201, confirmed.text
    statement = confirmed.json()
    assert (statement["party_id"], statement["kind"], statement["visibility"]) == (
        "RUS",
        "confirmation",
        "public",
    )
    assert [s["name"] for s in statement["sources"]] == ["Reuters", "RIA Novosti"]
    # Published, it is news for everyone: Japan and the public read the statement, and the
    # meeting is on the event's public record — the sides' own topics are not.
    for headers in (jpn, {}):
        said = client.get(url("/statements", LIMA) + f"?meeting_id={meeting_id}", headers=headers)
        assert said.json() == [statement]
    public = client.get(f"/api/public/events/{LIMA}").json()
    assert [
        (i["kind"], i["ref"], i["status"], i["format"], i["place"], i["parties"])
        for i in public["items"]
    ] == [("meeting", meeting_id, "held", "brief_contact", AT_THE_RETREAT, ["RUS", "USA"])]
    assert public["items"][0]["statements"] == [statement]
    assert public["statements"] == [not_planned]  # the statement before the summit stays
    assert client.get(url(f"/requests/{request['id']}"), headers=jpn).status_code == 404

    # Asked about the pair, the system recalls their previous meeting.
    imported = client.post(
        "/api/history/imports?name=history-russia-usa.csv",
        content=HISTORY_FILE.read_bytes(),
        headers={**api.as_organiser, "Content-Type": "text/csv"},
    )
    assert (imported.status_code, imported.json()) == (201, {"imported": 2, "known": 0})
    previous = client.get("/api/history/last-met?a=RUS&b=USA&before=2016-11-19", headers=rus)
    assert previous.json()["answer"] == (
        "They last met on the sidelines of the G20 summit in Hangzhou, 5 September 2016, "
        "where they discussed Ukraine and Syria."
    )
    latest = client.get("/api/history/last-met?a=putin&b=obama&by=principal").json()
    assert (latest["entry"]["kind"], latest["entry"]["event_id"], latest["entry"]["topics"]) == (
        "meeting",
        LIMA,
        [],
    )
    assert latest["answer"] == (
        "They last met on the sidelines of the APEC Economic Leaders' Meeting 2016 in Lima, "
        "20 November 2016."
    )
    history = client.get("/api/history?a=RUS&b=USA", headers=rus).json()
    assert [(h["kind"], h["held_on"], h["topics"], h["city"], h["place"]) for h in history] == [
        ("meeting", "2016-11-20", ["Syria", "Ukraine"], "Lima", AT_THE_RETREAT),
        ("historical", "2016-09-05", ["Ukraine", "Syria"], "Hangzhou", ""),
        ("historical", "2015-09-28", ["Syria", "Ukraine"], "New York", ""),
    ]
    assert history[0]["statements"] == [statement]
