"""Every list read sends as many SQL statements for three items as for one: a list that reads
row by row grows with the event, and nobody sees that by reading the code.

Each test builds the same world with one and with three items, runs the read once to warm the
caches a read may keep, and counts the statements of a second, uncached run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from sidelines.domain import MeetingFormat
from sidelines.domain.negotiation import Answer
from sidelines.services import (
    changes,
    events,
    interests,
    logins,
    meetings,
    messages,
    negotiation,
    published_entries,
    record,
    schedule_versions,
    solves,
)
from sidelines.services.delivery import DeliveryOptions
from sidelines.services.negotiation import Terms
from sidelines.services.record import EncounterIn
from sidelines.services.worker import WorkerContext, deliver
from sidelines.storage.db import Database
from tests import builders
from tests.receivers import LOOPBACK, webhook_receiver
from tests.services.record_world import record_world
from tests.services.world import World, make_world

pytestmark = pytest.mark.slow

SIZES = [1, 3]


@contextmanager
def counted(database: Database) -> Iterator[list[str]]:
    """The statements sent to the database while the block runs."""
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)


def statements_of(database: Database, read: Callable[[], object]) -> int:
    with counted(database) as sent:
        read()
    return len(sent)


def guests(size: int) -> list[str]:
    return [f"G{i}" for i in range(size)]


def agreed_world(database: Database, event_id: str, size: int) -> World:
    """HOST and ``size`` guests, each guest's meeting with HOST agreed and placed in its own
    half hour of a published schedule."""
    spaces = [builders.table(f"T{i}") for i in range(size)]
    world = make_world(database, event_id, ["HOST", *guests(size)], spaces=spaces)
    run = solves.start_solve(database, world.organiser, event_id, time_limit_s=5)
    solves.publish(database, world.organiser, event_id, solves.wait_for_run(database, run.id).id)
    for i, guest in enumerate(guests(size)):
        slot = builders.span((9 + i, 0), (9 + i, 30))
        terms = Terms(format=MeetingFormat.B2B, windows=(slot,))
        request = negotiation.create_request(
            database, world.delegates["HOST"], event_id, [guest], terms
        )
        negotiation.respond(database, world.delegates[guest], event_id, request.id, Answer.ACCEPT)
    return world


def by_size(database: Database, build: Callable[[str, int], Callable[[], object]]) -> list[int]:
    """The statements of the read built for one item and for three, each in its own event."""
    counts = []
    for size in SIZES:
        read = build(f"count-{size}", size)
        read()
        counts.append(statements_of(database, read))
    return counts


def test_the_requests_cost_no_more_statements_for_three_than_for_one(database: Database) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        page = negotiation.list_requests(database, world.delegates["HOST"], event_id)
        assert len(page.items) == size
        return lambda: negotiation.list_requests(database, world.delegates["HOST"], event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_meetings_cost_no_more_statements_for_three_than_for_one(database: Database) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        assert len(meetings.list_meetings(database, world.organiser, event_id)) == size
        return lambda: meetings.list_meetings(database, world.organiser, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_agenda_costs_no_more_statements_for_three_meetings_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        host = world.delegates["HOST"]
        assert len(meetings.agenda(database, host, event_id).items) >= size
        meetings._agendas.clear()  # the cache would hide the statements
        return lambda: (meetings._agendas.clear(), meetings.agenda(database, host, event_id))

    one, three = by_size(database, build)

    assert three == one


def test_the_schedule_versions_cost_no_more_statements_for_three_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        # The empty schedule, then one version per meeting placed.
        assert len(changes.schedule_versions(database, world.organiser, event_id)) == 1 + size
        return lambda: changes.schedule_versions(database, world.organiser, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_logins_cost_no_more_statements_for_three_than_for_one(database: Database) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = make_world(database, event_id, guests(size))
        assert len(logins.event_logins(database, world.organiser, event_id)) == size
        return lambda: logins.event_logins(database, world.organiser, event_id)

    one, three = by_size(database, build)

    assert three == one


@pytest.mark.parametrize("marks", ["interests", "open_contacts"])
def test_the_marks_cost_no_more_statements_for_three_than_for_one(
    database: Database, marks: str
) -> None:
    mark = {"interests": interests.mark_interest, "open_contacts": interests.mark_open_to_contact}
    listed = {"interests": interests.interests, "open_contacts": interests.open_contacts}

    def build(event_id: str, size: int) -> Callable[[], object]:
        world = make_world(database, event_id, ["HOST", *guests(size)])
        host = world.delegates["HOST"]
        for guest in guests(size):
            mark[marks](database, host, event_id, guest)
        return lambda: listed[marks](database, host, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_events_cost_no_more_statements_for_three_than_for_one(database: Database) -> None:
    counts = []
    for size in SIZES:
        while len(events.list_events(database)) < size:
            make_world(database, f"event-{len(events.list_events(database))}", ["A", "B"])
        counts.append(statements_of(database, lambda: events.list_events(database)))

    assert counts[1] == counts[0]


def test_the_notices_cost_no_more_statements_for_three_than_for_one(database: Database) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        host = world.delegates["HOST"]
        assert len(schedule_versions.notices(database, host, event_id)) == size
        return lambda: schedule_versions.notices(database, host, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_schedule_costs_no_more_statements_for_three_meetings_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)
        assert len(schedule_versions.schedule(database, world.organiser, event_id).entries) == size
        return lambda: schedule_versions.schedule(database, world.organiser, event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_schedule_read_with_nothing_kept_costs_no_more_statements_for_three_meetings(
    database: Database,
) -> None:
    # The read above finds the entries kept by the process; this one reads them all anew.
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = agreed_world(database, event_id, size)

        def read() -> object:
            published_entries.forget()
            view = schedule_versions.schedule(database, world.organiser, event_id)
            assert len(view.entries) == size
            return view

        return read

    one, three = by_size(database, build)

    assert three == one


def test_the_encounters_cost_no_more_statements_for_three_than_for_one(
    database: Database,
) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = record_world(database, event_id)
        for hour in range(9, 9 + size):
            greeting = EncounterIn(parties=("A", "B"), started_at=builders.at(hour), place="hall")
            record.log_encounter(database, world.delegates["A"], event_id, greeting)
        assert len(record.list_encounters(database, world.delegates["A"], event_id)) == size
        return lambda: record.list_encounters(database, world.delegates["A"], event_id)

    one, three = by_size(database, build)

    assert three == one


def test_the_webhooks_cost_no_more_statements_for_three_than_for_one(database: Database) -> None:
    def build(event_id: str, size: int) -> Callable[[], object]:
        world = make_world(database, event_id, ["A", "B"])
        for i in range(size):
            messages.add_webhook(
                database,
                world.delegates["A"],
                event_id,
                f"http://127.0.0.1:9/{i}",
                allowed=LOOPBACK,
            )
        assert len(messages.list_webhooks(database, world.delegates["A"], event_id)) == size
        return lambda: messages.list_webhooks(database, world.delegates["A"], event_id)

    one, three = by_size(database, build)

    assert three == one


def test_a_webhooks_log_costs_no_more_statements_for_three_deliveries_than_for_one(
    database: Database,
) -> None:
    with webhook_receiver() as hooks:

        def build(event_id: str, size: int) -> Callable[[], object]:
            """HOST's webhook is told of a request from each of ``size`` guests."""
            world = make_world(database, event_id, ["HOST", *guests(size)])
            hook = messages.add_webhook(
                database, world.delegates["HOST"], event_id, hooks.url, allowed=LOOPBACK
            )
            for guest in guests(size):
                negotiation.create_request(
                    database, world.delegates[guest], event_id, ["HOST"], Terms()
                )
            worker = WorkerContext(
                database,
                options=DeliveryOptions(webhook_allowed_networks=LOOPBACK),
                name=f"worker-{event_id}",
            )
            worker.open()
            try:
                while deliver(worker):
                    pass
            finally:
                worker.close()
            host = world.delegates["HOST"]
            log = messages.webhook_deliveries(database, host, event_id, hook.id)
            told = [(d.kind, d.ok, d.status_code) for d in log]
            assert told == [("new_request", True, 200)] * size
            return lambda: messages.webhook_deliveries(database, host, event_id, hook.id)

        one, three = by_size(database, build)

    assert three == one
