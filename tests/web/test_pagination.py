"""Paging through requests: every visible request exactly once; totals count only those."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from sidelines.storage.db import Database
from sidelines.storage.tables import EventRow
from tests.web.helpers import LIMA, Lima, lima_api, post_request, url


def walk(api: Lima, headers: dict[str, str], query: str = "") -> tuple[list[int], list[int]]:
    """Every page of ``GET …/requests?limit=2``: the ids in order, and each page's total."""
    ids: list[int] = []
    totals: list[int] = []
    after: int | None = None
    while True:
        cursor = f"&after={after}" if after is not None else ""
        page: dict[str, Any] = api.client.get(
            url(f"/requests?limit=2{cursor}{query}"), headers=headers
        ).json()
        ids.extend(item["id"] for item in page["items"])
        totals.append(page["total"])
        after = page["next_cursor"]
        if after is None:
            return ids, totals


def busy_summit(api: Lima) -> dict[str, list[int]]:
    """Requests between several delegations: the ids each one may see, under ``drafts`` the
    two drafts, and under ``all`` every request, in the order they were made."""
    russian = [post_request(api, "RUS", other)["id"] for other in ("USA", "JPN", "CHN", "PER")]
    draft = post_request(api, "RUS", "USA", send=False)["id"]
    us_to_japan = post_request(api, "USA", "JPN")["id"]
    # Another format: Russia's request to Japan for a restricted bilateral is still open.
    japan_to_russia = post_request(
        api, "JPN", "RUS", proposal={"topics": ["trade"], "format": "bilateral_expanded"}
    )["id"]
    us_draft = post_request(api, "USA", "RUS", send=False)["id"]
    return {
        "RUS": [*russian, draft, japan_to_russia],
        "USA": [russian[0], us_to_japan, us_draft],
        "JPN": [russian[1], us_to_japan, japan_to_russia],
        "CHN": [russian[2]],
        "drafts": [draft, us_draft],
        "all": [*russian, draft, us_to_japan, japan_to_russia, us_draft],
    }


def test_pages_of_two_walk_every_visible_request_exactly_once(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA", "JPN", "CHN"))
    visible = busy_summit(api)

    for party in ("RUS", "USA", "JPN", "CHN"):
        expected = visible[party]
        ids, totals = walk(api, api.as_(party))

        assert ids == expected, party
        assert totals == [len(expected)] * len(totals), party


def test_page_boundary_on_the_last_request_ends_the_walk(database: Database) -> None:
    api = lima_api(database)
    expected = [post_request(api, "RUS", "USA")["id"], post_request(api, "RUS", "JPN")["id"]]

    page = api.client.get(url("/requests?limit=2"), headers=api.as_("RUS")).json()

    assert ([item["id"] for item in page["items"]], page["total"], page["next_cursor"]) == (
        expected,
        2,
        None,
    )


def test_boxes_and_states_page_only_what_matches(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA", "JPN", "CHN"))
    visible = busy_summit(api)

    sent, sent_totals = walk(api, api.as_("RUS"), "&box=sent")
    received, received_totals = walk(api, api.as_("RUS"), "&box=received")
    drafts, _ = walk(api, api.as_("RUS"), "&state=draft")

    assert (sent, sent_totals[0]) == (visible["RUS"][:5], 5)
    assert (received, received_totals[0]) == (visible["RUS"][5:], 1)
    assert drafts == [visible["RUS"][4]]


def test_organiser_who_sees_bookings_only_pages_nothing(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA", "JPN", "CHN"))
    busy_summit(api)

    page = api.client.get(url("/requests?limit=2"), headers=api.as_organiser).json()

    assert page == {"items": [], "total": 0, "next_cursor": None}


def test_organiser_who_sees_everything_pages_every_sent_request(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA", "JPN", "CHN"))
    visible = busy_summit(api)
    with database.writing() as session:
        session.execute(
            update(EventRow).where(EventRow.id == LIMA).values(organiser_sees="everything")
        )

    ids, totals = walk(api, api.as_organiser)

    sent = [i for i in visible["all"] if i not in visible["drafts"]]
    assert (ids, totals[0]) == (sent, 6)


def test_public_pages_nothing(database: Database) -> None:
    api = lima_api(database)
    post_request(api, "RUS", "USA")

    page = api.client.get(url("/requests?limit=2")).json()

    assert page == {"items": [], "total": 0, "next_cursor": None}
