"""The record through the API: a third delegation gets 404 for a private statement exactly as
for a missing one; a bad history file is refused whole with its lines; only the organiser
imports."""

from __future__ import annotations

from datetime import date

from sidelines.storage.db import Database
from sidelines.storage.tables import HistoricalMeetingRow
from tests.web.helpers import lima_api, row_counts, url

BAD_FILE = "date,event,parties\n2016-09-05,G20 summit,RUS\n"


def test_private_statement_is_not_found_for_a_third_delegation(database: Database) -> None:
    api = lima_api(database)
    meeting = api.client.get(url("/meetings"), headers=api.as_("USA")).json()[0]
    made = api.client.post(
        url("/statements"),
        json={
            "meeting_id": meeting["id"],
            "kind": "readout",
            "text": "A good meeting.",
            "said_at": "2016-11-19T12:00:00Z",
            "visibility": "counterpart",
        },
        headers=api.as_("USA"),
    )
    assert made.status_code == 201, made.text

    hidden = api.client.get(url(f"/statements/{made.json()['id']}"), headers=api.as_("JPN"))
    missing = api.client.get(url("/statements/999"), headers=api.as_("JPN"))

    assert (hidden.status_code, hidden.json()["error"]["message"]) == (
        404,
        f"no statement {made.json()['id']}",
    )
    assert (missing.status_code, missing.json()["error"]["message"]) == (404, "no statement 999")
    assert api.client.get(url("/statements"), headers=api.as_("JPN")).json() == []


def test_bad_history_file_is_refused_whole_and_only_the_organiser_imports(
    database: Database,
) -> None:
    api = lima_api(database)

    refused = api.client.post(
        "/api/history/imports?name=bad.csv",
        content=BAD_FILE.encode(),
        headers={**api.as_organiser, "Content-Type": "text/csv"},
    )
    forbidden = api.client.post(
        "/api/history/imports?name=good.csv",
        content=b"date,event,parties\n2016-09-05,G20 summit,RUS;USA\n",
        headers={**api.as_("RUS"), "Content-Type": "text/csv"},
    )

    assert (refused.status_code, refused.json()) == (
        422,
        {
            "error": {
                "code": "invalid",
                "message": "bad.csv:2: parties: list should have at least 2 items after "
                "validation, not 1, got ['RUS']",
                "field": "body",
                "problems": [
                    {
                        "file": "bad.csv",
                        "line": 2,
                        "field": "parties",
                        "message": "list should have at least 2 items after validation, not 1, "
                        "got ['RUS']",
                    }
                ],
            }
        },
    )
    assert forbidden.status_code == 403
    assert row_counts(database, HistoricalMeetingRow) == {"historical_meetings": 0}


def test_a_history_file_with_a_nul_character_is_refused_at_its_line_on_every_database(
    database: Database,
) -> None:
    api = lima_api(database)

    refused = api.client.post(
        "/api/history/imports?name=nul.csv",
        content=b"date,event,parties\n2016-09-05,G20\x00summit,RUS;USA\n",
        headers={**api.as_organiser, "Content-Type": "text/csv"},
    )

    assert (refused.status_code, refused.json()["error"]["message"]) == (
        422,
        "nul.csv:2: event: text may not contain NUL characters",
    )
    assert row_counts(database, HistoricalMeetingRow) == {"historical_meetings": 0}


def test_a_history_file_dating_a_meeting_after_today_is_refused_at_its_line(
    database: Database,
) -> None:
    api = lima_api(database)
    next_year = date.today().year + 1
    text = f"date,event,parties\n2016-09-05,G20 summit,RUS;USA\n{next_year}-09-28,UNGA,RUS;USA\n"

    refused = api.client.post(
        "/api/history/imports?name=typo.csv",
        content=text.encode(),
        headers={**api.as_organiser, "Content-Type": "text/csv"},
    )

    assert (refused.status_code, refused.json()["error"]) == (
        422,
        {
            "code": "invalid",
            "message": f"typo.csv:3: date: {next_year}-09-28 is after today; "
            "the history holds meetings already held",
            "field": "body",
            "problems": [
                {
                    "file": "typo.csv",
                    "line": 3,
                    "field": "date",
                    "message": f"{next_year}-09-28 is after today; "
                    "the history holds meetings already held",
                }
            ],
        },
    )
    assert row_counts(database, HistoricalMeetingRow) == {"historical_meetings": 0}


def test_a_history_file_with_problems_at_several_lines_names_each_with_its_line_and_field(
    database: Database,
) -> None:
    api = lima_api(database)
    text = (
        "date,event,parties,topics\n"
        "2016-13-05,G20 summit,RUS;USA,Syria\n"
        "2016-09-05,,RUS;USA,Syria\n"
        "2016-09-05,G20 summit,RUS,Syria\n"
        "2015-09-28,United Nations General Assembly,RUS;USA,Syria;Ukraine\n"
        "2016-11-20,APEC Economic Leaders' Meeting in Lima,RUS;USA;RUS,Syria\n"
    )

    refused = api.client.post(
        "/api/history/imports?name=several.csv",
        content=text.encode(),
        headers={**api.as_organiser, "Content-Type": "text/csv"},
    )

    error = refused.json()["error"]
    assert (refused.status_code, error["message"], error["field"]) == (
        422,
        "4 problems in several.csv; nothing was imported",
        "body",
    )
    assert error["problems"] == [
        {
            "file": "several.csv",
            "line": 2,
            "field": "date",
            "message": "'2016-13-05' is not a valid date (month must be in 1..12)",
        },
        {
            "file": "several.csv",
            "line": 3,
            "field": "event",
            "message": "required field is missing",
        },
        {
            "file": "several.csv",
            "line": 4,
            "field": "parties",
            "message": "list should have at least 2 items after validation, not 1, got ['RUS']",
        },
        {
            "file": "several.csv",
            "line": 6,
            "field": "parties",
            "message": "a party is named twice",
        },
    ]
    assert row_counts(database, HistoricalMeetingRow) == {"historical_meetings": 0}
