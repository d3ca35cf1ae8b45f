"""The seed story (DESIGN.md §8) played in headless Chromium from three browsers: the host's
protocol service at a desk, the Russian and US delegations on phones, and Japan, a third
delegation, that must see none of it. Every page visited passes the axe-core rules, fits a
360 px phone, and leaves a screenshot in ``out/pages/``."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.helpers import LIMA
from tests.web.pages.conftest import DESK, PHONE, Site, check_page, open_as

EVENT = f"/events/{LIMA}"
AT_THE_RETREAT = "At the start of Leaders' retreat, session I, Lima Convention Center"
# The live pages must show news within two seconds, without a reload.
LIVE_MS = 2000


def mark_unreloaded(page: Page) -> None:
    page.evaluate("window.stillTheSamePage = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.stillTheSamePage === true")


def test_seed_story_in_the_browsers_of_russia_the_us_and_the_organiser(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    # The organiser sets up the day: reviews the event, solves, publishes.
    desk = open_as(browser, contexts, site, "protocol", DESK)
    check_page(desk, "organiser-home")
    desk.goto(site.page_url(f"{EVENT}/setup"))
    expect(desk.get_by_role("heading", name="Delegations and their logins")).to_be_visible()
    delegations = desk.get_by_role("region", name="Table of the delegations")
    expect(delegations.get_by_role("row", name=re.compile("^Russia"))).to_contain_text(
        "russia (0 active)"
    )
    check_page(desk, "organiser-setup")
    # A second login for Japan's delegation: its password is shown once.
    desk.locator("#username-JPN").fill("japan-2")
    desk.get_by_role("button", name="Create login for Japan").click()
    expect(desk.locator("#created")).to_contain_text("Login created")
    check_page(desk, "organiser-login-created")
    desk.goto(site.page_url(f"{EVENT}/solves"))
    desk.get_by_label("Time limit in seconds").fill("2")
    desk.get_by_role("button", name="Run the solver").click()
    expect(desk).to_have_url(re.compile(r"/solves/\d+$"))
    mark_unreloaded(desk)
    # Progress arrives without a reload, and the finished run offers to publish.
    expect(desk.locator("#solve-status")).to_have_text("done", timeout=15_000)
    assert_not_reloaded(desk)
    check_page(desk, "organiser-solve")
    desk.get_by_role("button", name="Review and publish").click()
    desk.get_by_role("button", name="Confirm and publish").click()
    expect(desk.get_by_role("heading", name=re.compile("^Version 1"))).to_be_visible()
    check_page(desk, "organiser-changes")
    desk.goto(site.page_url(f"{EVENT}/grid?day=2016-11-20"))
    # The locked Turnbull–Trudeau breakfast, 12:30 UTC, shows at 07:30 Lima time.
    expect(desk.get_by_role("link", name="Australia – Canada 07:30", exact=True)).to_be_visible()
    check_page(desk, "organiser-grid")
    mark_unreloaded(desk)

    # Before the summit the Kremlin says that no separate talks are planned, but that they are
    # possible: a statement about Russia and the US, on its own, as no meeting exists.
    russia = open_as(browser, contexts, site, "russia", PHONE)
    expect(russia).to_have_url(site.page_url(f"{EVENT}/inbox"))
    check_page(russia, "russia-inbox-empty")
    russia.get_by_role("link", name="Statements").click()
    expect(russia.get_by_text("No statement yet.")).to_be_visible()
    russia.get_by_label("United States").check()
    russia.get_by_label("Kind").select_option("announcement")
    russia.get_by_label("Who may read it").select_option("public")
    russia.get_by_label("Said at").fill("2016-11-17T04:00")
    russia.get_by_label("Speaker").fill("Dmitry Peskov, Press Secretary")
    russia.get_by_label("Text").fill("No separate meeting is planned, but they can meet.")
    russia.get_by_label("Sources").fill("Kremlin press service")
    check_page(russia, "russia-statement-before-the-summit")
    russia.get_by_role("button", name="Record the statement").click()
    said = russia.locator("ul.statements > li")
    expect(said).to_have_count(1)
    expect(said).to_contain_text("announcement: Dmitry Peskov, Press Secretary")
    expect(said).to_contain_text("about Russia and United States")
    expect(said).to_contain_text("Thu 17 Nov 2016 04:00")
    check_page(russia, "russia-statements")

    # On arrival both sides mark themselves open to contact.
    russia.goto(site.page_url(f"{EVENT}/interests"))
    russia.get_by_role("button", name="Mark open to contact with United States").click()
    expect(russia.get_by_text("Nothing mutual yet.")).to_be_visible()
    check_page(russia, "russia-interests")
    mark_unreloaded(russia)

    usa = open_as(browser, contexts, site, "usa", PHONE)
    usa.goto(site.page_url(f"{EVENT}/interests"))
    expect(usa.get_by_text("Nothing mutual yet.")).to_be_visible()  # Russia's wish stays hidden
    usa.get_by_role("button", name="Mark open to contact with Russia").click()
    expect(usa.get_by_text("Russia — open to contact")).to_be_visible()
    check_page(usa, "usa-interests")
    # Russia's open page learns that the mark is now mutual.
    expect(russia.get_by_text("United States — open to contact")).to_be_visible(timeout=LIVE_MS)
    assert_not_reloaded(russia)

    # Russia asks, at the venue, for a brief contact as the retreat opens.
    russia.get_by_role("link", name="request a meeting").click()
    expect(russia.get_by_label("United States")).to_be_checked()
    russia.get_by_label("Format", exact=True).select_option("brief_contact")
    russia.get_by_label("Day", exact=True).select_option("2016-11-20")
    russia.locator("#window_from").fill("09:30")
    russia.locator("#window_to").fill("09:45")
    russia.get_by_label("Topics").fill("Syria, Ukraine")
    russia.get_by_label("Priority, 1 to 10").fill("8")
    russia.get_by_label("Asked on site").check()
    check_page(russia, "russia-compose")
    russia.get_by_role("button", name="Send request").click()
    expect(russia.locator("#request-state")).to_have_text("sent")
    expect(russia.get_by_text("Your priority: 8")).to_be_visible()
    check_page(russia, "russia-request-sent")
    request_path = russia.url.removeprefix(site.url)
    mark_unreloaded(russia)

    # The US side sees it, without Russia's priority, and accepts.
    usa.goto(site.page_url(f"{EVENT}/inbox"))
    received = usa.get_by_role("region", name=re.compile("^Received"))
    expect(received.get_by_role("link")).to_have_count(1)
    check_page(usa, "usa-inbox")
    received.get_by_role("link").click()
    expect(usa.get_by_text("Topics: Syria, Ukraine")).to_be_visible()
    expect(usa.get_by_text("Your priority")).to_have_count(0)
    check_page(usa, "usa-request")
    usa.get_by_label("accept").check()
    usa.get_by_role("button", name="Send answer").click()
    answered_at = time.monotonic()
    expect(usa.locator("#request-state")).to_have_text("accepted")

    # Russia's open page shows the answer within two seconds, without a reload; so does the
    # organiser's grid, where the meeting was placed at once into the published schedule.
    expect(russia.locator("#request-state")).to_have_text("accepted", timeout=LIVE_MS)
    assert time.monotonic() - answered_at < LIVE_MS / 1000 + 0.5
    assert_not_reloaded(russia)
    check_page(russia, "russia-request-accepted")
    expect(desk.get_by_role("link", name="Russia – United States 09:30", exact=True)).to_be_visible(
        timeout=LIVE_MS
    )
    assert_not_reloaded(desk)
    check_page(desk, "organiser-grid-placed")
    desk.set_viewport_size(PHONE)  # the grid scrolls in its own region on a phone
    check_page(desk, "organiser-grid-phone")
    desk.set_viewport_size(DESK)

    # Both agendas: five minutes at 09:30 Lima time (14:30 UTC), as the retreat opens, at the
    # retreat itself.
    for side, other in ((usa, "Russia"), (russia, "United States")):
        side.goto(site.page_url(f"{EVENT}/agenda?day=2016-11-20"))
        agenda = side.locator("ol.agenda > li")
        contact = agenda.filter(has_text=f"Brief contact with {other}")
        expect(contact).to_contain_text("09:30–09:35")
        expect(contact.locator(".where")).to_have_text(AT_THE_RETREAT)
        retreat = agenda.filter(has=side.get_by_text("Leaders' retreat, session I", exact=True))
        expect(retreat).to_contain_text("09:30–11:45")
    expect(
        russia.get_by_text("Version 2: Brief contact with United States placed on Sun 09:30")
    ).to_be_visible()
    check_page(russia, "russia-agenda")
    contact.get_by_role("link").click()
    expect(russia.locator("#meeting-status")).to_have_text("scheduled")
    expect(russia.get_by_text("Sun 20 Nov 2016 09:30")).to_be_visible()
    expect(russia.locator("#meeting-place")).to_have_text(AT_THE_RETREAT)
    check_page(russia, "russia-meeting")
    meeting_path = russia.url.removeprefix(site.url)

    # It is held; the US side records it, and Russia's open page shows it.
    mark_unreloaded(russia)
    usa.goto(site.page_url(meeting_path))
    usa.get_by_label("Record what became of it").select_option("held")
    usa.get_by_role("button", name="Record", exact=True).click()
    expect(usa.locator("#meeting-status")).to_have_text("held")
    check_page(usa, "usa-meeting-held")
    expect(russia.locator("#meeting-status")).to_have_text("held", timeout=LIVE_MS)
    assert_not_reloaded(russia)

    # Japan sees none of it: its inbox is empty, and the ids answer "not found".
    japan = open_as(browser, contexts, site, "japan", PHONE)
    expect(japan.get_by_text("No request has reached you.")).to_be_visible()
    expect(japan.get_by_text("You have sent no request.")).to_be_visible()
    expect(japan.locator("main")).not_to_contain_text("Russia")
    check_page(japan, "japan-inbox")
    for path in (request_path, meeting_path):
        response = japan.goto(site.page_url(path))
        assert response is not None
        assert response.status == 404
        expect(japan.get_by_role("heading", name="Not found")).to_be_visible()
    check_page(japan, "japan-not-found")

    # The public reads the Kremlin's statement before the summit, and nothing of the meeting
    # until a side publishes a statement about it.
    public = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    contexts.append(public)
    visitor = public.new_page()
    visitor.goto(site.page_url(f"{EVENT}/public"))
    record = visitor.get_by_role("region", name="Published meetings and statements")
    expect(record.get_by_role("heading", level=3)).to_have_text("Statements about parties")
    expect(record).to_contain_text("No separate meeting is planned, but they can meet.")
    expect(record).to_contain_text("announcement about Russia and United States")
    expect(visitor.get_by_text("Sun 20 Nov 2016 09:30")).to_be_visible()  # the retreat, Lima time

    # The Russian press secretary confirms that the meeting took place (Reuters, RIA).
    russia.get_by_label("Kind").select_option("confirmation")
    russia.get_by_label("Who may read it").select_option("public")
    russia.get_by_label("Speaker").fill("Dmitry Peskov, Press Secretary")
    russia.get_by_label("Text").fill("The presidents spoke briefly at the start of the retreat.")
    russia.get_by_label("Sources").fill("Reuters, RIA Novosti")
    check_page(russia, "russia-statement")
    russia.get_by_role("button", name="Record the statement").click()
    expect(russia.get_by_text("· public")).to_be_visible()

    visitor.reload()
    expect(record.get_by_role("heading", level=3)).to_have_text(
        ["Brief contact: Russia and United States", "Statements about parties"]
    )
    expect(record).to_contain_text(
        f"Sun 20 Nov 2016 09:30 (America/Lima) · held · {AT_THE_RETREAT}"
    )
    expect(record).to_contain_text("reported by Reuters, RIA Novosti")
    expect(record).not_to_contain_text("Syria")  # the agreed topics stay between the sides
    check_page(visitor, "public")
