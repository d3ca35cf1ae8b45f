"""Forms as people use them in a browser: an impatient second click on a slow network sends
nothing more, and news from the other side does not wipe an answer half written."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Route, expect

from sidelines.domain import MeetingFormat
from sidelines.services import accounts, negotiation
from sidelines.services.actors import Actor, Role
from sidelines.services.negotiation import Terms
from tests.web.helpers import LIMA
from tests.web.pages.conftest import PASSWORDS, PHONE, Site, open_as

EVENT = f"/events/{LIMA}"


def test_a_second_click_on_send_while_the_first_is_on_its_way_sends_nothing_more(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    usa = open_as(browser, contexts, site, "usa", PHONE)
    usa.goto(site.page_url(f"{EVENT}/requests/new"))
    usa.get_by_label("Chile").check()
    held: list[Route] = []
    # A crowded venue network: the post is held on its way while the user clicks again.
    usa.route(f"**{EVENT}/requests", lambda route: held.append(route))

    busy = usa.get_by_role("button", name="Send request").evaluate(
        """button => new Promise(done => {
            button.click();
            setTimeout(() => { button.click(); done(button.getAttribute("aria-disabled")); }, 300);
        })"""
    )

    assert (busy, len(held)) == ("true", 1)
    first = held[0]
    first.fulfill(response=first.fetch(max_redirects=0))
    expect(usa).to_have_url(re.compile(rf"{EVENT}/requests/\d+$"))
    assert len(held) == 1
    usa_actor = accounts.log_in(site.database, "usa", PASSWORDS["usa"]).actor
    assert negotiation.list_requests(site.database, usa_actor, LIMA).total == 1


def test_news_from_the_other_side_waits_while_an_answer_is_half_written(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    russia = open_as(browser, contexts, site, "russia", PHONE)
    db = site.database
    japan = accounts.log_in(db, "japan", PASSWORDS["japan"]).actor
    asked = negotiation.create_request(db, japan, LIMA, ["RUS"], Terms(MeetingFormat.PULL_ASIDE))
    russia.goto(site.page_url(f"{EVENT}/requests/{asked.id}"))
    russia.get_by_role("radio", name="defer").check()
    russia.locator("#reason").fill("let's meet at the next summit")
    send = russia.get_by_role("button", name="Send answer")
    send.focus()  # the answer is written; the reader has moved on to its button

    # Japan writes meanwhile: the page hears of it and keeps what Russia wrote.
    negotiation.create_request(db, japan, LIMA, ["RUS"], Terms(MeetingFormat.COURTESY_CALL))
    status = russia.locator(".live-status")
    expect(status).to_have_text(
        re.compile("it waits until you send or clear the form"), timeout=2000
    )
    expect(russia.locator("#reason")).to_have_value("let's meet at the next summit")
    expect(russia.get_by_role("radio", name="defer")).to_be_checked()
    expect(send).to_be_focused()

    send.press("Enter")
    expect(russia.locator("#request-state")).to_have_text("deferred")
    russia_actor = Actor(Role.DELEGATE, event_id=LIMA, party_id="RUS")
    assert negotiation.get_request(db, russia_actor, LIMA, asked.id).state == "deferred"
