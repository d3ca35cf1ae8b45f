"""The history of a pair through the API, in the reader's language."""

from __future__ import annotations

from sidelines.storage.db import Database
from tests.web.helpers import lima_api
from tests.web.test_exports_api import import_the_pair_s_history


def test_last_met_answers_in_russian_to_a_reader_who_asks_for_russian(
    database: Database,
) -> None:
    api = lima_api(database)
    import_the_pair_s_history(api)
    asked = "/api/history/last-met?a=RUS&b=USA&before=2016-11-19"

    in_russian = api.client.get(asked, headers={**api.as_("RUS"), "Accept-Language": "ru"})
    in_english = api.client.get(asked, headers={**api.as_("RUS"), "Accept-Language": "en"})
    never_met = api.client.get(
        "/api/history/last-met?a=JPN&b=PER", headers={"Accept-Language": "ru-RU, en;q=0.5"}
    )

    assert in_russian.json()["answer"] == (
        "Последний раз они встречались на полях «G20 summit» в Hangzhou, 05 сентября 2016, "
        "где обсуждали Ukraine и Syria."
    )
    assert in_english.json()["answer"] == (
        "They last met on the sidelines of the G20 summit in Hangzhou, 5 September 2016, "
        "where they discussed Ukraine and Syria."
    )
    assert never_met.json()["answer"] == "Встреч не найдено."
