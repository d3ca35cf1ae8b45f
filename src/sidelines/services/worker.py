"""The background worker (``sidelines worker``): a loop over duties.

A duty is a function ``duty(context) -> int`` that does one bounded piece of background work
and says how much it did. Each tick the worker calls every duty in turn; when none did
anything it sleeps ``tick_s``, otherwise it goes round again at once. A duty must be safe to
run in several workers at once and to be killed at any point: it keeps its state in the
database, claims what it works on there, and commits in short transactions.

To add one, write the function here (or in the service it belongs to) and add it to
``DUTIES``; ``WorkerContext`` carries the database and the worker's settings. A duty that
raises is logged and the loop goes on with the next.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from sidelines.services import attendance, delivery, request_expiry, solve_jobs
from sidelines.services.clock import now
from sidelines.services.delivery import DeliveryOptions, MailSettings, Pace
from sidelines.services.outbox import EMAIL, PENDING, WEBHOOK, webhooks
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    EventRow,
    MeetingPrincipalRow,
    MeetingRow,
    MessagePreferenceRow,
    OutboxRow,
    UserRow,
)

log = logging.getLogger("sidelines.worker")

DEFAULT_REMINDER_MIN = 15
# Reminders are written this long before they are due, so that one exists (and can be seen)
# before its time; a meeting moved meanwhile gets a new one and the old one is dropped.
REMINDER_LOOKAHEAD = timedelta(hours=1)
# How often reminders are looked for: a moved meeting's reminder follows within this time.
REMINDER_EVERY_S = 2.0
# How often the events are looked at for no-shows, offers and requests that are due.
SWEEP_EVERY_S = 15.0
# The longest lead a user may ask for (a day): it bounds the meetings the duty reads.
MAX_REMINDER_MIN = 24 * 60


@dataclass
class WorkerContext:
    db: Database
    mail: MailSettings = field(default_factory=MailSettings)
    options: DeliveryOptions = field(default_factory=DeliveryOptions)
    name: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )
    senders: delivery.Senders | None = None
    reminders_at: float = float("-inf")
    sweeps_at: float = float("-inf")
    # The batch solve this worker runs, in a thread of its own so that deliveries go on.
    solving: threading.Thread | None = None
    # Called first in a batch solve's thread: the command lowers that thread's CPU priority
    # (and so its solver's threads' and processes'), not the deliveries', and the worker's
    # scheduling group while the solve runs; ``solve_done``, last in it, raises the group again.
    lower_solve: Callable[[], None] = lambda: None
    solve_done: Callable[[], None] = lambda: None
    # Told at each round of delivery whether it has a batch to send and whether that keeps up
    # (``delivery.Pace``): the command lowers the worker's scheduling group while it sends on
    # time, and raises it while idle or behind.
    pace: Callable[[Pace], None] = lambda pace: None
    # SQLite only: a connection held open while the worker runs (``open``), on which it copies
    # the write-ahead log into the database after each batch it sends (``checkpoint``).
    wal: PoolProxiedConnection | None = None

    def open(self) -> None:
        self.senders = delivery.Senders.open(self.mail, self.options)
        # SQLite checkpoints when the last connection to a database closes: copies the log into
        # the database file, syncs both to disk and deletes the log. The server once opened a
        # connection per transaction (it keeps a pool now), so that last one was mostly an
        # agenda read's, and the read waited for the worker's writes to be synced (up to 13 ms
        # of fdatasync a read while messages went out; docs/benchmarks.md, "Agenda reads on
        # SQLite while messages go out"). A connection of the worker's, open throughout, is
        # never the last to close but at its end, so the copying is the worker's own, at its
        # priority, after its batches.
        if self.db.dialect == "sqlite" and self.wal is None:
            self.wal = self.db.engine.raw_connection()

    def close(self) -> None:
        if self.senders is not None:
            self.senders.close()
            self.senders = None
        if self.wal is not None:
            self.wal.close()
            self.wal = None


Duty = Callable[[WorkerContext], int]


def deliver(context: WorkerContext) -> int:
    """Send one batch of due outbox rows."""
    assert context.senders is not None, "open the context first"
    started = time.monotonic()
    done = delivery.deliver_due(
        context.db, context.name, context.senders, context.mail, context.options, context.pace
    )
    if done:
        checkpoint(context)
    # Behind or not: a batch at the worker's full priority without a rest weighed on the reads
    # (docs/benchmarks.md, "Reads and messages beside the worker's work").
    if done and context.options.rest:
        time.sleep((time.monotonic() - started) * context.options.rest)
    return done


def checkpoint(context: WorkerContext) -> None:
    """Copy what the write-ahead log holds into the SQLite database, as far as no reader still
    needs it (``PASSIVE``: waits for no one), so that the log stays short and no connection
    closed elsewhere has it to copy; nothing on PostgreSQL."""
    if context.wal is not None:
        cursor = context.wal.cursor()
        try:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            cursor.close()


def schedule_reminders(context: WorkerContext) -> int:
    """Write a reminder for each receiver of each meeting starting within its lead (plus the
    look-ahead), keyed by the meeting and its start: a moved meeting gets a new one, and the
    one for the old time is dropped here (and, should it be claimed first, at delivery)."""
    if time.monotonic() - context.reminders_at < REMINDER_EVERY_S:
        return 0
    context.reminders_at = time.monotonic()
    return context.db.write(write_reminders)


def write_reminders(session: Session) -> int:
    at = now()
    lead = session.scalar(select(func.max(MessagePreferenceRow.reminder_min))) or 0
    lead = min(MAX_REMINDER_MIN, max(lead, DEFAULT_REMINDER_MIN))
    horizon = at + timedelta(minutes=lead) + REMINDER_LOOKAHEAD
    meetings = list(
        session.scalars(
            select(MeetingRow).where(
                MeetingRow.starts_at.is_not(None),
                MeetingRow.starts_at > at,
                MeetingRow.starts_at <= horizon,
                MeetingRow.status == "scheduled",
            )
        )
    )
    written = _drop_stale(session, {m.id: m for m in meetings})
    if not meetings:
        return written
    sides: dict[int, set[str]] = {}
    for meeting_id, party in session.execute(
        select(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.party_id).where(
            MeetingPrincipalRow.meeting_id.in_([m.id for m in meetings])
        )
    ):
        sides.setdefault(meeting_id, set()).add(party)
    events = {m.event_id for m in meetings}
    people = session.execute(
        select(UserRow.id, UserRow.event_id, UserRow.party_id, MessagePreferenceRow)
        .join(MessagePreferenceRow, MessagePreferenceRow.user_id == UserRow.id)
        .where(MessagePreferenceRow.email.is_not(None), UserRow.event_id.in_(events))
    ).all()
    hooks = {event_id: webhooks(session, event_id) for event_id in events}
    wanted: list[OutboxRow] = []
    for meeting in meetings:
        assert meeting.starts_at is not None
        start = meeting.starts_at
        source = {"meeting": meeting.id, "starts_at": start.isoformat()}
        name = f"reminder{meeting.id}-{int(start.timestamp())}"
        parties = sides.get(meeting.id, set())
        receivers: list[tuple[str, str, str | None, int, dict[str, int]]] = [
            (f"{name}:user{uid}", EMAIL, party, prefs.reminder_min, {"user_id": uid})
            for uid, event_id, party, prefs in people
            if event_id == meeting.event_id and party in parties and "reminder" in prefs.kinds
        ]
        receivers += [
            (
                f"{name}:webhook{h.id}",
                WEBHOOK,
                h.party_id,
                DEFAULT_REMINDER_MIN,
                {"webhook_id": h.id},
            )
            for h in hooks[meeting.event_id]
            if h.party_id in parties and "reminder" in h.kinds
        ]
        for key, channel, side, lead, receiver in receivers:
            due = start - timedelta(minutes=lead)
            if due - REMINDER_LOOKAHEAD > at:
                continue
            wanted.append(
                OutboxRow(
                    key=key,
                    event_id=meeting.event_id,
                    channel=channel,
                    kind="reminder",
                    source=source,
                    party_id=side,
                    status=PENDING,
                    due_at=max(due, at),
                    attempts=0,
                    created_at=at,
                    **receiver,
                )
            )
    if not wanted:
        return written
    known = set(
        session.scalars(select(OutboxRow.key).where(OutboxRow.key.in_([r.key for r in wanted])))
    )
    fresh = [r for r in wanted if r.key not in known]
    session.add_all(fresh)
    return written + len(fresh)


def _drop_stale(session: Session, upcoming: dict[int, MeetingRow]) -> int:
    """Drop pending reminders whose meeting moved, left the schedule or began."""
    dropped = 0
    unclaimed = (
        OutboxRow.kind == "reminder",
        OutboxRow.status == PENDING,
        OutboxRow.claimed_by.is_(None),
    )
    for row in session.scalars(select(OutboxRow).where(*unclaimed)).all():
        meeting = upcoming.get(row.source["meeting"])
        if meeting is None or meeting.starts_at is None:
            reason = "the meeting is no longer scheduled or has begun"
        elif meeting.starts_at.isoformat() != row.source["starts_at"]:
            reason = "the meeting moved: its reminder comes at the new time"
        else:
            continue
        # Dropped only if still pending and unclaimed: another worker may have claimed and
        # sent it since it was read, and a sent reminder must not be recorded as dropped.
        kept = session.scalars(
            update(OutboxRow)
            .where(OutboxRow.id == row.id, *unclaimed)
            .values(status="dropped", last_error=reason)
            .returning(OutboxRow.id)
            .execution_options(synchronize_session=False)
        ).all()
        dropped += len(kept)
    return dropped


def run_solves(context: WorkerContext) -> int:
    """Claim a batch solve queued by a web process (``SIDELINES_SOLVE_IN_WORKER``) and run it
    in a thread of this worker, one at a time: the search never shares an interpreter with the
    requests of a web process. A worker killed mid-solve leaves its run to be given up by the
    next solve of the event (``scheduling.start_solve``)."""
    if context.solving is not None and context.solving.is_alive():
        return 0
    claimed = solve_jobs.claim_solve(context.db)
    if claimed is None:
        return 0

    def solve() -> None:
        context.lower_solve()
        try:
            solve_jobs.run_claimed(context.db, claimed)
        finally:
            context.solve_done()

    context.solving = threading.Thread(target=solve, daemon=True)
    context.solving.start()
    return 1


def sweep_events(context: WorkerContext) -> int:
    """Mark no-shows and offer the time they free, release offers not confirmed in time
    (``attendance``), and remind of and expire unanswered requests (``request_expiry``), for
    every event, when something is due; the pages do the same when they are read."""
    if time.monotonic() - context.sweeps_at < SWEEP_EVERY_S:
        return 0
    context.sweeps_at = time.monotonic()
    at = now()
    with context.db.reading() as session:
        event_ids = list(session.scalars(select(EventRow.id)))
    done = 0
    for event_id in event_ids:
        if attendance.sweep_if_due(context.db, event_id, at) is not None:
            done += 1
        if request_expiry.sweep_requests_if_due(context.db, event_id, at) is not None:
            done += 1
    return done


DUTIES: tuple[Duty, ...] = (run_solves, sweep_events, schedule_reminders, deliver)


def run(
    context: WorkerContext,
    duties: tuple[Duty, ...] = DUTIES,
    tick_s: float = 1.0,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Call every duty until ``stop()`` says so, sleeping ``tick_s`` when all were idle."""
    context.open()
    try:
        while not stop():
            busy = 0
            for duty in duties:
                try:
                    busy += duty(context)
                except Exception:
                    log.exception("duty %s failed; the worker goes on", duty.__name__)
            if not busy:
                time.sleep(tick_s)
    finally:
        context.close()
