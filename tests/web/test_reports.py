"""The API of uploaded press reports: proposals private to the uploader, bad input named."""

from __future__ import annotations

import httpx
import pytest

from sidelines.storage.db import Database
from tests.formats.reports.pdfs import one_line_pdf
from tests.web.helpers import LIMA, Lima, lima_api

REPORT = {
    "text": "Putin and Obama spoke briefly at the beginning of the retreat in Lima, "
    "Kremlin spokesman Dmitry Peskov told TASS.",
    "published_on": "2016-11-20",
    "source": "Vesti",
}


def test_upload_then_accept_merges_into_the_record(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA", "CHN"))
    client = api.client

    uploaded = client.post(f"/api/events/{LIMA}/reports", json=REPORT, headers=api.as_("RUS"))
    report_id = uploaded.json()["id"]
    reviewed = client.post(
        f"/api/events/{LIMA}/reports/{report_id}/claims/0/review",
        json={"action": "accept", "corrections": {"topics": ["syria"]}},
        headers=api.as_("RUS"),
    )

    assert uploaded.status_code == 201
    claim = uploaded.json()["claims"][0]
    assert (claim["fields"]["principals"], claim["fields"]["sources"]) == (
        ["obama", "putin"],
        ["TASS"],
    )
    assert reviewed.status_code == 200
    [encounter] = client.get(f"/api/events/{LIMA}/encounters", headers=api.as_("RUS")).json()
    assert (encounter["parties"], encounter["topics"]) == (["RUS", "USA"], ["syria"])
    assert reviewed.json()["claims"][0]["merged"]["encounter_id"] == encounter["id"]


def test_a_third_delegation_sees_nothing_of_anothers_proposals(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA", "CHN"))
    client = api.client
    report_id = client.post(
        f"/api/events/{LIMA}/reports", json=REPORT, headers=api.as_("RUS")
    ).json()["id"]

    listed = client.get(f"/api/events/{LIMA}/reports", headers=api.as_("CHN"))
    read = client.get(f"/api/events/{LIMA}/reports/{report_id}", headers=api.as_("CHN"))
    reviewed = client.post(
        f"/api/events/{LIMA}/reports/{report_id}/claims/0/review",
        json={"action": "drop"},
        headers=api.as_("CHN"),
    )

    assert (listed.status_code, listed.json()) == (200, [])
    assert (read.status_code, reviewed.status_code) == (404, 404)
    assert read.json() == reviewed.json()


def test_bad_upload_is_refused_naming_the_field(database: Database) -> None:
    api = lima_api(database)

    answer = api.client.post(
        f"/api/events/{LIMA}/reports",
        json={**REPORT, "published_on": "yesterday"},
        headers=api.as_("RUS"),
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "body.published_on"
    listed = api.client.get(f"/api/events/{LIMA}/reports", headers=api.as_("RUS"))
    assert listed.json() == []


@pytest.mark.parametrize("published_on", ["1016-11-20", "2030-11-20"])
def test_a_report_dated_far_from_the_event_is_refused_naming_the_field(
    database: Database, published_on: str
) -> None:
    api = lima_api(database)

    answer = api.client.post(
        f"/api/events/{LIMA}/reports",
        json={**REPORT, "published_on": published_on},
        headers=api.as_("RUS"),
    )
    as_file = api.client.post(
        f"/api/events/{LIMA}/reports/file",
        data={**FORM, "published_on": published_on},
        files={"file": ("report.txt", REPORT["text"].encode(), "text/plain")},
        headers=api.as_("RUS"),
    )

    assert [a.status_code for a in (answer, as_file)] == [422, 422]
    assert [a.json()["error"]["field"] for a in (answer, as_file)] == ["body.published_on"] * 2
    listed = api.client.get(f"/api/events/{LIMA}/reports", headers=api.as_("RUS"))
    assert listed.json() == []


@pytest.mark.parametrize(
    ("corrections", "field"),
    [
        ({"format": "tea party"}, "body.corrections.format"),
        ({"format": ["pull_aside"]}, "body.corrections.format"),
        ({"principals": [["putin"], "obama"]}, "body.corrections.principals"),
        ({"topics": ["x" * 10_000]}, "body.corrections.topics[0]"),
    ],
)
def test_bad_correction_is_refused_naming_the_field(
    database: Database, corrections: dict[str, object], field: str
) -> None:
    api = lima_api(database)
    report_id = api.client.post(
        f"/api/events/{LIMA}/reports", json=REPORT, headers=api.as_("RUS")
    ).json()["id"]

    answer = api.client.post(
        f"/api/events/{LIMA}/reports/{report_id}/claims/0/review",
        json={"action": "accept", "corrections": corrections},
        headers=api.as_("RUS"),
    )

    assert (answer.status_code, answer.json()["error"]["field"]) == (422, field)
    encounters = api.client.get(f"/api/events/{LIMA}/encounters", headers=api.as_("RUS"))
    assert encounters.json() == []


FORM = {"published_on": "2016-11-20", "source": "Vesti"}


def _post_file(api: Lima, form: dict[str, str], file: tuple[str, bytes, str]) -> httpx.Response:
    return api.client.post(
        f"/api/events/{LIMA}/reports/file", data=form, files={"file": file}, headers=api.as_("RUS")
    )


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("wire.pdf", one_line_pdf(REPORT["text"]), "application/pdf"),
        # A text layer's NUL characters are dropped: no part of the words, nor storable.
        (
            "nul.pdf",
            one_line_pdf(REPORT["text"].replace(" briefly", "\x00 briefly")),
            "application/pdf",
        ),
        ("wire.html", f"<html><body><p>{REPORT['text']}</p></body></html>".encode(), "text/html"),
        ("wire.txt", REPORT["text"].encode(), "text/plain"),
        (
            "wire.txt",
            "Путин и Обама коротко пообщались в Лиме, сообщил Песков.".encode("cp1251"),
            "text/plain; charset=windows-1251",
        ),
    ],
)
def test_a_report_file_is_read_with_its_date_and_source(
    database: Database, name: str, data: bytes, kind: str
) -> None:
    api = lima_api(database)

    answer = _post_file(api, FORM, (name, data, kind))

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["source"], body["published_on"]) == ("Vesti", "2016-11-20")
    [claim] = body["claims"]
    assert (claim["fields"]["principals"], claim["fields"]["format"]) == (
        ["obama", "putin"],
        "brief_contact",
    )


@pytest.mark.parametrize(
    ("name", "data", "kind", "says"),
    [
        ("wire.pdf", b"%PDF-1.4 broken", "application/pdf", "not a readable PDF"),
        ("wire.docx", b"PK\x03\x04 a zip", "application/vnd.openxmlformats", "PDF, HTML or"),
        ("wire.txt", b"\xff\xfe\xfa not utf-8", "text/plain", "not readable as utf-8"),
        ("wire.txt", b"   \n", "text/plain", "no text"),
        ("photo.txt", b"\x89PNG\r\n\x00\x00", "text/plain", "binary"),
        ("long.txt", REPORT["text"].encode() * 60 + b"\x00", "text/plain", "binary"),
    ],
)
def test_an_unreadable_file_is_refused_naming_it_and_nothing_is_kept(
    database: Database, name: str, data: bytes, kind: str, says: str
) -> None:
    api = lima_api(database)

    answer = _post_file(api, FORM, (name, data, kind))

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["field"] == "body.file"
    assert says in error["message"]
    assert api.client.get(f"/api/events/{LIMA}/reports", headers=api.as_("RUS")).json() == []


def test_a_report_file_whose_source_holds_a_nul_is_refused_naming_it(database: Database) -> None:
    api = lima_api(database)

    answer = _post_file(
        api, {**FORM, "source": "Ves\x00ti"}, ("wire.txt", REPORT["text"].encode(), "text/plain")
    )

    assert (answer.status_code, answer.json()["error"]["field"]) == (422, "body.source")
    assert api.client.get(f"/api/events/{LIMA}/reports", headers=api.as_("RUS")).json() == []


def test_a_report_file_without_its_date_is_refused_naming_the_field(database: Database) -> None:
    api = lima_api(database)

    answer = _post_file(
        api, {"source": "Vesti"}, ("wire.txt", REPORT["text"].encode(), "text/plain")
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "body.published_on"
