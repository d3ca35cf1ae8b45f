"""The organiser moves a meeting on the schedule grid: picks it, sees where it fits and why not
elsewhere, clicks a green cell; both sides' agendas and calendar feeds show the new time. Then
locks it, and the grid marks it."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from sidelines.services import accounts, feeds, solves
from sidelines.services.actors import Actor, Role
from sidelines.storage.tables import MeetingPrincipalRow, MeetingRow, UserRow
from tests.web.helpers import LIMA
from tests.web.pages.conftest import DESK, PHONE, Site, check_page, open_as

EVENT = f"/events/{LIMA}"
CHINA_PASSWORD = "zhongnanhai-lima-2016"
LIMA_ZONE = ZoneInfo("America/Lima")


def organiser(site: Site) -> Actor:
    with site.database.reading() as session:
        user_id = session.scalar(select(UserRow.id).where(UserRow.username == "protocol"))
    return Actor(Role.ORGANISER, user_id, "protocol")


def publish_a_schedule(site: Site) -> None:
    """The organiser solves and publishes: the Xi-Obama bilateral gets its place."""
    protocol = organiser(site)
    run = solves.start_solve(site.database, protocol, LIMA, time_limit_s=2)
    solves.publish(site.database, protocol, LIMA, solves.wait_for_run(site.database, run.id).id)


def xi_obama(site: Site) -> tuple[int, datetime]:
    """The Xi-Obama bilateral's id and start, once published."""
    with site.database.reading() as session:
        meeting_id = session.scalar(
            select(MeetingPrincipalRow.meeting_id).where(MeetingPrincipalRow.party_id == "CHN")
        )
        assert meeting_id is not None
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        assert row.starts_at is not None
        return meeting_id, row.starts_at


def feed_start(url: str, meeting_id: int) -> datetime:
    calendar = Calendar.from_ical(httpx.get(url).content)
    uid = feeds.meeting_uid(LIMA, meeting_id)
    [event] = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid]
    start: datetime = event.decoded("DTSTART")
    return start


def log_in(browser: Browser, contexts: list[BrowserContext], site: Site, password: str) -> Page:
    context = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    contexts.append(context)
    page = context.new_page()
    page.goto(site.page_url("/login"))
    page.get_by_label("Username").fill("china")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page


def test_the_organiser_moves_a_meeting_on_the_grid_and_both_sides_see_it(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    publish_a_schedule(site)
    accounts.create_user(
        site.database, "china", CHINA_PASSWORD, Role.DELEGATE, event_id=LIMA, party_id="CHN"
    )
    meeting_id, before = xi_obama(site)
    usa = Actor(Role.DELEGATE, event_id=LIMA, party_id="USA")
    china = Actor(Role.DELEGATE, event_id=LIMA, party_id="CHN")
    feed_urls = [
        site.page_url(f"/api/feeds/{feeds.issue_feed(site.database, actor, LIMA, party).token}.ics")
        for actor, party in ((usa, "USA"), (china, "CHN"))
    ]
    assert [feed_start(url, meeting_id) for url in feed_urls] == [before, before]

    desk = open_as(browser, contexts, site, "protocol", DESK)
    grid_day = before.astimezone(LIMA_ZONE).date()
    desk.goto(site.page_url(f"{EVENT}/grid?day={grid_day.isoformat()}"))
    check_page(desk, "organiser-grid-edits")
    sides = "People's Republic of China – United States"
    desk.get_by_role("link", name=f"Move {sides} {before.astimezone(LIMA_ZONE):%H:%M}").click()
    moving = re.compile(r"^Moving: .+, People's Republic of China and United States$")
    expect(desk.get_by_role("heading", name=moving)).to_be_focused()
    expect(desk.locator("td.nofit").first).to_be_visible()
    check_page(desk, "organiser-grid-picked")
    corridor = open_as(browser, contexts, site, "protocol", PHONE)
    corridor.goto(desk.url)
    expect(corridor.get_by_role("heading", name=moving)).to_be_visible()
    check_page(corridor, "organiser-grid-picked-phone")
    # The first place at another time: the solver's schedule decides where the meeting stands,
    # and a place at its own time in another space would leave its start unchanged.
    was = f"{before.astimezone(LIMA_ZONE):%H:%M}"
    targets = [
        (button, re.search(r"(\d\d:\d\d)", button.get_attribute("aria-label") or ""))
        for button in desk.get_by_role("button", name=re.compile("^Move here")).all()
    ]
    target, new_time = next(
        (button, found) for button, found in targets if found and found.group(1) != was
    )
    target.click()
    expect(desk.locator(".done")).to_have_text("Moved. Both sides have a change notice.")
    check_page(desk, "organiser-grid-moved")

    _, after = xi_obama(site)
    assert after != before
    assert after.astimezone(LIMA_ZONE).strftime("%H:%M") == new_time.group(1)
    for page in (
        open_as(browser, contexts, site, "usa", PHONE),
        log_in(browser, contexts, site, CHINA_PASSWORD),
    ):
        page.goto(site.page_url(f"{EVENT}/agenda?day={grid_day.isoformat()}"))
        expect(page.locator("ol.agenda")).to_contain_text(f"{new_time.group(1)}–")
        expect(page.locator(".notices")).to_contain_text(
            f"moved from {before.astimezone(LIMA_ZONE):%a %H:%M}"
        )
        check_page(page, "agenda-after-grid-move")
    assert [feed_start(url, meeting_id) for url in feed_urls] == [after, after]

    # Locked from the grid: marked, and its other places say why not.
    desk.get_by_role("link", name=f"Move {sides} {new_time.group(1)}").click()
    desk.get_by_role("button", name="Lock where it is").click()
    expect(desk.locator(".done")).to_have_text("Locked: no solve or on-site change will move it.")
    expect(desk.locator("td .tag.locked").first).to_be_visible()
    expect(desk.get_by_role("button", name=re.compile("^Move here"))).to_have_count(0)
    check_page(desk, "organiser-grid-locked")
