"""A service's refusal reaches a Russian reader in Russian: the sentence the service raised in
English is found in the catalogs and said with its values, on the page that was refused."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, expect

from sidelines.domain import MeetingFormat
from sidelines.services import negotiation
from sidelines.services.accounts import log_in
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from tests.web.helpers import LIMA
from tests.web.pages.conftest import PASSWORDS, PHONE, Site, check_page, open_as
from tests.web.pages.test_agenda_page import statement_said_on_sunday_morning
from tests.web.pages.test_language import choose_russian


def test_an_answer_to_a_request_withdrawn_meanwhile_is_refused_in_russian(
    browser: Browser, contexts: list[BrowserContext], site: Site
) -> None:
    russia = log_in(site.database, "russia", PASSWORDS["russia"]).actor
    asked = negotiation.create_request(
        site.database, russia, LIMA, ["USA"], Terms(MeetingFormat.BILATERAL_RESTRICTED)
    )
    usa = open_as(browser, contexts, site, "usa", PHONE)
    usa.goto(site.page_url(f"/events/{LIMA}/requests/{asked.id}"))
    choose_russian(usa)

    # Russia withdraws while the US delegation reads the request; its answer comes too late.
    negotiation.withdraw_request(site.database, russia, LIMA, asked.id)
    usa.get_by_label("принять", exact=True).check()
    usa.get_by_role("button", name="Отправить ответ").click()

    refusal = usa.get_by_role("alert")
    expect(refusal).to_contain_text(
        "Не выполнено: запрос в состоянии «отозван» и больше не принимает ответов"
    )
    expect(refusal).not_to_contain_text("takes no more answers")
    # The field at fault is the request's state, nothing the reader fills in: left unsaid.
    expect(refusal.locator(".field")).to_have_count(0)
    expect(refusal).not_to_contain_text("(state)")
    check_page(usa, "request-refused-russian")


def test_a_said_at_that_is_no_time_is_refused_on_the_meeting_page_in_russian(
    database: Database,
) -> None:
    refused, said = statement_said_on_sunday_morning(database, "ru")

    assert refused.status_code == 422
    assert "Не выполнено:</strong> это не дата и время: &#39;Sunday morning&#39;" in refused.text
    assert '<span class="field">(когда сказано)</span>' in refused.text
    assert said == []
