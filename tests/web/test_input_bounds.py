"""Every bound of the API's input, and every 422 naming its field, on both databases: topics,
references, times whose UTC form overflows, ids past what the database holds, NUL characters.
An error never sends back more than a short excerpt of a bad value."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from sidelines.services import report_proposals
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditRow,
    EncounterRow,
    ProposalRow,
    RequestRow,
    StatementRow,
)
from sidelines.web import routes
from sidelines.web.bounds import BODY_MAX, REF_MAX, TOPIC_MAX, TOPICS_MAX
from sidelines.web.errors import MESSAGE_MAX
from tests.web.helpers import Lima, lima_api, request_body, row_counts, url

WRITTEN = (RequestRow, ProposalRow, AuditRow, EncounterRow, StatementRow)
HUGE = "x" * 900_000  # nearly a megabyte: the most a body may hold (web.bounds.BODY_MAX)
EXCERPT_MAX = 80
# Five hours behind UTC, the last hour of the year 9999 is in the year 10000 in UTC.
OVERFLOWING = "9999-12-31T23:00:00-05:00"
LONG_TOPIC = "t" * (TOPIC_MAX + 1)
TOO_MANY_TOPICS = [f"topic {n}" for n in range(TOPICS_MAX + 1)]


@pytest.fixture
def api(database: Database) -> Lima:
    return lima_api(database)


def proposal(**fields: Any) -> dict[str, Any]:
    return request_body("USA", proposal={"topics": ["trade"], **fields})


def encounter(**fields: Any) -> dict[str, Any]:
    return {"parties": ["RUS", "USA"], "started_at": "2016-11-19T10:00:00-05:00", **fields}


def statement(**fields: Any) -> dict[str, Any]:
    return {
        "about_parties": ["RUS", "USA"],
        "kind": "announcement",
        "text": "No separate talks are planned.",
        "said_at": "2016-11-17T12:00:00+03:00",
        **fields,
    }


BAD_BODIES = [
    pytest.param(
        "/requests", proposal(topics=[LONG_TOPIC]), "body.proposal.topics[0]", id="r-topic"
    ),
    pytest.param("/requests", proposal(topics=[HUGE]), "body.proposal.topics[0]", id="r-1mb-topic"),
    pytest.param(
        "/requests", proposal(topics=TOO_MANY_TOPICS), "body.proposal.topics", id="r-topics"
    ),
    pytest.param("/requests", proposal(topics=[""]), "body.proposal.topics[0]", id="r-empty"),
    pytest.param("/requests", proposal(message="a\x00b"), "body.proposal.message", id="r-nul"),
    pytest.param("/requests", request_body(HUGE), "body.invitees[0]", id="r-1mb-invitee"),
    pytest.param(
        "/requests", proposal(host_party="NOBODY"), "body.proposal.host_party", id="r-host"
    ),
    pytest.param(
        "/requests", proposal(space_id="r" * (REF_MAX + 1)), "body.proposal.space_id", id="r-space"
    ),
    pytest.param(
        "/requests",
        proposal(windows=[{"start": "2016-11-19T10:00:00-05:00", "end": OVERFLOWING}]),
        "body.proposal.windows[0].end",
        id="r-utc-overflow",
    ),
    pytest.param("/encounters", encounter(topics=[LONG_TOPIC]), "body.topics[0]", id="e-topic"),
    pytest.param("/encounters", encounter(topics=TOO_MANY_TOPICS), "body.topics", id="e-topics"),
    pytest.param("/encounters", encounter(parties=["RUS", HUGE]), "body.parties[1]", id="e-party"),
    pytest.param(
        "/encounters", encounter(started_at=OVERFLOWING), "body.started_at", id="e-overflow"
    ),
    pytest.param("/encounters", encounter(place="a\x00"), "body.place", id="e-nul"),
    pytest.param("/statements", statement(topics=[HUGE]), "body.topics[0]", id="s-topic"),
    pytest.param("/statements", statement(topics=TOO_MANY_TOPICS), "body.topics", id="s-topics"),
    pytest.param("/statements", statement(text="x" * 20_001), "body.text", id="s-text"),
    pytest.param("/statements", statement(text="a\x00b"), "body.text", id="s-nul"),
    pytest.param("/statements", statement(said_at=OVERFLOWING), "body.said_at", id="s-overflow"),
    pytest.param(
        "/statements", statement(about_parties=["RUS", HUGE]), "body.about_parties[1]", id="s-ref"
    ),
    pytest.param(
        "/statements",
        statement(meeting_id=2**53 + 1, about_parties=[]),
        "body.meeting_id",
        id="s-id",
    ),
]


@pytest.mark.parametrize(("path", "body", "field"), BAD_BODIES)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_is_written(
    api: Lima, path: str, body: dict[str, Any], field: str
) -> None:
    before = row_counts(api.database, *WRITTEN)

    response = api.client.post(url(path), json=body, headers=api.as_("RUS"))

    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert len(response.content) < 400
    assert row_counts(api.database, *WRITTEN) == before


def test_the_longest_topics_allowed_are_accepted(api: Lima) -> None:
    topics = ["t" * TOPIC_MAX] * TOPICS_MAX
    response = api.client.post(
        url("/requests"), json=proposal(topics=topics), headers=api.as_("RUS")
    )

    assert response.status_code == 201, response.text
    assert response.json()["proposals"][-1]["topics"] == topics


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/requests/{2**63}", "path.request_id"),
        (f"/encounters/{2**63}", "path.encounter_id"),
        (f"/statements/{2**64}", "path.statement_id"),
    ],
)
def test_an_id_past_what_any_database_holds_is_refused_naming_it(
    api: Lima, path: str, field: str
) -> None:
    response = api.client.get(url(path), headers=api.as_("RUS"))

    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/requests/{}", "path.request_id"),
        ("/meetings/{}", "path.meeting_id"),
        ("/meetings/{}/outcome", "path.meeting_id"),
        ("/statements/{}", "path.statement_id"),
        ("/encounters/{}", "path.encounter_id"),
        ("/reports/{}", "path.report_id"),
        ("/statements?meeting_id={}", "query.meeting_id"),
    ],
)
def test_ids_up_to_2_to_the_53_are_looked_up_and_past_it_refused_naming_the_field(
    api: Lima, path: str, field: str
) -> None:
    last = api.client.get(url(path.format(2**53)), headers=api.as_("RUS"))
    past = api.client.get(url(path.format(2**53 + 1)), headers=api.as_("RUS"))

    assert last.status_code in (200, 404), last.text
    assert past.status_code == 422, past.text
    assert past.json()["error"]["field"] == field


def test_a_nul_in_the_path_is_refused_on_postgresql_naming_it(
    api: Lima, database: Database
) -> None:
    response = api.client.get("/api/events/apec%00/requests", headers=api.as_("RUS"))

    if database.engine.dialect.name == "postgresql":
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "path.event_id"
    else:
        assert response.status_code in (403, 404), response.text


def test_a_service_error_quotes_only_an_excerpt_of_a_long_value(api: Lima) -> None:
    """An invitee of the longest allowed id that is no party: the message stays short."""
    unknown = "Z" * REF_MAX
    response = api.client.post(url("/requests"), json=request_body(unknown), headers=api.as_("RUS"))

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "body.invitees[0]"
    assert len(error["message"]) <= MESSAGE_MAX
    assert "Z" * (EXCERPT_MAX + 1) not in error["message"]


# JSON says what a value is: ``true`` is no number and ``"30"`` no number nor ``1`` a yes. A
# client that sends them has a bug to hear about, not a value read as it happens to convert.
NOT_OF_ITS_TYPE = [
    pytest.param("/requests", request_body("USA", priority=True), "body.priority", id="true-int"),
    pytest.param("/requests", request_body("USA", priority="3"), "body.priority", id="text-int"),
    pytest.param("/requests", request_body("USA", priority=3.0), "body.priority", id="float-int"),
    pytest.param("/requests", request_body("USA", send=1), "body.send", id="one-bool"),
    pytest.param("/requests", request_body("USA", on_site="true"), "body.on_site", id="text-bool"),
    pytest.param(
        "/requests", proposal(duration_min="30"), "body.proposal.duration_min", id="text-minutes"
    ),
    pytest.param(
        "/requests", proposal(host_suite="false"), "body.proposal.host_suite", id="text-no"
    ),
    pytest.param(
        "/statements",
        statement(meeting_id=True, about_parties=[]),
        "body.meeting_id",
        id="true-id",
    ),
]


@pytest.mark.parametrize(("path", "body", "field"), NOT_OF_ITS_TYPE)
def test_a_number_or_a_yes_written_as_another_json_type_is_refused_naming_it(
    api: Lima, path: str, body: dict[str, Any], field: str
) -> None:
    before = row_counts(api.database, *WRITTEN)

    response = api.client.post(url(path), json=body, headers=api.as_("RUS"))

    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert row_counts(api.database, *WRITTEN) == before


def test_the_organisers_numbers_and_yeses_are_read_strictly_too(api: Lima) -> None:
    space = api.client.get(url("/spaces"), headers=api.as_organiser).json()[0]

    capacity = api.client.put(
        url(f"/spaces/{space['id']}"), json={**space, "capacity": True}, headers=api.as_organiser
    )
    policy = api.client.patch(
        url(), json={"policy": {"one_open_request_per_format": 0}}, headers=api.as_organiser
    )
    solve = api.client.post(url("/solves"), json={"time_limit_s": True}, headers=api.as_organiser)

    assert (capacity.status_code, capacity.json()["error"]["field"]) == (422, "body.capacity")
    assert (policy.status_code, policy.json()["error"]["field"]) == (
        422,
        "body.policy.one_open_request_per_format",
    )
    assert (solve.status_code, solve.json()["error"]["field"]) == (422, "body.time_limit_s")
    assert api.client.get(url("/spaces"), headers=api.as_organiser).json()[0] == space


def numbers(schema: object, *, strict: bool, where: str = "") -> list[str]:
    """Where in a pydantic core schema an integer, a number or a boolean is read strictly, or
    laxly (``true`` as 1, ``"3"`` as 3)."""
    if isinstance(schema, dict):
        is_number = schema.get("type") in ("int", "float", "bool")
        found = [where] if is_number and bool(schema.get("strict")) == strict else []
        return found + [
            spot
            for key, value in schema.items()
            for spot in numbers(value, strict=strict, where=f"{where}/{key}")
        ]
    if isinstance(schema, list):
        return [spot for value in schema for spot in numbers(value, strict=strict, where=where)]
    return []


def api_routes() -> list[APIRoute]:
    found = []
    for module in pkgutil.iter_modules(routes.__path__):
        router = importlib.import_module(f"{routes.__name__}.{module.name}").router
        found += [route for route in router.routes if isinstance(route, APIRoute)]
    return found


def test_every_json_body_reads_its_numbers_and_yeses_strictly_and_urls_laxly() -> None:
    """A guard for routes to come: each route's JSON body is read with strict numbers and
    booleans; a value in the path or the query is text in the URL, and is read laxly."""
    wrong = {}
    for route in api_routes():
        where = f"{sorted(route.methods)[0]} {route.path}"
        if route.body_field is not None:
            body = TypeAdapter(route.body_field.field_info.annotation).core_schema
            if numbers(body, strict=False):
                wrong[where] = "lax body"
        for param in (*route.dependant.path_params, *route.dependant.query_params):
            if numbers(TypeAdapter(param.field_info.annotation).core_schema, strict=True):
                wrong[where] = f"strict {param.name}"

    assert wrong == {}


def long_note(size: int) -> bytes:
    return b'{"invitees": ["USA"], "note": "' + b"x" * size + b'"}'


def in_chunks(body: bytes) -> Iterator[bytes]:
    """The body sent without a Content-Length, as a client streaming it does."""
    for start in range(0, len(body), 100_000):
        yield body[start : start + 100_000]


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
def test_a_body_past_the_bound_is_refused_413_in_json_and_writes_nothing(
    api: Lima, announced: bool
) -> None:
    before = row_counts(api.database, *WRITTEN)
    body = long_note(BODY_MAX)
    headers = {**api.as_("RUS"), "Content-Type": "application/json"}

    response = api.client.post(
        url("/requests"), content=body if announced else in_chunks(body), headers=headers
    )

    assert (response.status_code, response.json()) == (
        413,
        {
            "error": {
                "code": "too_large",
                "message": "the body is larger than this request may send",
                "field": "body",
            }
        },
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert row_counts(api.database, *WRITTEN) == before


def test_a_report_of_the_longest_text_escaped_in_json_is_read_past_the_common_bound(
    api: Lima,
) -> None:
    text = "Путин и Обама встретились. " * (report_proposals.MAX_TEXT // 27)
    body = json.dumps({"text": text, "published_on": "2016-11-20", "source": "RIA"}).encode()

    response = api.client.post(
        url("/reports"),
        content=body,
        headers={**api.as_("RUS"), "Content-Type": "application/json"},
    )

    assert len(body) > BODY_MAX
    assert response.status_code == 201, response.text
