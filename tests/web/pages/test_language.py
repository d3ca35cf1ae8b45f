"""A delegation and the organiser who chose Russian read the pages in Russian: navigation,
dates with Russian month names in venue time, change notices and what the grid says after an
edit; the choice stays with the account on the next login."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from sidelines import i18n
from tests.web.helpers import LIMA
from tests.web.pages.conftest import DESK, PHONE, Site, check_page, open_as
from tests.web.pages.test_grid_edits import LIMA_ZONE, publish_a_schedule, xi_obama

EVENT = f"/events/{LIMA}"


def choose_russian(page: Page) -> None:
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "ru")


def test_a_user_who_chose_russian_reads_russian_pages(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    publish_a_schedule(site)
    _, before = xi_obama(site)
    day = before.astimezone(LIMA_ZONE).date()

    desk = open_as(browser, contexts, site, "protocol", DESK)
    desk.goto(site.page_url(f"{EVENT}/grid?day={day.isoformat()}"))
    choose_russian(desk)
    expect(desk.get_by_role("navigation", name="Главное меню")).to_contain_text("Сетка")
    sides = "People's Republic of China – United States"
    desk.get_by_role(
        "link", name=f"Перенести: {sides} {before.astimezone(LIMA_ZONE):%H:%M}"
    ).click()
    desk.get_by_role("button", name=re.compile("^Перенести сюда")).first.click()
    expect(desk.locator(".done")).to_have_text("Перенесена. Обе стороны получили уведомление.")
    check_page(desk, "grid-russian")

    usa = open_as(browser, contexts, site, "usa", PHONE)
    choose_russian(usa)
    usa.goto(site.page_url(f"{EVENT}/agenda?day={day.isoformat()}"))
    navigation = usa.get_by_role("navigation", name="Главное меню")
    expect(navigation.get_by_role("link", name="Входящие")).to_be_visible()
    expect(navigation.get_by_role("link", name="Программа дня")).to_be_visible()
    with i18n.speaking("ru"):
        heading = i18n.format_day(day, "%A %d %B %Y")
        was = i18n.format_instant(before, LIMA_ZONE, "%a %H:%M")
    assert "ноября" in heading
    expect(usa.get_by_role("heading", level=2, name=heading)).to_be_visible()
    expect(usa.locator(".notices")).to_contain_text(
        "Двусторонняя встреча в расширенном составе: People's Republic of China"
        f" — перенос с {was}, "
    )
    check_page(usa, "agenda-russian")

    # Kept on the account: the next login reads Russian without choosing again.
    again = open_as(browser, contexts, site, "usa", PHONE)
    again.goto(site.page_url(f"{EVENT}/agenda"))
    expect(again.locator("html")).to_have_attribute("lang", "ru")
    expect(again.get_by_role("heading", level=1)).to_have_text("Программа дня: United States")
