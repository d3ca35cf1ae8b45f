"""The agenda page reads like the agenda API: meetings by format and counterpart in words, a
room meeting's space by name."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sidelines.domain.negotiation import Answer
from sidelines.services import negotiation
from sidelines.services.accounts import actor_for_token
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.web.pages.session import SESSION_COOKIE
from tests.web.helpers import LIMA, lima_api, solve_and_publish, url


def test_the_agenda_page_names_meetings_counterparts_and_spaces(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    russia = actor_for_token(database, api.tokens["RUS"])
    usa = actor_for_token(database, api.tokens["USA"])
    asked = negotiation.create_request(database, russia, LIMA, ["USA"], Terms())
    negotiation.respond(database, usa, LIMA, asked.id, Answer.ACCEPT)  # placed at once
    [china, russia_meeting] = [
        i
        for i in api.client.get(url("/agenda"), headers=api.as_("USA")).json()
        if i["kind"] == "meeting"
    ]
    assert russia_meeting["title"] == "Bilateral with Russia"
    assert china["where"] != china["space_id"]

    day = datetime.fromisoformat(china["starts_at"]).astimezone(ZoneInfo("America/Lima"))
    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    page = api.client.get(f"/events/{LIMA}/agenda?day={day.date().isoformat()}").text

    found = re.findall(
        r'<a href="/events/[^"]+/meetings/\d+">([^<]*)</a>\s*<span class="where">([^<]*)</span>',
        page,
    )
    assert found == [
        ("Expanded bilateral with People&#39;s Republic of China", china["where"]),
        ("Bilateral with Russia", russia_meeting["where"]),
    ]


def test_an_agreed_meeting_not_yet_placed_reads_in_words(database: Database) -> None:
    api = lima_api(database)
    russia = actor_for_token(database, api.tokens["RUS"])
    usa = actor_for_token(database, api.tokens["USA"])
    asked = negotiation.create_request(database, russia, LIMA, ["USA"], Terms())
    agreed = negotiation.respond(database, usa, LIMA, asked.id, Answer.ACCEPT)

    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    page = api.client.get(f"/events/{LIMA}/agenda").text

    unplaced = page[page.index('id="unplaced"') : page.index('id="notices"')]
    # The event file's China–US meeting, and the one just agreed.
    assert [title for _, title in re.findall(r'meetings/(\d+)">([^<]*)</a>', unplaced)] == [
        "Expanded bilateral with People&#39;s Republic of China",
        "Bilateral with Russia",
    ]
    assert f'meetings/{agreed.meeting_id}">Bilateral with Russia<' in unplaced
