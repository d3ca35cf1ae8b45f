"""Printing from the browser: the run-sheet, door sheets and the day overview print without the
navigation or buttons, each day or space on its own page, with the schedule version stamp and
the QR code; on screen they pass the page checks at phone width."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect

from sidelines.services import solves
from sidelines.services.onsite_changes import organiser_named
from tests.web.helpers import LIMA
from tests.web.pages.conftest import DESK, PHONE, Site, check_page, open_as

EVENT = f"/events/{LIMA}"


def _publish(site: Site) -> None:
    organiser = organiser_named(site.database, "protocol")
    run = solves.start_solve(site.database, organiser, LIMA, time_limit_s=1)
    solves.publish(site.database, organiser, LIMA, solves.wait_for_run(site.database, run.id).id)


def _printed(page: Page) -> None:
    """What paper shows: no navigation, no print button; the stamp and the QR code; every
    sheet but the last ends its page."""
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator(".print-actions")).to_be_hidden()
    stamps = page.locator(".version-stamp")
    expect(stamps.first).to_be_visible()
    expect(stamps.first).to_have_text("Schedule version 1")
    expect(page.locator(".sheet-stamp .qr svg").first).to_be_visible()
    breaks = page.locator(".sheet").evaluate_all(
        "sheets => sheets.map(s => getComputedStyle(s).breakAfter)"
    )
    assert breaks == ["page"] * (len(breaks) - 1) + ["auto"]
    page.emulate_media(media="screen")


def test_a_delegation_prints_its_run_sheet_from_its_agenda(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    _publish(site)
    usa = open_as(browser, contexts, site, "usa", PHONE)
    usa.goto(site.page_url(f"{EVENT}/agenda"))

    usa.get_by_role("link", name="every day").click()

    expect(usa.get_by_role("heading", level=1)).to_have_text(
        [
            "Run-sheet of United States, Saturday 19 November 2016",
            "Run-sheet of United States, Sunday 20 November 2016",
        ]
    )
    expect(usa.locator("header.top")).to_be_visible()
    check_page(usa, "print-run-sheet-phone")
    _printed(usa)

    # The QR code's link says the sheet is current.
    usa.locator(".check-link").first.click()
    expect(usa.locator("#verdict")).to_contain_text("Current: version 1 is the latest.")
    check_page(usa, "sheet-check-phone")


def test_the_organiser_prints_door_sheets_and_the_overview_from_the_grid(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    _publish(site)
    protocol = open_as(browser, contexts, site, "protocol", DESK)
    protocol.goto(site.page_url(f"{EVENT}/grid?day=2016-11-20"))

    protocol.get_by_role("link", name="door sheets").click()
    expect(protocol.locator(".sheet")).to_have_count(10)  # one a space
    check_page(protocol, "print-door-sheets")
    _printed(protocol)

    protocol.goto(site.page_url(f"{EVENT}/grid?day=2016-11-20"))
    protocol.get_by_role("link", name="Print this day's overview").click()
    expect(protocol.get_by_role("heading", level=1)).to_have_text(
        "Day overview, Sunday 20 November 2016"
    )
    expect(protocol.get_by_role("columnheader", name="Australian delegation suite")).to_be_visible()
    check_page(protocol, "print-overview")
    _printed(protocol)

    # Every day at once: each day's table is a region of its own name.
    protocol.goto(site.page_url(f"{EVENT}/print/overview"))
    expect(
        protocol.get_by_role("region", name="Spaces across, time down, Sunday 20 November")
    ).to_be_visible()
    check_page(protocol, "print-overview-every-day")
