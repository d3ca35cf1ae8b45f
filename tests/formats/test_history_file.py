"""History files: good CSV and JSON read into records; every bad row reported by its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sidelines.domain import MeetingFormat
from sidelines.formats.history_file import (
    HistoricalRecord,
    HistoricalSource,
    HistoryFileError,
    load_history,
    read_history,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "history-russia-usa.csv"

HANGZHOU = HistoricalRecord(
    held_on=date(2016, 9, 5),
    event="G20 summit",
    series="G20",
    city="Hangzhou",
    country="China",
    parties=("RUS", "USA"),
    principals=("putin", "obama"),
    topics=("Ukraine", "Syria"),
    summary=(
        "Putin and Obama met on the sidelines of the G20 summit and discussed the situation in "
        "Ukraine and Syria."
    ),
    line=3,
)

GOOD_JSON = """\
{"meetings": [
  {"date": "2016-09-05", "event": "G20 summit", "city": "Hangzhou",
   "format": "bilateral_restricted", "parties": ["RUS", "USA"], "topics": ["Ukraine"],
   "sources": [{"name": "Kremlin", "url": "http://en.kremlin.ru/"}]}
]}
"""

BAD_CSV = """\
date,event,parties,principals,format
2016-09-05,G20 summit,RUS;USA,putin;obama,
2016-13-05,G20 summit,RUS;USA,,
2016-09-05,G20 summit,RUS,,
2016-09-05,G20 summit,RUS;USA,putin,dinner
2016-09-05,G20 summit,USA;RUS,,
"""

BAD_JSON = """\
[
  {"date": "2016-09-05", "event": "G20 summit", "parties": ["RUS", "USA"]},
  {"date": "2016-09-05",
   "parties": ["RUS", "RUS"]},
  {"date": "2016-09-05", "event": "G20 summit", "parties": ["RUS", "USA"],
   "colour": "red"},
  {"date": "2016-09-05", "event": "G20 summit", "parties": ["RUS", "RUS"]}
]
"""


def test_example_file_reads_both_meetings() -> None:
    records = load_history(EXAMPLE)

    assert [(r.held_on, r.event, r.line) for r in records] == [
        (date(2015, 9, 28), "United Nations General Assembly", 2),
        (date(2016, 9, 5), "G20 summit", 3),
    ]
    assert records[1] == HANGZHOU


def test_json_file_reads_its_meetings_with_their_lines() -> None:
    [record] = read_history(GOOD_JSON, "history.json")

    assert (record.format, record.sources, record.line) == (
        MeetingFormat.BILATERAL_RESTRICTED,
        (HistoricalSource("Kremlin", "http://en.kremlin.ru/"),),
        2,
    )


TWICE_ON_ONE_DAY = """\
date,event,parties,format,place,topics
2014-11-10,APEC Economic Leaders' Meeting,RUS;USA,brief_contact,the opening ceremony,
2014-11-10,APEC Economic Leaders' Meeting,RUS;USA,meal_conversation,the gala dinner,Ukraine
"""


def test_a_pair_that_met_twice_on_one_day_of_a_summit_is_two_meetings() -> None:
    records = read_history(TWICE_ON_ONE_DAY, "beijing.csv")

    assert [(r.format, r.place, r.line) for r in records] == [
        (MeetingFormat.BRIEF_CONTACT, "the opening ceremony", 2),
        (MeetingFormat.MEAL_CONVERSATION, "the gala dinner", 3),
    ]


def test_bad_csv_reports_every_bad_row_by_line() -> None:
    with pytest.raises(HistoryFileError) as refused:
        read_history(BAD_CSV, "history.csv")

    assert str(refused.value).splitlines() == [
        "history.csv:3: date: '2016-13-05' is not a valid date (month must be in 1..12)",
        "history.csv:4: parties: list should have at least 2 items after validation, not 1, "
        "got ['RUS']",
        "history.csv:5: format: input should be 'bilateral_restricted', 'bilateral_expanded', "
        "'trilateral', 'pull_aside', 'courtesy_call', 'brief_contact', 'meal_conversation' or "
        "'b2b', got 'dinner'",
        "history.csv:6: date: the same meeting as line 2",
    ]


def test_a_meeting_dated_after_the_day_held_by_is_refused_at_its_date_line() -> None:
    text = """[
  {"date": "2016-09-05", "event": "G20 summit", "parties": ["RUS", "USA"]},
  {"event": "UNGA",
   "date": "2016-09-21", "parties": ["RUS", "USA"]}
]
"""

    with pytest.raises(HistoryFileError) as refused:
        read_history(text, "history.json", held_by=date(2016, 9, 20))

    assert [str(p) for p in refused.value.problems] == [
        "history.json:4: date: 2016-09-21 is after today; the history holds meetings already held"
    ]
    assert [r.held_on for r in read_history(text, "history.json", held_by=date(2016, 9, 21))] == [
        date(2016, 9, 5),
        date(2016, 9, 21),
    ]


def test_a_nul_character_in_any_text_is_refused_at_its_line() -> None:
    text = """[
  {"date": "2016-09-05", "event": "G20\\u0000summit", "parties": ["RUS", "USA"]},
  {"date": "2016-09-21", "event": "UNGA", "parties": ["RUS", "USA"],
   "topics": ["Syria", "Ukr\\u0000aine"], "sources": [{"name": "RIA\\u0000"}]}
]
"""

    with pytest.raises(HistoryFileError) as refused:
        read_history(text, "history.json")

    assert [str(p) for p in refused.value.problems] == [
        "history.json:2: event: text may not contain NUL characters",
        "history.json:4: topics: text may not contain NUL characters",
        "history.json:4: sources[0].name: text may not contain NUL characters",
    ]


def test_bad_json_reports_every_bad_field_at_its_line() -> None:
    with pytest.raises(HistoryFileError) as refused:
        read_history(BAD_JSON, "history.json")

    assert [str(p) for p in refused.value.problems] == [
        "history.json:3: event: required field is missing",
        "history.json:6: colour: unknown field (fields: date, event, series, city, country, "
        "place, format, parties, principals, topics, summary, sources)",
        "history.json:7: parties: a party is named twice",
    ]


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("", "history.csv", "history.csv:1: no meetings in the file"),
        ("date,event,colour\n", "history.csv", "history.csv:1: unknown column 'colour'; "
         "required column 'parties' is missing (columns: date, event, series, city, country, "
         "place, format, parties, principals, topics, summary, source, source_url)"),
        ("{", "history.json", "history.json:1: JSON syntax error: Expecting property name "
         "enclosed in double quotes"),
        ('{"a": 1}', "history.json", 'history.json: a history file is a list of meetings or '
         '{"meetings": [...]}'),
        ("[]", "history.txt", "history.txt: a history file ends in .csv or .json"),
    ],
)  # fmt: skip
def test_unreadable_file_says_why(text: str, name: str, message: str) -> None:
    with pytest.raises(Exception) as refused:  # noqa: PT011 - the message is what is tested
        read_history(text, name)

    assert str(refused.value) == message
