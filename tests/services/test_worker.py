"""The worker's loop over duties, and reminders before each meeting."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import attendance, messages, negotiation, solves, worker
from sidelines.services.clock import now
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, OutboxRow, SolveRunRow
from tests.receivers import LOOPBACK
from tests.services.messaging import agree_and_publish, listen, messaging
from tests.services.test_attendance import DUE, START
from tests.services.test_attendance import _world as attendance_world
from tests.services.world import make_world


def move(db: Database, meeting_id: int, minutes_from_now: int) -> None:
    """Set the meeting's time (only its row: the reminders read nothing else)."""
    start = now().replace(microsecond=0) + timedelta(minutes=minutes_from_now)
    with db.writing() as session:
        session.execute(
            update(MeetingRow)
            .where(MeetingRow.id == meeting_id)
            .values(starts_at=start, ends_at=start + timedelta(minutes=30))
        )


def reminders(db: Database) -> list[tuple[str, str, int]]:
    """(status, start, minutes from now to due) of every reminder."""
    with db.reading() as session:
        rows = session.scalars(
            select(OutboxRow)
            .where(OutboxRow.kind == "reminder")
            .order_by(OutboxRow.created_at, OutboxRow.id)
        )
        return [
            (r.status, r.source["starts_at"][11:16], round((r.due_at - now()).total_seconds() / 60))
            for r in rows
        ]


def test_a_meeting_gets_its_reminder_with_place_and_counterpart(database: Database) -> None:
    with messaging(database) as m:
        listen(database, m.world, "BBB", "bbb@example.org", kinds=("reminder",))
        meeting_id = agree_and_publish(database, m.world)
        move(database, meeting_id, 10)

        assert worker.schedule_reminders(m.context) == 1
        m.deliver_all()

        [mail] = m.smtp.mails
        assert mail.message["Subject"].startswith("Test event: Reminder: Bilateral with AAA at ")
        assert ", T1 (in " in mail.message["Subject"]
        assert database.write(worker.write_reminders) == 0  # written once


def test_a_reminder_comes_at_the_users_lead_and_follows_a_moved_meeting(
    database: Database,
) -> None:
    with messaging(database) as m:
        listen(database, m.world, "BBB", "bbb@example.org", reminder_min=30)
        meeting_id = agree_and_publish(database, m.world)
        move(database, meeting_id, 60)
        database.write(worker.write_reminders)
        [(status, first, due)] = reminders(database)
        assert (status, due) == ("pending", 30)

        move(database, meeting_id, 80)
        database.write(worker.write_reminders)

        [old, new] = reminders(database)
        assert old == ("dropped", first, 30)
        assert (new[0], new[2]) == ("pending", 50)


def test_a_reminder_claimed_after_its_meeting_moved_is_not_sent(database: Database) -> None:
    with messaging(database) as m:
        listen(database, m.world, "BBB", "bbb@example.org")
        meeting_id = agree_and_publish(database, m.world)
        m.deliver_all()
        sent = len(m.smtp.mails)
        move(database, meeting_id, 5)
        database.write(worker.write_reminders)
        move(database, meeting_id, 6)  # moved again before the worker sends it

        m.deliver_all()

        assert len(m.smtp.mails) == sent
        assert [r[0] for r in reminders(database)] == ["dropped"]


def test_the_loop_calls_every_duty_and_goes_on_after_one_fails(database: Database) -> None:
    calls: list[str] = []

    def failing(_context: worker.WorkerContext) -> int:
        calls.append("failing")
        raise RuntimeError("a duty that breaks")

    def counting(_context: worker.WorkerContext) -> int:
        calls.append("counting")
        return 0

    worker.run(
        worker.WorkerContext(database),
        duties=(failing, counting),
        tick_s=0.01,
        stop=lambda: len(calls) >= 4,
    )

    assert calls == ["failing", "counting", "failing", "counting"]


def test_a_queued_solve_runs_in_the_worker_one_at_a_time(database: Database) -> None:
    world = make_world(database, "worker-solves", ["A", "B"])
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=1, queue=True)
    context = worker.WorkerContext(database)

    assert worker.run_solves(context) == 1
    assert context.solving is not None
    assert worker.run_solves(context) == 0  # busy with the first: claims nothing more
    context.solving.join(60)

    done = solves.get_run(database, world.organiser, world.event_id, run.id)
    assert done.status == "done"
    assert worker.run_solves(context) == 0  # nothing queued


def test_a_queued_solve_lowers_its_own_thread_first(database: Database) -> None:
    world = make_world(database, "worker-solve-priority", ["A", "B"])
    solves.start_solve(database, world.organiser, world.event_id, time_limit_s=1, queue=True)
    lowered: list[threading.Thread] = []
    context = worker.WorkerContext(
        database, lower_solve=lambda: lowered.append(threading.current_thread())
    )

    assert worker.run_solves(context) == 1
    assert context.solving is not None
    context.solving.join(60)

    assert lowered == [context.solving]  # the solve's thread, not the loop's


def test_a_queued_solve_says_it_is_done_in_its_own_thread_once_it_ended(
    database: Database,
) -> None:
    world = make_world(database, "worker-solve-done", ["A", "B"])
    solves.start_solve(database, world.organiser, world.event_id, time_limit_s=1, queue=True)
    done: list[tuple[threading.Thread, bool]] = []

    def solve_done() -> None:
        with database.reading() as session:
            run = session.scalars(select(SolveRunRow)).one()
            done.append((threading.current_thread(), run.status != "running"))

    context = worker.WorkerContext(database, solve_done=solve_done)

    assert worker.run_solves(context) == 1
    assert context.solving is not None
    context.solving.join(60)

    assert done == [(context.solving, True)]


def test_the_sweeps_mark_a_no_show_without_anyone_reading_a_page(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, ab, _ = attendance_world(database)
    monkeypatch.setattr(worker, "now", lambda: DUE)  # ten minutes after the meeting's start
    context = worker.WorkerContext(database)
    assert worker.sweep_events(context) == 0  # nobody checked in: nothing is due

    attendance.check_in(database, world.delegates["A"], world.event_id, ab, at=START)
    assert worker.sweep_events(context) == 0  # not looked at again before its period
    context.sweeps_at = float("-inf")
    assert worker.sweep_events(context) == 1

    with database.reading() as session:
        row = session.get(MeetingRow, ab)
        assert row is not None
        assert row.status == MeetingStatus.NOT_HELD


def test_after_a_batch_the_worker_rests_as_long_as_the_batch_took(database: Database) -> None:
    """Delivering takes at most half the worker's time: the web's work comes between."""
    with messaging(database, ("AAA", "BBB", "CCC"), delay_s=0.3) as m:
        messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", m.hooks.url, allowed=LOOPBACK
        )
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())
        m.context.options = replace(m.context.options, rest=1.0)

        started = time.monotonic()
        settled = worker.deliver(m.context)
        took = time.monotonic() - started

        assert settled == 1
        assert len(m.hooks.posts) == 1
        assert took >= 2 * 0.3
        m.context.options = replace(m.context.options, rest=0)
        negotiation.create_request(database, m.world.delegates["CCC"], "ev", ["BBB"], Terms())
        started = time.monotonic()
        assert worker.deliver(m.context) == 1
        assert 0.3 <= time.monotonic() - started < took


def test_a_batch_whose_oldest_message_waited_past_the_catch_up_time_is_behind(
    database: Database,
) -> None:
    """The worker is told before each batch is sent whether it keeps up: a lowered worker is
    raised while it is behind."""
    with messaging(database, ("AAA", "BBB", "CCC")) as m:
        messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", m.hooks.url, allowed=LOOPBACK
        )
        told: list[tuple[str, int]] = []
        m.context.pace = lambda pace: told.append((pace, len(m.hooks.posts)))
        m.context.options = replace(m.context.options, rest=0, catch_up_s=10.0)
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())
        assert worker.deliver(m.context) == 1  # due just now: on time

        negotiation.create_request(database, m.world.delegates["CCC"], "ev", ["BBB"], Terms())
        with database.writing() as session:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.status == "pending")
                .values(due_at=now() - timedelta(seconds=11))
            )
        assert worker.deliver(m.context) == 1
        assert worker.deliver(m.context) == 0

        assert told == [("on time", 0), ("behind", 1), ("idle", 2)]


def test_a_batch_begun_on_time_says_it_fell_behind_while_it_is_still_sending(
    database: Database,
) -> None:
    # The receiver answers after 3 s; the batch is behind 1.5 s after its message was due
    # (claiming and planning it take far less, even on a busy machine).
    with messaging(database, ("AAA", "BBB"), delay_s=3.0) as m:
        messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", m.hooks.url, allowed=LOOPBACK
        )
        told: list[tuple[str, int]] = []
        m.context.pace = lambda pace: told.append((pace, len(m.hooks.posts)))
        m.context.options = replace(m.context.options, rest=0, catch_up_s=1.5)
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())

        assert worker.deliver(m.context) == 1
        assert worker.deliver(m.context) == 0

        assert told == [("on time", 0), ("behind", 0), ("idle", 1)]


def _outbox_in_the_database_file(db: Database) -> list[str]:
    """The outbox rows' statuses as the SQLite database file holds them, its write-ahead log
    not read: what checkpoints have copied there."""
    path = db.engine.url.database
    assert path is not None
    with contextlib.closing(sqlite3.connect(f"file:{path}?immutable=1", uri=True)) as file:
        return [status for (status,) in file.execute("SELECT status FROM outbox ORDER BY id")]


# SQLite's write-ahead log: nothing of it on PostgreSQL.
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_worker_on_sqlite_copies_its_writes_into_the_database_after_each_batch(
    database: Database,
) -> None:
    with messaging(database, ("AAA", "BBB")) as m:
        messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", m.hooks.url, allowed=LOOPBACK
        )
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())

        assert worker.deliver(m.context) == 1

        assert _outbox_in_the_database_file(database) == ["sent"]


# SQLite's write-ahead log: nothing of it on PostgreSQL.
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_while_the_worker_runs_a_connection_closed_elsewhere_leaves_the_log_to_it(
    database: Database,
) -> None:
    """SQLite checkpoints when a database's last connection closes: without the worker's own
    connection that was mostly a web request's, which then waited for the log to be synced."""
    with messaging(database, ("AAA", "BBB")) as m:
        messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", m.hooks.url, allowed=LOOPBACK
        )
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())

        assert _outbox_in_the_database_file(database) == []  # in the log, for the worker

    # The worker's connections, closed last (the pool keeps them until the worker's process
    # disposes of it, as ``sidelines worker`` does when it stops), copied it.
    database.dispose()
    assert _outbox_in_the_database_file(database) == ["pending"]


class _ClaimedMeanwhile(dict[int, MeetingRow]):
    """No meeting upcoming (every reminder stale); the first look-up lets another worker
    claim and send the reminder, committed on its own connection, before this one drops it."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    def get(self, key: int, default: MeetingRow | None = None) -> MeetingRow | None:  # type: ignore[override]
        if not getattr(self, "sent", False):
            self.sent = True

            def claim_and_send() -> None:
                with self.db.writing() as session:
                    session.execute(
                        update(OutboxRow)
                        .where(OutboxRow.kind == "reminder")
                        .values(status="sent", claimed_by="other worker", sent_at=now())
                    )

            other = threading.Thread(target=claim_and_send)
            other.start()
            other.join()
        return default


# PostgreSQL only: SQLite takes the writers' lock at BEGIN, so no write commits in between.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_reminder_another_worker_sent_meanwhile_is_not_marked_dropped(
    database: Database,
) -> None:
    """The stale reminders are read; another worker claims and sends one before it is
    dropped. It stays sent: the drop is written only to a reminder still pending, unclaimed."""
    with messaging(database) as m:
        listen(database, m.world, "BBB", "bbb@example.org", reminder_min=30)
        meeting_id = agree_and_publish(database, m.world)
        move(database, meeting_id, 60)
        database.write(worker.write_reminders)

        dropped = database.write(
            lambda session: worker._drop_stale(session, _ClaimedMeanwhile(database))
        )

        assert [r[0] for r in reminders(database)] == ["sent"]
        assert dropped == 0
