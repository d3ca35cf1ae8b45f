"""The pages work from a keyboard alone: a skip link first, then the form in reading order."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, expect

from tests.web.helpers import LIMA
from tests.web.pages.conftest import PASSWORDS, PHONE, Site, check_page


def test_a_delegation_logs_in_and_reaches_its_inbox_with_the_keyboard_alone(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    context = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    contexts.append(context)
    page = context.new_page()
    page.goto(site.page_url("/login"))
    check_page(page, "login")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("russia")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORDS["russia"])
    page.keyboard.press("Enter")

    expect(page).to_have_url(site.page_url(f"/events/{LIMA}/inbox"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox of Russia")
