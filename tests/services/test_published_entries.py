"""The event's scheduled meetings kept per process for the schedule read."""

from __future__ import annotations

from sidelines.services import published_entries
from sidelines.services.events import event_row
from sidelines.storage.db import Database
from tests.services.messaging import agree_and_publish
from tests.services.world import make_world


def test_entries_read_in_a_read_transaction_are_kept_and_a_writer_s_are_not(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    meeting_id = agree_and_publish(database, world)
    published_entries.forget()

    with database.writing() as session:
        written = published_entries.entries(session, event_row(session, "ev"))
    with database.reading() as session:
        first = published_entries.entries(session, event_row(session, "ev"))
    with database.reading() as session:
        again = published_entries.entries(session, event_row(session, "ev"))

    assert [e.meeting_id for e in written.ordered] == [meeting_id]
    assert first is not written  # the writer's read was not kept
    assert again is first
    assert first.ordered == written.ordered
    assert first.ordered[0].parties == ("AAA", "BBB")
