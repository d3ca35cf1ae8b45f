"""Times as people at the venue read them: a past event's thread carries the year, and the
live-update line says when in venue time, whatever the zone of the reader's browser."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, BrowserContext, expect

from sidelines.domain import MeetingFormat
from sidelines.services import accounts, negotiation
from sidelines.services.clock import now
from sidelines.services.negotiation import Terms
from tests.web.helpers import LIMA
from tests.web.pages.conftest import DESK, PASSWORDS, Site, open_as

EVENT = f"/events/{LIMA}"
LIMA_TIME = ZoneInfo("America/Lima")
LIVE_MS = 2000


def test_a_2016_thread_carries_the_year_and_the_live_line_reads_venue_time(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    db = site.database
    japan = accounts.log_in(db, "japan", PASSWORDS["japan"]).actor
    asked = negotiation.create_request(db, japan, LIMA, ["RUS"], Terms(MeetingFormat.PULL_ASIDE))
    # A browser in Moscow, eight hours ahead of the venue in Lima.
    russia = open_as(browser, contexts, site, "russia", DESK, timezone_id="Europe/Moscow")
    russia.goto(site.page_url(f"{EVENT}/requests/{asked.id}"))

    said = asked.proposals[0].created_at.astimezone(LIMA_TIME)
    expect(russia.locator("ol.thread .meta time").first).to_have_text(
        said.strftime("%d %b %Y %H:%M")
    )

    # News arrives: the status line says when, at the venue.
    negotiation.create_request(db, japan, LIMA, ["RUS"], Terms())
    status = russia.locator(".live-status")
    expect(status).to_have_text(
        re.compile(r"^Updated \d\d:\d\d venue time \(America/Lima\)$"), timeout=LIVE_MS
    )
    shown = status.inner_text()[len("Updated ") : len("Updated 00:00")]
    venue = now().astimezone(LIMA_TIME)
    assert shown in {(venue - timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}
