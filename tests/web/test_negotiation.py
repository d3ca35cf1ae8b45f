"""Negotiation paths through the API: counters, deferrals, refusals, withdrawal, trilaterals,
drafts, private priorities, expiry and mutual interest (DESIGN.md §2 and §4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from sidelines.storage.db import Database
from sidelines.storage.tables import EventRow, RequestRow
from sidelines.web.app import create_app
from tests.web.helpers import (
    LIMA,
    Lima,
    TestClient,
    answer,
    lima_api,
    post_request,
    set_request_ttl,
    url,
)

RUS_NOTE = "Putin wants Syria first, then Ukraine"
USA_NOTE = "Only if the Russian side raises it"


def states(api: Lima, party: str, request_id: int) -> tuple[str, list[tuple[str, bool]]]:
    """The request's state and, per side, whether it accepts the proposal on the table."""
    seen = api.client.get(url(f"/requests/{request_id}"), headers=api.as_(party)).json()
    return seen["state"], [(s["party_id"], s["accepted_current"]) for s in seen["sides"]]


def conflict(message: str, field: str = "state") -> dict[str, Any]:
    return {"error": {"code": "conflict", "message": message, "field": field}}


def not_found(kind: str, ident: int) -> dict[str, Any]:
    return {"error": {"code": "not_found", "message": f"no {kind} {ident}", "field": ""}}


def set_organiser_sees(database: Database, policy: str) -> None:
    with database.writing() as session:
        session.execute(update(EventRow).where(EventRow.id == LIMA).values(organiser_sees=policy))


# --- counter, counter, accept ------------------------------------------------------------------


def test_counter_then_counter_then_accept_agrees_the_last_proposal(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA", proposal={"format": "bilateral_expanded"})

    _, countered = answer(api, "USA", request["id"], "counter", proposal={"format": "pull_aside"})
    assert (countered["state"], [p["format"] for p in countered["proposals"]]) == (
        "countered",
        ["bilateral_expanded", "pull_aside"],
    )
    # Russia's acceptance of its own first proposal does not carry over to the counter.
    assert states(api, "RUS", request["id"]) == ("countered", [("RUS", False), ("USA", True)])

    status, _ = answer(api, "RUS", request["id"], "counter", proposal={"format": "brief_contact"})
    assert status == 200
    assert states(api, "USA", request["id"]) == ("countered", [("RUS", True), ("USA", False)])

    status, accepted = answer(api, "USA", request["id"], "accept")

    assert (status, accepted["state"]) == (200, "accepted")
    meeting = api.client.get(
        url(f"/meetings/{accepted['meeting_id']}"), headers=api.as_("RUS")
    ).json()
    assert (meeting["status"], meeting["format"], meeting["duration_min"]) == (
        "agreed",
        "brief_contact",
        5,
    )


def test_accept_after_counter_is_not_agreement_until_the_counter_is_accepted(
    database: Database,
) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")
    answer(api, "USA", request["id"], "counter", proposal={"format": "pull_aside"})

    # The counter's author accepts it already; it cannot accept again, nor name the old one.
    again = answer(api, "USA", request["id"], "accept")
    old = api.client.post(
        url(f"/requests/{request['id']}/answers"),
        json={"answer": "accept", "seq": 1},
        headers=api.as_("USA"),
    )

    assert again == (
        409,
        conflict("this side has already accepted the current proposal", "action"),
    )
    assert (old.status_code, old.json()["error"]["field"]) == (422, "body.seq")
    assert states(api, "USA", request["id"]) == ("countered", [("RUS", False), ("USA", True)])
    assert api.client.get(url("/meetings"), headers=api.as_("RUS")).json() == []


def test_counter_without_proposal_is_refused(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")

    refused = answer(api, "USA", request["id"], "counter")

    assert refused == (
        422,
        {
            "error": {
                "code": "invalid",
                "message": "a counter-proposal needs its terms",
                "field": "body.proposal",
            }
        },
    )


# --- defer, soft decline, decline ------------------------------------------------------------


def test_defer_without_words_gives_the_face_saving_reason_to_the_two_sides_only(
    database: Database,
) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "JPN")

    status, deferred = answer(api, "JPN", request["id"], "defer")

    assert (status, deferred["state"]) == (200, "deferred")
    for party in ("RUS", "JPN"):
        seen = api.client.get(url(f"/requests/{request['id']}"), headers=api.as_(party)).json()
        assert [(s["party_id"], s["answer"], s["answer_reason"]) for s in seen["sides"]] == [
            ("RUS", None, None),
            ("JPN", "defer", "let's meet at the next summit"),
        ]
    third = api.client.get(url(f"/requests/{request['id']}"), headers=api.as_("USA"))
    organiser = api.client.get(url(f"/requests/{request['id']}"), headers=api.as_organiser)
    assert (third.status_code, third.json()) == (404, not_found("request", request["id"]))
    assert (organiser.status_code, organiser.json()) == (404, not_found("request", request["id"]))


def test_soft_decline_without_words_says_scheduling_conflict(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "JPN")

    status, declined = answer(api, "JPN", request["id"], "soft_decline")

    assert (status, declined["state"]) == (200, "declined")
    seen = api.client.get(url(f"/requests/{request['id']}"), headers=api.as_("RUS")).json()
    assert [(s["answer"], s["answer_reason"]) for s in seen["sides"]] == [
        (None, None),
        ("soft_decline", "scheduling conflict"),
    ]


def test_soft_decline_keeps_the_sides_own_words(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "JPN")

    _, declined = answer(
        api, "JPN", request["id"], "soft_decline", reason="the Prime Minister's day is full"
    )

    assert declined["sides"][1]["answer_reason"] == "the Prime Minister's day is full"


def test_refusal_reason_is_hidden_from_an_organiser_who_sees_everything(
    database: Database,
) -> None:
    api = lima_api(database)
    set_organiser_sees(database, "everything")
    request = post_request(api, "RUS", "JPN")
    answer(api, "JPN", request["id"], "soft_decline", reason="not with this delegation")

    seen = api.client.get(url(f"/requests/{request['id']}"), headers=api.as_organiser).json()
    trail = api.client.get(url("/audit"), headers=api.as_organiser).json()

    assert [(s["answer"], s["answer_reason"]) for s in seen["sides"]] == [
        (None, None),
        (None, None),
    ]
    assert "not with this delegation" not in json.dumps(trail)


def test_decline_closes_the_request_to_every_further_answer(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")

    status, declined = answer(api, "USA", request["id"], "decline")

    assert (status, declined["state"]) == (200, "declined")
    assert answer(api, "USA", request["id"], "accept") == (
        409,
        conflict("this request is declined and takes no more answers"),
    )
    assert answer(api, "RUS", request["id"], "counter", proposal={}) == (
        409,
        conflict("this request is declined and takes no more answers"),
    )
    withdrawn = api.client.post(url(f"/requests/{request['id']}/withdraw"), headers=api.as_("RUS"))
    assert (withdrawn.status_code, withdrawn.json()) == (
        409,
        conflict("this request is declined and cannot be withdrawn"),
    )


def test_requester_cannot_decline_its_own_request(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")

    refused = answer(api, "RUS", request["id"], "decline")

    assert refused == (
        409,
        conflict(
            "the requesting side cannot defer or decline its own request; it can withdraw it",
            "action",
        ),
    )


# --- withdraw --------------------------------------------------------------------------------


def test_withdraw_by_the_requester_closes_the_request(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")

    withdrawn = api.client.post(url(f"/requests/{request['id']}/withdraw"), headers=api.as_("RUS"))

    assert (withdrawn.status_code, withdrawn.json()["state"]) == (200, "withdrawn")
    assert answer(api, "USA", request["id"], "accept") == (
        409,
        conflict("this request is withdrawn and takes no more answers"),
    )


def test_withdraw_by_an_invitee_is_forbidden(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")

    refused = api.client.post(url(f"/requests/{request['id']}/withdraw"), headers=api.as_("USA"))

    assert (refused.status_code, refused.json()) == (
        403,
        {
            "error": {
                "code": "forbidden",
                "message": "only the requesting side can withdraw a request",
                "field": "",
            }
        },
    )
    assert states(api, "RUS", request["id"])[0] == "sent"


def test_withdraw_by_a_third_delegation_is_not_found(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")

    refused = api.client.post(url(f"/requests/{request['id']}/withdraw"), headers=api.as_("JPN"))

    assert (refused.status_code, refused.json()) == (404, not_found("request", request["id"]))


# --- trilateral ------------------------------------------------------------------------------


def test_trilateral_is_agreed_only_after_both_invitees_accept(database: Database) -> None:
    api = lima_api(database, parties=("USA", "CAN", "MEX"))
    request = post_request(api, "USA", "CAN", "MEX", proposal={"format": "trilateral"})

    _, after_canada = answer(api, "CAN", request["id"], "accept")
    assert (after_canada["state"], after_canada["meeting_id"]) == ("sent", None)
    _, after_mexico = answer(api, "MEX", request["id"], "accept")

    assert after_mexico["state"] == "accepted"
    meeting = api.client.get(
        url(f"/meetings/{after_mexico['meeting_id']}"), headers=api.as_("CAN")
    ).json()
    assert (meeting["format"], meeting["parties"], meeting["principals"]) == (
        "trilateral",
        ["CAN", "MEX", "USA"],
        ["obama", "pena-nieto", "trudeau"],
    )


def test_trilateral_counter_by_one_invitee_resets_the_others_acceptance(
    database: Database,
) -> None:
    api = lima_api(database, parties=("USA", "CAN", "MEX"))
    request = post_request(api, "USA", "CAN", "MEX", proposal={"format": "trilateral"})
    answer(api, "CAN", request["id"], "accept")

    answer(api, "MEX", request["id"], "counter", proposal={"format": "trilateral", "topics": []})

    assert states(api, "USA", request["id"]) == (
        "countered",
        [("USA", False), ("CAN", False), ("MEX", True)],
    )


# --- drafts ----------------------------------------------------------------------------------


def test_draft_is_invisible_to_the_invitee_until_sent(database: Database) -> None:
    api = lima_api(database)
    draft = post_request(api, "RUS", "USA", send=False)
    hidden = api.client.get(url(f"/requests/{draft['id']}"), headers=api.as_("USA"))
    listed = api.client.get(url("/requests"), headers=api.as_("USA")).json()
    answered = answer(api, "USA", draft["id"], "accept")
    trail = api.client.get(url("/audit"), headers=api.as_("USA")).json()

    sent = api.client.post(url(f"/requests/{draft['id']}/send"), headers=api.as_("RUS"))
    shown = api.client.get(url(f"/requests/{draft['id']}"), headers=api.as_("USA"))

    assert draft["state"] == "draft"
    assert (hidden.status_code, hidden.json()) == (404, not_found("request", draft["id"]))
    assert listed == {"items": [], "total": 0, "next_cursor": None}
    assert answered == (404, not_found("request", draft["id"]))
    assert [e["action"] for e in trail] == []
    assert (sent.status_code, sent.json()["state"]) == (200, "sent")
    assert (shown.status_code, shown.json()["state"]) == (200, "sent")


def test_send_by_the_invitee_is_forbidden(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")

    refused = api.client.post(url(f"/requests/{request['id']}/send"), headers=api.as_("USA"))

    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")


# --- private priority and note ------------------------------------------------------------------


def everything_seen(client: TestClient, headers: dict[str, str], request_id: int) -> str:
    """The JSON of every endpoint a delegation can call about its own business, as one text."""
    request = client.get(url(f"/requests/{request_id}"), headers=headers).json()
    seen = [
        request,
        client.get(url("/requests"), headers=headers).json(),
        client.get(url("/requests?box=sent"), headers=headers).json(),
        client.get(url("/requests?box=received"), headers=headers).json(),
        client.get(url("/meetings"), headers=headers).json(),
        client.get(url("/agenda"), headers=headers).json(),
        client.get(url("/audit"), headers=headers).json(),
        client.get(url("/notices"), headers=headers).json(),
        client.get(url("/schedule"), headers=headers).json(),
        client.get(url("/contacts"), headers=headers).json(),
        client.get(url("/interests"), headers=headers).json(),
    ]
    if request.get("meeting_id") is not None:
        seen.append(client.get(url(f"/meetings/{request['meeting_id']}"), headers=headers).json())
    return json.dumps(seen)


def priorities_in(data: Any) -> list[Any]:
    """Every value under a key that names a priority or weight, anywhere in ``data``."""
    found: list[Any] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if "priority" in key or "weight" in key or key == "note" or key.endswith("_note"):
                found.append(value)
            found.extend(priorities_in(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(priorities_in(item))
    return found


def test_private_priority_and_note_are_never_shown_to_the_other_side(
    database: Database,
) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA", priority=8, note=RUS_NOTE)
    private = api.client.patch(
        url(f"/requests/{request['id']}/private"),
        json={"priority": 3, "note": USA_NOTE},
        headers=api.as_("USA"),
    )
    assert private.status_code == 200
    answer(api, "USA", request["id"], "accept")

    usa_sees = everything_seen(api.client, api.as_("USA"), request["id"])
    rus_sees = everything_seen(api.client, api.as_("RUS"), request["id"])

    assert RUS_NOTE not in usa_sees
    assert USA_NOTE not in rus_sees
    # Each side sees its own priority and note; the meeting's weight (8 + 3) is nobody's.
    assert sorted(set(map(str, priorities_in(json.loads(usa_sees))))) == sorted({"3", USA_NOTE})
    assert sorted(set(map(str, priorities_in(json.loads(rus_sees))))) == sorted({"8", RUS_NOTE})


def test_private_priority_is_hidden_from_an_organiser_who_sees_everything(
    database: Database,
) -> None:
    api = lima_api(database)
    set_organiser_sees(database, "everything")
    request = post_request(api, "RUS", "USA", priority=8, note=RUS_NOTE)

    seen = api.client.get(url(f"/requests/{request['id']}"), headers=api.as_organiser).json()
    listed = api.client.get(url("/requests"), headers=api.as_organiser).json()

    assert (seen["my_party"], seen["my_priority"], seen["my_note"]) == (None, None, None)
    assert listed["total"] == 1
    assert RUS_NOTE not in json.dumps([seen, listed])


# --- expiry ----------------------------------------------------------------------------------


def move_back(database: Database, request_id: int, by: timedelta) -> None:
    """Pretend the request was sent ``by`` earlier: the test's way of letting time pass."""
    with database.writing() as session:
        row = session.get(RequestRow, request_id)
        assert row is not None
        assert row.sent_at is not None
        assert row.expires_at is not None
        row.sent_at -= by
        row.expires_at -= by


def test_request_expires_after_the_events_ttl_and_takes_no_more_answers(
    database: Database,
) -> None:
    api = lima_api(database)
    set_request_ttl(database, 48)
    request = post_request(api, "RUS", "USA")
    sent_at = datetime.fromisoformat(request["sent_at"])
    assert datetime.fromisoformat(request["expires_at"]) - sent_at == timedelta(hours=48)

    move_back(database, request["id"], timedelta(hours=49))

    assert states(api, "USA", request["id"])[0] == "expired"
    assert answer(api, "USA", request["id"], "accept") == (
        409,
        conflict("this request is expired and takes no more answers"),
    )
    expired = api.client.get(url("/requests?state=expired"), headers=api.as_("RUS")).json()
    sent = api.client.get(url("/requests?state=sent"), headers=api.as_("RUS")).json()
    assert ([r["id"] for r in expired["items"]], expired["total"]) == ([request["id"]], 1)
    assert (sent["items"], sent["total"]) == ([], 0)
    # The refused answer still left the expiry on record, in the row and in both trails.
    with database.reading() as session:
        row = session.get(RequestRow, request["id"])
        assert row is not None
        assert row.state == "expired"
    for side in ("RUS", "USA"):
        trail = api.client.get(url("/audit"), headers=api.as_(side)).json()
        assert [e["action"] for e in trail if e["subject_id"] == str(request["id"])][-1] == (
            "request.expired"
        )


def test_request_before_its_ttl_is_still_open(database: Database) -> None:
    api = lima_api(database)
    set_request_ttl(database, 48)
    request = post_request(api, "RUS", "USA")

    move_back(database, request["id"], timedelta(hours=47))

    assert answer(api, "USA", request["id"], "accept")[1]["state"] == "accepted"
    assert datetime.now(UTC) < datetime.fromisoformat(request["expires_at"])


# --- mutual interest -------------------------------------------------------------------------


def test_interest_is_revealed_only_when_mutual(database: Database) -> None:
    api = lima_api(database)
    rus, usa, jpn = api.as_("RUS"), api.as_("USA"), api.as_("JPN")

    one_sided = api.client.post(url("/interests"), json={"party": "USA"}, headers=rus)
    usa_before = api.client.get(url("/interests"), headers=usa).json()
    usa_trail_before = api.client.get(url("/audit"), headers=usa).json()
    mutual = api.client.post(url("/interests"), json={"party": "RUS"}, headers=usa)

    assert one_sided.json() == {"marked": ["USA"], "mutual": []}
    assert usa_before == {"marked": [], "mutual": []}
    assert usa_trail_before == []
    assert mutual.json() == {"marked": ["RUS"], "mutual": ["RUS"]}
    assert api.client.get(url("/interests"), headers=rus).json() == {
        "marked": ["USA"],
        "mutual": ["USA"],
    }
    assert api.client.get(url("/interests"), headers=jpn).json() == {"marked": [], "mutual": []}
    assert api.client.get(url("/audit"), headers=jpn).json() == []


def test_interest_withdrawn_is_no_longer_mutual(database: Database) -> None:
    api = lima_api(database)
    api.client.post(url("/interests"), json={"party": "USA"}, headers=api.as_("RUS"))
    api.client.post(url("/interests"), json={"party": "RUS"}, headers=api.as_("USA"))

    unmarked = api.client.delete(url("/interests/USA"), headers=api.as_("RUS"))

    assert unmarked.json() == {"marked": [], "mutual": []}
    assert api.client.get(url("/interests"), headers=api.as_("USA")).json() == {
        "marked": ["RUS"],
        "mutual": [],
    }


def test_client_for_a_fresh_app_sees_the_same_requests(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")

    other_process = TestClient(create_app(database))

    seen = other_process.get(url(f"/requests/{request['id']}"), headers=api.as_("USA"))
    assert seen.json()["state"] == "sent"
