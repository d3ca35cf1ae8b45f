"""Pages name a request and a meeting in words, by format and sides, never by a row number."""

from __future__ import annotations

import re

from sidelines.domain.negotiation import Answer
from sidelines.services import negotiation
from sidelines.services.accounts import actor_for_token
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.web.pages.session import SESSION_COOKIE
from tests.web.helpers import LIMA, lima_api


def headings(page: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert title is not None
    assert heading is not None
    return title.group(1), heading.group(1)


def test_request_and_meeting_pages_are_headed_by_format_and_sides(database: Database) -> None:
    api = lima_api(database)
    russia = actor_for_token(database, api.tokens["RUS"])
    usa = actor_for_token(database, api.tokens["USA"])
    asked = negotiation.create_request(database, russia, LIMA, ["USA"], Terms())
    agreed = negotiation.respond(database, usa, LIMA, asked.id, Answer.ACCEPT)
    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])

    request_page = api.client.get(f"/events/{LIMA}/requests/{asked.id}").text
    meeting_page = api.client.get(f"/events/{LIMA}/meetings/{agreed.meeting_id}").text

    assert headings(request_page) == (
        "Request: Bilateral, Russia – United States · Sidelines",
        "Request: Bilateral, Russia – United States",
    )
    assert headings(meeting_page) == (
        "Bilateral: Russia and United States · Sidelines",
        "Bilateral: Russia and United States",
    )
    assert str(asked.id) not in headings(request_page)[1]


def test_the_request_page_is_headed_in_russian(database: Database) -> None:
    api = lima_api(database)
    russia = actor_for_token(database, api.tokens["RUS"])
    asked = negotiation.create_request(database, russia, LIMA, ["USA"], Terms())
    api.client.cookies.set(SESSION_COOKIE, api.tokens["RUS"])

    page = api.client.get(
        f"/events/{LIMA}/requests/{asked.id}", headers={"Accept-Language": "ru"}
    ).text

    assert headings(page)[1].startswith("Запрос: ")
