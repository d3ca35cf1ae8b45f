"""Scheduling from the service: batch solves in the background, publishing, change notices.

The organiser starts a solve over the event's agreed meetings. It runs in a background thread of
the serving process, one per event at a time (the database refuses a second running solve), and
writes its progress to its row so that any process can report it. The organiser reviews the
result and publishes it: the bookings are replaced in one transaction (the database refuses any
double booking), the schedule gets a new version number, and each delegation whose meetings
were placed, moved or taken out gets a change notice.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from sidelines.domain import Event, MeetingId, Placement, SpaceId, TimeSpan
from sidelines.domain.negotiation import MeetingStatus
from sidelines.scheduling import (
    Progress,
    SolveOptions,
    SolveResult,
    build_problem,
    score,
    solve,
    validate,
)
from sidelines.scheduling.onsite import (
    Alternative,
    AlternativeKind,
    Move,
    NewMeeting,
    OnsiteOptions,
    OnsiteResult,
    replan,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.placement import contact_at
from sidelines.scheduling.schedule import Assignment, Schedule
from sidelines.scheduling.stability import Published, changes, with_published
from sidelines.services import (
    audit,
    event_state,
    notice_text,
    schedule_diff,
    schedule_versions,
)
from sidelines.services.actors import Actor
from sidelines.services.bookings import book, unbook
from sidelines.services.clock import now
from sidelines.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    PreviewChanged,
    RulesBroken,
    not_found,
)
from sidelines.services.events import (
    domain_event,
    event_row,
    meeting_facts_as_domain,
    meetings_as_domain,
)
from sidelines.services.recorded_changes import latest_change, with_changes
from sidelines.services.stable_solves import MoveBudget, StabilityChoice, stability_choice
from sidelines.services.versions import own_versions, shown_version
from sidelines.storage.db import Database
from sidelines.storage.keyset import in_order
from sidelines.storage.tables import (
    EventRow,
    MeetingPrincipalRow,
    MeetingRow,
    NoticeRow,
    ScheduleVersionRow,
    SolveRunRow,
)

# A running solve whose process stopped writing for this long is taken as dead.
STALE_AFTER = timedelta(seconds=60)
PROGRESS_EVERY_S = 1.0
# The phase of a solve that waits for a worker process to claim it.
QUEUED = "queued"
# How long the search for a place for one newly agreed meeting may take, and as much again for
# alternatives when there is none: the corridor is waiting.
PLACEMENT_TIME_LIMIT_S = 0.3
# Tries at placing a newly agreed meeting when concurrent placements take its slot first.
PLACEMENT_ATTEMPTS = 3

_threads: dict[int, threading.Thread] = {}


def solving_process() -> dict[str, Any]:
    """The process that runs a solve, kept in its progress (see ``_owner_gone``)."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _owner_gone(progress: dict[str, Any]) -> bool:
    """Whether the process that ran a solve has certainly died: it ran on this machine and its
    pid is gone. A killed server leaves its run ``running``; without this, a new solve would
    wait ``STALE_AFTER`` for the heartbeat to age. Another machine's run, or a pid in use again,
    is left to the heartbeat."""
    pid = progress.get("pid")
    if os.name != "posix" or progress.get("host") != socket.gethostname() or type(pid) is not int:
        return False
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class SolveRunView:
    id: int
    event_id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    progress: dict[str, Any]
    result: dict[str, Any] | None


@dataclass(frozen=True)
class Entry:
    meeting_id: int
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    parties: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleView:
    version: int
    published_at: datetime | None
    entries: list[Entry]


@dataclass(frozen=True)
class NoticeView:
    id: int
    version: int
    meeting_id: int
    kind: str
    before: list[Any] | None
    after: list[Any] | None
    created_at: datetime
    summary: str = ""  # the change in words, as its delegation reads it (``notice_text``)


def require_organiser(actor: Actor) -> None:
    if not actor.is_organiser:
        raise Forbidden("only the organiser can do this")


def _run_view(row: SolveRunRow) -> SolveRunView:
    # Which machine and process ran it is the server's own business.
    progress = {k: v for k, v in row.progress.items() if k not in ("host", "pid")}
    return SolveRunView(
        row.id, row.event_id, row.status, row.started_at, row.finished_at, progress, row.result
    )


# --- the problem of an event -----------------------------------------------------------------


def event_problem(
    session: Session, event_id: str, *, lock_scheduled: bool, only_new: int | None = None
) -> tuple[Problem, dict[str, MeetingRow]]:
    """The engine's problem for the event's agreed and scheduled meetings (ids are row ids),
    with the changes reported at the venue applied.

    ``lock_scheduled`` keeps placed meetings where they are; ``only_new`` leaves out every
    unplaced meeting but that one.
    """
    event = domain_event(session, event_id)
    pairs = meetings_as_domain(session, event_id, MeetingStatus.placeable())
    meetings = []
    rows: dict[str, MeetingRow] = {}
    for row, meeting in pairs:
        placed = row.starts_at is not None
        if only_new is not None and not placed and row.id != only_new:
            continue
        if lock_scheduled and placed:
            assert row.starts_at is not None
            space = SpaceId(row.space_id) if row.space_id is not None else None
            meeting = replace(meeting, locked=Placement(row.starts_at, space), windows=())
        meetings.append(meeting)
        rows[meeting.id] = row
    problem = build_problem(replace(event, meetings=tuple(meetings)))
    return with_changes(session, event, problem), rows


# --- batch solves ------------------------------------------------------------------------------


def start_solve(
    db: Database,
    actor: Actor,
    event_id: str,
    *,
    time_limit_s: float = 10.0,
    stability: str | None = None,
    max_moves: MoveBudget = None,
    queue: bool = False,
) -> SolveRunView:
    """Start a batch solve in the background. Once a version is published it re-plans against
    it with ``stability`` (keep, minimal or free; minimal by default, with ``max_moves`` a
    count or a percentage of the published meetings, 1 % and at least one by default); see
    ``services.stable_solves``.

    By default the solve runs in a thread of this process. With ``queue`` it waits, phase
    "queued", for a worker process to claim it (``services.solve_jobs``): the engine's search
    then never shares an interpreter with the requests of a web process."""
    require_organiser(actor)
    choice = stability_choice(stability, max_moves)

    def work(session: Session) -> SolveRunRow:
        event_row(session, event_id)
        # Free the event from a solve whose process died without finishing it.
        for stale in session.scalars(
            select(SolveRunRow).where(
                SolveRunRow.event_id == event_id, SolveRunRow.status == "running"
            )
        ):
            beat = datetime.fromisoformat(
                stale.progress.get("heartbeat", stale.started_at.isoformat())
            )
            if now() - beat > STALE_AFTER or _owner_gone(stale.progress):
                stale.status = "failed"
                stale.finished_at = now()
                error = (
                    "no worker process took the solve"
                    if stale.progress.get("phase") == QUEUED
                    else "the solving process stopped"
                )
                stale.progress = {**stale.progress, "error": error}
        session.flush()
        started = now()
        row = SolveRunRow(
            event_id=event_id,
            status="running",
            requested_by=actor.user_id,
            time_limit_s=time_limit_s,
            started_at=started,
            progress=(
                {"heartbeat": started.isoformat(), "phase": QUEUED, "choice": choice.as_dict()}
                if queue
                else {"heartbeat": started.isoformat(), "phase": "starting", **solving_process()}
            ),
            result=None,
        )
        session.add(row)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            raise Conflict("a solve is already running for this event") from None
        audit.record(session, actor, event_id, "solve.started", "solve", row.id)
        return row

    row = db.write(work)
    if queue:
        return _run_view(row)
    thread = threading.Thread(
        target=run_solve, args=(db, row.id, event_id, time_limit_s, choice), daemon=True
    )
    _threads[row.id] = thread
    thread.start()
    return _run_view(row)


def run_solve(
    db: Database, run_id: int, event_id: str, time_limit_s: float, choice: StabilityChoice
) -> None:
    last_write = 0.0

    def report(progress: Progress) -> None:
        nonlocal last_write
        if time.monotonic() - last_write < PROGRESS_EVERY_S:
            return
        last_write = time.monotonic()
        data = {
            "heartbeat": now().isoformat(),
            "phase": progress.phase,
            "elapsed_s": round(progress.elapsed_s, 2),
            "objective": progress.objective.as_dict() if progress.objective else None,
            **solving_process(),
        }
        db.write(
            lambda session: session.execute(
                update(SolveRunRow)
                .where(SolveRunRow.id == run_id, SolveRunRow.status == "running")
                .values(progress=data)
            )
        )

    try:
        with db.reading() as session:
            problem, rows = event_problem(session, event_id, lock_scheduled=False)
            applied = latest_change(session, event_id)
            version = current_version(session, event_id)
            published = placements(problem, rows) if version is not None else {}
        mode, budget = choice.resolve(len(published))
        if version is not None:
            problem = with_published(problem, Published(published, mode, budget))
        result = solve(problem, SolveOptions(time_limit_s=time_limit_s, on_progress=report))
        data = {
            **result_data(problem, result),
            # The last change reported on site that the problem includes: ``publish`` refuses
            # a schedule solved without a later one.
            "onsite_changes_applied": applied,
            "stability": {
                "mode": str(mode),
                "max_moves": budget,
                "published_meetings": len(published),
            },
            "moved": moved_data(problem, result),
            # What the preview compares the solve's terms with.
            "published": {
                "version": version.number if version is not None else 0,
                "objective": (score(problem, published).as_dict() if version is not None else None),
            },
        }
        status = "done"
    except Exception as error:
        data = {"error": f"{type(error).__name__}: {error}"}
        status = "failed"

    def finish(session: Session) -> None:
        row = session.get(SolveRunRow, run_id)
        assert row is not None
        row.status = status
        row.finished_at = now()
        row.result = data
        row.progress = {**row.progress, "phase": status, "heartbeat": now().isoformat()}

    db.write(finish)


def result_data(problem: Problem, result: SolveResult) -> dict[str, Any]:
    assignments = []
    for meeting_id, assignment in sorted(result.schedule.items(), key=lambda i: int(i[0])):
        meeting = problem.meetings[problem.meeting_index[meeting_id]]
        assignments.append(
            {
                "meeting_id": int(meeting_id),
                "starts_at": problem.grid.start_of(assignment.start_slot).isoformat(),
                "ends_at": problem.grid.end_of(
                    assignment.start_slot + meeting.duration_slots - 1
                ).isoformat(),
                "space_id": assignment.space,
            }
        )
    return {
        "status": str(result.status),
        "objective": result.objective.as_dict() if result.objective else None,
        "assignments": assignments,
        "left_out": [
            {"meeting_id": int(m), "reason": reason} for m, reason in result.left_out.items()
        ],
        "reason": result.reason,
    }


def moved_data(problem: Problem, result: SolveResult) -> list[dict[str, Any]]:
    """The published meetings the solve moves or leaves out (``to`` null), each from and to
    its start and space."""

    def place(assignment: Assignment) -> dict[str, Any]:
        start = problem.grid.start_of(assignment.start_slot).isoformat()
        return {"starts_at": start, "space_id": assignment.space}

    return [
        {
            "meeting_id": int(change.meeting),
            "from": place(change.before),
            "to": place(change.after) if change.after is not None else None,
            "forced": change.forced,
        }
        for change in changes(problem, result.schedule)
    ]


def placements(
    problem: Problem, rows: Mapping[str, MeetingRow] | Mapping[MeetingId, MeetingRow]
) -> dict[MeetingId, Assignment]:
    """Where the placed ones of ``rows`` (by meeting id) are booked, in the problem's terms."""
    placed: dict[MeetingId, Assignment] = {}
    for key, row in rows.items():
        if row.starts_at is None:
            continue
        slot = problem.grid.slot_at(row.starts_at)
        if slot is None:
            raise Conflict(f"meeting {row.id} is booked off the event's time grid")
        space = SpaceId(row.space_id) if row.space_id is not None else None
        meeting_id = MeetingId(key)
        placed[meeting_id] = Assignment(
            slot, space, contact_at(problem, problem.meeting_index[meeting_id], slot)
        )
    return placed


def wait_for_run(db: Database, run_id: int, timeout_s: float = 60.0) -> SolveRunView:
    """Block until a solve started by this process ends (for the CLI and tests)."""
    thread = _threads.get(run_id)
    if thread is not None:
        thread.join(timeout_s)
    with db.reading() as session:
        row = session.get(SolveRunRow, run_id)
        assert row is not None
        return _run_view(row)


def get_run(db: Database, actor: Actor, event_id: str, run_id: int) -> SolveRunView:
    require_organiser(actor)
    with db.reading() as session:
        row = session.get(SolveRunRow, run_id)
        if row is None or row.event_id != event_id:
            raise not_found("solve", run_id)
        return _run_view(row)


# --- publishing --------------------------------------------------------------------------------


def current_version(session: Session, event_id: str) -> ScheduleVersionRow | None:
    return session.scalars(
        select(ScheduleVersionRow)
        .where(ScheduleVersionRow.event_id == event_id)
        .order_by(ScheduleVersionRow.number.desc())
        .limit(1)
    ).first()


def new_version(
    session: Session,
    actor: Actor,
    event_id: str,
    reason: str,
    *,
    kinds: Mapping[int, str] | None = None,
    full: bool = False,
) -> int:
    """Record the schedule as it now stands and notify every delegation it changed for.
    ``kinds`` names what a change was where the placement alone does not say it (a meeting
    that left the schedule as a no-show, one placed in freed time and awaiting confirmation).
    The version stores what changed (``schedule_versions``); with ``full`` (a publish), and
    for the event's first, the whole schedule."""
    previous = current_version(session, event_id)
    number = (previous.number if previous else 0) + 1
    following = schedule_versions.next_version(session, event_id, previous, full=full)
    version = ScheduleVersionRow(
        event_id=event_id,
        number=number,
        published_at=now(),
        published_by=actor.user_id,
        reason=reason,
        snapshot=following.stored,
        full=following.full,
        revision=schedule_versions.event_revision(session, event_id),
    )
    session.add(version)
    session.flush()
    schedule_versions.remember(session, event_id, number, version.id, following.schedule)
    changed = following.changed
    links = parties_of(session, [change.meeting_id for change in changed])
    created = now()
    for change in changed:
        for party in links.get(change.meeting_id, ()):
            session.add(
                NoticeRow(
                    event_id=event_id,
                    party_id=party,
                    version=number,
                    meeting_id=change.meeting_id,
                    kind=(kinds or {}).get(change.meeting_id, change.kind),
                    before=change.before,
                    after=change.after,
                    created_at=created,
                )
            )
    audit.record(
        session,
        actor,
        event_id,
        "schedule.published",
        "schedule",
        number,
        changed=len(changed),
        reason=reason,
    )
    return number


def parties_of(session: Session, meeting_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The parties of each meeting, sorted: the delegations a change notice goes to."""
    links: dict[int, set[str]] = {}
    for meeting_id, party in session.execute(
        select(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.party_id).where(
            MeetingPrincipalRow.meeting_id.in_(meeting_ids)
        )
    ):
        links.setdefault(meeting_id, set()).add(party)
    return {meeting_id: tuple(sorted(parties)) for meeting_id, parties in links.items()}


def lock_schedule(session: Session, event_id: str) -> None:
    """Serialise the changes to one event's published schedule: two publishes (or a publish
    and an on-site placement) at once would both read version N and both write N + 1. SQLite
    needs no lock: its writers run one at a time (``BEGIN IMMEDIATE``)."""
    session.scalars(select(EventRow.id).where(EventRow.id == event_id).with_for_update()).all()


def publish(
    db: Database,
    actor: Actor,
    event_id: str,
    run_id: int,
    *,
    keep_out: Collection[int] = (),
    confirm: str | None = None,
) -> ScheduleView:
    """Make a finished solve the published schedule, but for the meetings in ``keep_out``,
    which stay as published. ``confirm`` is the digest of the preview the organiser was shown
    (``services.preview``): when what would be published differs from it, nothing is written
    and ``PreviewChanged`` carries the new digest and counts. The API and the pages always
    send it; None skips the check, for a caller that shows no preview (the demo, tests).
    A schedule combined with meetings kept out is checked by the engine's validator first; one
    that breaks a rule is refused with the rules named (``RulesBroken``), writing nothing.
    Every delegation whose meetings were placed, moved or taken out gets a change notice."""
    require_organiser(actor)

    def work(session: Session) -> int:
        lock_schedule(session, event_id)
        plan = publication(session, event_id, run_id, keep_out)
        if confirm is not None and confirm != plan.digest:
            raise PreviewChanged(
                "the schedule to publish changed since the preview was shown "
                f"(now {plan.summary()}); review the preview and confirm again",
                {"digest": plan.digest, **plan.counts()},
            )
        if keep_out:
            broken = validate(*combined(session, event_id, plan))
            if broken:
                raise RulesBroken(
                    "keeping these meetings as published breaks rules: "
                    + "; ".join(str(v) for v in broken[:5]),
                    [
                        {"rule": v.rule, "message": v.message, "meetings": list(v.meetings)}
                        for v in broken
                    ],
                )
        event = domain_event(session, event_id)
        # Booked against the bookings as they stand (which the last version normally equals).
        moving = [
            c
            for c in schedule_diff.changes(plan.current, plan.after)
            if c.meeting_id in plan.movable
        ]
        rows = {
            row.id: row
            for row in session.scalars(
                select(MeetingRow).where(MeetingRow.id.in_([c.meeting_id for c in moving]))
            )
        }
        for change in moving:
            if change.before is not None:
                unbook(session, rows[change.meeting_id])
        session.flush()
        for change in moving:
            if change.after is not None:
                book_and_record(
                    session,
                    actor,
                    event,
                    rows[change.meeting_id],
                    datetime.fromisoformat(change.after[0]),
                    change.after[2],
                )
        run = session.get(SolveRunRow, run_id)
        assert run is not None
        run.status = "published"
        # A publish stores the whole schedule: the versions after it store what they change.
        return new_version(session, actor, event_id, f"solve {run_id}", full=True)

    db.write(work)
    return schedule(db, actor, event_id)


@dataclass(frozen=True)
class Publication:
    """What publishing a finished solve would do, read in one transaction: the version it
    replaces, the snapshot it would leave, and the changes between the two."""

    run_id: int
    run_result: dict[str, Any]
    version: int  # the published version it replaces; 0 when none is
    keep_out: tuple[int, ...]
    movable: dict[int, int]  # the meetings a solve places (agreed or scheduled): duration_min
    before: dict[str, list[Any]]  # the version it replaces
    current: dict[str, list[Any]]  # the bookings as they stand
    after: dict[str, list[Any]]
    changes: list[schedule_diff.Changed]
    notified: dict[int, tuple[str, ...]]  # meeting id -> the delegations told of its change
    digest: str

    def counts(self) -> dict[str, int]:
        kinds = [change.kind for change in self.changes]
        return {
            "added": kinds.count(schedule_diff.PLACED),
            "moved": kinds.count(schedule_diff.MOVED),
            "left_out": kinds.count(schedule_diff.UNPLACED),
            "delegations": len({p for parties in self.notified.values() for p in parties}),
        }

    def summary(self) -> str:
        return schedule_diff.summary(self.counts())


def publication(
    session: Session, event_id: str, run_id: int, keep_out: Collection[int] = ()
) -> Publication:
    """What publishing solve ``run_id`` with ``keep_out`` would change, or Conflict when it
    cannot be published: not finished, solved before a change reported on site, or keeping
    out meetings that are not the event's agreed ones."""
    run = session.get(SolveRunRow, run_id)
    if run is None or run.event_id != event_id:
        raise not_found("solve", run_id)
    if run.status != "done" or run.result is None:
        raise Conflict(f"only a finished solve can be published; this one is {run.status}")
    if run.result.get("onsite_changes_applied", 0) != latest_change(session, event_id):
        # Its problem was built before the change: it may place meetings the change forbids.
        raise Conflict("a change was reported on site since this solve started; solve again")
    # Plain columns: a preview of thousands of meetings spent most of its time building ORM
    # objects it never wrote through (publishing loads the ones it changes).
    movable: dict[int, int] = dict(
        session.execute(
            select(MeetingRow.id, MeetingRow.duration_min).where(
                MeetingRow.event_id == event_id,
                MeetingRow.status.in_([str(MeetingStatus.AGREED), str(MeetingStatus.SCHEDULED)]),
            )
        ).all()
    )
    for index, meeting_id in enumerate(keep_out):
        if meeting_id not in movable:
            raise Invalid(
                f"meeting {meeting_id} is not an agreed meeting of this event", f"keep_out[{index}]"
            )
    previous = current_version(session, event_id)
    before = schedule_versions.schedule_at(session, event_id, previous.number if previous else 0)
    current = schedule_versions.bookings(session, event_id)
    after = schedule_diff.projected(
        current,
        movable,
        run.result["assignments"],
        set(keep_out),
    )
    changed = schedule_diff.changes(before, after)
    version = previous.number if previous else 0
    kept = tuple(sorted(set(keep_out)))
    return Publication(
        run_id,
        run.result,
        version,
        kept,
        movable,
        before,
        current,
        after,
        changed,
        parties_of(session, [change.meeting_id for change in changed]),
        schedule_diff.digest(run_id, version, changed, kept),
    )


def combined(session: Session, event_id: str, plan: Publication) -> tuple[Problem, Schedule]:
    """The event's problem, and the schedule publishing ``plan`` would leave in its terms."""
    problem, _ = event_problem(session, event_id, lock_scheduled=False)
    schedule: dict[MeetingId, Assignment] = {}
    for key, (start, _end, space) in plan.after.items():
        meeting_id = MeetingId(key)
        meeting_idx = problem.meeting_index.get(meeting_id)
        if meeting_idx is None:
            continue  # held, or otherwise no longer the engine's to place
        slot = problem.grid.slot_at(datetime.fromisoformat(start))
        if slot is None:
            raise Conflict(f"meeting {key} is booked off the event's time grid")
        space_id = SpaceId(space) if space is not None else None
        schedule[meeting_id] = Assignment(slot, space_id, contact_at(problem, meeting_idx, slot))
    return problem, schedule


def book_and_record(
    session: Session,
    actor: Actor,
    event: Event,
    row: MeetingRow,
    start: datetime,
    space_id: str | None,
    **detail: Any,
) -> None:
    """Book the meeting (the database refuses a double booking) and record it in the trail."""
    book(session, event, row, start, space_id)
    audit.record(
        session,
        actor,
        event.id,
        "meeting.scheduled",
        "meeting",
        row.id,
        meeting_parties(session, row.id),
        **detail,
    )


def rebook_moves(
    session: Session,
    actor: Actor,
    event: Event,
    problem: Problem,
    moves: Collection[Move],
    **detail: Any,
) -> None:
    """Move published meetings where a re-plan of ``problem`` put them: every old booking
    goes before any new one is written, since they may trade places."""
    moving = []
    for move in moves:
        moved_row = session.get(MeetingRow, int(move.meeting))
        assert moved_row is not None
        # Someone moved it since it was read: plan again against the schedule as it is.
        if moved_row.starts_at != problem.grid.start_of(move.before.start_slot) or (
            moved_row.space_id != move.before.space
        ):
            raise Conflict(f"meeting {moved_row.id} moved while the re-plan was computed")
        unbook(session, moved_row)
        moving.append((moved_row, move))
    session.flush()
    for moved_row, move in moving:
        assert move.after is not None
        book_and_record(
            session,
            actor,
            event,
            moved_row,
            problem.grid.start_of(move.after.start_slot),
            move.after.space,
            **detail,
        )


def meeting_parties(session: Session, meeting_id: int) -> list[str]:
    return sorted(
        set(
            session.scalars(
                select(MeetingPrincipalRow.party_id).where(
                    MeetingPrincipalRow.meeting_id == meeting_id
                )
            )
        )
    )


@dataclass(frozen=True)
class MovedView:
    """A meeting that moves, as ``[starts_at, ends_at, space_id]`` before and after (None:
    it loses its place)."""

    meeting_id: int
    before: list[Any]
    after: list[Any] | None


@dataclass(frozen=True)
class AlternativeView:
    kind: str  # format | day | give_way
    summary: str
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    format: str | None
    duration_min: int
    moves: list[MovedView]


@dataclass(frozen=True)
class PlacementView:
    """What placing one agreed meeting into the published schedule did, as the actor may see
    it. ``version`` is the schedule version it made, None when nothing changed."""

    meeting_id: int
    placed: bool
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    space_id: str | None = None
    version: int | None = None
    moved: list[MovedView] = field(default_factory=list)
    reason: str | None = None
    alternatives: list[AlternativeView] = field(default_factory=list)


def place_agreed(
    db: Database, actor: Actor, event_id: str, meeting_id: int, *, at: datetime | None = None
) -> PlacementView:
    """Fit one newly agreed meeting into the published schedule at once (``scheduling.onsite``):
    in a free place if there is one, else by moving at most two meetings that are not locked,
    not started and do not start within the event's freeze window from ``at`` (the service
    clock by default). Each moved meeting's sides get a change notice, as do the meeting's.

    Where it fits nowhere, nothing changes and the view carries the alternatives for the
    organiser to decide. Without a published schedule nothing happens: the meeting waits for
    the organiser's next solve. The agreement is already committed when this runs, so losing a
    race for a place is not an error: the placement is tried again against the schedule as the
    winner left it, and at worst the meeting waits.
    """
    try:
        view: PlacementView | None = None
        for _ in range(PLACEMENT_ATTEMPTS):
            try:
                view = _place_once(db, actor, event_id, meeting_id, at or now())
                break
            except Conflict:
                continue
        if view is None:
            # Busy: the schedule changed under every plan. An acknowledged agreement must not
            # wait while a place exists, so plan once more with the schedule held still.
            view = _place_locked(db, actor, event_id, meeting_id, at or now())
    except (OperationalError, InterfaceError, PoolTimeout):
        # The database went away after the agreement was committed: answering "unavailable,
        # try again" would tell the client that nothing was done, and the retry would be
        # refused as answered already. The agreement stands; the meeting waits.
        return PlacementView(meeting_id, placed=False, reason="the database was unavailable")
    with db.reading() as session:
        return _as_seen_by(session, actor, event_id, view)


def onsite_problem(
    session: Session,
    event_id: str,
    meeting_id: int | None = None,
    *,
    event: Event | None = None,
    waiting: Mapping[int, tuple[TimeSpan, ...]] | None = None,
) -> tuple[Problem, dict[MeetingId, Assignment]]:
    """The event's problem with its published meetings (movable unless locked), the ones
    already held kept where they were, the newly agreed one if any, and the changes reported at
    the venue; and the schedule as published. ``event``: another description of the event
    than the stored one (an edit the organiser is about to make). ``waiting`` adds agreed
    meetings that wait, each with its windows narrowed to the spans given (an offer of time a
    no-show freed)."""
    if event is None and waiting is None:
        # The common case, a placement: from the state this process keeps (``event_state``).
        stored = domain_event(session, event_id)
        state = event_state.onsite_state(session, stored)
        if state is not None:
            if meeting_id is None:
                return state.problem, dict(state.published)
            found = event_state.with_waiting(session, stored, state, meeting_id)
            if found is not None:
                return found
    return onsite_problem_read(session, event_id, meeting_id, event=event, waiting=waiting)


def onsite_problem_read(
    session: Session,
    event_id: str,
    meeting_id: int | None = None,
    *,
    event: Event | None = None,
    waiting: Mapping[int, tuple[TimeSpan, ...]] | None = None,
) -> tuple[Problem, dict[MeetingId, Assignment]]:
    """``onsite_problem`` read whole from the database, every meeting compiled."""
    event = event or domain_event(session, event_id)
    # The settled ones hold their bookings whatever happens: nothing is placed over them.
    statuses = (*MeetingStatus.placeable(), *MeetingStatus.settled())
    meetings = []
    rows: dict[MeetingId, MeetingRow] = {}
    for row, meeting in meeting_facts_as_domain(session, event_id, statuses):
        if row.starts_at is None and row.id != meeting_id:
            if waiting is None or row.id not in waiting or row.status != MeetingStatus.AGREED:
                continue  # agreed and waiting for the organiser's next solve
            meeting = replace(meeting, windows=waiting[row.id])
        if row.status not in MeetingStatus.placeable():
            space = SpaceId(row.space_id) if row.space_id is not None else None
            assert row.starts_at is not None
            meeting = replace(meeting, locked=Placement(row.starts_at, space), windows=())
        meetings.append(meeting)
        rows[meeting.id] = row
    problem = with_changes(session, event, build_problem(replace(event, meetings=tuple(meetings))))
    return problem, placements(problem, rows)


def freeze_moment(problem: Problem, at: datetime) -> datetime | None:
    """The moment that starts the freeze window. An event already over (a replay of a past
    summit, the demo) is re-planned as if it had not begun."""
    grid = problem.grid
    if grid.n_slots == 0 or at >= grid.end_of(grid.n_slots - 1):
        return None
    return at


def placed_span(
    problem: Problem, meeting_idx: int, assignment: Assignment | None
) -> list[Any] | None:
    if assignment is None:
        return None
    duration = problem.meetings[meeting_idx].duration_slots
    return [
        problem.grid.start_of(assignment.start_slot).isoformat(),
        problem.grid.end_of(assignment.start_slot + duration - 1).isoformat(),
        assignment.space,
    ]


def moved_view(problem: Problem, move: Move) -> MovedView:
    meeting_idx = problem.meeting_index[move.meeting]
    before = placed_span(problem, meeting_idx, move.before)
    assert before is not None
    return MovedView(int(move.meeting), before, placed_span(problem, meeting_idx, move.after))


def alternative_view(problem: Problem, alternative: Alternative) -> AlternativeView:
    grid = problem.grid
    start = alternative.placement.start_slot
    return AlternativeView(
        kind=str(alternative.kind),
        summary=alternative.summary,
        starts_at=grid.start_of(start),
        ends_at=grid.end_of(start + alternative.duration_slots - 1),
        space_id=alternative.placement.space,
        format=alternative.format,
        duration_min=alternative.duration_slots * grid.grain_min,
        moves=[moved_view(problem, move) for move in alternative.moves],
    )


@dataclass(frozen=True)
class _PlacementPlan:
    """Where one agreed meeting goes, planned on the schedule as it was read."""

    problem: Problem
    result: OnsiteResult
    changes_seen: int


def _plan_placement(
    session: Session, event_id: str, meeting_id: int, at: datetime
) -> _PlacementPlan | PlacementView:
    """Plan the placement on the schedule as ``session`` reads it; a view when there is
    nothing to book (no published schedule, the meeting not waiting, no place for it)."""
    key = MeetingId(str(meeting_id))
    if current_version(session, event_id) is None:
        return PlacementView(meeting_id, placed=False, reason="no schedule is published yet")
    row = session.get(MeetingRow, meeting_id)
    if row is None or row.status != MeetingStatus.AGREED or row.starts_at is not None:
        return PlacementView(meeting_id, placed=False, reason="the meeting is not waiting")
    policy = domain_event(session, event_id).policy
    problem, published = onsite_problem(session, event_id, meeting_id)
    changes_seen = latest_change(session, event_id)
    options = OnsiteOptions(
        now=freeze_moment(problem, at),
        freeze_window_min=policy.freeze_window_min,
        time_limit_s=PLACEMENT_TIME_LIMIT_S,
    )
    result = replan(problem, published, NewMeeting(key), options)
    if key not in result.placed:
        return PlacementView(
            meeting_id,
            placed=False,
            reason=result.unplaced.get(key, "it fits nowhere"),
            alternatives=[
                alternative_view(problem, alternative)
                for alternative in result.alternatives.get(key, ())
            ],
        )
    return _PlacementPlan(problem, result, changes_seen)


def _book_placement(
    session: Session, actor: Actor, event_id: str, meeting_id: int, plan: _PlacementPlan
) -> PlacementView:
    """Book a planned placement under the schedule's lock; ``Conflict`` when the schedule
    changed since the plan was read (the caller plans again)."""
    problem, result = plan.problem, plan.result
    key = MeetingId(str(meeting_id))
    lock_schedule(session, event_id)
    row = session.get(MeetingRow, meeting_id)
    assert row is not None
    if row.status != MeetingStatus.AGREED or row.starts_at is not None:
        return PlacementView(meeting_id, placed=False, reason="the meeting is not waiting")
    if latest_change(session, event_id) != plan.changes_seen:
        raise Conflict("a change was reported on site while this meeting was being placed")
    event = domain_event(session, event_id)
    rebook_moves(session, actor, event, problem, result.moved, moved_for=meeting_id)
    target = result.placed[key]
    book_and_record(
        session, actor, event, row, problem.grid.start_of(target.start_slot), target.space
    )
    version = new_version(session, actor, event_id, f"meeting {meeting_id} agreed")
    where = placed_span(problem, problem.meeting_index[key], target)
    assert where is not None
    return PlacementView(
        meeting_id,
        placed=True,
        starts_at=datetime.fromisoformat(where[0]),
        ends_at=datetime.fromisoformat(where[1]),
        space_id=target.space,
        version=version,
        moved=[moved_view(problem, move) for move in result.moved],
    )


def _place_once(
    db: Database, actor: Actor, event_id: str, meeting_id: int, at: datetime
) -> PlacementView:
    """Plan on a read of the schedule, then book under its lock: the common case, which keeps
    the lock only for the writes. ``Conflict`` when another change came in between."""
    with db.reading() as session:
        plan = _plan_placement(session, event_id, meeting_id, at)
    if isinstance(plan, PlacementView):
        return plan
    return db.write(lambda session: _book_placement(session, actor, event_id, meeting_id, plan))


def _place_locked(
    db: Database, actor: Actor, event_id: str, meeting_id: int, at: datetime
) -> PlacementView:
    """Plan and book in one transaction that holds the schedule's lock from the first read:
    slower for everyone else, but nothing can change under the plan, so the meeting is
    placed whenever a place exists."""

    def work(session: Session) -> PlacementView:
        lock_schedule(session, event_id)
        plan = _plan_placement(session, event_id, meeting_id, at)
        if isinstance(plan, PlacementView):
            return plan
        return _book_placement(session, actor, event_id, meeting_id, plan)

    return db.write(work)


def _as_seen_by(
    session: Session, actor: Actor, event_id: str, view: PlacementView
) -> PlacementView:
    """The view as the actor may see it: a delegation learns of its own meetings only, so the
    moves of others' meetings and the meetings that would give way are left out for it (the
    organiser sees every booking)."""
    party = actor.acts_for(event_id)
    if party is None:
        return view
    own = set(
        session.scalars(
            select(MeetingPrincipalRow.meeting_id).where(MeetingPrincipalRow.party_id == party)
        )
    )
    return replace(
        view,
        moved=[move for move in view.moved if move.meeting_id in own],
        alternatives=[
            replace(alternative, moves=[m for m in alternative.moves if m.meeting_id in own])
            for alternative in view.alternatives
            if alternative.kind != AlternativeKind.GIVE_WAY
        ],
    )


# --- reading the published schedule ----------------------------------------------------------


def schedule(db: Database, actor: Actor, event_id: str) -> ScheduleView:
    """The current published schedule as this actor may see it."""
    with db.reading() as session:
        event_row(session, event_id)
        party = actor.acts_for(event_id)
        if party is None and not actor.is_organiser:
            raise not_found("schedule", event_id)
        version = current_version(session, event_id)
        if version is None:
            return ScheduleView(0, None, [])
        query = select(MeetingRow).where(
            MeetingRow.event_id == event_id, MeetingRow.starts_at.is_not(None)
        )
        if party is not None:
            query = query.where(
                MeetingRow.id.in_(
                    select(MeetingPrincipalRow.meeting_id).where(
                        MeetingPrincipalRow.party_id == party
                    )
                )
            )
        rows = session.scalars(
            query.order_by(MeetingRow.starts_at, MeetingRow.created_at, MeetingRow.id)
        ).all()
        # Every entry's parties in one statement, not one per entry.
        parties: dict[int, set[str]] = {}
        for meeting_id, party_id in session.execute(
            select(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.party_id).where(
                MeetingPrincipalRow.meeting_id.in_([row.id for row in rows])
            )
        ):
            parties.setdefault(meeting_id, set()).add(party_id)
        entries = []
        for row in rows:
            assert row.starts_at is not None
            assert row.ends_at is not None
            entries.append(
                Entry(
                    row.id,
                    row.starts_at,
                    row.ends_at,
                    row.space_id,
                    tuple(sorted(parties.get(row.id, ()))),
                )
            )
        if party is not None:
            # A delegation sees the schedule change only when its own meetings change: the
            # version it is shown is the first one, or the last that sent it a notice, numbered
            # in its own count (``versions``), so that nobody learns from a version number that
            # others' meetings moved.
            own = own_versions(session, event_id, party)
            shown = shown_version(session, event_id, own)
            return ScheduleView(own.ordinal(shown.number), shown.published_at, entries)
        return ScheduleView(version.number, version.published_at, entries)


def notices(
    db: Database, actor: Actor, event_id: str, *, after: int | None = None, limit: int = 50
) -> list[NoticeView]:
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("change notices go to delegations")
    with db.reading() as session:
        query = select(NoticeRow).where(NoticeRow.event_id == event_id, NoticeRow.party_id == party)
        query = in_order(session, query, NoticeRow.created_at, NoticeRow.id, after)
        rows = session.scalars(query.limit(max(1, min(limit, 100)))).all()
        own = own_versions(session, event_id, party)
        said = notice_text.summaries(
            domain_event(session, event_id),
            notice_text.labels_of(session, [r.meeting_id for r in rows]),
            [(r.meeting_id, r.kind, r.before, r.after) for r in rows],
            viewer=party,
        )
        return [
            NoticeView(
                r.id,
                own.ordinal(r.version),
                r.meeting_id,
                r.kind,
                r.before,
                r.after,
                r.created_at,
                summary,
            )
            for r, summary in zip(rows, said, strict=True)
        ]


def versions_count(db: Database, event_id: str) -> int:
    with db.reading() as session:
        return (
            session.scalar(select(func.count()).where(ScheduleVersionRow.event_id == event_id)) or 0
        )
