"""Every page fits a 360 px phone: the document is never wider than the viewport (wide tables
scroll in their own region), for the public, each delegation page and each organiser page, in
English and in Russian (whose words run longer)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from sidelines.domain import MeetingFormat
from sidelines.domain.negotiation import Answer
from sidelines.services import accounts, negotiation, report_proposals, sheet_links, solves
from sidelines.services.negotiation import Terms
from sidelines.services.report_proposals import ReportIn
from sidelines.services.sheets import SheetKind, SheetRef
from sidelines.web.settings import Settings
from tests.web.helpers import LIMA
from tests.web.pages.conftest import PASSWORDS, PHONE, Site, open_as

EVENT = f"/events/{LIMA}"
DAYS = ("2016-11-19", "2016-11-20")


def _width(page: Page, path: str, site: Site) -> tuple[str, int, str | None]:
    """How wide the page at ``path`` is, and the language it speaks."""
    page.goto(site.page_url(path))
    page.wait_for_load_state()
    width = int(page.evaluate("document.documentElement.scrollWidth"))
    return path, width, page.locator("html").get_attribute("lang")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_page_fits_360_px_without_sideways_scrolling(
    browser: Browser, contexts: list[BrowserContext], site: Site, language: str
) -> None:
    db = site.database
    russia_actor = accounts.log_in(db, "russia", PASSWORDS["russia"]).actor
    usa_actor = accounts.log_in(db, "usa", PASSWORDS["usa"]).actor
    asked = negotiation.create_request(
        db, russia_actor, LIMA, ["USA"], Terms(MeetingFormat.BRIEF_CONTACT)
    )
    agreed = negotiation.respond(db, usa_actor, LIMA, asked.id, Answer.ACCEPT)
    organiser = accounts.log_in(db, "protocol", PASSWORDS["protocol"]).actor
    run = solves.start_solve(db, organiser, LIMA, time_limit_s=2)
    solves.wait_for_run(db, run.id, timeout_s=60)
    for actor in (russia_actor, organiser):
        accounts.set_language(db, actor, language)
    overview = SheetRef(SheetKind.OVERVIEW, date(2016, 11, 19), 0)
    sealed = sheet_links.check_path(Settings().secret_key.encode(), LIMA, overview)

    # The visitor's browser asks for the language (Accept-Language).
    visitor_context = browser.new_context(viewport=PHONE, locale=language)  # type: ignore[arg-type]
    contexts.append(visitor_context)
    visitor = visitor_context.new_page()
    russia = open_as(browser, contexts, site, "russia", PHONE)
    protocol = open_as(browser, contexts, site, "protocol", PHONE)
    visits = [
        (visitor, "/"),
        (visitor, "/login"),
        (visitor, f"{EVENT}/public"),
        (visitor, sealed),  # a printed sheet's check, without an account
        (russia, "/"),
        (russia, f"{EVENT}/inbox"),
        (russia, f"{EVENT}/requests/new"),
        (russia, f"{EVENT}/requests/{asked.id}"),
        (russia, f"{EVENT}/interests"),
        (russia, f"{EVENT}/agenda"),
        (russia, f"{EVENT}/meetings/{agreed.meeting_id}"),
        (russia, f"{EVENT}/statements"),
        (russia, f"{EVENT}/calendar"),
        (russia, f"{EVENT}/requests/999999"),  # the error page
        (russia, f"{EVENT}/print/run-sheet"),
        (russia, f"{EVENT}/check/r0-20161119-RUS"),
        (russia, f"{EVENT}/results"),
        (russia, f"{EVENT}/messages"),
        (russia, f"{EVENT}/reports"),
        (protocol, "/"),
        (protocol, f"{EVENT}/setup"),
        (protocol, f"{EVENT}/grid"),
        (protocol, f"{EVENT}/solves"),
        (protocol, f"{EVENT}/solves/{run.id}"),
        (protocol, f"{EVENT}/changes"),
        (protocol, f"{EVENT}/print/door-sheets?day=2016-11-19"),
        (protocol, f"{EVENT}/print/overview"),
        (protocol, f"{EVENT}/meetings/{agreed.meeting_id}"),
        (protocol, f"{EVENT}/solves/{run.id}/confirm"),
        (protocol, f"{EVENT}/results"),
        (protocol, f"{EVENT}/messages"),
        (protocol, f"{EVENT}/reports"),
        (protocol, f"{EVENT}/door"),
    ]

    seen = [_width(page, path, site) for page, path in visits]

    assert [(path, width) for path, width, _ in seen if width > PHONE["width"]] == []
    assert [(path, lang) for path, _, lang in seen if lang != language] == []


def test_a_russian_run_sheet_with_long_formats_fits_a_phone(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    # The US sheet holds the expanded bilateral with China: "Двусторонняя встреча в
    # расширенном составе" and the principals' titles run wider than 360 px in a table.
    organiser = accounts.log_in(site.database, "protocol", PASSWORDS["protocol"]).actor
    run = solves.start_solve(site.database, organiser, LIMA, time_limit_s=2)
    solves.publish(site.database, organiser, LIMA, solves.wait_for_run(site.database, run.id).id)
    usa = accounts.log_in(site.database, "usa", PASSWORDS["usa"]).actor
    accounts.set_language(site.database, usa, "ru")
    page = open_as(browser, contexts, site, "usa", PHONE)

    widths = [_width(page, f"{EVENT}/print/run-sheet?day={day}", site) for day in DAYS]

    assert [(path, width) for path, width, _ in widths if width > PHONE["width"]] == []


def test_a_russian_press_report_page_fits_a_phone(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    # The text and its claims side by side leave the claims a third of a phone: they stack.
    russia = accounts.log_in(site.database, "russia", PASSWORDS["russia"]).actor
    accounts.set_language(site.database, russia, "ru")
    report = report_proposals.upload_report(
        site.database,
        russia,
        LIMA,
        ReportIn(
            "Putin and Obama spoke briefly at the beginning of the retreat, Peskov told TASS.",
            date(2016, 11, 20),
            "TASS",
        ),
    )
    page = open_as(browser, contexts, site, "russia", PHONE)

    path, width, language = _width(page, f"{EVENT}/reports/{report.id}", site)

    assert (path, width, language) == (path, PHONE["width"], "ru")


def test_the_grid_keeps_its_time_column_in_view_when_scrolled_sideways(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    protocol = open_as(browser, contexts, site, "protocol", PHONE)
    protocol.goto(site.page_url(f"{EVENT}/grid"))
    wrap = protocol.locator(".grid-wrap").first
    time_cell = wrap.locator("tbody th").first
    before = time_cell.bounding_box()
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    after = time_cell.bounding_box()
    assert wrap.evaluate("el => el.scrollLeft") > 300
    assert before is not None
    assert after is not None
    # In view where it was, to the pixel (a sticky cell snaps to whole pixels).
    assert abs(after["x"] - before["x"]) < 1
