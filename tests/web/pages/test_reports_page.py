"""The press-report pages, without a browser: upload, the claims beside the text with their
sentences marked, a claim accepted with a corrected field, and another delegation kept out."""

from __future__ import annotations

import re

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


def upload(client: TestClient) -> str:
    form = client.get(f"{EVENT}/reports")
    answer = client.post(
        f"{EVENT}/reports",
        data={
            "text": TEXT,
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
    assert "merged" in russia.get(location).text


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
