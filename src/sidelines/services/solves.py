"""Batch solves in the background, and publishing their result.

The organiser starts a solve over the event's agreed meetings. It runs in a background thread of
the serving process, or in a worker process that claims it, one per event at a time (the
database refuses a second running solve), and writes its progress to its row so that any process
can report it. The organiser reviews the result and publishes it: the bookings are replaced in
one transaction (the database refuses any double booking), the schedule gets a new version
number, and each delegation whose meetings were placed, moved or taken out gets a change notice.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sidelines.domain import MeetingId, SpaceId
from sidelines.domain.negotiation import MeetingStatus
from sidelines.i18n import service_texts
from sidelines.scheduling import (
    Progress,
    SolveOptions,
    SolveResult,
    score,
    solve,
    validate,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.placement import contact_at
from sidelines.scheduling.schedule import Assignment, Schedule
from sidelines.scheduling.stability import Published, changes, with_published
from sidelines.services import (
    audit,
    notice_text,
    schedule_diff,
    schedule_versions,
)
from sidelines.services.actors import Actor
from sidelines.services.bookings import unbook
from sidelines.services.clock import now
from sidelines.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    PreviewChanged,
    RulesBroken,
    not_found,
)
from sidelines.services.event_problem import (
    event_problem,
    placements,
)
from sidelines.services.events import (
    domain_event,
    event_row,
)
from sidelines.services.recorded_changes import latest_change
from sidelines.services.replans import book_and_record, lock_schedule
from sidelines.services.schedule_versions import (
    ScheduleView,
    current_version,
    new_version,
    parties_of,
    schedule,
)
from sidelines.services.stable_solves import MoveBudget, StabilityChoice, stability_choice
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    MeetingRow,
    SolveRunRow,
)

# A running solve whose process stopped writing for this long is taken as dead.
STALE_AFTER = timedelta(seconds=60)


PROGRESS_EVERY_S = 1.0


# The phase of a solve that waits for a worker process to claim it.
QUEUED = "queued"


_threads: dict[int, threading.Thread] = {}
# What asks the search of a run in a thread of this process to stop (``stop_run``).
_stops: dict[int, threading.Event] = {}


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


def require_organiser(actor: Actor) -> None:
    if not actor.is_organiser:
        raise Forbidden("only the organiser can do this")


def _run_view(row: SolveRunRow) -> SolveRunView:
    # Which machine and process ran it is the server's own business.
    progress = {k: v for k, v in row.progress.items() if k not in ("host", "pid")}
    return SolveRunView(
        row.id, row.event_id, row.status, row.started_at, row.finished_at, progress, row.result
    )


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
    _stops[row.id] = threading.Event()  # a stop asked before the search begins is kept
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
        options = SolveOptions(
            time_limit_s=time_limit_s,
            on_progress=report,
            stop=_stops.setdefault(run_id, threading.Event()),
        )
        result = solve(problem, options)
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

    _stops.pop(run_id, None)

    def finish(session: Session) -> None:
        row = session.get(SolveRunRow, run_id)
        assert row is not None
        if row.status != "running":
            return  # stopped meanwhile (``stop_run``): it stays as it was recorded
        row.status = status
        row.finished_at = now()
        row.result = data
        row.progress = {**row.progress, "phase": status, "heartbeat": now().isoformat()}

    db.write(finish)


def stop_run(db: Database, run_id: int, why: str) -> None:
    """Record a running solve as stopped (``failed``, with ``why`` as its error, as
    ``start_solve`` records one whose process died) and ask its search, if it runs in this
    process, to stop: the event is free for another solve at once. A run that has finished
    stays as it is."""
    stop = _stops.get(run_id)
    if stop is not None:
        stop.set()

    def work(session: Session) -> None:
        row = session.get(SolveRunRow, run_id)
        if row is None or row.status != "running":
            return
        row.status = "failed"
        row.finished_at = now()
        row.progress = {**row.progress, "phase": "failed", "error": why}

    db.write(work)


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


@dataclass(frozen=True)
class LeftOutView:
    """A meeting a solve left out, by name, with the engine's reason."""

    meeting_id: int
    label: str
    reason: str


def left_out(db: Database, actor: Actor, run: SolveRunView) -> list[LeftOutView]:
    """The meetings ``run`` left out, each by name (its title, else its format and sides) with
    the engine's reason, in the language of the moment: what a protocol officer reads on the
    solve's page, not row numbers and English."""
    require_organiser(actor)
    items = (run.result or {}).get("left_out") or []
    if not items:
        return []
    reasons = {int(item["meeting_id"]): str(item["reason"]) for item in items}
    with db.reading() as session:
        event = domain_event(session, run.event_id)
        wording = notice_text.wording(session, event, reasons)
    names = notice_text.engine_names(event, wording.labels.values())
    return [
        LeftOutView(meeting_id, wording.name(meeting_id), service_texts.translate(reason, names))
        for meeting_id, reason in reasons.items()
    ]


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
        if plan.checked:
            broken = validate(*combined(session, event_id, plan))
            if broken:
                why = (
                    "keeping these meetings as published breaks rules: "
                    if keep_out
                    else "the schedule changed since this solve was planned, and publishing it "
                    "now breaks rules (keep those meetings out, or solve again): "
                )
                raise RulesBroken(
                    why + "; ".join(str(v) for v in broken[:5]),
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
    planned_against: int | None = None  # the version the solve planned against

    @property
    def stale(self) -> bool:
        """The solve planned against another version than the one it would replace: edits
        made since (a lock, a move, a placement on site) are not in its terms."""
        return self.planned_against is not None and self.planned_against != self.version

    @property
    def checked(self) -> bool:
        """Whether the schedule it leaves must pass the engine's validator before it is
        written: the solve's own terms no longer vouch for it with meetings kept out, nor
        when the schedule changed after it was planned (a meeting locked since must stay)."""
        return bool(self.keep_out) or self.stale

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
        (run.result.get("published") or {}).get("version"),
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
