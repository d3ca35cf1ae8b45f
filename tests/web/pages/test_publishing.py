"""The organiser's Solve page in headless Chromium: the preview of a finished solve, keeping a
change out of it, and the confirmation that names the totals before anything is published."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidelines.storage.tables import NoticeRow, ScheduleVersionRow, SolveRunRow
from tests.web.helpers import LIMA
from tests.web.pages.conftest import DESK, Site, check_page, open_as

EVENT = f"/events/{LIMA}"
SUMMARY = re.compile(r"^\d+ added, \d+ moved, \d+ left out, notices to \d+ delegations$")


def solve_and_publish(desk: Page, site: Site) -> None:
    desk.goto(site.page_url(f"{EVENT}/solves"))
    desk.get_by_label("Time limit in seconds").fill("2")
    desk.get_by_role("button", name="Run the solver").click()
    expect(desk.locator("#solve-status")).to_have_text("done", timeout=15_000)
    summary = desk.locator("#preview-summary strong")
    expect(summary).to_have_text(SUMMARY)
    expect(summary).to_contain_text("0 moved, 0 left out")
    check_page(desk, "organiser-solve-preview")
    shown = summary.inner_text()
    desk.get_by_role("button", name="Review and publish").click()
    # The confirmation names the same totals before anything is written.
    expect(desk.locator("#confirm-summary")).to_contain_text(shown)
    assert versions(site) == 0
    check_page(desk, "organiser-publish-confirm")
    desk.get_by_role("button", name="Confirm and publish").click()
    expect(desk.get_by_role("heading", name=re.compile("^Version 1"))).to_be_visible()


def versions(site: Site) -> int:
    with site.database.reading() as session:
        return session.scalar(select(func.count()).select_from(ScheduleVersionRow)) or 0


def leaving_out_the_first(site: Site) -> tuple[int, int]:
    """A finished solve like the published one without its first meeting; its id and the
    meeting's."""

    def work(session: Session) -> tuple[int, int]:
        published = session.scalars(
            select(SolveRunRow).where(SolveRunRow.status == "published")
        ).one()
        assert published.result is not None
        first, *rest = published.result["assignments"]
        row = SolveRunRow(
            event_id=LIMA,
            status="done",
            requested_by=published.requested_by,
            time_limit_s=1,
            started_at=published.started_at,
            finished_at=published.finished_at,
            progress={},
            # Planned against the version published now, as a solve started now records it.
            result={
                **published.result,
                "assignments": rest,
                "published": {**published.result["published"], "version": _version_now(session)},
            },
        )
        session.add(row)
        session.flush()
        return row.id, int(first["meeting_id"])

    return site.database.write(work)


def _version_now(session: Session) -> int:
    number = session.scalar(
        select(func.max(ScheduleVersionRow.number)).where(ScheduleVersionRow.event_id == LIMA)
    )
    return number or 0


def test_the_organiser_previews_keeps_a_change_out_and_confirms_the_totals(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    desk = open_as(browser, contexts, site, "protocol", DESK)
    solve_and_publish(desk, site)
    run_id, meeting_id = leaving_out_the_first(site)

    desk.goto(site.page_url(f"{EVENT}/solves/{run_id}"))
    expect(desk.locator("#preview-summary strong")).to_have_text(
        "0 added, 0 moved, 1 left out, notices to 2 delegations"
    )
    left_out = desk.get_by_role("table", name=re.compile("^Left out"))
    expect(left_out.get_by_role("row")).to_have_count(2)
    check_page(desk, "organiser-solve-left-out")
    desk.locator(f"#keep-{meeting_id}").check()
    desk.get_by_role("button", name="Review and publish").click()

    expect(desk.locator("#confirm-summary")).to_have_text(
        "0 added, 0 moved, 0 left out, notices to 0 delegations, keeping 1 as published."
    )
    desk.get_by_role("button", name="Confirm and publish").click()
    expect(desk.get_by_role("heading", name=re.compile("^Version 2"))).to_be_visible()
    with site.database.reading() as session:
        assert session.scalar(select(func.count()).where(NoticeRow.version == 2)) == 0


def test_a_confirmation_that_no_longer_holds_publishes_nothing_and_shows_the_new_totals(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    desk = open_as(browser, contexts, site, "protocol", DESK)
    solve_and_publish(desk, site)
    run_id, _ = leaving_out_the_first(site)
    desk.goto(site.page_url(f"{EVENT}/solves/{run_id}/confirm"))
    expect(desk.locator("#confirm-summary")).to_contain_text("1 left out")
    # Meanwhile another solve is published from a second desk: the schedule this one confirms
    # is not the one it would now replace.
    other, _ = leaving_out_the_first(site)
    second = open_as(browser, contexts, site, "protocol", DESK)
    second.goto(site.page_url(f"{EVENT}/solves/{other}/confirm"))
    second.get_by_role("button", name="Confirm and publish").click()
    expect(second.get_by_role("heading", name=re.compile("^Version 2"))).to_be_visible()

    desk.get_by_role("button", name="Confirm and publish").click()

    expect(desk.locator("#publish-refused")).to_contain_text("Not published")
    expect(desk.locator("#confirm-summary")).to_contain_text("0 left out")
    check_page(desk, "organiser-publish-refused")
    assert versions(site) == 2
