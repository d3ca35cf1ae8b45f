"""The printed sheets' pages and the page their QR code leads to: each sheet shows its version
stamp and a QR code of its check link; the check says superseded once a newer version changed
the sheet; readers get only the sheets they may read."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sidelines.services import onsite_changes, sheet_links
from sidelines.services.sheets import SheetKind, SheetRef
from sidelines.storage.db import Database
from sidelines.web.app import create_app
from sidelines.web.pages.session import SESSION_COOKIE
from tests.builders import at
from tests.services.sheet_world import agree_placed, agree_russia_us, local_day
from tests.services.test_onsite_changes import EVENT, _after_the_plenary
from tests.web.helpers import LIMA, TestClient, issue_token, lima_api, solve_and_publish, url

# Each test solves, publishes and renders sheets: seconds each (scripts/test runs them).
pytestmark = pytest.mark.slow


def _check_link(page: str) -> str:
    [link] = re.findall(r'<a class="check-link" href="([^"]+)">', page)
    return link


def test_the_check_page_says_superseded_after_a_new_version(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    printed = {
        day: api.client.get(f"/events/{LIMA}/print/run-sheet?day={day}").text
        for day in ("2016-11-19", "2016-11-20")
    }
    before = {day: api.client.get(_check_link(page)).text for day, page in printed.items()}

    meeting, _ = agree_russia_us(api)
    day = local_day(meeting).isoformat()
    after = api.client.get(_check_link(printed[day])).text

    assert all('id="verdict"><strong>Current:</strong>' in page for page in before.values())
    assert "<strong>Superseded:</strong>" in after
    assert "version 2, published" in after
    assert "Version 2: Bilateral with Russia placed on" in after
    # A newer sheet is a click away.
    assert f'href="/events/{LIMA}/print/run-sheet?day={day}&amp;party=USA"' in after


def test_a_sheet_page_carries_its_version_stamp_and_qr_code(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    api.client.cookies.set(SESSION_COOKIE, api.organiser)

    page = api.client.get(f"/events/{LIMA}/print/door-sheets?day=2016-11-20").text

    sections = page.count('<section class="sheet"')
    assert sections == len(re.findall(r'class="version-stamp">Schedule version 1</strong>', page))
    assert sections == page.count("<svg width=") == 10  # one per space
    secret = api.client.app.state.page_settings.secret
    door = SheetRef(SheetKind.DOOR_SHEET, date(2016, 11, 20), 1, "lcc-bilateral-1")
    assert f"http://testserver{sheet_links.check_path(secret, LIMA, door)}" in page


def test_a_delegation_gets_no_door_sheets_and_the_organiser_names_a_delegation(
    database: Database,
) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    api.client.cookies.set(SESSION_COOKIE, api.tokens["USA"])
    door = api.client.get(f"/events/{LIMA}/print/door-sheets")
    other = api.client.get(f"/events/{LIMA}/check/r1-20161119-RUS")
    api.client.cookies.set(SESSION_COOKIE, api.organiser)
    nameless = api.client.get(f"/events/{LIMA}/print/run-sheet")
    named = api.client.get(f"/events/{LIMA}/print/run-sheet?party=RUS&day=2016-11-20")

    assert (door.status_code, other.status_code, nameless.status_code) == (403, 404, 422)
    assert "Run-sheet of Russia, Sunday 20 November 2016" in named.text


def test_a_delegation_reads_its_own_version_numbers_on_notices_schedule_and_check(
    database: Database,
) -> None:
    api = lima_api(database)
    solve_and_publish(api)
    meeting, _ = agree_placed(api, "JPN", "RUS")
    api.client.cookies.set(SESSION_COOKIE, api.tokens["JPN"])
    day = local_day(meeting).isoformat()
    printed = api.client.get(f"/events/{LIMA}/print/run-sheet?day={day}").text
    agree_russia_us(api)  # others' change: the schedule's third version

    notices = api.client.get(url("/notices"), headers=api.as_("JPN")).json()
    schedule = api.client.get(url("/schedule"), headers=api.as_("JPN")).json()
    organiser = api.client.get(url("/schedule"), headers=api.as_organiser).json()
    agenda = api.client.get(f"/events/{LIMA}/agenda").text
    current = api.client.get(_check_link(printed)).text
    agree_placed(api, "USA", "JPN")  # its own change: the fourth, and its third
    superseded = api.client.get(_check_link(printed)).text

    assert sorted({n["version"] for n in notices}) == [1, 2]
    assert (schedule["version"], organiser["version"]) == (2, 3)
    assert "Version 2:" in agenda
    assert "Version 3:" not in agenda
    secret = api.client.app.state.page_settings.secret
    token = _check_link(printed).rpartition("/")[2]
    assert sheet_links.unseal(secret, token)[1].code == f"r2-{day.replace('-', '')}-JPN"
    assert 'id="verdict"><strong>Current:</strong>' in current
    assert "<strong>Superseded:</strong>" in superseded
    assert "version 3, published" in superseded
    # What changed on the sheet since (if the new meeting fell on its day) is in its numbers.
    assert set(re.findall(r"<li>Version (\d+):", superseded)) <= {"3"}


def test_a_sheet_changed_on_site_says_so_and_its_door_sheet_says_closed(
    database: Database,
) -> None:
    """An overrun and a closure move no meeting and make no version: the run-sheet printed
    before still reads superseded, with what changed; the room's door sheet says when it is
    closed."""
    world = _after_the_plenary(database)
    client = TestClient(create_app(database))
    client.cookies.set(SESSION_COOKIE, issue_token(database, "venue.a.pages", "A", EVENT))
    printed = client.get(f"/events/{EVENT}/print/run-sheet?day=2030-05-06").text

    onsite_changes.report_overrun(
        database, world.organiser, EVENT, session_id="plenary", extra_min=15
    )
    onsite_changes.report_closure(
        database, world.organiser, EVENT, space_id="T1", start=at(9, 0), end=at(9, 30)
    )
    checked = client.get(_check_link(printed)).text
    client.cookies.set(SESSION_COOKIE, issue_token(database, "venue.protocol.pages", None, EVENT))
    door = client.get(f"/events/{EVENT}/print/door-sheets?day=2030-05-06").text

    assert "<strong>Superseded:</strong>" in checked
    assert "a change reported on site since it was printed changes it." in checked
    assert "<li>On site: plenary runs over, until Mon 06 May 10:15</li>" in checked
    assert "<strong>Closed on site:</strong> 09:00–09:30" in door
