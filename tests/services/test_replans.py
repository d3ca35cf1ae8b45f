"""Booking a re-plan: the placement of an agreed meeting, a change reported at the venue and
the organiser's edit each book through ``replans.book_replan``, so a write that lands between
their plan and its booking makes each of them stale by the same rule, and each plans again on
the schedule as it now is, never booking over the write."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import edits, onsite_changes, placing, recorded_changes, replans
from sidelines.services.edits import Target
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, OnsiteChangeRow
from tests.services.test_edits import EVENT, meeting, where, world
from tests.services.world import double_bookings

T = TypeVar("T")


class WrittenBetween:
    """The database, with one write of another writer landing just before the first write of
    the caller: after its plan was read, before its booking."""

    def __init__(self, database: Database, other: Callable[[], object]) -> None:
        self._database = database
        self._other: Callable[[], object] | None = other

    def write(self, work: Callable[[Session], T]) -> T:
        if self._other is not None:
            other, self._other = self._other, None
            other()
        return self._database.write(work)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)


@pytest.fixture
def verdicts(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """What the staleness rule said at each booking (None: not stale), in order."""
    said: list[str | None] = []
    rule = replans.fresh_rows

    def recorded(*args: Any) -> replans.Fresh:
        try:
            rows = rule(*args)
        except replans.StalePlan as stale:
            said.append(stale.english)
            raise
        said.append(None)
        return rows

    monkeypatch.setattr(replans, "fresh_rows", recorded)
    return said


def free_places(database: Database, organiser: Any, meeting_id: int) -> list[Target]:
    return [
        Target(p.starts_at, p.space_id)
        for p in edits.meeting_places(database, organiser, EVENT, meeting_id).places
        if p.fits and not p.current and p.space_id
    ]


def test_an_edit_planned_before_a_move_of_its_meeting_is_planned_again(
    database: Database, verdicts: list[str | None]
) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    first, second = free_places(database, w.organiser, ids["ab"])[:2]

    def other() -> None:
        edits.move(database, w.organiser, EVENT, ids["ab"], second)
        verdicts.clear()

    view = edits.move(WrittenBetween(database, other), w.organiser, EVENT, ids["ab"], first)

    assert verdicts == [f"meeting {ids['ab']} changed meanwhile", None]
    assert view.version == 3
    assert [(c.meeting_id, c.before[0] if c.before else None) for c in view.changes] == [
        (ids["ab"], second.starts_at.isoformat())
    ]
    assert where(database, ids["ab"])[:2] == (first.starts_at, first.space_id)
    with database.reading() as session:
        assert double_bookings(session, EVENT) == []


def test_a_change_on_site_planned_before_a_move_of_its_meeting_is_planned_again(
    database: Database, verdicts: list[str | None]
) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    start, space, _ = where(database, ids["ab"])
    assert start is not None
    assert space is not None
    # Somewhere in another space: the closure of ab's room no longer touches it there.
    elsewhere = next(
        t for t in free_places(database, w.organiser, ids["ab"]) if t.space_id != space
    )

    def other() -> None:
        edits.move(database, w.organiser, EVENT, ids["ab"], elsewhere)
        verdicts.clear()

    absorbed = onsite_changes.report_closure(
        WrittenBetween(database, other),
        w.organiser,
        EVENT,
        space_id=space,
        start=start,
        end=start + timedelta(minutes=30),
    )

    assert verdicts == [f"meeting {ids['ab']} changed meanwhile", None]
    assert (absorbed.version, absorbed.moved, absorbed.unplaced) == (None, [], [])
    assert where(database, ids["ab"])[:2] == (elsewhere.starts_at, elsewhere.space_id)
    assert [c.kind for c in onsite_changes.list_changes(database, w.organiser, EVENT)] == [
        "closure"
    ]


def test_a_placement_planned_before_its_meeting_was_placed_books_nothing(
    database: Database, verdicts: list[str | None]
) -> None:
    w, ids = world(
        database, [meeting("ab", "A", "B"), meeting("cd", "C", "D"), meeting("ef", "E", "F")]
    )
    edits.unplace(database, w.organiser, EVENT, ids["ef"])
    chosen = free_places(database, w.organiser, ids["ef"])[-1]

    def other() -> None:
        edits.place(database, w.organiser, EVENT, ids["ef"], chosen)
        verdicts.clear()

    view = placing.place_agreed(
        WrittenBetween(database, other),
        w.organiser,
        EVENT,
        ids["ef"],
    )

    # Planned again, the meeting is found placed already: nothing more to book.
    assert verdicts == [f"meeting {ids['ef']} changed meanwhile"]
    assert (view.placed, view.reason) == (False, "the meeting is not waiting")
    assert where(database, ids["ef"]) == (
        chosen.starts_at,
        chosen.space_id,
        MeetingStatus.SCHEDULED,
    )
    with database.reading() as session:
        assert double_bookings(session, EVENT) == []


BOOK_REPLAN = replans.book_replan


def booked_statements(
    database: Database, monkeypatch: pytest.MonkeyPatch, edit: Callable[[], object]
) -> list[str]:
    """The statements ``book_replan`` sends while ``edit`` runs (their first word), not those
    of the transaction's last flush."""
    sent: list[str] = []

    def counted(*args: Any, **kwargs: Any) -> replans.Booked:
        def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
            if not sql.startswith("BEGIN"):  # SQLite sends it as a statement, PostgreSQL not
                sent.append(sql.split()[0])

        event.listen(database.engine, "before_cursor_execute", statement)
        try:
            return BOOK_REPLAN(*args, **kwargs)
        finally:
            event.remove(database.engine, "before_cursor_execute", statement)

    monkeypatch.setattr(replans, "book_replan", counted)
    monkeypatch.setattr(edits, "book_replan", counted)
    edit()
    return sent


def test_a_booking_writes_a_table_at_a_time_whatever_the_meetings_it_moves(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, ids = world(
        database, [meeting("ab", "A", "B"), meeting("cd", "C", "D"), meeting("ef", "E", "F")]
    )
    first = free_places(database, w.organiser, ids["ef"])[0]

    def move() -> None:
        edits.move(database, w.organiser, EVENT, ids["ef"], first)

    def swap() -> None:
        edits.swap(database, w.organiser, EVENT, ids["ab"], ids["cd"])

    one, two = (booked_statements(database, monkeypatch, edit) for edit in (move, swap))

    # The lock, then the last change reported with the rows and their principals; the old
    # bookings deleted and the new inserted a table at a time (on PostgreSQL one statement
    # for both tables each, ``inserts.insert_at_once``), the rows updated with one statement;
    # the version's read (the current one with the event's revision and the meetings written
    # since, in one statement); then the version, and its audit entries, its notices and the
    # entries' audience, a table at a time with plain statements (on PostgreSQL the three in
    # one; before, the same four went in with the transaction's last flush, after this count).
    at_once = database.dialect == "postgresql"
    expected = sorted(
        ["SELECT"] * 2
        + (["WITH", "WITH"] if at_once else ["DELETE"] * 2 + ["INSERT"] * 2)
        + ["UPDATE"]
        + ["SELECT"]
        + ["INSERT"]
        + (["WITH"] if at_once else ["INSERT"] * 3)
    )
    assert sorted(one) == expected
    assert sorted(two) == expected
    assert "SAVEPOINT" not in one + two
    with database.reading() as session:
        assert double_bookings(session, EVENT) == []


def test_a_booking_leaves_the_meetings_it_moves_with_nothing_for_the_flush(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The old bookings are taken off the rows that are booked again without changing them
    # through the ORM: the rows' new places are written as committed, so the unit of work has
    # no row to compare at the next flush.
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    ab, cd = where(database, ids["ab"]), where(database, ids["cd"])
    pending: list[object] = []

    def flushed(session: Session, *_args: Any) -> None:
        pending.extend(session.dirty)

    def watched(session: Session, *args: Any, **kwargs: Any) -> replans.Booked:
        event.listen(session, "before_flush", flushed)
        try:
            return BOOK_REPLAN(session, *args, **kwargs)
        finally:
            event.remove(session, "before_flush", flushed)

    monkeypatch.setattr(edits, "book_replan", watched)
    edits.swap(database, w.organiser, EVENT, ids["ab"], ids["cd"])

    assert pending == []
    assert where(database, ids["ab"]) == cd
    assert where(database, ids["cd"]) == ab


def test_a_change_recorded_while_a_booking_waits_for_the_lock_makes_its_plan_stale(
    database: Database,
) -> None:
    """The booking's staleness rule reads the last change once it holds the lock: on
    PostgreSQL a statement that waits for a row lock still reads other tables as they were
    when it began, so a change recorded by the lock's holder must be read after the wait."""
    w, _ids = world(database, [meeting("ab", "A", "B")])
    with database.reading() as session:
        seen = recorded_changes.latest_change(session, EVENT)
        start = session.scalars(select(MeetingRow.starts_at)).first()
    assert start is not None
    holding, waiting = threading.Event(), threading.Event()
    verdict: list[str] = []

    def record_change(session: Session) -> None:
        replans.lock_schedule(session, EVENT)
        session.add(
            OnsiteChangeRow(
                event_id=EVENT,
                kind="departure",
                party_id="A",
                starts_at=start,
                reported_at=start,
            )
        )
        session.flush()
        holding.set()
        # Until the other booking waits for the lock (PostgreSQL) or has begun waiting to
        # write (SQLite, whose writers run one at a time).
        waiting.wait(10)

    def book(session: Session) -> None:
        try:
            replans.book_replan(
                session, w.organiser, EVENT, replans.Replan(seen, ()), reason="placement"
            )
        except replans.StalePlan as stale:
            verdict.append(stale.english)

    holder = threading.Thread(target=database.write, args=(record_change,))
    holder.start()
    assert holding.wait(10)
    booker = threading.Thread(target=database.write, args=(book,))
    booker.start()
    lock_waits(database, at_least=1)
    waiting.set()
    holder.join(10)
    booker.join(10)

    assert verdict == ["a change was reported on site meanwhile"]


def lock_waits(database: Database, at_least: int) -> None:
    """Until ``at_least`` sessions wait for a lock (PostgreSQL); a short pause on SQLite, whose
    second writer waits in ``BEGIN IMMEDIATE`` before it reads anything."""
    if database.engine.dialect.name != "postgresql":
        time.sleep(0.3)
        return
    waits = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with database.engine.connect() as connection:
            if connection.scalar(waits) >= at_least:
                return
        time.sleep(0.02)
    raise AssertionError("the booking never waited for the schedule's lock")
