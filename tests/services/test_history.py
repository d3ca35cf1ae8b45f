"""The history of a pair across events: imported meetings and meetings held at events in
Sidelines, each reader seeing what it may; "last met" in a sentence; search by topic."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from sidelines.domain import MeetingFormat
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.history_file import HistoricalRecord
from sidelines.services import history, record, statements
from sidelines.services.errors import Forbidden, Invalid
from sidelines.services.record import Outcome
from sidelines.services.statements import StatementIn, StatementKind, Visibility
from sidelines.storage.db import Database
from tests.builders import DAY, at
from tests.services.record_world import RecordWorld, record_world

HANGZHOU = HistoricalRecord(
    held_on=date(2016, 9, 5),
    event="G20 summit",
    city="Hangzhou",
    parties=("A", "B"),
    topics=("Ukraine", "Syria"),
)


def held(database: Database, world: RecordWorld) -> None:
    record.record_outcome(
        database,
        world.delegates["A"],
        world.event_id,
        world.meeting_id,
        Outcome(MeetingStatus.HELD, started_at=at(10), ended_at=at(10, 30)),
    )


def test_history_joins_two_events_and_the_imported_record(database: Database) -> None:
    first = record_world(database, "summit-1", name="First summit", city="Lima")
    second = record_world(database, "summit-2", name="Second summit", city="Da Nang")
    held(database, first)
    held(database, second)
    report = history.import_history(database, first.organiser, [HANGZHOU])

    seen = history.pair_history(database, first.delegates["A"], ("A", "B"))

    assert (report.imported, report.known) == (1, 0)
    # A delegation of the first summit sees its own meeting there; the second summit's meeting
    # is another event's business until a side publishes it.
    assert [(e.kind, e.event_id, e.event, e.held_on, e.topics) for e in seen] == [
        ("meeting", "summit-1", "First summit", DAY, ()),
        ("historical", None, "G20 summit", date(2016, 9, 5), ("Ukraine", "Syria")),
    ]
    statements.make_statement(
        database,
        second.delegates["B"],
        second.event_id,
        StatementIn(
            StatementKind.READOUT,
            "The leaders discussed trade.",
            at(11),
            meeting_id=second.meeting_id,
            visibility=Visibility.PUBLIC,
            topics=("trade",),
        ),
    )
    seen = history.pair_history(database, first.delegates["A"], ("A", "B"))
    assert [(e.event_id, e.topics, len(e.statements)) for e in seen] == [
        ("summit-1", (), 0),
        ("summit-2", ("trade",), 1),
        (None, ("Ukraine", "Syria"), 0),
    ]
    assert [e.event_id for e in history.pair_history(database, first.organiser, ("B", "A"))] == [
        "summit-1",
        "summit-2",
        None,
    ]


def test_last_met_before_an_event_names_place_date_and_topics(database: Database) -> None:
    world = record_world(database)
    held(database, world)
    history.import_history(database, world.organiser, [HANGZHOU])

    before = history.last_met(database, world.delegates["C"], ("A", "B"), before=DAY)
    latest = history.last_met(database, world.delegates["A"], ("A", "B"))

    assert before is not None
    assert before.sentence == (
        "on the sidelines of the G20 summit in Hangzhou, 5 September 2016, where they "
        "discussed Ukraine and Syria"
    )
    assert latest is not None
    assert latest.sentence == "on the sidelines of the Test summit in Lima, 6 May 2030"
    assert history.last_met(database, world.delegates["C"], ("A", "C")) is None


def test_search_by_topic_finds_meetings_of_every_pair(database: Database) -> None:
    world = record_world(database)
    history.import_history(
        database,
        world.organiser,
        [
            HANGZHOU,
            HistoricalRecord(
                date(2015, 9, 28), "UN General Assembly", ("A", "C"), topics=("Syria",)
            ),
            HistoricalRecord(date(2015, 11, 30), "COP21", ("B", "C"), topics=("climate",)),
        ],
    )

    found = history.pair_history(database, world.reader("public"), None, topic="syr")

    assert [(e.event, e.parties) for e in found] == [
        ("G20 summit", ("A", "B")),
        ("UN General Assembly", ("A", "C")),
    ]
    with pytest.raises(Invalid):
        history.pair_history(database, world.reader("public"), None)


def test_search_by_topic_finds_the_same_topic_named_in_russian_or_english(
    database: Database,
) -> None:
    world = record_world(database)
    history.import_history(
        database,
        world.organiser,
        [
            HANGZHOU,
            HistoricalRecord(
                date(2015, 11, 15), "Саммит G20", ("A", "B"), topics=("Сирия", "санкции")
            ),
            HistoricalRecord(date(2015, 11, 30), "COP21", ("A", "B"), topics=("climate",)),
        ],
    )
    public = world.reader("public")

    in_english = history.pair_history(database, public, ("A", "B"), topic="Syria")
    in_russian = history.pair_history(database, public, ("A", "B"), topic="Сирия")
    sanctions = history.pair_history(database, public, ("A", "B"), topic="Sanctions")

    assert [e.event for e in in_english] == ["G20 summit", "Саммит G20"]
    assert [e.event for e in in_russian] == ["G20 summit", "Саммит G20"]
    assert [e.event for e in sanctions] == ["Саммит G20"]


def test_a_pair_that_met_twice_on_one_day_keeps_both_and_a_second_import_adds_neither(
    database: Database,
) -> None:
    world = record_world(database)
    beijing = HistoricalRecord(
        date(2014, 11, 10),
        "APEC Economic Leaders' Meeting",
        ("A", "B"),
        format=MeetingFormat.BRIEF_CONTACT,
        place="the opening ceremony",
    )
    twice = [
        beijing,
        replace(beijing, format=MeetingFormat.MEAL_CONVERSATION, place="the gala dinner"),
    ]

    first = history.import_history(database, world.organiser, twice)
    second = history.import_history(database, world.organiser, twice)
    seen = history.pair_history(database, world.reader("public"), ("A", "B"))

    assert [(first.imported, first.known), (second.imported, second.known)] == [(2, 0), (0, 2)]
    assert sorted(e.place for e in seen) == ["the gala dinner", "the opening ceremony"]


def test_only_the_organiser_imports_and_a_second_import_adds_nothing(database: Database) -> None:
    world = record_world(database)

    with pytest.raises(Forbidden):
        history.import_history(database, world.delegates["A"], [HANGZHOU])
    history.import_history(database, world.organiser, [HANGZHOU])
    again = history.import_history(database, world.organiser, [HANGZHOU])

    assert (again.imported, again.known) == (0, 1)
    assert len(history.pair_history(database, world.organiser, ("A", "B"))) == 1


def test_before_the_event_never_says_a_readout_s_topics_beyond_its_sides(
    database: Database,
) -> None:
    world = record_world(database)
    held(database, world)
    for visibility, topics in ((Visibility.COUNTERPART, ("sanctions",)), (Visibility.PUBLIC, ())):
        statements.make_statement(
            database,
            world.delegates["A"],
            world.event_id,
            StatementIn(
                StatementKind.READOUT,
                "The leaders met.",
                at(11),
                meeting_id=world.meeting_id,
                visibility=visibility,
                topics=topics,
            ),
        )
    next_month = DAY + timedelta(days=30)

    said = {
        reader: history.before_the_event(database, actor, next_month, ["B", "A"])
        for reader, actor in (*world.delegates.items(), ("organiser", world.organiser))
    }

    # The sides read their own meeting's agreed topics (none here); nobody else reads what
    # only the sides were told.
    met = "They last met on the sidelines of the Test summit in Lima, 6 May 2030."
    assert said == {"A": met, "B": met, "C": met, "organiser": met}
    assert history.before_the_event(database, world.delegates["A"], DAY, ["A", "B"]) is None
    assert history.before_the_event(database, world.organiser, next_month, ["A", "B", "C"]) is None
