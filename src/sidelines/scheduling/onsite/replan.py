"""``replan``: absorb one on-site change into a published schedule, moving as little as possible."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import MeetingId
from sidelines.scheduling.onsite.alternatives import Alternatives
from sidelines.scheduling.onsite.board import Board, first_slot_from
from sidelines.scheduling.onsite.changes import Change, displaced
from sidelines.scheduling.onsite.check import check_changes
from sidelines.scheduling.onsite.insertion import Insertion
from sidelines.scheduling.onsite.laid_out import LaidOut
from sidelines.scheduling.onsite.result import (
    Alternative,
    Move,
    OnsiteResult,
    OnsiteStatus,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.schedule import Assignment, Schedule

UNPLACED_RULES = frozenset({"locked_meeting_kept", "required_meeting_scheduled"})


@dataclass(frozen=True, slots=True)
class OnsiteOptions:
    """``now`` is the moment of the change (None: before the event, nothing has started);
    ``freeze_window_min`` as in ``EventPolicy``; ``time_limit_s`` bounds the search for each
    meeting to place, a further half of it the search for alternatives; at most ``max_moves``
    existing meetings move for one placement, and of those at most ``break_moves`` that need
    not move but whose move saves breaks in all (0: never move a meeting that need not move).
    ``check`` runs the validator's rules on what the re-plan changed (``check.py``);
    ``alternatives`` searches alternatives for a meeting that fits nowhere (an offer of freed
    time needs none: the meeting simply keeps waiting)."""

    now: datetime | None = None
    freeze_window_min: int = 30
    time_limit_s: float = 0.2
    max_moves: int = 2
    break_moves: int = 2
    check: bool = True
    alternatives: bool = True


# Why a meeting has no place after a change, in sentences the catalogs learn from these
# functions (``i18n.service_texts``), for the services to say in the reader's language.


def stuck_reason(locked: bool) -> str:
    if locked:
        return "locked where the change no longer allows it"
    return "already started where the change no longer allows it"


def no_place_reason(max_moves: int) -> str:
    return f"no free place, nor one that moving at most {max_moves} unfrozen meetings would open"


def replan(
    problem: Problem,
    published: Schedule,
    change: Change,
    options: OnsiteOptions | None = None,
    laid_out: LaidOut | None = None,
) -> OnsiteResult:
    """The published schedule with ``change`` absorbed: every hard rule of the changed problem
    kept (but that a meeting reported unplaced is not scheduled), as few existing meetings
    moved as possible (none that is locked, has started or starts within the freeze window),
    each placed meeting at its earliest good time. A meeting that cannot be placed is left
    out, with ranked alternatives that the engine does not apply.

    ``laid_out``: ``published`` as the caller keeps it laid out (``problem`` is its problem
    with the new meetings appended); the search runs on it and leaves it as it was. Where it
    does not hold them, or the change moves published meetings, a board is laid out anew.
    """
    options = options or OnsiteOptions()
    started = time.perf_counter()
    changed = change.apply(problem)
    for meeting_id in change.targets():
        if meeting_id in published:
            raise DomainError(f"meeting {meeting_id!r} is in the schedule already", "change")
    # Every meeting of the schedule is known where it is the one laid out, of this problem's
    # event; else a comparison of key sets, in C (but of every meeting).
    if (
        not (laid_out is not None and laid_out.holds(changed, published))
        and not changed.meeting_index.keys() >= published.keys()
    ):
        unknown = next(m for m in published if m not in changed.meeting_index)
        raise DomainError(f"the schedule names unknown meeting {unknown!r}", "schedule")
    earliest_new = first_slot_from(changed, options.now)
    stuck: dict[MeetingId, str] = {}
    targets = list(change.targets())
    # A change that leaves the problem as it was (a new meeting) displaces nothing.
    for meeting_id in displaced(changed, published) if changed is not problem else ():
        meeting = changed.meetings[changed.meeting_index[meeting_id]]
        if meeting.locked or published[meeting_id].start_slot < earliest_new:
            stuck[meeting_id] = stuck_reason(bool(meeting.locked))
        else:
            targets.append(meeting_id)
    # The heaviest first, then in the published order: they compete for the same free places.
    targets.sort(
        key=lambda m: (
            -changed.meetings[changed.meeting_index[m]].weight,
            published[m].start_slot if m in published else -1,
            m,
        )
    )
    # The published schedule itself where no meeting of it is to be placed again (a new
    # meeting): copying thousands of entries would cost more than the search.
    keep = (
        {m: a for m, a in published.items() if m not in targets}
        if any(m in published for m in targets)
        else published
    )
    board = None
    if laid_out is not None and changed is problem and len(keep) == len(published):
        board = laid_out.lend(
            changed,
            published,
            now=options.now,
            freeze_window_min=options.freeze_window_min,
            targets=targets,
        )
    lent = board is not None
    if board is None:
        board = Board(
            changed,
            keep,
            now=options.now,
            freeze_window_min=options.freeze_window_min,
            targets=targets,
        )
    state = board.state
    state.begin()
    try:
        return _search(changed, published, board, targets, stuck, keep, options, started)
    except BaseException:
        if lent:
            assert laid_out is not None
            laid_out.broken = True  # half-way through: what it holds is unknown
        raise
    finally:
        if not lent:
            state.commit()
        elif laid_out is not None and not laid_out.broken:
            state.rollback()
            laid_out.give_back()


def _search(
    changed: Problem,
    published: Schedule,
    board: Board,
    targets: list[MeetingId],
    stuck: dict[MeetingId, str],
    keep: Schedule,
    options: OnsiteOptions,
    started: float,
) -> OnsiteResult:
    """``replan``'s search on ``board`` (its state's journal open): the result, with the
    journal still open for the caller to commit or roll back."""
    state = board.state
    placed: dict[MeetingId, Assignment] = {}
    unplaced: dict[MeetingId, str] = dict(stuck)
    alternatives: dict[MeetingId, tuple[Alternative, ...]] = {}
    for meeting_id in targets:
        meeting_idx = changed.meeting_index[meeting_id]
        clock = time.perf_counter()
        insertion = Insertion(
            board, clock + options.time_limit_s, options.max_moves, options.break_moves
        )
        if insertion.place_fewest_breaks(meeting_idx):
            placed[meeting_id] = board.assignment(meeting_idx)
            continue
        unplaced[meeting_id] = no_place_reason(options.max_moves)
        if not options.alternatives:
            continue
        insertion.deadline = time.perf_counter() + options.time_limit_s / 2
        alternatives[meeting_id] = tuple(Alternatives(board, insertion).for_meeting(meeting_idx))
    # Only what the journal touched, and the meetings to place, can differ from the published
    # schedule: rebuilding the other thousands would cost more than the search.
    touched = {idx for _, idx, _, _ in state.journal or ()}
    touched.update(changed.meeting_index[m] for m in targets)

    schedule = dict(keep)
    for meeting_idx in touched:
        if state.is_placed(meeting_idx):
            schedule[changed.meetings[meeting_idx].id] = board.assignment(meeting_idx)
    moved = tuple(
        sorted(
            (
                Move(meeting_id, published[meeting_id], schedule.get(meeting_id))
                for meeting_id in (changed.meetings[idx].id for idx in touched)
                if meeting_id in published and schedule.get(meeting_id) != published[meeting_id]
            ),
            key=lambda move: (move.before.start_slot, move.meeting),
        )
    )
    # The stuck meetings too: the change broke a rule where they stay, and the result says so.
    changed_ids = [m.meeting for m in moved] + list(placed) + list(stuck)
    violations = tuple(
        violation
        for violation in (
            check_changes(changed, schedule, changed_ids, state) if options.check else ()
        )
        # A meeting reported unplaced breaks its lock or its "required" by being unplaced;
        # the result says so already, and the organiser decides.
        if not (violation.rule in UNPLACED_RULES and set(violation.meetings) <= set(unplaced))
    )
    return OnsiteResult(
        status=OnsiteStatus.NEEDS_DECISION if unplaced else OnsiteStatus.PLACED,
        schedule=schedule,
        placed={m: schedule[m] for m in placed if m not in published},
        moved=moved,
        unplaced=unplaced,
        alternatives=alternatives,
        violations=violations,
        elapsed_s=time.perf_counter() - started,
    )


__all__ = ["OnsiteOptions", "replan"]
