"""The messages page in a browser: it passes axe-core and fits a phone, for a delegation with
a webhook and for the organiser."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext

from sidelines.services import accounts, messages
from tests.web.helpers import LIMA
from tests.web.pages.conftest import PASSWORDS, PHONE, Site, check_page, open_as

PAGE = f"/events/{LIMA}/messages"


def test_the_messages_page_passes_axe_and_fits_a_phone(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    russia_actor = accounts.log_in(site.database, "russia", PASSWORDS["russia"]).actor
    messages.add_webhook(site.database, russia_actor, LIMA, "https://rus.example/hook")

    for login, name in (("russia", "messages-delegation"), ("protocol", "messages-organiser")):
        page = open_as(browser, contexts, site, login, PHONE)
        page.goto(site.page_url(PAGE))
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Messages"
        check_page(page, name)

    assert page.locator("#hook-url").count() == 1
