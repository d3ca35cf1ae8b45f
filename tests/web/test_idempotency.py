"""Idempotency keys on ``POST /api/events/{e}/requests``: a retry gets the first answer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from sidelines.storage.db import Database
from sidelines.storage.tables import IdempotencyRow, ProposalRow, RequestRow
from sidelines.web.app import create_app
from tests.web.helpers import TestClient, lima_api, request_body, row_counts, url

THREADS = 6


def test_same_key_and_body_twice_creates_one_request_and_replays_the_first_answer(
    database: Database,
) -> None:
    api = lima_api(database)
    headers = {**api.as_("RUS"), "Idempotency-Key": "rus-usa-1"}
    body = request_body("USA", priority=8)

    first = api.client.post(url("/requests"), json=body, headers=headers)
    second = api.client.post(url("/requests"), json=body, headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert "idempotent-replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert row_counts(database, RequestRow, ProposalRow) == {
        "meeting_requests": 1,
        "proposals": 1,
    }


def test_same_key_with_another_body_is_refused_and_writes_nothing(database: Database) -> None:
    api = lima_api(database)
    headers = {**api.as_("RUS"), "Idempotency-Key": "rus-usa-1"}
    api.client.post(url("/requests"), json=request_body("USA"), headers=headers)
    before = row_counts(database, RequestRow, ProposalRow, IdempotencyRow)

    reused = api.client.post(url("/requests"), json=request_body("JPN"), headers=headers)

    assert (reused.status_code, reused.json()) == (
        422,
        {
            "error": {
                "code": "invalid",
                "message": "this Idempotency-Key was used for a different request",
                "field": "header.Idempotency-Key",
            }
        },
    )
    assert row_counts(database, RequestRow, ProposalRow, IdempotencyRow) == before


def test_same_key_from_another_delegation_is_its_own(database: Database) -> None:
    api = lima_api(database)
    key = {"Idempotency-Key": "first-request"}

    by_russia = api.client.post(
        url("/requests"), json=request_body("USA"), headers={**api.as_("RUS"), **key}
    )
    by_japan = api.client.post(
        url("/requests"), json=request_body("USA"), headers={**api.as_("JPN"), **key}
    )

    assert (by_russia.status_code, by_japan.status_code) == (201, 201)
    assert "idempotent-replayed" not in by_japan.headers
    assert (by_russia.json()["requester"], by_japan.json()["requester"]) == ("RUS", "JPN")
    assert row_counts(database, RequestRow) == {"meeting_requests": 2}


def test_key_of_a_refused_request_can_be_used_again_once_corrected(database: Database) -> None:
    api = lima_api(database)
    headers = {**api.as_("RUS"), "Idempotency-Key": "rus-usa-1"}

    refused = api.client.post(url("/requests"), json=request_body("ATL"), headers=headers)
    # A refused attempt leaves no key behind, so the corrected body is not "another body".
    assert row_counts(database, IdempotencyRow) == {"idempotency_keys": 0}
    corrected = api.client.post(url("/requests"), json=request_body("USA"), headers=headers)

    assert (refused.status_code, corrected.status_code) == (422, 201)
    assert "idempotent-replayed" not in corrected.headers


def test_concurrent_retries_with_the_same_key_create_exactly_one_request(
    database: Database,
) -> None:
    api = lima_api(database)
    headers = {**api.as_("RUS"), "Idempotency-Key": "corridor-retry"}
    body = request_body("USA", priority=8)
    app = create_app(database)
    # FastAPI builds its validators on an app's first request, and pydantic's lazy schema
    # building is not thread-safe: a first request that writes nothing warms the app up.
    warm_up = TestClient(app).post(url("/requests"), json={}, headers=api.as_("RUS"))
    assert warm_up.status_code == 422
    clients = [TestClient(app) for _ in range(THREADS)]
    start = Barrier(THREADS)

    def attempt(client: TestClient) -> tuple[int, dict[str, object], str | None]:
        start.wait()
        response = client.post(url("/requests"), json=body, headers=headers)
        return response.status_code, response.json(), response.headers.get("Idempotent-Replayed")

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(attempt, clients))

    created = [o for o in outcomes if o[0] == 201 and o[2] is None]
    replayed = [o for o in outcomes if o[0] == 201 and o[2] == "true"]
    waiting = [o for o in outcomes if o[0] == 409]
    assert len(created) == 1
    assert len(created) + len(replayed) + len(waiting) == THREADS
    assert [o[1] for o in replayed] == [created[0][1]] * len(replayed)
    assert [o[1] for o in waiting] == [
        {
            "error": {
                "code": "conflict",
                "message": "a request with this Idempotency-Key is still being processed",
                "field": "",
            }
        }
    ] * len(waiting)
    assert row_counts(database, RequestRow, ProposalRow, IdempotencyRow) == {
        "meeting_requests": 1,
        "proposals": 1,
        "idempotency_keys": 1,
    }
