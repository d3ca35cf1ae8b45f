"""Statements on their own, their linking, joint statements and joined encounters through the
API: bad input is a 422 naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from sidelines.storage.db import Database
from sidelines.storage.tables import EncounterRow, StatementRow, StatementSignatureRow
from tests.web.helpers import Lima, lima_api, row_counts, url

TABLES = (StatementRow, StatementSignatureRow, EncounterRow)


def about_pair(**fields: Any) -> dict[str, Any]:
    return {
        "about_parties": ["RUS", "USA"],
        "kind": "announcement",
        "text": "No separate talks are planned, but they are possible.",
        "said_at": "2016-11-17T12:00:00+03:00",
        "visibility": "public",
        **fields,
    }


def us_meeting(api: Lima) -> int:
    """The meeting of the US and China, agreed beforehand."""
    meeting_id: int = api.client.get(url("/meetings"), headers=api.as_("USA")).json()[0]["id"]
    return meeting_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (about_pair(about_parties=["RUS", "XXX"]), "body.about_parties[1]"),
        (about_pair(about_parties=["RUS"]), "body.about_parties"),
        (about_pair(about_parties=[]), "body.about_parties"),
        (about_pair(kind="joint", visibility="side"), "body.visibility"),
        (about_pair(kind="rumour"), "body.kind"),
        (about_pair(about_parties="RUS+USA"), "body.about_parties"),
    ],
)
def test_bad_statement_is_refused_with_422_naming_the_field(
    database: Database, body: dict[str, Any], field: str
) -> None:
    api = lima_api(database)
    before = row_counts(database, *TABLES)

    refused = api.client.post(url("/statements"), json=body, headers=api.as_("RUS"))

    assert (refused.status_code, refused.json()["error"]["field"]) == (422, field)
    assert row_counts(database, *TABLES) == before


def test_statement_on_its_own_is_linked_and_a_bad_link_names_the_field(
    database: Database,
) -> None:
    api = lima_api(database)
    made = api.client.post(url("/statements"), json=about_pair(), headers=api.as_("RUS")).json()
    link = url(f"/statements/{made['id']}/link")

    neither = api.client.post(link, json={}, headers=api.as_("RUS"))
    other_pair = api.client.post(link, json={"meeting_id": us_meeting(api)}, headers=api.as_("USA"))
    encounter = api.client.post(
        url("/encounters"),
        json={"parties": ["RUS", "USA"], "started_at": "2016-11-20T14:30:00Z", "place": "hall"},
        headers=api.as_("RUS"),
    ).json()
    by_usa = api.client.post(link, json={"encounter_id": encounter["id"]}, headers=api.as_("USA"))
    linked = api.client.post(link, json={"encounter_id": encounter["id"]}, headers=api.as_("RUS"))

    assert (neither.status_code, neither.json()["error"]["field"]) == (422, "body.meeting_id")
    assert other_pair.status_code == 403  # the US did not make it
    assert by_usa.status_code == 403
    assert (linked.status_code, linked.json()["encounter_id"], linked.json()["about_parties"]) == (
        200,
        encounter["id"],
        ["RUS", "USA"],
    )
    said = api.client.get(url(f"/statements?encounter_id={encounter['id']}"), headers={})
    assert said.json() == [linked.json()]  # public: the encounter is on the public record now


def test_statements_listed_about_an_unknown_party_name_the_query_field(
    database: Database,
) -> None:
    api = lima_api(database)

    refused = api.client.get(url("/statements?about=RUS&about=XXX"), headers=api.as_("RUS"))

    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "query.about[1]")


def test_statement_about_a_pair_it_is_not_one_of_is_refused_and_says_so(
    database: Database,
) -> None:
    api = lima_api(database, parties=("RUS", "USA", "CHN"))
    before = row_counts(database, *TABLES)
    about_others = about_pair(about_parties=["CHN", "USA"])

    messages = [
        (refused.status_code, refused.json()["error"]["message"])
        for language in ("en", "ru")
        for refused in [
            api.client.post(
                url("/statements"),
                json=about_others,
                headers={**api.as_("RUS"), "Accept-Language": language},
            )
        ]
    ]

    assert messages == [
        (403, "a statement on its own is made by one of the parties it is about"),
        (403, "самостоятельное заявление делает одна из сторон, которых оно касается"),
    ]
    assert row_counts(database, *TABLES) == before


def test_a_statement_of_one_side_is_not_signed_and_the_refusal_names_its_kind(
    database: Database,
) -> None:
    api = lima_api(database)
    made = api.client.post(url("/statements"), json=about_pair(), headers=api.as_("RUS")).json()

    refused = api.client.post(url(f"/statements/{made['id']}/signatures"), headers=api.as_("USA"))

    assert (refused.status_code, refused.json()["error"]["message"]) == (
        409,
        "this announcement is one side's own; only a joint statement is signed",
    )
    assert row_counts(database, StatementSignatureRow) == {"statement_signatures": 0}


def test_joint_statement_is_co_signed_through_the_api(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA", "CHN"))
    meeting_id = us_meeting(api)
    proposed = api.client.post(
        url("/statements"),
        json={
            "meeting_id": meeting_id,
            "kind": "joint",
            "text": "The two sides will keep in touch.",
            "said_at": "2016-11-19T20:00:00Z",
            "visibility": "public",
        },
        headers=api.as_("USA"),
    ).json()
    path = url(f"/statements/{proposed['id']}")

    china_reads = api.client.get(path, headers=api.as_("CHN"))
    public_before = api.client.get(path)
    signed = api.client.post(f"{path}/signatures", headers=api.as_("CHN"))
    again = api.client.post(f"{path}/signatures", headers=api.as_("CHN"))

    assert (proposed["joint_state"], proposed["signed_by"], proposed["awaiting_signature"]) == (
        "proposed",
        ["USA"],
        ["CHN"],
    )
    assert china_reads.json() == proposed
    assert public_before.status_code == 404
    assert (signed.status_code, signed.json()["joint_state"], signed.json()["signed_by"]) == (
        200,
        "signed",
        ["CHN", "USA"],
    )
    assert again.status_code == 409
    assert api.client.get(path).json() == signed.json()


def test_an_encounter_logged_by_both_sides_is_one(database: Database) -> None:
    api = lima_api(database)
    body = {"parties": ["RUS", "USA"], "started_at": "2016-11-20T14:30:00Z", "place": "hall"}

    first = api.client.post(url("/encounters"), json=body, headers=api.as_("RUS"))
    second = api.client.post(
        url("/encounters"),
        json={**body, "started_at": "2016-11-20T14:33:00Z"},
        headers=api.as_("USA"),
    )

    assert (first.status_code, first.json()["owners"], first.json()["joined"]) == (
        201,
        ["RUS"],
        False,
    )
    assert (second.status_code, second.json()["id"], second.json()["owners"]) == (
        200,
        first.json()["id"],
        ["RUS", "USA"],
    )
    assert len(api.client.get(url("/encounters"), headers=api.as_("USA")).json()) == 1


def words(text: str) -> dict[str, Any]:
    """An amendment's body: all but what the statement is about."""
    body = about_pair(visibility="side", text=text)
    del body["about_parties"]
    return body


def test_amending_with_a_stale_if_match_is_refused_412_and_writes_nothing(
    database: Database,
) -> None:
    """Two editors read the same statement; the second to amend it, holding the first's
    stale ``ETag`` in ``If-Match``, is refused rather than overwriting the first's words."""
    api = lima_api(database)
    made = api.client.post(
        url("/statements"), json=about_pair(visibility="side"), headers=api.as_("RUS")
    ).json()
    one = url(f"/statements/{made['id']}")
    read = api.client.get(one, headers=api.as_("RUS"))
    etag = read.headers["ETag"]

    first = api.client.put(
        one,
        json=words("Talks are possible."),
        headers={**api.as_("RUS"), "If-Match": etag},
    )
    second = api.client.put(
        one,
        json=words("No talks."),
        headers={**api.as_("RUS"), "If-Match": etag},
    )
    after = api.client.get(one, headers=api.as_("RUS"))
    again = api.client.put(
        one,
        json=words("No talks, after all."),
        headers={**api.as_("RUS"), "If-Match": after.headers["ETag"]},
    )

    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    assert first.headers["ETag"] == after.headers["ETag"]
    assert second.status_code == 412
    assert second.json()["error"]["code"] == "precondition_failed"
    assert second.json()["error"]["field"] == "If-Match"
    assert after.json()["text"] == "Talks are possible."
    assert (again.status_code, again.json()["text"]) == (200, "No talks, after all.")
    assert again.headers["ETag"] == api.client.get(one, headers=api.as_("RUS")).headers["ETag"]
