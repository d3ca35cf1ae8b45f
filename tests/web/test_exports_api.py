"""Exports through the API: the event file round trip, the published schedule and the record,
each with only what its reader may see."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml
from icalendar import Calendar

from sidelines.formats.event_loader import load_event
from sidelines.services import events
from sidelines.storage.db import Database
from tests.web.helpers import LIMA, SETUP_ACTOR, Lima, lima_api, solve_and_publish, url

HISTORY = Path(__file__).resolve().parents[2] / "examples" / "history-russia-usa.csv"


def test_the_event_file_round_trips_through_the_api(database: Database) -> None:
    api = lima_api(database)
    first = api.client.get(url("/export?format=json"), headers=api.as_organiser)
    assert first.status_code == 200, first.text
    exported = first.json()
    assert [m["id"] for m in exported["meetings"]] == ["m1", "m2", "m3"]

    created = api.client.post(
        "/api/events", json={**exported, "id": "lima-again"}, headers=api.as_organiser
    )
    again = api.client.get(url("/export?format=json", "lima-again"), headers=api.as_organiser)

    assert created.status_code == 201, created.text
    assert again.json() == {**exported, "id": "lima-again"}


def test_the_yaml_export_is_a_file_the_import_reads_back(
    database: Database, tmp_path: Path
) -> None:
    api = lima_api(database)
    text = api.client.get(url("/export"), headers=api.as_organiser).text
    file = tmp_path / "copy.yaml"
    file.write_text(text.replace(f"id: {LIMA}", "id: lima-yaml", 1))

    events.import_event(database, SETUP_ACTOR, load_event(file))
    again = api.client.get(url("/export", "lima-yaml"), headers=api.as_organiser).text

    assert yaml.safe_load(again) == {**yaml.safe_load(text), "id": "lima-yaml"}
    assert again == text.replace(f"id: {LIMA}", "id: lima-yaml", 1)


def test_only_the_organiser_exports_the_event_file(database: Database) -> None:
    api = lima_api(database)

    as_delegation = api.client.get(url("/export"), headers=api.as_("RUS"))
    as_public = api.client.get(url("/export"))

    assert (as_delegation.status_code, as_public.status_code) == (403, 401)


def test_a_delegation_exports_its_own_schedule_as_csv_and_icalendar(database: Database) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    as_csv = api.client.get(url("/schedule/export?format=csv"), headers=api.as_("USA"))
    as_ics = api.client.get(url("/schedule/export?format=ics"), headers=api.as_("USA"))
    as_russia = api.client.get(url("/schedule/export?format=csv"), headers=api.as_("RUS"))

    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    meetings = [r for r in rows if r["kind"] == "meeting"]
    # Of the agreed meetings, only the Xi-Obama bilateral is the US's.
    assert [m["parties"] for m in meetings] == ["People's Republic of China; United States"]
    # The format as the agenda names it, not its machine value ("Bilateral expanded").
    assert meetings[0]["title"] == "Expanded bilateral: People's Republic of China – United States"
    assert meetings[0]["starts_at"].endswith("-05:00")
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    calendar = Calendar.from_ical(as_ics.content)
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert meetings[0]["title"] in summaries
    assert "United States" not in as_russia.text


def test_the_public_schedule_holds_no_meeting_until_a_side_makes_it_public(
    database: Database,
) -> None:
    api = lima_api(database)
    solve_and_publish(api)

    public = api.client.get(url("/schedule/export"))
    organiser = api.client.get(url("/schedule/export"), headers=api.as_organiser)

    assert public.status_code == 200
    assert [i["kind"] for i in public.json()["items"]] == ["programme"] * len(
        public.json()["items"]
    )
    assert len([i for i in organiser.json()["items"] if i["kind"] == "meeting"]) == 3


def us_readout_at_noon_utc(api: Lima, visibility: str) -> int:
    """Publishes the schedule and records the US readout of its meeting; the meeting's id."""
    schedule = solve_and_publish(api)
    meeting_id: int = next(e["meeting_id"] for e in schedule["entries"] if "USA" in e["parties"])
    said = api.client.post(
        url("/statements"),
        json={
            "meeting_id": meeting_id,
            "kind": "readout",
            "text": "The leaders discussed trade.",
            "said_at": "2016-11-20T12:00:00Z",
            "visibility": visibility,
        },
        headers=api.as_("USA"),
    )
    assert said.status_code == 201, said.text
    return meeting_id


def test_the_record_is_exported_as_each_reader_may_see_it(database: Database) -> None:
    api = lima_api(database)
    meeting_id = us_readout_at_noon_utc(api, "counterpart")

    as_usa = api.client.get(url("/record/export"), headers=api.as_("USA")).json()
    as_russia = api.client.get(url("/record/export"), headers=api.as_("RUS")).json()
    as_public = api.client.get(url("/record/export")).json()
    as_csv = api.client.get(url("/record/export?format=csv"), headers=api.as_("USA")).text

    assert [s["text"] for s in as_usa["statements"]] == ["The leaders discussed trade."]
    assert [m["id"] for m in as_usa["meetings"]] == [meeting_id]
    assert as_russia["statements"] == []
    assert as_public["meetings"] == []
    assert as_public["statements"] == []
    kinds = [row["kind"] for row in csv.DictReader(io.StringIO(as_csv))]
    assert kinds == ["meeting", "statement"]
    assert json.loads(json.dumps(as_usa)) == as_usa


def test_a_format_not_offered_is_named(database: Database) -> None:
    api = lima_api(database)

    refused = api.client.get(url("/record/export?format=pdf"), headers=api.as_("USA"))

    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "query.format"


def import_the_pair_s_history(api: Lima) -> None:
    """The Russian–US pair's history, as the demo imports it."""
    imported = api.client.post(
        "/api/history/imports?name=history.csv",
        content=HISTORY.read_bytes(),
        headers={**api.as_organiser, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text


def test_the_record_recalls_the_earlier_meetings_of_the_event_s_parties(
    database: Database,
) -> None:
    api = lima_api(database)
    import_the_pair_s_history(api)

    as_public = api.client.get(url("/record/export")).json()
    as_csv = api.client.get(url("/record/export?format=csv"), headers=api.as_("JPN")).text

    assert [(h["event"], h["held_on"], h["parties"]) for h in as_public["history"]] == [
        ("G20 summit", "2016-09-05", ["RUS", "USA"]),
        ("United Nations General Assembly", "2015-09-28", ["RUS", "USA"]),
    ]
    history = [row for row in csv.DictReader(io.StringIO(as_csv)) if row["kind"] == "history"]
    assert [row["place"] for row in history] == [
        "G20 summit, Hangzhou, China",
        "United Nations General Assembly, New York, United States",
    ]


def test_the_record_speaks_venue_time_and_names_the_zone_as_the_schedule_does(
    database: Database,
) -> None:
    api = lima_api(database)
    us_readout_at_noon_utc(api, "public")

    as_usa = api.client.get(url("/record/export"), headers=api.as_("USA")).json()
    as_public = api.client.get(url("/record/export")).json()
    record_rows = list(
        csv.DictReader(
            io.StringIO(
                api.client.get(url("/record/export?format=csv"), headers=api.as_("USA")).text
            )
        )
    )
    schedule_json = api.client.get(url("/schedule/export"), headers=api.as_("USA")).json()
    schedule_rows = list(
        csv.DictReader(
            io.StringIO(
                api.client.get(url("/schedule/export?format=csv"), headers=api.as_("USA")).text
            )
        )
    )

    # Noon UTC is seven in the morning in Lima, five hours behind.
    assert (as_usa["timezone"], as_public["timezone"]) == ("America/Lima", "America/Lima")
    assert [s["said_at"] for s in as_usa["statements"]] == ["2016-11-20T07:00:00-05:00"]
    assert [s["said_at"] for s in as_public["statements"]] == ["2016-11-20T07:00:00-05:00"]
    assert as_usa["meetings"][0]["starts_at"].endswith("-05:00")
    assert as_public["meetings"][0]["starts_at"] == as_usa["meetings"][0]["starts_at"]
    assert [(r["kind"], r["starts_at"], r["timezone"]) for r in record_rows][1] == (
        "statement",
        "2016-11-20T07:00:00-05:00",
        "America/Lima",
    )
    assert record_rows[0]["starts_at"] == as_usa["meetings"][0]["starts_at"]
    assert record_rows[0]["timezone"] == "America/Lima"
    assert schedule_json["timezone"] == "America/Lima"
    assert {r["timezone"] for r in schedule_rows} == {"America/Lima"}


def test_the_record_as_csv_says_who_may_read_each_statement_and_keeps_every_topic(
    database: Database,
) -> None:
    api = lima_api(database)
    import_the_pair_s_history(api)
    meeting = api.client.get(url("/meetings"), headers=api.as_("USA")).json()[0]
    for visibility, topics in (("counterpart", ["trade", "Korean Peninsula"]), ("public", [])):
        said = api.client.post(
            url("/statements"),
            json={
                "meeting_id": meeting["id"],
                "kind": "readout",
                "text": f"A {visibility} readout.",
                "said_at": "2016-11-19T20:00:00Z",
                "visibility": visibility,
                "topics": topics,
            },
            headers=api.as_("USA"),
        )
        assert said.status_code == 201, said.text

    rows = list(
        csv.DictReader(
            io.StringIO(
                api.client.get(url("/record/export?format=csv"), headers=api.as_("USA")).text
            )
        )
    )

    assert [(r["kind"], r["visibility"], r["topics"]) for r in rows] == [
        ("meeting", "", "; ".join(meeting["topics"])),
        ("statement", "counterpart", "trade; Korean Peninsula"),
        ("statement", "public", ""),
        ("history", "", "Ukraine; Syria"),
        ("history", "", "Syria; Ukraine"),
    ]
