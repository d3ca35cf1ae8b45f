"""Bad input is refused at the edge: a 4xx with the path of the bad field, and nothing written."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from sidelines.services import events
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditRow,
    ContactRow,
    IdempotencyRow,
    MeetingRow,
    ProposalRow,
    RequestPartyRow,
    RequestRow,
    RequestTermRow,
)
from tests.web.helpers import (
    SETUP_ACTOR,
    Lima,
    answer,
    issue_token,
    lima,
    lima_api,
    post_request,
    request_body,
    row_counts,
    url,
)

WRITTEN = (
    RequestRow,
    RequestTermRow,
    RequestPartyRow,
    ProposalRow,
    MeetingRow,
    AuditRow,
    IdempotencyRow,
    ContactRow,
)
DANANG = "apec-2017-danang"


def invalid(message: str, field: str) -> dict[str, Any]:
    return {"error": {"code": "invalid", "message": message, "field": field}}


def window(start: str, end: str) -> dict[str, str]:
    return {"start": start, "end": end}


BAD_REQUESTS = [
    pytest.param(
        {"invitees": ["USA"], "colour": "red"},
        invalid("Extra inputs are not permitted", "body.colour"),
        id="unknown-field",
    ),
    pytest.param(
        {"invitees": ["USA"], "priority": "high"},
        invalid("Input should be a valid integer", "body.priority"),
        id="wrong-type",
    ),
    pytest.param({}, invalid("Field required", "body.invitees"), id="missing-field"),
    pytest.param(
        {"invitees": []},
        invalid("List should have at least 1 item after validation, not 0", "body.invitees"),
        id="no-invitee",
    ),
    pytest.param(
        {"invitees": ["USA", "ATL"]},
        invalid("unknown party 'ATL'", "body.invitees[1]"),
        id="unknown-invitee",
    ),
    pytest.param(
        {"invitees": ["RUS"]},
        invalid("a delegation cannot invite itself", "body.invitees"),
        id="self-invitation",
    ),
    pytest.param(
        {"invitees": ["USA", "USA"]},
        invalid("a party is invited twice", "body.invitees"),
        id="invitee-twice",
    ),
    pytest.param(
        request_body("USA", proposal={"duration_min": 7}),
        invalid(
            "duration 7 min is not a whole number of the event's 5-minute steps",
            "body.proposal.duration_min",
        ),
        id="duration-off-the-grain",
    ),
    pytest.param(
        request_body(
            "USA", proposal={"windows": [window("2016-11-25T10:00:00Z", "2016-11-25T11:00:00Z")]}
        ),
        invalid("window lies outside the event's days", "body.proposal.windows[0]"),
        id="window-outside-the-event",
    ),
    pytest.param(
        # 23:30 to 00:30 in Lima, across midnight: the event's days end at 23:00.
        request_body(
            "USA", proposal={"windows": [window("2016-11-20T04:30:00Z", "2016-11-20T05:30:00Z")]}
        ),
        invalid(
            "window lies outside the event's hours, 07:00 to 23:00 each day (America/Lima)",
            "body.proposal.windows[0]",
        ),
        id="window-between-the-event-days",
    ),
    pytest.param(
        request_body(
            "USA", proposal={"windows": [window("2016-11-20T10:00:00Z", "2016-11-20T09:00:00Z")]}
        ),
        invalid("Value error, a window must end after it starts", "body.proposal.windows[0]"),
        id="window-backwards",
    ),
    pytest.param(
        request_body(
            "USA", proposal={"windows": [window("2016-11-20T10:00:00", "2016-11-20T11:00:00")]}
        ),
        invalid("Input should have timezone info", "body.proposal.windows[0].start"),
        id="window-without-zone",
    ),
    pytest.param(
        request_body("USA", proposal={"space_id": "ballroom"}),
        invalid("unknown space 'ballroom'", "body.proposal.space_id"),
        id="unknown-space",
    ),
    pytest.param(
        request_body("USA", proposal={"press_plan": "leak"}),
        invalid(
            "press plan must be one of none, pool_spray, open_press",
            "body.proposal.press_plan",
        ),
        id="unknown-press-plan",
    ),
    pytest.param(
        request_body("USA", proposal={"space_id": "lcc-bilateral-5", "press_plan": "pool_spray"}),
        invalid(
            "the press plan pool_spray needs a press-ready room; the place "
            "(Bilateral room 5 (LCC)) has none",
            "body.proposal.press_plan",
        ),
        id="press-in-a-room-not-press-ready",
    ),
    pytest.param(
        request_body(
            "USA", proposal={"space_id": "lcc-bilateral-5", "format": "bilateral_expanded"}
        ),
        invalid("12 people do not fit the place, which holds 10", "body.proposal.space_id"),
        id="format-larger-than-the-room",
    ),
    pytest.param(
        request_body("USA", proposal={"host_party": "NOPE"}),
        invalid("the host 'NOPE' is not a side of this request", "body.proposal.host_party"),
        id="host-not-a-side",
    ),
    pytest.param(
        request_body("USA", proposal={"host_party": "CHN"}),
        invalid("the host 'CHN' is not a side of this request", "body.proposal.host_party"),
        id="host-of-another-party",
    ),
    pytest.param(
        request_body("USA", proposal={"host_suite": True}),
        invalid("the host's suite needs a host side: propose one", "body.proposal.host_suite"),
        id="host-suite-without-host",
    ),
    pytest.param(
        request_body("USA", proposal={"attendees": {"USA": {"principal": "putin"}}}),
        invalid("no principal 'putin' on this side", "body.proposal.attendees.USA.principal"),
        id="principal-of-the-other-side",
    ),
    pytest.param(
        request_body(
            "USA", proposal={"attendees": {"USA": {"level": "minister_for_foreign_affairs"}}}
        ),
        invalid(
            "no principal of this side is at the level minister for foreign affairs",
            "body.proposal.attendees.USA.level",
        ),
        id="level-nobody-has",
    ),
    pytest.param(
        request_body(
            "USA",
            proposal={
                "space_id": "lcc-bilateral-5",
                "attendees": {"USA": {"level": "head_of_state", "plus": 9}},
            },
        ),
        invalid(
            "11 people do not fit the place, which holds 10", "body.proposal.attendees.USA.plus"
        ),
        id="plus-beyond-capacity",
    ),
    pytest.param(
        request_body("USA", proposal={"format": "duel"}),
        invalid(
            "Input should be 'bilateral_restricted', 'bilateral_expanded', 'trilateral', "
            "'pull_aside', 'courtesy_call', 'brief_contact', 'meal_conversation' or 'b2b'",
            "body.proposal.format",
        ),
        id="unknown-format",
    ),
    pytest.param(
        request_body("USA", priority=11),
        invalid("Input should be less than or equal to 10", "body.priority"),
        id="priority-above-range",
    ),
    pytest.param(
        request_body("USA", priority=0),
        invalid("Input should be greater than or equal to 1", "body.priority"),
        id="priority-below-range",
    ),
]


@pytest.mark.parametrize(("body", "error"), BAD_REQUESTS)
def test_create_request_with_bad_input_is_refused_with_the_field_and_writes_nothing(
    database: Database, body: dict[str, Any], error: dict[str, Any]
) -> None:
    api = lima_api(database)
    before = row_counts(database, *WRITTEN)

    response = api.client.post(
        url("/requests"), json=body, headers={**api.as_("RUS"), "Idempotency-Key": "k-1"}
    )

    assert (response.status_code, response.json()) == (422, error)
    assert row_counts(database, *WRITTEN) == before


def test_create_request_with_bad_json_is_refused_and_writes_nothing(database: Database) -> None:
    api = lima_api(database)
    before = row_counts(database, *WRITTEN)

    response = api.client.post(
        url("/requests"),
        content=b'{"invitees": ["USA"',
        headers={**api.as_("RUS"), "Content-Type": "application/json"},
    )

    assert (response.status_code, response.json()) == (422, invalid("JSON decode error", "body"))
    assert row_counts(database, *WRITTEN) == before


NOT_JSON = [
    pytest.param(b'{"invitees": ["USA"]}', "text/plain", id="json-as-text"),
    pytest.param(b"invitees=USA", "application/x-www-form-urlencoded", id="form"),
    pytest.param(b'{"invitees": ["USA"]}', None, id="no-content-type"),
    pytest.param(b"<invitees>USA</invitees>", "application/xml", id="xml"),
]


@pytest.mark.parametrize(("content", "media_type"), NOT_JSON)
def test_a_body_that_is_not_json_is_refused_as_unsupported_and_writes_nothing(
    database: Database, content: bytes, media_type: str | None
) -> None:
    api = lima_api(database)
    before = row_counts(database, *WRITTEN)
    headers = api.as_("RUS") | ({"Content-Type": media_type} if media_type else {})

    response = api.client.post(url("/requests"), content=content, headers=headers)

    assert response.status_code == 415, response.text
    assert response.json()["error"] | {"message": ""} == {
        "code": "unsupported_media_type",
        "message": "",
        "field": "header.Content-Type",
    }
    assert "application/json" in response.json()["error"]["message"]
    assert row_counts(database, *WRITTEN) == before


def test_json_with_a_charset_or_a_json_suffix_is_read(database: Database) -> None:
    api = lima_api(database)
    body = b'{"invitees": ["USA"], "proposal": {"topics": ["trade"]}}'

    charset = api.client.post(
        url("/requests"),
        content=body,
        headers={**api.as_("RUS"), "Content-Type": "application/json; charset=utf-8"},
    )
    suffix = api.client.post(
        url("/requests"),
        content=body.replace(b"USA", b"JPN"),
        headers={**api.as_("RUS"), "Content-Type": "application/merge-patch+json"},
    )

    assert (charset.status_code, suffix.status_code) == (201, 201)


def test_a_body_nested_too_deeply_or_not_text_is_refused_at_the_body(database: Database) -> None:
    api = lima_api(database)
    before = row_counts(database, *WRITTEN)
    headers = {**api.as_("RUS"), "Content-Type": "application/json"}

    nested = api.client.post(url("/requests"), content=b"[" * 100_000, headers=headers)
    not_text = api.client.post(url("/requests"), content=b'{"invitees": ["\xff"]}', headers=headers)

    assert (nested.status_code, nested.json()) == (422, invalid("JSON nested too deeply", "body"))
    assert not_text.status_code == 422
    assert not_text.json()["error"]["field"] == "body"
    assert row_counts(database, *WRITTEN) == before


def test_answer_with_bad_counter_is_refused_and_writes_nothing(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")
    before = row_counts(database, *WRITTEN)

    refused = answer(api, "USA", request["id"], "counter", proposal={"duration_min": 12})

    assert refused == (
        422,
        invalid(
            "duration 12 min is not a whole number of the event's 5-minute steps",
            "body.proposal.duration_min",
        ),
    )
    assert row_counts(database, *WRITTEN) == before
    seen = api.client.get(url(f"/requests/{request['id']}"), headers=api.as_("USA")).json()
    assert (seen["state"], len(seen["proposals"])) == ("sent", 1)


def test_answer_with_unknown_answer_is_refused(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")

    refused = answer(api, "USA", request["id"], "maybe")

    assert refused == (
        422,
        invalid(
            "Input should be 'accept', 'counter', 'defer', 'soft_decline' or 'decline'",
            "body.answer",
        ),
    )


def test_answering_a_closed_request_is_a_conflict_and_writes_nothing(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")
    answer(api, "USA", request["id"], "decline")
    before = row_counts(database, *WRITTEN)

    refused = answer(api, "USA", request["id"], "accept")

    assert refused == (
        409,
        {
            "error": {
                "code": "conflict",
                "message": "this request is declined and takes no more answers",
                "field": "state",
            }
        },
    )
    assert row_counts(database, *WRITTEN) == before


def test_private_priority_out_of_range_is_refused(database: Database) -> None:
    api = lima_api(database)
    request = post_request(api, "RUS", "USA")
    before = row_counts(database, *WRITTEN)

    refused = api.client.patch(
        url(f"/requests/{request['id']}/private"), json={"priority": 42}, headers=api.as_("USA")
    )

    assert (refused.status_code, refused.json()) == (
        422,
        invalid("Input should be less than or equal to 10", "body.priority"),
    )
    assert row_counts(database, *WRITTEN) == before


def test_marking_an_unknown_party_open_to_contact_is_refused(database: Database) -> None:
    api = lima_api(database)
    before = row_counts(database, *WRITTEN)

    refused = api.client.post(url("/contacts"), json={"party": "ATL"}, headers=api.as_("RUS"))
    unmarked = api.client.delete(url("/contacts/RUS"), headers=api.as_("RUS"))

    assert (refused.status_code, refused.json()) == (
        422,
        invalid("unknown party 'ATL'", "body.party"),
    )
    assert (unmarked.status_code, unmarked.json()) == (
        422,
        invalid("a delegation cannot mark itself", "path.party"),
    )
    assert row_counts(database, *WRITTEN) == before


def test_list_with_limit_out_of_range_is_refused(database: Database) -> None:
    api = lima_api(database)

    refused = api.client.get(url("/requests?limit=0"), headers=api.as_("RUS"))

    assert (refused.status_code, refused.json()) == (
        422,
        invalid("Input should be greater than or equal to 1", "query.limit"),
    )


# --- who is asking -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        pytest.param({"Authorization": "Bearer not-a-token"}, "unknown or revoked token", id="bad"),
        pytest.param(
            {"Authorization": "Basic cnVzOnB3"}, "use 'Authorization: Bearer <token>'", id="basic"
        ),
        pytest.param({}, "log in first: POST /api/auth/token", id="none"),
    ],
)
def test_create_request_without_a_valid_token_is_unauthenticated_and_writes_nothing(
    database: Database, headers: dict[str, str], message: str
) -> None:
    api = lima_api(database)
    before = row_counts(database, *WRITTEN)

    response = api.client.post(url("/requests"), json=request_body("USA"), headers=headers)

    assert (response.status_code, response.json()) == (
        401,
        {"error": {"code": "unauthenticated", "message": message, "field": ""}},
    )
    assert row_counts(database, *WRITTEN) == before


def test_log_in_with_a_wrong_password_is_unauthenticated(database: Database) -> None:
    api = lima_api(database)

    response = api.client.post(
        "/api/auth/token", json={"username": "rus", "password": "guessed-wrong"}
    )

    assert (response.status_code, response.json()) == (
        401,
        {
            "error": {
                "code": "unauthenticated",
                "message": "wrong username or password",
                "field": "",
            }
        },
    )


def with_danang(api: Lima) -> str:
    """A second event, whose Viet Nam delegation has its own login."""
    events.import_event(
        api.database, SETUP_ACTOR, replace(lima(), id=DANANG, name="APEC 2017 Da Nang")
    )
    api.tokens["VNM@danang"] = issue_token(api.database, "vnm.danang", "VNM", DANANG)
    return DANANG


def test_delegate_acting_on_another_event_is_forbidden_and_writes_nothing(
    database: Database,
) -> None:
    api = lima_api(database)
    with_danang(api)
    before = row_counts(database, *WRITTEN)

    response = api.client.post(
        url("/requests", DANANG), json=request_body("USA"), headers=api.as_("JPN")
    )

    assert (response.status_code, response.json()) == (
        403,
        {
            "error": {
                "code": "forbidden",
                "message": "only a delegation of this event can do this",
                "field": "",
            }
        },
    )
    assert row_counts(database, *WRITTEN) == before


def test_request_of_another_event_is_not_found_through_this_one(database: Database) -> None:
    api = lima_api(database)
    with_danang(api)
    request = post_request(api, "RUS", "USA")

    through_danang = api.client.get(
        url(f"/requests/{request['id']}", DANANG), headers=api.as_("RUS")
    )
    by_danang_delegate = api.client.get(
        url(f"/requests/{request['id']}"), headers=api.as_("VNM@danang")
    )
    answered = api.client.post(
        url(f"/requests/{request['id']}/answers", DANANG),
        json={"answer": "accept"},
        headers=api.as_("VNM@danang"),
    )

    missing = {
        "error": {"code": "not_found", "message": f"no request {request['id']}", "field": ""}
    }
    assert (through_danang.status_code, through_danang.json()) == (404, missing)
    assert (by_danang_delegate.status_code, by_danang_delegate.json()) == (404, missing)
    assert (answered.status_code, answered.json()) == (404, missing)


def test_request_at_an_unknown_event_is_refused(database: Database) -> None:
    api = lima_api(database)

    listed = api.client.get(url("/requests", "apec-1989-canberra"), headers=api.as_("RUS"))

    assert (listed.status_code, listed.json()) == (
        404,
        {"error": {"code": "not_found", "message": "no event apec-1989-canberra", "field": ""}},
    )


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/requests?limt=10", "query.limt"),
        ("/requests?limit=10&box=sent&colour=red", "query.colour"),
        ("/statements?abut=RUS", "query.abut"),
    ],
)
def test_an_unknown_query_parameter_is_refused_naming_it(
    database: Database, path: str, field: str
) -> None:
    """As an unknown field of a body is: a misspelt limit is not silently the default."""
    api = lima_api(database)

    response = api.client.get(url(path), headers=api.as_("RUS"))

    assert (response.status_code, response.json()) == (
        422,
        invalid("not a parameter of this request", field),
    )


def test_the_query_parameters_a_route_takes_are_read(database: Database) -> None:
    api = lima_api(database)
    post_request(api, "RUS", "USA")

    page = api.client.get(url("/requests?limit=1&box=sent"), headers=api.as_("RUS"))
    about = api.client.get(url("/statements?about=RUS&about=USA"), headers=api.as_("RUS"))

    assert (page.status_code, len(page.json()["items"]), about.status_code) == (200, 1, 200)
