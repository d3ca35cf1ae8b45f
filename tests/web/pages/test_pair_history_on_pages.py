"""The request and meeting pages of a pair recall when and where the pair last met before the
event, and what they discussed, in the reader's language."""

from __future__ import annotations

import html

from sidelines.services import negotiation
from sidelines.services.accounts import actor_for_token
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.web.pages.session import SESSION_COOKIE
from tests.web.helpers import LIMA, lima_api
from tests.web.pages.test_agenda_page import russia_and_usa_agree
from tests.web.test_exports_api import import_the_pair_s_history

IN_ENGLISH = (
    "They last met on the sidelines of the G20 summit in Hangzhou, 5 September 2016, "
    "where they discussed Ukraine and Syria."
)
IN_RUSSIAN = (
    "Последний раз они встречались на полях «G20 summit» в Hangzhou, 05 сентября 2016, "
    "где обсуждали Ukraine и Syria."
)


def test_the_request_and_meeting_pages_say_when_and_where_the_pair_last_met(
    database: Database,
) -> None:
    api = lima_api(database)
    import_the_pair_s_history(api)
    agreed = russia_and_usa_agree(api, database)
    api.client.cookies.set(SESSION_COOKIE, api.tokens["RUS"])

    request_page = api.client.get(f"/events/{LIMA}/requests/{agreed.id}")
    meeting_page = api.client.get(
        f"/events/{LIMA}/meetings/{agreed.meeting_id}", headers={"Accept-Language": "ru"}
    )

    assert IN_ENGLISH in html.unescape(request_page.text)
    assert IN_RUSSIAN in html.unescape(meeting_page.text)


def test_a_pair_with_no_meeting_on_record_gets_no_such_sentence(database: Database) -> None:
    api = lima_api(database)
    import_the_pair_s_history(api)
    japan = actor_for_token(database, api.tokens["JPN"])
    asked = negotiation.create_request(database, japan, LIMA, ["RUS"], Terms())
    api.client.cookies.set(SESSION_COOKIE, api.tokens["JPN"])

    page = api.client.get(f"/events/{LIMA}/requests/{asked.id}")

    assert (page.status_code, "last met" in page.text) == (200, False)
