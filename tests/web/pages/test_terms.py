"""Agreeing a request term by term in the browser: the US side agrees the contact, the format
and the time and counters the press plan; Russia's open page shows the counter, and Russia
agrees it. The page passes the axe-core rules and fits a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, expect

from tests.web.helpers import LIMA
from tests.web.pages.conftest import PHONE, Site, check_page, open_as

EVENT = f"/events/{LIMA}"
LIVE_MS = 2000


def test_a_request_agreed_term_by_term_from_two_phones(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    russia = open_as(browser, contexts, site, "russia", PHONE)
    russia.goto(site.page_url(f"{EVENT}/requests/new?to=USA"))
    russia.get_by_label("Format", exact=True).select_option("pull_aside")
    russia.get_by_role("button", name="Send request").click()
    expect(russia.locator("#request-state")).to_have_text("sent")
    request_path = russia.url.removeprefix(site.url)

    usa = open_as(browser, contexts, site, "usa", PHONE)
    usa.goto(site.page_url(request_path))
    terms = usa.locator("#term-table")
    expect(terms.locator("tr[data-term='format']")).to_contain_text("proposed by Russia")
    expect(terms.locator("tr[data-term='format']")).to_contain_text("pull aside, 10 min")
    expect(usa.locator("#participants > li")).to_have_count(2)
    expect(usa.locator("#participants > li").first).to_contain_text("Barack Obama")
    expect(usa.locator("#interpretation")).to_have_text(
        "Interpretation: needed between English and Russian"
    )
    check_page(usa, "usa-request-terms")

    for term in ("contact", "format", "time", "press"):
        usa.get_by_label(term, exact=True).check()
    # Countering the press plan takes back the agreement to it: a term is agreed or countered.
    usa.get_by_label("Press", exact=True).select_option("pool_spray")
    expect(usa.get_by_label("press", exact=True)).not_to_be_checked()
    expect(usa.get_by_label("press", exact=True)).to_be_disabled()
    usa.get_by_role("button", name="Send these terms").click()
    expect(usa.locator("#request-state")).to_have_text("countered")

    # Russia's open page shows the counter; Russia agrees it, and the meeting is agreed.
    press = russia.locator("#term-table tr[data-term='press']")
    expect(press).to_contain_text("proposed by United States", timeout=LIVE_MS)
    expect(press).to_contain_text("pool spray")
    expect(russia.locator("#term-table tr[data-term='contact']")).to_contain_text("agreed")
    check_page(russia, "russia-request-countered-press")
    russia.get_by_label("press", exact=True).check()
    russia.get_by_role("button", name="Send these terms").click()
    expect(russia.locator("#request-state")).to_have_text("accepted")
    expect(russia.get_by_role("link", name="the agreed meeting")).to_have_attribute(
        "href", re.compile(r"/meetings/\d+$")
    )
    check_page(russia, "russia-request-agreed-by-terms")
