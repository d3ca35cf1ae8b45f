"""The press-report pages in a browser, on a phone and a desk: a report pasted, its claim shown
beside the text, accepted into the record; every page passes the accessibility rules."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.web.helpers import LIMA
from tests.web.pages.conftest import DESK, PHONE, Site, check_page, open_as


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (DESK, "desk")])
def test_a_delegation_reads_a_report_and_accepts_its_claim(
    browser: Browser,
    contexts: list[BrowserContext],
    site: Site,
    viewport: dict[str, int],
    name: str,
) -> None:
    page = open_as(browser, contexts, site, "russia", viewport)
    page.goto(site.page_url(f"/events/{LIMA}/reports"))
    check_page(page, f"reports-{name}")

    page.get_by_label("Text of the report").fill(
        "Putin and Obama spoke briefly at the beginning of the retreat, Peskov told TASS."
    )
    page.get_by_label("Dated").fill("2016-11-20")
    page.get_by_label("Published by").fill("Vesti")
    page.get_by_role("button", name="Read the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vesti, 20 November 2016")
    check_page(page, f"report-{name}")
    page.get_by_role("button", name="Accept into the record").click()

    expect(page.get_by_text("an encounter ·")).to_be_visible()
