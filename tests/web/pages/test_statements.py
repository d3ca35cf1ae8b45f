"""The statements page: a joint statement proposed by one side is a draft until the other
co-signs it, and a statement made on its own is linked to the encounter it was about."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Browser, BrowserContext, expect

from sidelines.services import record
from sidelines.services.actors import Actor, Role
from sidelines.services.record import EncounterIn
from tests.web.helpers import LIMA
from tests.web.pages.conftest import PHONE, Site, check_page, open_as

STATEMENTS = f"/events/{LIMA}/statements"
JOINT = "Both sides will keep in touch on the situation in Syria."


def test_joint_statement_is_co_signed_and_a_statement_linked_in_the_browsers(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    # They greeted each other in the corridor; Russia logged it.
    encounter = record.log_encounter(
        site.database,
        Actor(Role.DELEGATE, event_id=LIMA, party_id="RUS"),
        LIMA,
        EncounterIn(
            parties=("RUS", "USA"),
            started_at=datetime(2016, 11, 19, 20, 0, tzinfo=UTC),
            place="the corridor by the plenary hall",
        ),
    )
    russia = open_as(browser, contexts, site, "russia", PHONE)
    russia.goto(site.page_url(STATEMENTS))
    russia.get_by_label("United States").check()
    russia.get_by_label("Kind").select_option("joint")
    russia.get_by_label("Who may read it").select_option("public")
    russia.get_by_label("Text").fill(JOINT)
    russia.get_by_role("button", name="Record the statement").click()
    draft = russia.locator("ul.statements > li")
    expect(draft).to_contain_text("draft joint statement, awaiting United States")
    expect(draft).to_contain_text("about Russia and United States")
    check_page(russia, "russia-joint-draft")

    # Until the US signs, the public reads nothing of it.
    visitor = browser.new_context(viewport=PHONE)  # type: ignore[arg-type]
    contexts.append(visitor)
    public = visitor.new_page()
    public.goto(site.page_url(f"/events/{LIMA}/public"))
    expect(public.get_by_text("Nothing has been made public yet.")).to_be_visible()

    usa = open_as(browser, contexts, site, "usa", PHONE)
    usa.goto(site.page_url(STATEMENTS))
    to_sign = usa.locator("ul.statements > li")
    expect(to_sign).to_contain_text("joint statement proposed by Russia, for you to co-sign")
    check_page(usa, "usa-joint-to-sign")
    to_sign.get_by_role("button").click()
    expect(usa.locator("ul.statements > li")).to_contain_text("Russia, joint statement")

    public.reload()
    expect(public.locator("main")).to_contain_text(JOINT)

    # Russia links it to the encounter it was about.
    russia.reload()
    statement_id = russia.locator("ul.statements > li").get_attribute("id")
    assert statement_id is not None
    # Named as the agenda names it, in the venue's time: 20:00 UTC is 15:00 in Lima.
    encounter_label = (
        "Encounter with United States, Sat 19 Nov 15:00, the corridor by the plenary hall"
    )
    russia.get_by_label("It was about").select_option(label=encounter_label)
    russia.get_by_role("button", name="Link").click()
    expect(russia.locator("ul.statements > li")).to_contain_text(f"about {encounter_label}")
    assert str(encounter.id) not in russia.locator("ul.statements").inner_text()
    check_page(russia, "russia-statement-linked")
