"""The organiser's edits of the published schedule, one at a time: move a meeting, swap two,
lock or unlock one, unplace one (it stays agreed, waiting), place a waiting one, or apply one of
the alternatives the engine offers for it.

Each edit is planned on the problem the on-site placement reads (``event_problem.onsite_problem``:
the published meetings, those held kept where they were, the changes reported at the venue)
and checked by the validator's rules on what it touches (``onsite.check.check_changes``)
against the schedule as published, so that only a violation the edit itself makes counts:

- a broken hard rule refuses it, each rule named and explained (``RuleBroken``);
- a place held by meetings that can move refuses it with the moves that would make room
  (``PlaceTaken``), unless the organiser asks for them (``push``);
- leaving a meeting's preferred windows refuses it unless the organiser overrides
  (``PreferenceBroken``).

An edit that passes is written in one transaction under the event's schedule lock: the bookings
(the database still refuses double booking), one new schedule version with change notices to
the sides concerned, audit entries. It is booked as every re-plan is (``replans.book_replan``),
and a plan that is stale by its rule is made again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidelines.domain import MeetingId, SpaceId
from sidelines.domain.formats import MeetingFormat, defaults_for
from sidelines.domain.meeting import DayPart
from sidelines.domain.negotiation import MeetingStatus
from sidelines.i18n import DEFAULT, N_, _, current, speaking
from sidelines.i18n.words import words
from sidelines.scheduling.onsite import AlternativeKind, NewMeeting, OnsiteOptions, replan
from sidelines.scheduling.onsite.board import first_slot_from
from sidelines.scheduling.onsite.check import check_changes
from sidelines.scheduling.onsite.manual import keeps_preference, meeting_name, places, push
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules import Violation, contact_at
from sidelines.scheduling.schedule import Assignment
from sidelines.services import audit, notice_text, schedule_versions
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Invalid, ServiceError, not_found
from sidelines.services.event_problem import freeze_moment, onsite_problem
from sidelines.services.events import domain_event
from sidelines.services.idempotency import Once
from sidelines.services.placing import PLACEMENT_TIME_LIMIT_S
from sidelines.services.recorded_changes import latest_change
from sidelines.services.replans import (
    Rebooking,
    Replan,
    StalePlan,
    Where,
    book_replan,
    meeting_parties,
)
from sidelines.services.solves import require_organiser
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, ScheduleVersionRow

WALKING = "walking_time_respected"
# A plan made on a schedule that changed before it was written is made again, this many times.
ATTEMPTS = 3
# Violations that a move into an occupied place makes, which moving the meetings in the way
# can mend: every other broken rule is the place's own fault.
ROOM_RULES = frozenset(
    {
        "principal_not_double_booked",
        "space_not_double_booked",
        WALKING,
        "precedence_respected",
        # The on-site ejection chains also clear a press-out buffer and free an interpreter.
        "press_out_buffer_respected",
        "interpreters_not_overbooked",
    }
)
PREFERENCE = "meeting_within_preferred_windows"
# Why an edit cannot be made on a meeting as it stands (``MeetingConflict``).
NOT_PLACED = N_("%(meeting)s is %(status)s, not on the schedule")
NOT_WAITING = N_("%(meeting)s is %(status)s, not agreed and waiting")
NOT_PLACEABLE = N_("%(meeting)s is %(status)s, not to be placed")
LOCKED = N_("%(meeting)s is locked already")
UNLOCKED = N_("%(meeting)s is unlocked already")
FITS_AS_AGREED = N_("%(meeting)s now fits as agreed: place it instead")
THERE_ALREADY = N_("%(meeting)s is there already")


# --- errors ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Breach:
    """A rule an edit would break: its name, what breaks, and the meetings involved."""

    rule: str
    message: str
    meetings: tuple[int, ...] = ()


class EditRefused(Conflict):
    """An edit that would break a rule; nothing was written. ``violations`` names each rule."""

    code = "rule_broken"

    def __init__(self, message: str, violations: list[Breach]) -> None:
        super().__init__(message)
        self.violations = violations

    def details(self) -> dict[str, Any]:
        return {
            "violations": [
                {"rule": v.rule, "message": v.message, "meetings": list(v.meetings)}
                for v in self.violations
            ]
        }


class RuleBroken(EditRefused):
    """A hard rule: no one may break it."""


class PreferenceBroken(EditRefused):
    """A preferred window: the organiser may override it (``override``)."""

    code = "preference_broken"


class PlaceTaken(EditRefused):
    """The place is held by meetings that can move; ``pushes`` says where, and the organiser
    may ask for them (``push``)."""

    code = "place_taken"

    def __init__(self, message: str, violations: list[Breach], pushes: list[ChangeView]) -> None:
        super().__init__(message, violations)
        self.pushes = pushes

    def details(self) -> dict[str, Any]:
        return {
            **super().details(),
            "pushes": [
                {"meeting_id": p.meeting_id, "before": p.before, "after": p.after}
                for p in self.pushes
            ],
        }


class ConflictInWords(Conflict):
    """A refusal said when it is read, in the reader's language (``_said``), naming meetings in
    words; ``english`` keeps it as raised."""

    def __init__(self) -> None:
        with speaking(DEFAULT):
            english = self._said()
        super().__init__(english)

    @property
    def message(self) -> str:
        return self._said()

    def _said(self) -> str:
        raise NotImplementedError


class ChangedSince(ConflictInWords):
    """An edit made on an older view of the schedule (``seen_version``): a meeting it changes
    has been placed elsewhere, or taken off, by a later version. Nothing was written; the
    organiser looks again at ``version``, the schedule as it now is.

    The message names the meetings in words (``notice_text.Wording``: each one's title, else
    its format and sides), in the language it is read in; ``meetings`` keeps their ids for a
    program."""

    code = "changed_since"
    TEXT = N_(
        "%(meetings)s changed since version %(seen_version)s; the schedule is at version "
        "%(version)s: look again"
    )

    def __init__(
        self, wording: notice_text.Wording, meetings: list[int], seen_version: int, version: int
    ) -> None:
        self.wording = wording
        self.meetings = meetings
        self.seen_version = seen_version
        self.version = version
        super().__init__()

    def _said(self) -> str:
        names = sorted((self.wording.name(m) for m in self.meetings), key=str.casefold)
        return _(self.TEXT) % {
            "meetings": notice_text.listed(names),
            "seen_version": self.seen_version,
            "version": self.version,
        }

    def details(self) -> dict[str, Any]:
        return {"meetings": self.meetings, "version": self.version}


class MeetingConflict(ConflictInWords):
    """A meeting the edit cannot be made on as it stands (cancelled, locked already...): the
    message names it in words (``notice_text.Wording``: its title, else its format and sides),
    in the language it is read in, not by its row number."""

    def __init__(
        self, template: str, wording: notice_text.Wording, meeting_id: int, status: str = ""
    ) -> None:
        self.template = template
        self.wording = wording
        self.meeting_id = meeting_id
        self.meeting_status = status
        super().__init__()

    def _said(self) -> str:
        said = {"meeting": self.wording.name(self.meeting_id), "status": words(self.meeting_status)}
        return _(self.template) % said


def _refused(
    session: Session, event_id: str, meeting_id: int, template: str, status: str = ""
) -> MeetingConflict:
    wording = notice_text.wording(session, domain_event(session, event_id), [meeting_id])
    return MeetingConflict(template, wording, meeting_id, status)


# --- views -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where the organiser puts a meeting: a start on the event's grid and a space (None: no
    room, in a corridor or as a contact at a programme session where its format allows)."""

    starts_at: datetime
    space_id: str | None


@dataclass(frozen=True)
class ChangeView:
    """A meeting whose place an edit changes, as ``[starts_at, ends_at, space_id]`` before and
    after (None: it has no place)."""

    meeting_id: int
    before: list[Any] | None
    after: list[Any] | None


@dataclass(frozen=True)
class EditView:
    edit: str
    meeting_id: int
    version: int
    changes: list[ChangeView]
    locked: bool


@dataclass(frozen=True)
class PlaceView:
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    fits: bool
    rule: str | None
    reason: str | None
    preferred: bool
    current: bool
    # Only meetings that may move keep it out: moving them (``push``) would let it in.
    makes_room: bool = False


@dataclass(frozen=True)
class PlacesView:
    meeting_id: int
    version: int
    duration_min: int
    locked: bool
    places: list[PlaceView]


# --- planning ----------------------------------------------------------------------------------


@dataclass
class _Plan:
    """An edit ready to write: the bookings it changes (meeting -> before, after), the last
    on-site change it was planned on, and what else the edit changes on the subject's row."""

    edit: str
    subject: int
    changes_seen: int
    steps: dict[int, tuple[Where | None, Where | None]]
    problem: Problem
    update: Callable[[MeetingRow], None] | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Published:
    problem: Problem
    schedule: dict[MeetingId, Assignment]
    version: int
    changes_seen: int
    freeze_window_min: int


def _version(session: Session, event_id: str) -> int:
    """The number of the event's current schedule version (0: none), without its snapshot."""
    number = session.scalar(
        select(func.max(ScheduleVersionRow.number)).where(ScheduleVersionRow.event_id == event_id)
    )
    return number or 0


def _published(
    session: Session, event_id: str, waiting: int | None = None, *, required: bool = True
) -> _Published:
    """The event's problem and its published schedule; ``waiting`` a waiting meeting to add.
    Without a published version, a Conflict where ``required``, else an empty schedule.

    They come from the state this process keeps of the event (``event_state``, through
    ``onsite_problem``), brought up to date with what was written since: building them from
    every row is most of an edit's time on a large event (docs/benchmarks.md)."""
    version = _version(session, event_id)
    if version == 0 and required:
        raise Conflict("no schedule is published yet: solve and publish first")
    event = domain_event(session, event_id)
    changes_seen = latest_change(session, event_id)
    problem, schedule = onsite_problem(session, event_id, waiting)
    return _Published(
        problem, dict(schedule), version, changes_seen, event.policy.freeze_window_min
    )


def _meeting(session: Session, event_id: str, meeting_id: int) -> MeetingRow:
    row = session.get(MeetingRow, meeting_id)
    if row is None or row.event_id != event_id:
        raise not_found("meeting", meeting_id)
    return row


def _placed(session: Session, event_id: str, meeting_id: int) -> MeetingRow:
    row = _meeting(session, event_id, meeting_id)
    if row.status != MeetingStatus.SCHEDULED or row.starts_at is None:
        raise _refused(session, event_id, meeting_id, NOT_PLACED, row.status)
    return row


def _waiting(session: Session, event_id: str, meeting_id: int) -> MeetingRow:
    row = _meeting(session, event_id, meeting_id)
    if row.status != MeetingStatus.AGREED or row.starts_at is not None:
        raise _refused(session, event_id, meeting_id, NOT_WAITING, row.status)
    return row


def _where(problem: Problem, assignment: Assignment | None) -> Where | None:
    if assignment is None:
        return None
    return problem.grid.start_of(assignment.start_slot), assignment.space


def _assignment(problem: Problem, meeting_id: MeetingId, target: Target) -> Assignment:
    """The target on the problem's grid; a bad start or space is the input's fault."""
    start = problem.grid.slot_at(target.starts_at)
    if start is None:
        raise Invalid(
            f"{target.starts_at.isoformat()} is not a start time of the event's "
            f"{problem.grid.grain_min}-minute grid",
            "starts_at",
        )
    if target.space_id is not None and SpaceId(target.space_id) not in problem.space_index:
        raise Invalid(f"no space {target.space_id!r} at this event", "space_id")
    if target.space_id is not None:
        return Assignment(start, SpaceId(target.space_id))
    meeting_idx = problem.meeting_index[meeting_id]
    return Assignment(start, at_session=contact_at(problem, meeting_idx, start))


def _breaches(violations: Iterable[Violation]) -> list[Breach]:
    return [
        Breach(v.rule, v.message, tuple(int(m) for m in v.meetings if m.isdigit()))
        for v in violations
    ]


def _new_violations(
    problem: Problem,
    before: dict[MeetingId, Assignment],
    after: dict[MeetingId, Assignment],
    changed: list[MeetingId],
) -> list[Violation]:
    """The violations of ``after`` that involve the changed meetings and that ``before`` did
    not have: an edit answers for what it breaks, not for what the venue broke already."""
    known = set(check_changes(problem, before, changed))
    return [v for v in check_changes(problem, after, changed) if v not in known]


def _refuse_broken(violations: list[Violation]) -> None:
    if violations:
        rules = ", ".join(sorted({v.rule for v in violations}))
        raise RuleBroken(f"the edit would break {rules}", _breaches(violations))


def _refuse_leaving_preference(
    problem: Problem,
    before: dict[MeetingId, Assignment],
    after: dict[MeetingId, Assignment],
    meetings: list[MeetingId],
) -> None:
    """Refuse an edit that puts a meeting outside its preferred windows, unless it was
    outside them already (staying outside breaks nothing)."""
    found = []
    for meeting_id in meetings:
        meeting_idx = problem.meeting_index[meeting_id]
        was = before.get(meeting_id)
        if was is not None and not keeps_preference(problem, meeting_idx, was.start_slot):
            continue
        if not keeps_preference(problem, meeting_idx, after[meeting_id].start_slot):
            found.append(
                Breach(
                    PREFERENCE,
                    f"{meeting_name(problem, meeting_idx)} at "
                    f"{problem.describe_slot(after[meeting_id].start_slot)} is outside its "
                    "preferred windows",
                    (int(meeting_id),),
                )
            )
    if found:
        raise PreferenceBroken(
            "the edit leaves a preferred window; pass override to make it anyway", found
        )


def _span(problem: Problem, meeting_id: MeetingId, where: Where | None) -> list[Any] | None:
    if where is None:
        return None
    duration = problem.meetings[problem.meeting_index[meeting_id]].duration_slots
    start = problem.grid.slot_at(where[0])
    assert start is not None
    return [where[0].isoformat(), problem.grid.end_of(start + duration - 1).isoformat(), where[1]]


def _steps(
    problem: Problem,
    before: dict[MeetingId, Assignment],
    after: dict[MeetingId, Assignment],
    meetings: Iterable[MeetingId],
) -> dict[int, tuple[Where | None, Where | None]]:
    return {
        int(m): (_where(problem, before.get(m)), _where(problem, after.get(m))) for m in meetings
    }


def _relocation(
    session: Session,
    event_id: str,
    ctx: _Published,
    edit: str,
    meeting_id: int,
    target: Target,
    *,
    override: bool,
    push_others: bool,
) -> _Plan:
    """Put one meeting (placed or waiting) at ``target``, refusing what breaks a rule."""
    problem = ctx.problem
    key = MeetingId(str(meeting_id))
    assignment = _assignment(problem, key, target)
    if ctx.schedule.get(key) == assignment:
        raise _refused(session, event_id, meeting_id, THERE_ALREADY)
    after = {**ctx.schedule, key: assignment}
    broken = _new_violations(problem, ctx.schedule, after, [key])
    moved: list[MeetingId] = []
    if broken:
        if any(v.rule not in ROOM_RULES for v in broken):
            _refuse_broken(broken)
        moves = push(
            problem,
            ctx.schedule,
            key,
            assignment,
            now=freeze_moment(problem, now()),
            freeze_window_min=ctx.freeze_window_min,
        )
        if moves is None:
            _refuse_broken(broken)
        assert moves is not None
        for move in moves:
            assert move.after is not None
            after[move.meeting] = move.after
            moved.append(move.meeting)
        if not push_others:
            pushes = [
                ChangeView(
                    int(m),
                    _span(problem, m, _where(problem, ctx.schedule[m])),
                    _span(problem, m, _where(problem, after[m])),
                )
                for m in moved
            ]
            if all(v.rule == WALKING for v in broken):
                # Nothing is in the place: the principals could not walk there in time.
                raise PlaceTaken(
                    "the walk from or to the meeting next to it does not fit; "
                    f"{len(pushes)} meeting(s) would have to move: pass push to move them",
                    _breaches(broken),
                    pushes,
                )
            raise PlaceTaken(
                f"the place is taken; {len(pushes)} meeting(s) would have to move: pass push "
                "to move them",
                _breaches(broken),
                pushes,
            )
    if not override:
        # The meetings pushed out of the way count too: the edit moves them.
        _refuse_leaving_preference(problem, ctx.schedule, after, [key, *moved])
    return _Plan(
        edit,
        meeting_id,
        ctx.changes_seen,
        _steps(problem, ctx.schedule, after, [key, *moved]),
        problem,
        detail={"pushed": [int(m) for m in moved], "override": override},
    )


# --- writing -----------------------------------------------------------------------------------


def _write(
    db: Database, actor: Actor, event_id: str, plan: _Plan, once: Once[EditView] | None
) -> EditView:
    """Book what the plan changes and record one schedule version (``replans.book_replan``);
    ``StalePlan`` when the schedule changed under the plan. With ``once``, the request's
    idempotency key is kept in the same transaction."""
    detail = {"edit": plan.edit, "by_edit_of": plan.subject}
    replanned = Replan(
        plan.changes_seen,
        [
            Rebooking(meeting_id, before, after, detail)
            for meeting_id, (before, after) in plan.steps.items()
        ],
    )

    def edit_terms(session: Session) -> None:
        if plan.update is not None:
            plan.update(_meeting(session, event_id, plan.subject))

    def work(session: Session) -> EditView:
        booked = book_replan(
            session,
            actor,
            event_id,
            replanned,
            reason=f"{plan.edit} of meeting {plan.subject}",
            always_version=True,
            before_booking=edit_terms,
        )
        audit.record(
            session,
            actor,
            event_id,
            "schedule.edited",
            "meeting",
            plan.subject,
            meeting_parties(session, plan.subject),
            edit=plan.edit,
            **plan.detail,
        )
        assert booked.version is not None
        locked = bool(_meeting(session, event_id, plan.subject).terms.get("locked"))
        return EditView(
            plan.edit,
            plan.subject,
            booked.version,
            [
                ChangeView(
                    meeting_id,
                    _span(plan.problem, MeetingId(str(meeting_id)), before),
                    _span(plan.problem, MeetingId(str(meeting_id)), after),
                )
                for meeting_id, (before, after) in sorted(plan.steps.items())
            ],
            locked,
        )

    return db.write(once.guard(work) if once is not None else work)


@dataclass(frozen=True, slots=True)
class _Seen:
    """The schedule an edit was made on (version ``seen_version``) and the schedule now, each read
    once per plan: both checks of one attempt (``_run``) compare them."""

    seen_version: int
    current: int
    then: schedule_versions.Snapshot
    now: schedule_versions.Snapshot

    @classmethod
    def read(cls, session: Session, event_id: str, seen_version: int) -> _Seen:
        current = _version(session, event_id)
        if seen_version > current:
            raise Invalid(
                f"the schedule has no version {seen_version}; it is at version {current}",
                "seen_version",
            )
        if seen_version == current:
            return cls(seen_version, current, {}, {})
        return cls(
            seen_version,
            current,
            schedule_versions.schedule_at(session, event_id, seen_version),
            schedule_versions.schedule_at(session, event_id, current),
        )

    def refuse_changed(self, session: Session, event_id: str, meetings: Iterable[int]) -> None:
        """Refuse the edit when a later version placed one of ``meetings`` elsewhere (or took
        it off, or placed it): two organisers who move one meeting at once must not overwrite
        each other unknowingly; the loser looks again. A meeting back where it was seen
        counts as unchanged."""
        if self.seen_version == self.current:
            return
        changed = sorted({m for m in meetings if self.then.get(str(m)) != self.now.get(str(m))})
        if changed:
            wording = notice_text.wording(session, domain_event(session, event_id), changed)
            raise ChangedSince(wording, changed, self.seen_version, self.current)


def _run(
    db: Database,
    actor: Actor,
    event_id: str,
    make: Callable[[Session], _Plan],
    once: Once[EditView] | None,
    seen_version: int | None = None,
    subjects: tuple[int, ...] = (),
) -> EditView:
    """Plan on a read, then write; again while the schedule moves under the plan. A request
    answered before (``once``) is answered as it was, not planned again: a plan refused
    because the first attempt has just been written is answered so too.

    With ``seen_version``, the version of the schedule the organiser edited on, the edit is
    refused (``ChangedSince``) where a later version changed ``subjects`` or a meeting the
    plan moves. Planned again on a stale read, it is checked again: what it books is what
    the organiser saw, or nothing."""
    require_organiser(actor)
    reason = "the schedule kept changing"
    for _attempt in range(ATTEMPTS):
        moved_under = False
        try:
            with db.reading() as session:
                if once is not None:
                    once.replay_if_answered(session)
                seen = None if seen_version is None else _Seen.read(session, event_id, seen_version)
                if seen is not None:
                    seen.refuse_changed(session, event_id, subjects)
                plan = make(session)
                if seen is not None:
                    seen.refuse_changed(session, event_id, plan.steps)
                    # Each statement of the read sees what was committed when it began (read
                    # committed): a version written while the plan was read may have moved the
                    # meetings the plan read after the check's version. The plan then starts
                    # from a place the check did not compare, and the write finds the rows as
                    # the plan read them: the edit would overwrite the other one unknowingly.
                    # The same version at the end of the read says every statement saw it.
                    moved_under = _version(session, event_id) != seen.current
        except ServiceError:
            if once is not None:
                with db.reading() as session:
                    once.replay_if_answered(session)
            raise
        if moved_under:
            reason = "the schedule changed while the edit was planned"
            continue
        try:
            return _write(db, actor, event_id, plan, once)
        except StalePlan as stale:
            reason = stale.message
    raise Conflict(f"{reason}; try again")


# --- the edits ---------------------------------------------------------------------------------


def move(
    db: Database,
    actor: Actor,
    event_id: str,
    meeting_id: int,
    target: Target,
    *,
    override: bool = False,
    push_others: bool = False,
    once: Once[EditView] | None = None,
    seen_version: int | None = None,
) -> EditView:
    """Move a scheduled meeting to ``target``; with ``push_others``, the movable meetings in
    the way move too, each where it fits best near its place."""

    def make(session: Session) -> _Plan:
        _placed(session, event_id, meeting_id)
        ctx = _published(session, event_id)
        return _relocation(
            session,
            event_id,
            ctx,
            "move",
            meeting_id,
            target,
            override=override,
            push_others=push_others,
        )

    return _run(db, actor, event_id, make, once, seen_version, (meeting_id,))


def place(
    db: Database,
    actor: Actor,
    event_id: str,
    meeting_id: int,
    target: Target,
    *,
    override: bool = False,
    push_others: bool = False,
    once: Once[EditView] | None = None,
    seen_version: int | None = None,
) -> EditView:
    """Put a waiting (agreed, unplaced) meeting at ``target``, as ``move`` would."""

    def make(session: Session) -> _Plan:
        _waiting(session, event_id, meeting_id)
        ctx = _published(session, event_id, meeting_id)
        return _relocation(
            session,
            event_id,
            ctx,
            "place",
            meeting_id,
            target,
            override=override,
            push_others=push_others,
        )

    return _run(db, actor, event_id, make, once, seen_version, (meeting_id,))


def swap(
    db: Database,
    actor: Actor,
    event_id: str,
    meeting_id: int,
    other_id: int,
    *,
    override: bool = False,
    once: Once[EditView] | None = None,
    seen_version: int | None = None,
) -> EditView:
    """Each of two scheduled meetings takes the other's start and space."""
    if meeting_id == other_id:
        raise Invalid("a meeting cannot swap with itself", "other_id")

    def make(session: Session) -> _Plan:
        _placed(session, event_id, meeting_id)
        _placed(session, event_id, other_id)
        ctx = _published(session, event_id)
        problem = ctx.problem
        a, b = MeetingId(str(meeting_id)), MeetingId(str(other_id))
        after = dict(ctx.schedule)
        for mine, theirs in ((a, b), (b, a)):
            there = ctx.schedule[theirs]
            after[mine] = Assignment(
                there.start_slot,
                there.space,
                None
                if there.space is not None
                else contact_at(problem, problem.meeting_index[mine], there.start_slot),
            )
        _refuse_broken(_new_violations(problem, ctx.schedule, after, [a, b]))
        if not override:
            _refuse_leaving_preference(problem, ctx.schedule, after, [a, b])
        return _Plan(
            "swap",
            meeting_id,
            ctx.changes_seen,
            _steps(problem, ctx.schedule, after, [a, b]),
            problem,
            detail={"with": other_id, "override": override},
        )

    return _run(db, actor, event_id, make, once, seen_version, (meeting_id, other_id))


def unplace(
    db: Database,
    actor: Actor,
    event_id: str,
    meeting_id: int,
    *,
    once: Once[EditView] | None = None,
    seen_version: int | None = None,
) -> EditView:
    """Take a scheduled meeting off the schedule; it stays agreed, waiting for a place."""

    def make(session: Session) -> _Plan:
        _placed(session, event_id, meeting_id)
        ctx = _published(session, event_id)
        key = MeetingId(str(meeting_id))
        after = {m: a for m, a in ctx.schedule.items() if m != key}
        _refuse_broken(_new_violations(ctx.problem, ctx.schedule, after, [key]))
        return _Plan(
            "unplace",
            meeting_id,
            ctx.changes_seen,
            _steps(ctx.problem, ctx.schedule, after, [key]),
            ctx.problem,
        )

    return _run(db, actor, event_id, make, once, seen_version, (meeting_id,))


def lock(
    db: Database,
    actor: Actor,
    event_id: str,
    meeting_id: int,
    *,
    locked: bool,
    once: Once[EditView] | None = None,
    seen_version: int | None = None,
) -> EditView:
    """Lock a scheduled meeting where it is (the engine and every on-site placement then leave
    it there), or unlock it."""

    def make(session: Session) -> _Plan:
        row = _placed(session, event_id, meeting_id)
        if bool(row.terms.get("locked")) == locked:
            raise _refused(session, event_id, meeting_id, LOCKED if locked else UNLOCKED)
        ctx = _published(session, event_id)
        assert row.starts_at is not None
        read = (row.starts_at, row.space_id, row.status)
        where = [row.starts_at.isoformat(), row.space_id]

        def update(subject: MeetingRow) -> None:
            # The lock moves no booking, so the plan names no meeting for ``book_replan`` to
            # check: the subject is checked here, by the same rule (where it was read, and
            # neither locked nor unlocked since).
            if (subject.starts_at, subject.space_id, subject.status) != read or bool(
                subject.terms.get("locked")
            ) == locked:
                raise StalePlan(f"meeting {meeting_id} changed meanwhile")
            terms = dict(subject.terms)
            if locked:
                terms["locked"] = where
            else:
                terms.pop("locked", None)
            subject.terms = terms
            subject.updated_at = now()

        return _Plan(
            "lock" if locked else "unlock",
            meeting_id,
            ctx.changes_seen,
            {},
            ctx.problem,
            update=update,
            detail={"at": where},
        )

    return _run(db, actor, event_id, make, once, seen_version, (meeting_id,))


def apply_alternative(
    db: Database,
    actor: Actor,
    event_id: str,
    meeting_id: int,
    kind: str,
    target: Target,
    *,
    once: Once[EditView] | None = None,
    seen_version: int | None = None,
) -> EditView:
    """Apply one of the alternatives the engine offers for a waiting meeting that fits nowhere
    as agreed (``place_agreed``, the on-site changes): they are computed again, and the one of
    that kind at ``target`` applied only if it is still among them."""
    try:
        wanted = AlternativeKind(kind)
    except ValueError:
        kinds = ", ".join(str(k) for k in AlternativeKind)
        raise Invalid(f"an alternative is one of {kinds}", "kind") from None

    def make(session: Session) -> _Plan:
        _waiting(session, event_id, meeting_id)
        ctx = _published(session, event_id, meeting_id)
        problem = ctx.problem
        key = MeetingId(str(meeting_id))
        options = OnsiteOptions(
            now=freeze_moment(problem, now()),
            freeze_window_min=ctx.freeze_window_min,
            time_limit_s=PLACEMENT_TIME_LIMIT_S,
        )
        result = replan(problem, ctx.schedule, NewMeeting(key), options)
        if key in result.placed:
            raise _refused(session, event_id, meeting_id, FITS_AS_AGREED)
        chosen = next(
            (
                a
                for a in result.alternatives.get(key, ())
                if a.kind is wanted
                and problem.grid.start_of(a.placement.start_slot) == target.starts_at
                and a.placement.space == target.space_id
            ),
            None,
        )
        if chosen is None:
            raise Conflict("that alternative no longer holds: ask for the alternatives again")
        meeting_idx = problem.meeting_index[key]
        meeting = problem.meetings[meeting_idx]
        grain = problem.grid.grain_min
        update: Callable[[MeetingRow], None] | None = None
        if chosen.kind is AlternativeKind.FORMAT:
            assert chosen.format is not None
            fmt = MeetingFormat(chosen.format)
            varied = replace(
                meeting,
                duration_slots=chosen.duration_slots,
                needs_space=False,
                size=defaults_for(fmt).size_for(len(meeting.parties)),
                needs=frozenset(),
                preferred=0,
            )

            def update(row: MeetingRow) -> None:
                row.format = str(fmt)
                row.duration_min = chosen.duration_slots * grain
                row.terms = {
                    **{k: v for k, v in row.terms.items() if k not in ("size", "preferred")},
                    "needs_space": False,
                    "needs": [],
                }

        elif chosen.kind is AlternativeKind.DAY:
            varied = replace(meeting, window=problem.grid.all_slots(), day_part=DayPart.ANY)

            def update(row: MeetingRow) -> None:
                row.windows = []
                row.terms = {k: v for k, v in row.terms.items() if k != "day_part"}

        else:
            varied = meeting
        meetings = list(problem.meetings)
        meetings[meeting_idx] = varied
        varied_problem = replace(problem, meetings=tuple(meetings))
        after = dict(ctx.schedule)
        after[key] = chosen.placement
        for move in chosen.moves:
            if move.after is None:
                del after[move.meeting]
            else:
                after[move.meeting] = move.after
        changed = [key, *(move.meeting for move in chosen.moves)]
        _refuse_broken(_new_violations(varied_problem, ctx.schedule, after, changed))
        return _Plan(
            "alternative",
            meeting_id,
            ctx.changes_seen,
            _steps(varied_problem, ctx.schedule, after, changed),
            varied_problem,
            update=update,
            detail={"kind": str(chosen.kind), "summary": chosen.summary},
        )

    return _run(db, actor, event_id, make, once, seen_version, (meeting_id,))


# --- reading -----------------------------------------------------------------------------------


def meeting_places(
    db: Database, actor: Actor, event_id: str, meeting_id: int, day: date | None = None
) -> PlacesView:
    """Every (start, space) of the grid (of ``day`` in the event's zone, if given) where the
    meeting could go, each with the first rule it would break there; for the organiser."""
    require_organiser(actor)
    with db.reading() as session:
        row = _meeting(session, event_id, meeting_id)
        if row.status not in MeetingStatus.placeable():
            raise _refused(session, event_id, meeting_id, NOT_PLACEABLE, row.status)
        waiting = meeting_id if row.starts_at is None else None
        ctx = _published(session, event_id, waiting, required=False)
    problem = ctx.problem
    key = MeetingId(str(meeting_id))
    days = [d for d in problem.grid.days if day is None or d.date == day]
    if not days:
        raise Invalid(f"{day} is not a day of the event", "day")
    slots = [slot for d in days for slot in range(d.first_slot, d.end_slot)]
    meeting = problem.meetings[problem.meeting_index[key]]
    grid = problem.grid
    # A meeting in the way within the freeze window cannot give way (``push`` keeps it).
    frozen_from = freeze_moment(problem, now())
    moves_from = first_slot_from(
        problem,
        None if frozen_from is None else frozen_from + timedelta(minutes=ctx.freeze_window_min),
    )
    return PlacesView(
        meeting_id,
        ctx.version,
        meeting.duration_slots * grid.grain_min,
        meeting.locked,
        [
            PlaceView(
                grid.start_of(p.start_slot),
                grid.end_of(min(p.start_slot + meeting.duration_slots, grid.n_slots) - 1),
                p.space,
                p.fits,
                p.rule,
                p.reason,
                p.preferred,
                p.current,
                p.makes_room,
            )
            for p in places(problem, ctx.schedule, key, slots, moves_from=moves_from)
        ],
    )


def locked_meetings(db: Database, actor: Actor, event_id: str) -> set[int]:
    """The event's scheduled meetings that are locked where they are, for the organiser."""
    require_organiser(actor)
    with db.reading() as session:
        rows = session.execute(
            select(MeetingRow.id, MeetingRow.terms).where(
                MeetingRow.event_id == event_id,
                MeetingRow.status == str(MeetingStatus.SCHEDULED),
            )
        )
        return {meeting_id for meeting_id, terms in rows if terms and terms.get("locked")}


@dataclass(frozen=True)
class WaitingView:
    """An agreed meeting with no place, for the organiser to place: its label (format and
    sides, by name) and length."""

    meeting_id: int
    label: str
    duration_min: int


def engine_names(db: Database, actor: Actor, event_id: str) -> dict[str, str]:
    """How the rules' sentences on the grid (why a place does not fit, what an edit breaks)
    name the event's meetings in English by format and sides, and how each name reads in the
    language of the moment; none in English."""
    require_organiser(actor)
    if current() == DEFAULT:
        return {}
    with db.reading() as session:
        meeting_ids = session.scalars(
            select(MeetingRow.id).where(
                MeetingRow.event_id == event_id,
                MeetingRow.status.in_([str(s) for s in MeetingStatus.placeable()]),
            )
        )
        labels = notice_text.labels_of(session, meeting_ids)
        event = domain_event(session, event_id)
    return notice_text.engine_names(event, labels.values())


def waiting_meetings(db: Database, actor: Actor, event_id: str) -> list[WaitingView]:
    """The event's agreed meetings that wait for a place, oldest agreement first: those agreed
    after publication that fit nowhere, and those taken off the schedule. Nobody else sees
    them, so the grid must: else they wait until the next solve, unknown to the organiser."""
    require_organiser(actor)
    with db.reading() as session:
        rows = session.execute(
            select(MeetingRow.id, MeetingRow.duration_min)
            .where(
                MeetingRow.event_id == event_id,
                MeetingRow.status == str(MeetingStatus.AGREED),
                MeetingRow.starts_at.is_(None),
            )
            .order_by(MeetingRow.updated_at, MeetingRow.id)
        ).all()
        if not rows:
            return []
        event = domain_event(session, event_id)
        labels = notice_text.labels_of(session, [meeting_id for meeting_id, _ in rows])
        return [
            WaitingView(
                meeting_id, notice_text.meeting_label(event, labels[meeting_id], None), duration
            )
            for meeting_id, duration in rows
        ]


__all__ = [
    "Breach",
    "ChangeView",
    "ChangedSince",
    "ConflictInWords",
    "EditRefused",
    "EditView",
    "MeetingConflict",
    "PlaceTaken",
    "PlaceView",
    "PlacesView",
    "PreferenceBroken",
    "RuleBroken",
    "Target",
    "WaitingView",
    "apply_alternative",
    "engine_names",
    "lock",
    "locked_meetings",
    "meeting_places",
    "move",
    "place",
    "swap",
    "unplace",
    "waiting_meetings",
]
