"""What a third delegation can observe, measured as an attacker would: its agenda, inbox (API
and page), calendar feed, notices, audit trail and live changes, with their ETags, are the same
byte for byte whether or not two other delegations negotiate, agree and have their meeting
placed in between; and its own new ids tell nothing of how many objects others made."""

from __future__ import annotations

from typing import Any

import pytest

from sidelines.services import live
from sidelines.services.accounts import actor_for_token
from sidelines.storage.db import Database
from sidelines.storage.tables import ROW_ID_END
from tests.web.helpers import LIMA, Lima, lima_api, post_request, solve_and_publish, url

# Each test builds an event of many delegations and compares whole reads: seconds each.
pytestmark = pytest.mark.slow

OBSERVER = "JPN"
# Reads whose answer (status, ETag, body) the observer keeps seeing.
READS = (
    "/agenda",
    "/requests",
    "/requests?box=received",
    "/notices",
    "/audit",
    "/meetings",
    "/schedule",
)


def observe(api: Lima, feed: str) -> dict[str, Any]:
    """Everything the observer reads, each as (status, ETag, body)."""
    seen: dict[str, Any] = {}
    for path in READS:
        response = api.client.get(url(path), headers=api.as_(OBSERVER))
        seen[path] = (response.status_code, response.headers.get("ETag"), response.content)
    page = api.client.get(
        f"/events/{LIMA}/inbox", headers={"Cookie": f"sidelines_session={api.tokens[OBSERVER]}"}
    )
    seen["inbox page"] = (page.status_code, page.headers.get("ETag"), page.content)
    calendar = api.client.get(feed)
    seen["feed"] = (calendar.status_code, calendar.headers.get("ETag"), calendar.content)
    return seen


def others_negotiate_agree_and_place(api: Lima) -> None:
    """Russia asks the US twice; one is countered and accepted, the other agreed on site and
    placed in the published schedule; China's ask of Russia is declined."""
    first = post_request(api, "RUS", "USA", proposal={"format": "pull_aside", "topics": ["x"]})
    placed = api.client.post(url(f"/requests/{first['id']}/agreed-on-site"), headers=api.as_("USA"))
    assert placed.status_code == 200, placed.text
    assert placed.json()["placement"]["placed"] is True
    second = post_request(api, "USA", "RUS", proposal={"format": "pull_aside", "topics": ["y"]})
    declined = api.client.post(
        url(f"/requests/{second['id']}/answers"),
        json={"answer": "decline", "reason": "scheduling conflict"},
        headers=api.as_("RUS"),
    )
    assert declined.status_code == 200, declined.text


@pytest.fixture
def api(database: Database) -> Lima:
    api = lima_api(database, parties=("RUS", "USA", OBSERVER))
    solve_and_publish(api)
    # The observer's own business: a request it sent, so that its inbox is not empty.
    post_request(api, OBSERVER, "RUS")
    return api


def issue_feed(api: Lima) -> str:
    issued = api.client.post(url(f"/feeds/{OBSERVER}"), headers=api.as_(OBSERVER))
    assert issued.status_code == 201, issued.text
    feed: str = issued.json()["url"]
    return feed.removeprefix("http://testserver")


def test_a_third_delegation_observes_the_same_before_and_after_others_agree(api: Lima) -> None:
    feed = issue_feed(api)
    observer = actor_for_token(api.database, api.tokens[OBSERVER])
    cursor = live.current_cursor(api.database, observer, LIMA)
    before = observe(api, feed)

    others_negotiate_agree_and_place(api)
    after = observe(api, feed)

    assert {k: v for k, v in after.items() if v != before[k]} == {}
    assert live.changes_since(api.database, observer, LIMA, cursor) == []
    assert live.current_cursor(api.database, observer, LIMA) == cursor


def test_every_tag_the_observer_holds_still_answers_304(api: Lima) -> None:
    feed = issue_feed(api)
    before = observe(api, feed)

    others_negotiate_agree_and_place(api)

    for path in ("/agenda", "/requests", "/schedule"):
        again = api.client.get(
            url(path), headers=api.as_(OBSERVER) | {"If-None-Match": before[path][1]}
        )
        assert (path, again.status_code) == (path, 304)
    calendar = api.client.get(feed, headers={"If-None-Match": before["feed"][1]})
    page = api.client.get(
        f"/events/{LIMA}/inbox",
        headers={
            "Cookie": f"sidelines_session={api.tokens[OBSERVER]}",
            "If-None-Match": before["inbox page"][1],
        },
    )
    assert (calendar.status_code, page.status_code) == (304, 304)


def test_the_observer_s_own_change_changes_its_tags(api: Lima) -> None:
    feed = issue_feed(api)
    before = observe(api, feed)

    post_request(api, OBSERVER, "USA")
    after = observe(api, feed)

    assert after["/requests"][1] != before["/requests"][1]
    assert after["inbox page"][1] != before["inbox page"][1]


def test_the_observer_s_new_ids_do_not_count_what_others_made(api: Lima) -> None:
    ids = []
    for _ in range(12):
        ids.append(post_request(api, OBSERVER, "USA")["id"])
        other = post_request(api, "RUS", "USA")["id"]  # another's request in between, every time
        # Withdrawn, so that the next request to the same party is not a duplicate.
        for party, request_id in ((OBSERVER, ids[-1]), ("RUS", other)):
            withdrawn = api.client.post(
                url(f"/requests/{request_id}/withdraw"), headers=api.as_(party)
            )
            assert withdrawn.status_code == 200, withdrawn.text

    # Uniformly random below 2^53: neither in creation order nor close together (twelve
    # sorted draws have odds of 1 in 479,001,600; twelve within 2^45 of each other, 1 in 2^85).
    assert all(1 <= i < ROW_ID_END for i in ids)
    assert ids != sorted(ids)
    assert max(ids) - min(ids) > 2**45
    assert len(set(ids)) == len(ids)
