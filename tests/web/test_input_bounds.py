"""Every bound of the API's input, and every 422 naming its field, on both databases: topics,
references, times whose UTC form overflows, ids past what the database holds, NUL characters.
An error never sends back more than a short excerpt of a bad value."""

from __future__ import annotations

from typing import Any

import pytest

from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditRow,
    EncounterRow,
    ProposalRow,
    RequestRow,
    StatementRow,
)
from sidelines.web.bounds import REF_MAX, TOPIC_MAX, TOPICS_MAX
from sidelines.web.errors import MESSAGE_MAX
from tests.web.helpers import Lima, lima_api, request_body, row_counts, url

WRITTEN = (RequestRow, ProposalRow, AuditRow, EncounterRow, StatementRow)
HUGE = "x" * 1_000_000
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
