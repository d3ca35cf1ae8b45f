"""Each event's scheduling state, kept in the process between placements.

Placing one agreed meeting used to read every meeting of the event and compile them all, on
every answer (docs/reliability.md): a cost that grew with the event. This keeps, per event and
per process, the on-site problem of its published (and settled) meetings with the changes
reported at the venue applied, and the published schedule in the engine's terms, together with
the database state they were read at: the event's setup, its last recorded change, and its
revision (the counter a trigger raises on every write of one of its meetings, which each
meeting row also carries: ``storage/revisions.py``). A caller checks it with one read of the
event row and one of its last change; what was written since is read back by revision and
compiled on top (``scheduling.problem.amended``), and anything else (a new setup, a change
reported on site, a precedence) rebuilds it from the database.

The state is a hint for planning, never the authority: booking happens under the schedule's lock
against the rows as they are (``rebook_moves``, ``book``), and a plan made on a state that was
stale by then is refused there and planned again. Each worker process keeps its own.
"""

from __future__ import annotations

import itertools
import threading
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Bundle, Session

from sidelines.domain import Event, Meeting, MeetingId, Placement, SpaceId
from sidelines.domain.negotiation import MeetingStatus
from sidelines.scheduling import build_problem
from sidelines.scheduling.onsite.laid_out import LaidOut
from sidelines.scheduling.problem import Problem, amended, recompile
from sidelines.scheduling.rules.placement import contact_at
from sidelines.scheduling.schedule import Assignment
from sidelines.services.events import event_row, meeting_from_row, setup_key
from sidelines.services.notice_text import engine_named
from sidelines.services.recorded_changes import latest_change, with_changes
from sidelines.storage.tables import EventRow, MeetingPrincipalRow, MeetingRow

# The meetings an on-site problem holds: those to place or move, and the settled ones, which
# keep their bookings and are placed over by nothing.
HELD_STATUSES = frozenset(str(s) for s in (*MeetingStatus.placeable(), *MeetingStatus.settled()))
_PLACEABLE = frozenset(str(s) for s in MeetingStatus.placeable())


@dataclass(frozen=True)
class _Booked:
    """A booked meeting of the problem: its place in the problem's order and its meeting."""

    order: tuple[datetime, int]  # (created_at, row id): the order of ``meeting_facts_as_domain``
    meeting: Meeting  # locked where it is when settled
    starts_at: datetime
    space_id: str | None


@dataclass(frozen=True)
class OnsiteState:
    """The on-site problem of an event's booked meetings and its published schedule, as the
    database held them at ``revision`` (with ``changes_seen`` the last change reported on site).
    Frozen: threads of a process share it, and an update makes a new one."""

    setup: tuple[str, datetime, int]
    changes_seen: int
    revision: int
    booked: dict[int, _Booked]  # by meeting row id
    order: list[tuple[datetime, int]]  # of ``booked``, sorted
    problem: Problem
    published: dict[MeetingId, Assignment]
    # Which state this is (``_serials``), and the meetings each of the last updates that led
    # to it changed, each with the serial of the state it started from: what a board laid out
    # for an earlier state must move to follow this one (``changed_since``).
    serial: int = 0
    log: tuple[tuple[int, frozenset[MeetingId]], ...] = ()

    def changed_since(self, serial: int) -> set[MeetingId] | None:
        """The meetings that may differ between the state ``serial`` and this one, by index
        and place; None when the log does not reach back to it (renumbered, or too long ago)."""
        if serial == self.serial:
            return set()
        for position, (start, _) in enumerate(self.log):
            if start == serial:
                return set().union(*(ids for _, ids in self.log[position:]))
        return None

    def problem_meetings(self) -> list[Meeting]:
        """The domain meetings of the problem, in its order."""
        return [self.booked[row_id].meeting for _, row_id in self.order]


# How many updates a state remembers the changes of (``OnsiteState.log``).
LOG_LENGTH = 64
_serials = itertools.count(1)

# By database (its URL) and event: a process may serve more than one database (tests do).
_states: dict[tuple[str, str], OnsiteState] = {}
_lock = threading.Lock()


@dataclass
class _Kept:
    """The published schedule of a kept state laid out for the on-site search, lent to one
    thread at a time (``laid_out``)."""

    lock: threading.Lock
    board: LaidOut | None = None
    serial: int = 0  # the state's the board holds


_boards: dict[tuple[str, str], _Kept] = {}


def kept(session: Session, event_id: str) -> OnsiteState | None:
    """The state this process keeps for the event in ``session``'s database, if any."""
    return _states.get((str(session.get_bind().engine.url), event_id))


def forget() -> None:
    """Drop every kept state (tests that replace the database under a running process)."""
    with _lock:
        _states.clear()
        _boards.clear()


@contextmanager
def laid_out(session: Session, event_id: str) -> Iterator[LaidOut | None]:
    """The published schedule of the state this process keeps for the event, laid out for
    the on-site search (``scheduling.onsite.laid_out``) and brought up to that state by moving
    only the meetings written since; None when no state is kept, or another thread of the
    process has it (the caller lays out its own). ``replan`` leaves it as it found it, and one
    that fails half-way marks it broken: it is laid out anew next time."""
    where = (str(session.get_bind().engine.url), event_id)
    state = _states.get(where)
    if state is None:
        yield None
        return
    with _lock:
        kept = _boards.setdefault(where, _Kept(threading.Lock()))
    if not kept.lock.acquire(blocking=False):
        yield None
        return
    try:
        board = kept.board
        if board is None or not board.follow(
            state.problem, state.published, state.changed_since(kept.serial)
        ):
            board = LaidOut(state.problem, state.published)
        kept.board, kept.serial = board, state.serial
        yield board
    finally:
        if kept.board is not None and kept.board.broken:
            kept.board = None
        kept.lock.release()


def _booked(event: Event, row: MeetingRow, principals: list[str]) -> _Booked | None:
    """The problem's form of one meeting row; None when it is not booked, or not held."""
    if row.starts_at is None or row.status not in HELD_STATUSES:
        return None
    meeting = engine_named(event, meeting_from_row(row, principals, set()))
    if row.status not in _PLACEABLE:
        space = SpaceId(row.space_id) if row.space_id is not None else None
        meeting = replace(meeting, locked=Placement(row.starts_at, space), windows=())
    return _Booked((row.created_at, row.id), meeting, row.starts_at, row.space_id)


# The reads of every update, built once with their values as parameters (building a statement
# and its cache key costs about what running it does).
_ROWS = select(*MeetingRow.__table__.columns).where(MeetingRow.event_id == bindparam("event_id"))
# The meetings written since a revision, a row per principal of each (one with none for a
# meeting without principals): an update reads them and the principals of those new to it
# in one statement. ``meeting_from_row`` sorts the principals: their order here is no matter.
_ROWS_SINCE = (
    select(*MeetingRow.__table__.columns, MeetingPrincipalRow.principal_id)
    .outerjoin(MeetingPrincipalRow, MeetingPrincipalRow.meeting_id == MeetingRow.id)
    .where(
        MeetingRow.event_id == bindparam("event_id"),
        MeetingRow.revision > bindparam("revision"),
    )
)
_PRINCIPALS = select(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.principal_id).where(
    MeetingPrincipalRow.meeting_id.in_(bindparam("meeting_ids", expanding=True))
)


def _held_rows(session: Session, event_id: str) -> list[MeetingRow]:
    """The event's meetings in the statuses a problem holds, as plain rows."""
    found = session.execute(
        _ROWS.where(MeetingRow.status.in_(HELD_STATUSES)), {"event_id": event_id}
    )
    # A row has every column of MeetingRow under the same name, which is all a reader asks.
    return cast("list[MeetingRow]", found.all())


# The same rows for a caller that reads them with its own first read of the event's row
# (``placing``), one statement fewer: ``with_written`` joins them on, as a bundle ``written``.
_WRITTEN = MeetingRow.__table__.alias("written")
_WRITTEN_PRINCIPAL = MeetingPrincipalRow.__table__.alias("written_principal")
_T = TypeVar("_T", bound=tuple[Any, ...])
# Bound where no state is kept: past every revision, so nothing is read.
_NOTHING_KEPT = 2**31 - 1


@dataclass(frozen=True)
class Written:
    """The meetings written after ``revision`` (plain rows) and their principals, read by the
    caller with the event's row (``with_written``)."""

    revision: int
    rows: list[MeetingRow]
    principals: dict[int, list[str]]


def with_written(query: Select[_T]) -> Select[_T]:
    """``query``, a read of the event's row (its joins from ``EventRow`` explicit), with the
    meetings written after the revision bound as ``written_since`` joined on, a row per
    principal of each, as its last column. Bind ``written_since(...)``; read the rows with
    ``written``."""
    return (
        query.add_columns(Bundle("written", *_WRITTEN.columns, _WRITTEN_PRINCIPAL.c.principal_id))
        .outerjoin_from(
            EventRow,
            _WRITTEN,
            and_(
                _WRITTEN.c.event_id == EventRow.id, _WRITTEN.c.revision > bindparam("written_since")
            ),
        )
        .outerjoin_from(
            _WRITTEN, _WRITTEN_PRINCIPAL, _WRITTEN_PRINCIPAL.c.meeting_id == _WRITTEN.c.id
        )
    )


def written_since(session: Session, event_id: str) -> int:
    """The revision to bind as ``written_since``: the kept state's, so that the read brings
    what an update of it needs; past every revision (nothing read) where none is kept."""
    state = kept(session, event_id)
    return _NOTHING_KEPT if state is None else state.revision


def written(revision: int, found: Sequence[object]) -> Written:
    """The meetings a read joined with ``with_written`` at ``revision`` found: its rows' last
    column."""
    rows, principals = _collect(cast("tuple[object, ...]", row)[-1] for row in found)
    return Written(revision, rows, principals)


def _collect(found: Iterable[object]) -> tuple[list[MeetingRow], dict[int, list[str]]]:
    """Rows of meetings with a principal each (None: none) as plain rows and principals; a row
    without a meeting (an outer join's empty side) is passed over."""
    rows: dict[int, MeetingRow] = {}
    principals: dict[int, list[str]] = {}
    for row in cast("Iterable[Any]", found):
        if row.id is None:
            continue
        rows.setdefault(row.id, row)
        if row.principal_id is not None:
            principals.setdefault(row.id, []).append(row.principal_id)
    return list(rows.values()), principals


def _rows_since(
    session: Session, event_id: str, revision: int
) -> tuple[list[MeetingRow], dict[int, list[str]]]:
    """The event's meetings written after ``revision``, as plain rows, and their principals."""
    return _collect(session.execute(_ROWS_SINCE, {"event_id": event_id, "revision": revision}))


def principals_of(session: Session, meeting_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not meeting_ids:
        return found
    for meeting_id, principal_id in session.execute(
        _PRINCIPALS, {"meeting_ids": list(meeting_ids)}
    ):
        found.setdefault(meeting_id, []).append(principal_id)
    return found


def _assignment(problem: Problem, key: MeetingId, booked: _Booked) -> Assignment:
    slot = problem.grid.slot_at(booked.starts_at)
    if slot is None:
        # Refused by the whole read (``scheduling.placements``), which says so.
        raise _Rebuild
    space = SpaceId(booked.space_id) if booked.space_id is not None else None
    return Assignment(slot, space, contact_at(problem, problem.meeting_index[key], slot))


def _build(
    session: Session, event: Event, setup: tuple[str, datetime, int], changes: int, revision: int
) -> OnsiteState:
    rows = _held_rows(session, event.id)
    principals = principals_of(session, [row.id for row in rows])
    booked = {}
    for row in rows:
        if row.terms and row.terms.get("after"):
            # Precedences name meetings that may not be booked: left to the whole read.
            raise _Rebuild
        found = _booked(event, row, principals.get(row.id, []))
        if found is not None:
            booked[row.id] = found
    order = sorted(b.order for b in booked.values())
    meetings = tuple(booked[row_id].meeting for _, row_id in order)
    problem = with_changes(session, event, build_problem(replace(event, meetings=meetings)))
    published = {
        MeetingId(str(row_id)): _assignment(problem, MeetingId(str(row_id)), booked[row_id])
        for _, row_id in order
    }
    return OnsiteState(setup, changes, revision, booked, order, problem, published, next(_serials))


class _Rebuild(Exception):
    """The kept state cannot be brought up to date; the caller reads everything."""


def _update(
    session: Session,
    event: Event,
    state: OnsiteState,
    revision: int,
    read: dict[int, list[str]] | None = None,
    since: Written | None = None,
) -> OnsiteState:
    """``state`` with the meetings written since its revision applied; ``read`` gets the
    principals of those meetings, read with them (a newly agreed one among them). ``since``:
    those meetings, where the caller read them with the event's row from this revision."""
    if since is not None and since.revision == state.revision:
        rows, principals = since.rows, since.principals
    else:
        rows, principals = _rows_since(session, event.id, state.revision)
    if read is not None:
        read.update(principals)
    booked = dict(state.booked)
    order = list(state.order)
    changed: dict[int, _Booked] = {}
    added: list[_Booked] = []
    removed = False
    for row in rows:
        if row.terms and row.terms.get("after"):
            raise _Rebuild
        before = booked.get(row.id)
        names = (
            [str(p) for p in before.meeting.principals]
            if before is not None
            else principals.get(row.id, [])
        )
        after = _booked(event, row, names)
        if before is not None and after is not None:
            if after != before:
                booked[row.id] = after
                changed[row.id] = after
        elif before is not None:
            del booked[row.id]
            order.pop(bisect_left(order, before.order))
            removed = True
        elif after is not None:
            booked[row.id] = after
            if not order or after.order > order[-1]:
                order.append(after.order)
                added.append(after)
            else:
                insort(order, after.order)
                removed = True  # a place in the middle: every index after it moves
    if not changed and not added and not removed:
        return replace(state, revision=revision)
    problem: Problem | None = None
    log: tuple[tuple[int, frozenset[MeetingId]], ...] = ()
    if not removed:
        index = state.problem.meeting_index
        problem = amended(
            state.problem,
            event,
            {index[b.meeting.id]: b.meeting for b in changed.values()},
            [b.meeting for b in added],
        )
    if problem is None:
        meetings = [booked[row_id].meeting for _, row_id in order]
        fresh = {b.meeting.id for b in (*changed.values(), *added)}
        problem = recompile(state.problem, event, meetings, fresh)
        # Indices moved: every contact's session is looked up again (rare: a meeting booked
        # out of the order they were made, or one taken out of the schedule).
        published = {
            MeetingId(str(row_id)): _assignment(problem, MeetingId(str(row_id)), booked[row_id])
            for _, row_id in order
        }
    else:
        # Indices kept: a board laid out for this state's ancestors moves only these.
        published = dict(state.published)
        for found in (*changed.values(), *added):
            published[found.meeting.id] = _assignment(problem, found.meeting.id, found)
        ids = frozenset(found.meeting.id for found in (*changed.values(), *added))
        log = (*state.log[-(LOG_LENGTH - 1) :], (state.serial, ids))
    return OnsiteState(
        state.setup,
        state.changes_seen,
        revision,
        booked,
        order,
        problem,
        published,
        next(_serials),
        log,
    )


def onsite_state(
    session: Session,
    event: Event,
    read: dict[int, list[str]] | None = None,
    *,
    changes: int | None = None,
    since: Written | None = None,
) -> OnsiteState | None:
    """The event's on-site state as ``session`` reads the database, from the one this process
    kept where it can be brought up to date; None for an event this does not keep (one whose
    meetings follow one another: the caller reads it whole). The event row is read first:
    every meeting written up to its revision is then visible, and one written later is read
    again next time (applying a meeting's row twice leaves the same state). ``read``: as
    ``_update`` fills it, for a caller that would read those principals again. ``changes``:
    the event's last change reported on site (``latest_change``), when the caller read it with
    the event's row. ``since``: the meetings written since the kept state's revision, when
    the caller read them with the event's row too (``with_written``)."""
    row = event_row(session, event.id)
    setup, revision = setup_key(row), row.revision
    if changes is None:
        changes = latest_change(session, event.id)
    where = (str(session.get_bind().engine.url), event.id)
    kept = _states.get(where)
    try:
        if kept is not None and (kept.setup, kept.changes_seen) == (setup, changes):
            if kept.revision == revision:
                return kept
            if kept.revision < revision:
                return _keep(session, where, _update(session, event, kept, revision, read, since))
        return _keep(session, where, _build(session, event, setup, changes, revision))
    except _Rebuild:
        return None


def _keep(session: Session, where: tuple[str, str], state: OnsiteState) -> OnsiteState:
    """Keep ``state`` for the next caller, if it was read in a read transaction: a writer's
    transaction may see its own writes, which may yet roll back (and their revision then
    be reused by another writer's)."""
    if not session.info.get("reading", False):
        return state
    with _lock:
        current = _states.get(where)
        # Threads may bring it up to date at once: an older read does not replace a newer one.
        if (
            current is None
            or (current.setup, current.changes_seen)
            != (
                state.setup,
                state.changes_seen,
            )
            or current.revision <= state.revision
        ):
            _states[where] = state
    return state


def with_waiting(
    session: Session,
    event: Event,
    state: OnsiteState,
    meeting_id: int,
    row: MeetingRow | None = None,
    read: Mapping[int, list[str]] | None = None,
) -> tuple[Problem, Mapping[MeetingId, Assignment]] | None:
    """The state's problem with the agreed meeting ``meeting_id`` added to place (after the
    booked ones), and the published schedule (the state's own, not a copy: it is never
    changed); None when the whole read must decide (a meeting with precedences). ``row``: the
    meeting's row, and ``read`` its principals (``onsite_state``), when the caller read
    them already."""
    key = MeetingId(str(meeting_id))
    if key in state.problem.meeting_index:
        return state.problem, state.published
    if row is None:
        row = cast(
            "MeetingRow | None",
            session.execute(
                select(*MeetingRow.__table__.columns).where(MeetingRow.id == meeting_id)
            ).first(),
        )
    if row is None or row.event_id != event.id or row.status not in _PLACEABLE:
        return state.problem, state.published
    if row.terms and row.terms.get("after"):
        return None
    names = (
        read[meeting_id]
        if read is not None and meeting_id in read
        else principals_of(session, [meeting_id]).get(meeting_id, [])
    )
    meeting = engine_named(event, meeting_from_row(row, names, set()))
    problem = amended(state.problem, event, {}, [meeting])
    if problem is None:
        problem = recompile(
            state.problem, event, [*state.problem_meetings(), meeting], {meeting.id}
        )
    return problem, state.published
