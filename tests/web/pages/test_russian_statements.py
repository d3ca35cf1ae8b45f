"""The statements page in Russian: what a statement is about reads in the case its
preposition asks."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sidelines.services import meetings, statements
from sidelines.services.actors import Actor, Role
from sidelines.services.statements import StatementIn, StatementKind
from sidelines.storage.db import Database
from sidelines.web.security import SESSION_COOKIE
from tests.web.helpers import LIMA, lima_api

STATEMENTS = f"/events/{LIMA}/statements"


def test_a_statement_about_a_meeting_says_so_in_russian_with_the_meeting_s_name_quoted(
    database: Database,
) -> None:
    api = lima_api(database)
    usa = Actor(Role.DELEGATE, event_id=LIMA, party_id="USA")
    [meeting] = meetings.list_meetings(database, usa, LIMA)
    statements.make_statement(
        database,
        usa,
        LIMA,
        StatementIn(
            StatementKind.READOUT,
            "The leaders discussed trade.",
            datetime(2016, 11, 19, 20, 0, tzinfo=UTC),
            meeting_id=meeting.id,
        ),
    )
    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])

    page = api.client.get(STATEMENTS, headers={"Accept-Language": "ru"})

    words = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    # The preposition asks the prepositional case: the name, in the nominative, is quoted.
    assert (
        "изложение · о встрече « Двусторонняя встреча в расширенном составе: "
        "People's Republic of China » ·"
    ) in (words.replace("&#39;", "'")), words
