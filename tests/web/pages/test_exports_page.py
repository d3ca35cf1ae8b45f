"""The exports from the pages: linked from the organiser's setup page and a delegation's
agenda, downloaded as the page's logged-in user."""

from __future__ import annotations

import re

from sidelines.storage.db import Database
from tests.web.helpers import LIMA, import_lima
from tests.web.pages.test_session import logged_in


def test_the_setup_page_links_the_exports_and_they_download(database: Database) -> None:
    import_lima(database)
    client = logged_in(database, "protocol", None)

    page = client.get(f"/events/{LIMA}/setup")
    links = re.findall(rf'href="(/events/{LIMA}/exports/[^"]+)"', page.text)
    event_file = client.get(f"/events/{LIMA}/exports/event.yaml")

    assert [link.rsplit("/", 1)[1] for link in links] == [
        "event.yaml",
        "event.json",
        "schedule.csv",
        "schedule.ics",
        "record.json",
        "record.csv",
    ]
    assert event_file.status_code == 200
    assert event_file.text.startswith(f"id: {LIMA}\n")
    assert event_file.headers["content-disposition"] == (
        f'attachment; filename="{LIMA}-event.yaml"'
    )


def test_a_delegation_downloads_its_schedule_but_not_the_event_file(database: Database) -> None:
    import_lima(database)
    client = logged_in(database, "russia", "RUS")

    agenda = client.get(f"/events/{LIMA}/agenda")
    schedule = client.get(f"/events/{LIMA}/exports/schedule.ics")
    event_file = client.get(f"/events/{LIMA}/exports/event.yaml")

    assert f"/events/{LIMA}/exports/schedule.ics" in agenda.text
    assert schedule.status_code == 200
    assert schedule.text.startswith("BEGIN:VCALENDAR")
    assert event_file.status_code == 403
