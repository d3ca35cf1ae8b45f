"""The API of uploaded press reports: proposals private to the uploader, bad input named."""

from __future__ import annotations

from sidelines.storage.db import Database
from tests.web.helpers import LIMA, lima_api

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


def test_bad_correction_is_refused_naming_the_field(database: Database) -> None:
    api = lima_api(database)
    report_id = api.client.post(
        f"/api/events/{LIMA}/reports", json=REPORT, headers=api.as_("RUS")
    ).json()["id"]

    answer = api.client.post(
        f"/api/events/{LIMA}/reports/{report_id}/claims/0/review",
        json={"action": "accept", "corrections": {"format": "tea party"}},
        headers=api.as_("RUS"),
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "body.corrections.format"
    encounters = api.client.get(f"/api/events/{LIMA}/encounters", headers=api.as_("RUS"))
    assert encounters.json() == []
