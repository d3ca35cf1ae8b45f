"""The scheduling state a process keeps per event, and schedule versions stored as changes:
what they give is what a whole read of the database gives, also after writes the process did
not make itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event as sa_event
from sqlalchemy import update
from sqlalchemy.orm import Session

from sidelines.domain import TimeSpan
from sidelines.domain.negotiation import MeetingStatus
from sidelines.scheduling.onsite.laid_out import LaidOut
from sidelines.services import (
    bookings,
    event_problem,
    event_state,
    negotiation,
    replans,
    schedule_diff,
    schedule_versions,
    solves,
)
from sidelines.services.events import domain_event
from sidelines.services.schedule_versions import applied, schedule_at
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow
from tests import builders
from tests.services.world import World, agree, ask, double_bookings, make_world

EARLY = builders.at(9, 0)
MORNING = TimeSpan(EARLY, builders.at(12, 0))


def _published(database: Database) -> World:
    world = make_world(
        database,
        "state",
        ["A", "B", "C", "D", "E", "F"],
        spaces=[builders.table("T1"), builders.table("T2")],
    )
    agree(database, world, "A", "B", MORNING)
    agree(database, world, "C", "D", MORNING)
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, world.organiser, world.event_id, run.id)
    return world


def _same_as_a_whole_read(database: Database, event_id: str) -> None:
    with database.reading() as session:
        kept = event_problem.onsite_problem(session, event_id)
        whole = event_problem.onsite_problem(session, event_id, whole=True)
    assert kept == whole


def _board_as_laid_afresh(database: Database, event_id: str) -> LaidOut:
    """The board kept for the on-site search, checked against one laid out from the state."""
    with database.reading() as session:
        event_problem.onsite_problem(session, event_id)  # the kept state brought up to date
        state = event_state.kept(session, event_id)
        assert state is not None
        with event_state.laid_out(session, event_id) as board:
            assert board is not None
            fresh = LaidOut(state.problem, state.published).state
            assert board.state.start == fresh.start
            assert board.state.space == fresh.space
            assert board.state.total_breaks == fresh.total_breaks
            assert [c.busy for c in board.state.calendars] == [c.busy for c in fresh.calendars]
            return board


def test_the_kept_state_follows_placements_made_through_the_service(database: Database) -> None:
    world = _published(database)
    _same_as_a_whole_read(database, world.event_id)
    board = _board_as_laid_afresh(database, world.event_id)

    agree(database, world, "E", "F", MORNING)
    agree(database, world, "A", "C", MORNING)

    _same_as_a_whole_read(database, world.event_id)
    # The same board, moved along with the two placements rather than laid out anew.
    assert _board_as_laid_afresh(database, world.event_id) is board


def test_the_kept_state_reads_the_meetings_written_since_with_their_principals(
    database: Database,
) -> None:
    """Bringing the kept state up to date after a placement reads the event, its last change
    and the meetings written since with their principals: three statements, the principals of
    the meeting new to it not read apart."""
    world = _published(database)
    _kept_now(database, world.event_id)
    agree(database, world, "E", "F", MORNING)
    sent: list[str] = []

    def seen(*args: object) -> None:
        sent.append(str(args[2]).split()[0])

    with database.reading() as session:
        event = domain_event(session, world.event_id)
        session.expunge_all()  # the event's row is read by the update, as a placement does
        sa_event.listen(database.engine, "before_cursor_execute", seen)
        try:
            state = event_state.onsite_state(session, event)
        finally:
            sa_event.remove(database.engine, "before_cursor_execute", seen)
    assert state is not None
    assert sent == ["SELECT"] * 3
    _same_as_a_whole_read(database, world.event_id)


def _kept_now(database: Database, event_id: str) -> event_state.OnsiteState:
    with database.reading() as session:
        event_problem.onsite_problem(session, event_id)  # the kept state brought up to date
        state = event_state.kept(session, event_id)
    assert state is not None
    return state


def test_the_kept_state_names_the_meetings_each_placement_changed(database: Database) -> None:
    world = _published(database)
    before = _kept_now(database, world.event_id)

    agree(database, world, "E", "F", MORNING)
    agree(database, world, "A", "C", MORNING)
    after = _kept_now(database, world.event_id)

    differ = {
        meeting_id
        for meeting_id, assignment in after.published.items()
        if before.published.get(meeting_id) != assignment
    }
    assert len(differ) >= 2  # the two placed, and any they moved
    assert after.changed_since(before.serial) == differ
    assert after.changed_since(after.serial) == set()
    assert after.changed_since(-1) is None  # not an ancestor: the board is laid out anew


def _written_by_another_process(database: Database, world: World) -> datetime:
    """Another process (its own Database) moves A and B's meeting an hour on and cancels C
    and D's: this process made neither write. Where A and B's meeting starts now."""
    other = Database(database.url)
    with database.reading() as session:
        event = domain_event(session, world.event_id)
    with other.writing() as session:
        rows = {
            tuple(sorted(replans.meeting_parties(session, row.id))): row
            for row in session.query(MeetingRow).filter(MeetingRow.event_id == world.event_id)
        }
        moved = rows[("A", "B")]
        assert moved.starts_at is not None
        start = moved.starts_at + timedelta(hours=1)
        space = moved.space_id
        bookings.unbook(session, moved)
        session.flush()
        bookings.book(session, event, moved, start, space)
        session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == rows[("C", "D")].id)
            .values(status=str(MeetingStatus.CANCELLED))
        )
    other.dispose()
    return start


def _placed_beside(database: Database, world: World, start: datetime) -> None:
    """A meeting of A's within the hour from ``start`` (where A and B's meeting was moved)
    goes elsewhere, not over it."""
    request_id = ask(database, world, "A", "E", TimeSpan(start, start + timedelta(hours=1)))
    _, placement = negotiation.agree_on_site(
        database, world.delegates["E"], world.event_id, request_id
    )
    assert placement is not None
    assert placement.placed
    with database.reading() as session:
        assert double_bookings(session, world.event_id) == []


def test_a_write_by_another_process_is_seen_and_the_placement_still_right(
    database: Database,
) -> None:
    world = _published(database)
    _same_as_a_whole_read(database, world.event_id)  # kept at this revision
    start = _written_by_another_process(database, world)

    _same_as_a_whole_read(database, world.event_id)
    _board_as_laid_afresh(database, world.event_id)
    _placed_beside(database, world, start)


def test_a_placement_reads_the_meetings_written_since_the_kept_state_with_the_event(
    database: Database,
) -> None:
    """The plan's first read (the event, the meeting, the last change) brings the meetings
    written since the state this process keeps too, here by another process: no statement of
    their own, and the placement still made on the schedule as it is."""
    world = _published(database)
    _kept_now(database, world.event_id)
    start = _written_by_another_process(database, world)
    sent: list[str] = []

    def seen(*args: object) -> None:
        sent.append(" ".join(str(args[2]).split()))

    sa_event.listen(database.engine, "before_cursor_execute", seen)
    try:
        _placed_beside(database, world, start)
    finally:
        sa_event.remove(database.engine, "before_cursor_execute", seen)

    assert [s for s in sent if s.startswith("SELECT meetings.") and "revision >" in s] == []
    _same_as_a_whole_read(database, world.event_id)


def test_each_version_stored_as_changes_gives_the_schedule_as_it_was(
    database: Database,
) -> None:
    world = _published(database)
    with database.reading() as session:
        seen = {1: schedule_versions.bookings(session, world.event_id)}
    for a, b in (("E", "F"), ("A", "C"), ("B", "D")):
        agree(database, world, a, b, MORNING)
        with database.reading() as session:
            number = schedule_versions.current_version(session, world.event_id)
            assert number is not None
            seen[number.number] = schedule_versions.bookings(session, world.event_id)

    for known in (True, False):
        if not known:
            schedule_versions.forget()  # read from the stored rows alone
        with database.reading() as session:
            assert {n: schedule_at(session, world.event_id, n) for n in seen} == seen


_entries = st.dictionaries(
    st.integers(1, 30).map(str),
    st.tuples(st.sampled_from(["09:00", "10:00"]), st.sampled_from(["T1", "T2"])).map(list),
    max_size=12,
)


@given(_entries, _entries)
def test_a_version_applied_to_the_one_before_gives_the_one_after(
    before: dict[str, list[str]], after: dict[str, list[str]]
) -> None:
    changed = {str(c.meeting_id): c.after for c in schedule_diff.changes(before, after)}

    assert applied(before, changed) == after


def test_a_process_keeps_no_state_from_a_writer(database: Database) -> None:
    world = _published(database)
    event_state.forget()

    def plan(session: Session) -> None:
        event_problem.onsite_problem(session, world.event_id)

    database.write(plan)

    with database.reading() as session:
        assert event_state.kept(session, world.event_id) is None
