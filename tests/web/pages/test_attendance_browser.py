"""In Chromium: a delegation checks in from its meeting's page, and the results page draws its
charts on the server for a delegation and for the organiser."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from sidelines.services import solves
from sidelines.services.attendance import door_code
from tests.web.helpers import LIMA
from tests.web.pages.conftest import DESK, PHONE, Site, check_page, open_as
from tests.web.pages.test_grid_edits import LIMA_ZONE, organiser, xi_obama

pytestmark = pytest.mark.browser

EVENT = f"/events/{LIMA}"


def test_a_side_checks_in_from_its_page_and_both_read_the_results(
    browser: Browser,
    contexts: list[BrowserContext],
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    protocol = organiser(site)
    run = solves.start_solve(site.database, protocol, LIMA, time_limit_s=2)
    solves.publish(site.database, protocol, LIMA, solves.wait_for_run(site.database, run.id).id)
    meeting_id, start = xi_obama(site)
    # The meeting's page as it reads at the meeting's start.
    monkeypatch.setattr("sidelines.web.pages.agenda.now", lambda: start)

    usa = open_as(browser, contexts, site, "usa", PHONE)
    usa.goto(site.page_url(f"{EVENT}/meetings/{meeting_id}"))
    check_page(usa, "meeting-before-check-in")
    usa.get_by_role("button", name="Check in: we are here").click()

    arrived = start.astimezone(LIMA_ZONE).strftime("%H:%M")
    expect(usa.locator("#checked-in")).to_contain_text(f"United States: checked in at {arrived}")
    expect(usa.get_by_role("button", name="Check in: we are here")).to_have_count(0)
    check_page(usa, "meeting-checked-in")

    # Read long after, the results mark China, which never came, a no-show.
    usa.goto(site.page_url(f"{EVENT}/results"))
    expect(usa.locator("#chart-funnel svg title").first).to_have_text(
        "What was asked and what came of it"
    )
    expect(usa.locator("#placed")).to_have_text("1")
    check_page(usa, "results-delegation")
    desk = open_as(browser, contexts, site, "protocol", DESK)
    desk.goto(site.page_url(f"{EVENT}/results"))
    expect(desk.locator("#chart-fairness svg")).to_be_visible()
    expect(desk.locator("table.results tbody tr")).to_have_count(21)
    expect(desk.locator("#line-CHN td").nth(3)).to_have_text("1")  # missed
    check_page(desk, "results-organiser")
    cookies = {c["name"]: c["value"] for c in desk.context.cookies()}
    csv = httpx.get(site.page_url(f"{EVENT}/results.csv"), cookies=cookies)
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.text.splitlines()[0].startswith("party,name,requested")


def test_the_organiser_checks_a_side_in_at_the_door_by_its_code(
    browser: Browser,
    contexts: list[BrowserContext],
    site: Site,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    protocol = organiser(site)
    run = solves.start_solve(site.database, protocol, LIMA, time_limit_s=2)
    solves.publish(site.database, protocol, LIMA, solves.wait_for_run(site.database, run.id).id)
    meeting_id, start = xi_obama(site)
    monkeypatch.setattr("sidelines.web.pages.door.now", lambda: start)
    monkeypatch.setattr("sidelines.web.pages.agenda.now", lambda: start)

    door = open_as(browser, contexts, site, "protocol", PHONE)
    door.goto(site.page_url(f"{EVENT}/door"))
    check_page(door, "door")
    door.get_by_label("Code printed for the meeting").fill(door_code(LIMA, meeting_id))
    door.get_by_label("The side that arrived").select_option("CHN")
    door.get_by_role("button", name="Check in").click()

    when = start.astimezone(LIMA_ZONE).strftime("%a %d %b %Y %H:%M")
    expect(door.locator("#scanned")).to_have_text(
        f"People's Republic of China checked in to the meeting with United States at {when}."
    )
    check_page(door, "door-scanned")
    door.goto(site.page_url(f"{EVENT}/meetings/{meeting_id}"))
    arrived = start.astimezone(LIMA_ZONE).strftime("%H:%M")
    expect(door.locator("#checked-in")).to_contain_text(
        f"People's Republic of China: checked in at {arrived}"
    )
