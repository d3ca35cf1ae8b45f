"""The press-report pages, without a browser: upload, the claims beside the text with their
sentences marked, a claim accepted with a corrected field, and another delegation kept out."""

from __future__ import annotations

import html
import re
from zoneinfo import ZoneInfo

import pytest

from sidelines.services import record
from sidelines.services.actors import Actor, Role
from sidelines.storage.db import Database
from tests.formats.reports.pdfs import one_line_pdf
from tests.web.helpers import LIMA, TestClient, import_lima
from tests.web.pages.test_session import csrf_of, logged_in

EVENT = f"/events/{LIMA}"
TEXT = "Putin and Obama spoke briefly at the beginning of the retreat, Peskov told TASS."
RUSSIA = Actor(Role.DELEGATE, event_id=LIMA, party_id="RUS")


def upload(client: TestClient, text: str = TEXT) -> str:
    form = client.get(f"{EVENT}/reports")
    answer = client.post(
        f"{EVENT}/reports",
        data={
            "text": text,
            "published_on": "2016-11-20",
            "source": "Vesti",
            "media_type": "text/plain",
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


@pytest.fixture
def russia(database: Database) -> TestClient:
    import_lima(database)
    return logged_in(database, "russia", "RUS")


def test_report_page_marks_the_claims_sentences_and_accepts_a_corrected_claim(
    database: Database, russia: TestClient
) -> None:
    location = upload(russia)

    page = russia.get(location)
    answer = russia.post(
        f"{location}/claims/0",
        data={
            "action": "accept",
            "format": "pull_aside",
            "modality": "held",
            "day": "2016-11-20",
            "topics": "syria",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )

    assert page.status_code == 200
    assert f'<mark title="claims 1">{TEXT}<sup>1</sup></mark>' in page.text
    assert answer.status_code == 303
    [encounter] = record.list_encounters(database, RUSSIA, LIMA)
    assert (encounter.format, encounter.topics) == ("pull_aside", ("syria",))
    assert '<span class="tag">in the record</span>' in russia.get(location).text


def _facts(page: str) -> dict[str, str]:
    """A claim's facts as the reader sees them, tags and spaces folded."""
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page, re.S)
    return {
        html.unescape(k): " ".join(html.unescape(re.sub(r"<[^>]+>", "", v)).split())
        for k, v in pairs
    }


def test_a_claim_reads_in_names_not_ids_before_and_after_it_is_accepted(
    database: Database, russia: TestClient
) -> None:
    location = upload(russia)
    page = russia.get(location).text

    assert "Reuters" not in page
    assert "<h1>Vesti, 20 November 2016</h1>" in page
    assert re.search(r"1\. Meeting: Barack Obama and Vladimir Putin <span", page) or re.search(
        r"1\. Meeting: Vladimir Putin and Barack Obama <span", page
    )
    facts = _facts(page)
    assert facts["Event"] == "APEC Economic Leaders' Meeting 2016"
    assert facts["Session"] == "Leaders' retreat, session I (at the start)"
    assert facts["Confirmed by"] == "Dmitry Peskov, press secretary (Russia)"

    russia.post(
        f"{location}/claims/0",
        data={"action": "accept", "csrf_token": csrf_of(page)} | _as_proposed(page),
    )
    accepted = russia.get(location).text

    assert '<span class="tag">in the record</span>' in accepted
    said = _facts(accepted)["In the record"]
    assert said == "an encounter · your side's confirmation"
    assert "_id" not in accepted


def test_a_claim_names_who_confirmed_it_by_post_in_the_reader_s_language(
    database: Database, russia: TestClient
) -> None:
    location = upload(russia)

    page = russia.get(location, headers={"Accept-Language": "ru"}).text

    assert _facts(page)["Подтвердили"] == "Dmitry Peskov, пресс-секретарь (Russia)"


def _as_proposed(page: str) -> dict[str, str]:
    """The review form's fields as the page proposes them."""
    fields: dict[str, str] = {}
    for name in ("format", "modality"):
        found = re.search(rf'name="{name}">.*?<option value="([^"]+)" selected>', page, re.S)
        assert found is not None
        fields[name] = found[1]
    for name in ("day", "topics"):
        found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
        assert found is not None
        fields[name] = html.unescape(found[1])
    return fields


def test_another_delegation_gets_not_found(database: Database, russia: TestClient) -> None:
    location = upload(russia)

    japan = logged_in(database, "japan", "JPN")

    assert japan.get(location).status_code == 404
    assert TEXT not in japan.get(f"{EVENT}/reports").text


def test_bad_correction_is_shown_and_writes_nothing(database: Database, russia: TestClient) -> None:
    location = upload(russia)
    page = russia.get(location)

    answer = russia.post(
        f"{location}/claims/0",
        data={"action": "accept", "day": "20 Nov", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )

    assert answer.status_code == 422
    # The field at fault, in the form's words, not its path in the request.
    assert re.search(r'role="alert">[^<]*\(day\)</p>', answer.text), answer.text
    assert "corrections.day" not in answer.text
    assert (
        record.list_encounters(database, Actor(Role.DELEGATE, event_id=LIMA, party_id="RUS"), LIMA)
        == []
    )


def test_a_pdf_file_is_read_as_its_text(russia: TestClient) -> None:
    form = russia.get(f"{EVENT}/reports")

    answer = russia.post(
        f"{EVENT}/reports",
        data={"published_on": "2016-11-20", "source": "Vesti", "csrf_token": csrf_of(form.text)},
        files={"file": ("wire.pdf", one_line_pdf(TEXT), "application/pdf")},
    )

    assert answer.status_code == 200
    assert f'<mark title="claims 1">{TEXT}<sup>1</sup></mark>' in answer.text


def test_a_file_that_is_not_a_pdf_is_refused_naming_it(russia: TestClient) -> None:
    form = russia.get(f"{EVENT}/reports")

    answer = russia.post(
        f"{EVENT}/reports",
        data={"published_on": "2016-11-20", "source": "Vesti", "csrf_token": csrf_of(form.text)},
        files={"file": ("wire.pdf", b"not a pdf", "application/pdf")},
    )

    assert answer.status_code == 422
    assert "not a readable PDF" in answer.text
    assert "No reports yet." in answer.text


def test_a_time_given_in_another_zone_is_shown_in_the_venues_time_with_a_note(
    russia: TestClient,
) -> None:
    location = upload(russia, "Путин и Обама встретились в Лиме в субботу в 22:30 мск.")
    page = russia.get(location).text

    assert _facts(page)["Time of day"] == "14:30"
    assert (
        "The report gives the time as “22:30 мск”, in another time zone: it is proposed in the "
        "venue's time; check the time." in html.unescape(page)
    )


def test_a_claims_notes_and_time_of_day_are_shown_and_the_time_can_be_corrected(
    database: Database, russia: TestClient
) -> None:
    location = upload(
        russia, "Putin and Obama met in Lima on Saturday, November 20, in the evening."
    )
    page = russia.get(location).text

    assert _facts(page)["Time of day"] == "evening"
    assert (
        "The report writes “Saturday, November 20”, but that date falls on another weekday: "
        "the date is proposed; check the day." in html.unescape(page)
    )
    russia.post(
        f"{location}/claims/0",
        data={"action": "accept", "csrf_token": csrf_of(page)}
        | _as_proposed(page)
        | {"time": "18:30"},
    )

    [encounter] = record.list_encounters(database, RUSSIA, LIMA)
    assert encounter.started_at.astimezone(ZoneInfo("America/Lima")).strftime("%H:%M") == "18:30"
