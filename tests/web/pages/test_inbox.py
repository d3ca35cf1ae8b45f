"""What needs a delegation's answer comes first: the inbox marks and lists it first and the
navigation counts it; the answer and outcome forms choose nothing in advance, and the server
refuses a missing choice in words; a day picked without times means that whole day."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Browser, BrowserContext, expect

from sidelines.domain import MeetingFormat, TimeSpan
from sidelines.domain.negotiation import Answer, MeetingStatus
from sidelines.services import accounts, meetings, negotiation
from sidelines.services.accounts import actor_for_token
from sidelines.services.actors import Actor
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.web.app import create_app
from sidelines.web.pages.session import SESSION_COOKIE
from tests.web.helpers import LIMA, TestClient, import_lima, issue_token
from tests.web.pages.conftest import DESK, PASSWORDS, PHONE, Site, check_page, open_as
from tests.web.pages.test_session import csrf_of

EVENT = f"/events/{LIMA}"
LIVE_MS = 2000


def _delegate(db: Database, username: str) -> Actor:
    """The delegate ``username`` of the site, logged in by password."""
    return accounts.log_in(db, username, PASSWORDS[username]).actor


def test_the_inbox_lists_what_awaits_russia_first_and_the_navigation_counts_it(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    db = site.database
    # Japan asks first (it waits on Russia); the US asks later and Russia counters with a time
    # (it then waits on the US): the older thread comes first, as it needs Russia's answer.
    from_japan = negotiation.create_request(
        db, _delegate(db, "japan"), LIMA, ["RUS"], Terms(MeetingFormat.PULL_ASIDE)
    )
    from_usa = negotiation.create_request(
        db, _delegate(db, "usa"), LIMA, ["RUS"], Terms(MeetingFormat.PULL_ASIDE)
    )
    window = TimeSpan(
        datetime(2016, 11, 20, 14, 30, tzinfo=UTC), datetime(2016, 11, 20, 15, 0, tzinfo=UTC)
    )
    negotiation.respond(
        db,
        _delegate(db, "russia"),
        LIMA,
        from_usa.id,
        Answer.COUNTER,
        counter=Terms(MeetingFormat.PULL_ASIDE, windows=(window,)),
    )

    russia = open_as(browser, contexts, site, "russia", PHONE)
    russia.goto(site.page_url(f"{EVENT}/inbox"))
    nav = russia.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Inbox 1 awaiting your answer")).to_be_visible()
    rows = russia.locator("#received ~ ul.requests > li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-request", str(from_japan.id))
    expect(rows.nth(0).locator(".awaiting-mark")).to_have_text("awaiting your answer")
    expect(rows.nth(1)).to_have_attribute("data-request", str(from_usa.id))
    expect(rows.nth(1).locator(".state")).to_have_text("countered")
    expect(rows.nth(1).locator(".when")).to_have_text("Proposed: Sun 20 Nov 2016 09:30–10:00")
    check_page(russia, "russia-inbox-awaiting")

    # A new request reaches the open inbox: it and the count follow without a reload.
    negotiation.create_request(db, _delegate(db, "usa"), LIMA, ["RUS"], Terms())
    expect(nav.get_by_role("link", name="Inbox 2 awaiting your answer")).to_be_visible(
        timeout=LIVE_MS
    )
    expect(rows).to_have_count(3)

    # The invitee reads the thread as awaiting its answer; no answer is chosen for it.
    rows.nth(0).get_by_role("link").click()
    expect(russia.locator("#request-state")).to_have_text("awaiting your answer")
    for choice in ("accept", "counter", "defer", "soft decline", "decline"):
        expect(russia.get_by_label(choice, exact=True)).not_to_be_checked()
    check_page(russia, "russia-request-awaiting")

    # Japan, which asked, sees its request as sent and waiting on the other side.
    japan = open_as(browser, contexts, site, "japan", DESK)
    japan.goto(site.page_url(f"{EVENT}/requests/{from_japan.id}"))
    expect(japan.locator("#request-state")).to_have_text("sent")
    expect(japan.get_by_text("(awaiting the other side)")).to_be_visible()
    expect(japan.get_by_role("link", name="Inbox", exact=True)).to_be_visible()


def test_interests_filter_parties_as_one_types_and_without_script(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    russia = open_as(browser, contexts, site, "russia", PHONE)
    russia.goto(site.page_url(f"{EVENT}/interests"))
    expect(russia.get_by_text("open to contact says you plan none")).to_be_visible()
    rows = russia.locator("#marks-table tbody tr")
    everyone = rows.count()
    assert everyone > 10
    russia.get_by_label("Find a party").fill("jap")
    expect(rows.locator("visible=true")).to_have_count(1)
    expect(rows.locator("visible=true").locator("th")).to_have_text("Japan")
    expect(russia.locator("#filter-status")).to_have_text("1 party shown")
    check_page(russia, "russia-interests-filtered")

    # Without script, the form asks the server: a code finds the party too.
    plain = browser.new_context(viewport=PHONE, java_script_enabled=False)  # type: ignore[arg-type]
    contexts.append(plain)
    page = plain.new_page()
    page.goto(site.page_url("/login"))
    page.get_by_label("Username").fill("russia")
    page.get_by_label("Password").fill("kremlin-lima-2016")
    page.get_by_role("button", name="Log in").click()
    page.goto(site.page_url(f"{EVENT}/interests?q=usa"))
    expect(page.locator("#marks-table tbody tr")).to_have_count(1)
    expect(page.locator("#marks-table tbody th")).to_have_text("United States")
    expect(page.locator("#filter-status")).to_have_text("1 party shown")


def _client(database: Database, party: str) -> TestClient:
    client = TestClient(create_app(database))
    client.cookies.set(SESSION_COOKIE, issue_token(database, party.lower(), party))
    return client


def test_a_missing_answer_or_outcome_is_refused_in_words_and_nothing_is_written(
    database: Database,
) -> None:
    import_lima(database)
    usa = _client(database, "USA")
    russia = _client(database, "RUS")
    rus = actor_for_token(database, russia.cookies[SESSION_COOKIE])
    asked = negotiation.create_request(
        database, rus, LIMA, ["USA"], Terms(MeetingFormat.PULL_ASIDE)
    )
    thread = f"{EVENT}/requests/{asked.id}"
    page = usa.get(thread).text
    assert 'name="answer" value="accept" required>' in page
    refused = usa.post(f"{thread}/answer", data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 422
    assert "choose an answer: accept, counter, defer or decline" in refused.text
    assert negotiation.get_request(database, rus, LIMA, asked.id).state == "sent"

    us = actor_for_token(database, usa.cookies[SESSION_COOKIE])
    agreed = negotiation.respond(database, us, LIMA, asked.id, Answer.ACCEPT)
    assert agreed.meeting_id is not None
    meeting = meetings.get_meeting(database, rus, LIMA, agreed.meeting_id)
    path = f"{EVENT}/meetings/{meeting.id}"
    page = russia.get(path).text
    assert '<option value="" selected>— choose —</option>' in page
    refused = russia.post(f"{path}/outcome", data={"csrf_token": csrf_of(page), "status": ""})
    assert refused.status_code == 422
    assert "choose what became of the meeting" in refused.text
    after = meetings.get_meeting(database, rus, LIMA, meeting.id)
    assert after.status is not MeetingStatus.HELD
    assert after.status == meeting.status


def test_a_day_without_times_asks_for_that_whole_day_in_lima(database: Database) -> None:
    import_lima(database)
    russia = _client(database, "RUS")
    page = russia.get(f"{EVENT}/requests/new").text
    sent = russia.post(
        f"{EVENT}/requests",
        data={
            "csrf_token": csrf_of(page),
            "invitees": "USA",
            "format": "pull_aside",
            "day": "2016-11-20",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    rus = actor_for_token(database, russia.cookies[SESSION_COOKIE])
    request_id = int(sent.headers["location"].rsplit("/", 1)[1])
    windows = negotiation.get_request(database, rus, LIMA, request_id).current.terms.windows
    assert [(w.start.isoformat(), w.end.isoformat()) for w in windows] == [
        ("2016-11-20T05:00:00+00:00", "2016-11-21T05:00:00+00:00")  # Lima midnight to midnight
    ]
