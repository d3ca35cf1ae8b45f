"""The exports from the pages: linked from the organiser's setup page and a delegation's
agenda, downloaded as the page's logged-in user."""

from __future__ import annotations

import re

from sidelines.storage.db import Database
from tests.web.helpers import LIMA, import_lima, issue_token
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


def test_the_record_downloaded_from_a_page_is_in_venue_time_with_its_zone(
    database: Database,
) -> None:
    import_lima(database)
    client = logged_in(database, "australia", "AUS")
    said = client.post(
        f"/api/events/{LIMA}/statements",
        json={
            "about_parties": ["AUS", "CAN"],
            "kind": "readout",
            "text": "The prime ministers met over breakfast.",
            "said_at": "2016-11-20T12:00:00Z",
            "visibility": "side",
        },
        headers={"Authorization": f"Bearer {issue_token(database, 'canberra', 'AUS')}"},
    )
    assert said.status_code == 201, said.text

    record = client.get(f"/events/{LIMA}/exports/record.json").json()
    lines = client.get(f"/events/{LIMA}/exports/record.csv").text.splitlines()

    # Noon UTC is seven in the morning in Lima, five hours behind.
    assert record["timezone"] == "America/Lima"
    assert [s["said_at"] for s in record["statements"]] == ["2016-11-20T07:00:00-05:00"]
    assert lines[0].endswith(",sources,timezone")
    statement = next(line for line in lines if line.startswith("statement,"))
    assert ",2016-11-20T07:00:00-05:00," in statement
    assert statement.endswith(",America/Lima")
