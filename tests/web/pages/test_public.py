"""The public page names a published meeting by its format in words, as every other page
names it ("Expanded bilateral"), in the reader's language."""

from __future__ import annotations

import html
import re

from sidelines import i18n
from sidelines.services import notice_text
from sidelines.storage.db import Database
from tests.web.helpers import LIMA, lima_api
from tests.web.test_exports_api import us_readout_at_noon_utc


def test_a_published_meeting_reads_by_its_format_in_words(database: Database) -> None:
    api = lima_api(database)
    us_readout_at_noon_utc(api, "public")

    english = html.unescape(api.client.get(f"/events/{LIMA}/public").text)
    russian = html.unescape(
        api.client.get(f"/events/{LIMA}/public", headers={"Accept-Language": "ru"}).text
    )

    # The event file's Xi–Obama meeting is an expanded bilateral.
    assert re.findall(r"<h3>([^<]*)</h3>", english)[0] == (
        "Expanded bilateral: People's Republic of China and United States"
    )
    with i18n.speaking("ru"):
        in_russian = notice_text.format_label("bilateral_expanded")
    assert in_russian != "Expanded bilateral"
    assert re.findall(r"<h3>([^<]*)</h3>", russian)[0].startswith(f"{in_russian}: ")
