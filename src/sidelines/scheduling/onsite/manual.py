"""The organiser's hand on a published schedule: where one meeting could go, and what a move
to an occupied place would push.

Both read the published schedule laid out on the heuristic's ``State`` (``Board``), so a place
is judged by the same rules the on-site placement keeps: ``State.options`` folds in every hard
rule between meetings, ``rules.placement`` every rule about the meeting's own time and space.
Nothing here writes anything: the service checks the chosen edit once more with the validator's
rules (``check.check_changes``) before it books it.
"""

from __future__ import annotations

import time
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import datetime

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.heuristic.construct import principal_blockers, space_blockers
from sidelines.scheduling.heuristic.state import CORRIDOR, State
from sidelines.scheduling.onsite.board import Board
from sidelines.scheduling.onsite.check import check_changes
from sidelines.scheduling.onsite.insertion import Insertion
from sidelines.scheduling.onsite.result import Move
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules import PLACEMENT_RULES, Placed, session_contacts
from sidelines.scheduling.schedule import Assignment, Schedule
from sidelines.scheduling.slots import starts_inside

# How long the search for new places of the meetings in the way may take: the organiser is
# waiting at the grid.
PUSH_TIME_LIMIT_S = 0.2
# At most this many meetings move to make room for one moved by hand; past that the organiser
# is better served by choosing another place.
PUSH_MAX_MOVES = 3


@dataclass(frozen=True, slots=True)
class Place:
    """One (start, space) of the grid for a meeting: ``rule`` and ``reason`` say why it does
    not fit there (None where it fits); ``preferred`` whether it keeps the meeting's preferred
    windows (True for a meeting without any); ``makes_room`` whether only meetings that may
    move keep it out, so that taking them out of the way (``push``) would let it in."""

    start_slot: int
    space: str | None
    rule: str | None
    reason: str | None
    preferred: bool
    current: bool
    makes_room: bool = False

    @property
    def fits(self) -> bool:
        return self.rule is None


def meeting_name(problem: Problem, meeting_idx: int) -> str:
    """A meeting as the organiser reads it: its title or id, and its sides."""
    meeting = problem.meetings[meeting_idx]
    return f"meeting {meeting.label} ({'–'.join(meeting.parties)})"


def keeps_preference(problem: Problem, meeting_idx: int, start: int) -> bool:
    """Whether the meeting at ``start`` lies within its preferred windows (it has none: yes)."""
    meeting = problem.meetings[meeting_idx]
    if not meeting.preferred:
        return True
    return bool((starts_inside(meeting.preferred, meeting.duration_slots) >> start) & 1)


def _board_without(
    problem: Problem, published: Schedule, meeting_id: MeetingId, now: datetime | None, freeze: int
) -> Board:
    others = {m: a for m, a in published.items() if m != meeting_id}
    return Board(problem, others, now=now, freeze_window_min=freeze)


def places(
    problem: Problem,
    published: Schedule,
    meeting_id: MeetingId,
    slots: Iterable[int],
    *,
    moves_from: int = 0,
) -> list[Place]:
    """Every (start in ``slots``, space) for the meeting, spaces in the problem's order and then
    no space, with the first rule each place breaks, given the rest of ``published`` as it is.
    A meeting in the way that starts before ``moves_from`` (the end of the freeze window, as
    ``push`` is given it) cannot give way, as a locked one cannot."""
    meeting_idx = problem.meeting_index[meeting_id]
    meeting = problem.meetings[meeting_idx]
    board = _board_without(problem, published, meeting_id, None, 0)
    state = board.state
    options = {option.space_class: option.starts for option in state.options(meeting_idx)}
    contacts = session_contacts(problem, meeting_idx)
    current = published.get(meeting_id)
    spaces: list[int | None] = [*range(len(problem.spaces)), None]
    # Each placement rule's allowed starts per space, computed once: most places fail one.
    masks = {
        (rule.name, space_idx): rule.allowed_starts(problem, meeting_idx, space_idx)
        for rule in PLACEMENT_RULES
        for space_idx in spaces
    }
    found: list[Place] = []
    room: set[tuple[int, str | None]] = set()  # the places room can be made in
    for start in slots:
        for space_idx in spaces:
            space = problem.spaces[space_idx].id if space_idx is not None else None
            rule, reason = _why_not(problem, meeting_idx, start, space_idx, masks, contacts)
            if rule is None:
                class_idx = CORRIDOR if space_idx is None else problem.class_of_space[space_idx]
                # The class may have another space free then: this one must be.
                end = start + meeting.duration_slots
                if not (options.get(class_idx, 0) >> start) & 1 or (
                    space_idx is not None and space_blockers(state, space_idx, start, end)
                ):
                    rule, reason = _in_the_way(problem, state, meeting_idx, start, space_idx)
                    still = _after_making_room(board, meeting_idx, start, space_idx, moves_from)
                    if still is None:
                        room.add((start, space))
                    elif still[0] is not None:
                        rule, reason = still
                elif not _fair_with(problem, state, meeting_idx, start, space_idx):
                    rule, reason = (
                        "breaks_fairly_spread",
                        ("the principals' breaks would spread wider than the fairness bound"),
                    )
            found.append(
                Place(
                    start,
                    space,
                    rule,
                    reason,
                    keeps_preference(problem, meeting_idx, start),
                    current is not None and (current.start_slot, current.space) == (start, space),
                    (start, space) in room,
                )
            )
    if meeting.locked_start is not None:
        locked = [
            place
            for place in found
            if place.start_slot == meeting.locked_start
            and (
                meeting.locked_space is None
                or place.space == problem.spaces[meeting.locked_space].id
            )
        ]
        return [
            place
            if place in locked
            else Place(
                place.start_slot,
                place.space,
                "locked_meeting_kept",
                f"{meeting_name(problem, meeting_idx)} is locked at "
                f"{problem.describe_slot(meeting.locked_start)}: unlock it first",
                place.preferred,
                place.current,
            )
            for place in found
        ]
    return found


def _fair_with(
    problem: Problem, state: State, meeting_idx: int, start: int, space_idx: int | None
) -> bool:
    """Whether the principals' breaks keep the fairness bound with the meeting there, as the
    validator counts them (max - min over the principals with meetings). ``State.options``
    keeps each principal under the bound as the meeting is added, but taking the meeting from
    its place can already split a day of its principals."""
    bound = problem.fairness_max_spread
    if bound is None:
        return True
    state.place(meeting_idx, start, space_idx)
    breaks = [
        state.calendars[idx].breaks
        for idx, meetings in enumerate(problem.principal_meetings)
        if meetings
    ]
    state.unplace(meeting_idx)
    return not breaks or max(breaks) - min(breaks) <= bound


def _why_not(
    problem: Problem,
    meeting_idx: int,
    start: int,
    space_idx: int | None,
    masks: dict[tuple[str, int | None], int],
    contacts: Container[int],
) -> tuple[str | None, str | None]:
    """The first placement rule the meeting breaks there; a contact at a programme session is
    judged as one (``session_contacts`` checked every placement rule for it)."""
    if space_idx is None and start in contacts:
        return None, None
    meeting = problem.meetings[meeting_idx]
    if start + meeting.duration_slots > problem.grid.n_slots:
        # Past the grid's end there is no time to name in the rule's own words.
        return "meeting_within_one_day", f"{meeting.label} would run past the end of the event"
    for rule in PLACEMENT_RULES:
        if not (masks[(rule.name, space_idx)] >> start) & 1:
            item = Placed(meeting_idx, start, space_idx)
            return rule.name, rule.explain(problem, item)
    return None, None


def _in_the_way(
    problem: Problem, state: State, meeting_idx: int, start: int, space_idx: int | None
) -> tuple[str, str]:
    """Which rule between meetings keeps the meeting out of a place its own rules allow."""
    end = start + problem.meetings[meeting_idx].duration_slots
    if space_idx is not None:
        taken = space_blockers(state, space_idx, start, end)
        if taken:
            names = ", ".join(meeting_name(problem, other) for other in sorted(taken))
            return "space_not_double_booked", f"{problem.spaces[space_idx].label} holds {names}"
    class_idx = CORRIDOR if space_idx is None else problem.class_of_space[space_idx]
    blockers = principal_blockers(state, meeting_idx, class_idx, start)
    meeting = problem.meetings[meeting_idx]
    overlapping = sorted(
        other
        for other in blockers
        if not set(problem.meetings[other].principals).isdisjoint(meeting.principals)
        and state.start[other] < end
        and start < state.start[other] + state.duration[other]
    )
    if overlapping:
        names = ", ".join(meeting_name(problem, other) for other in overlapping)
        return "principal_not_double_booked", f"a principal of it is in {names} then"
    ordered = sorted(
        other
        for other in blockers
        if other in meeting.after or meeting_idx in problem.meetings[other].after
    )
    if ordered:
        names = ", ".join(meeting_name(problem, other) for other in ordered)
        return "precedence_respected", f"it must keep its order with {names}"
    if blockers:
        names = ", ".join(meeting_name(problem, other) for other in sorted(blockers))
        return "walking_time_respected", f"too little time to walk to or from {names}"
    if state._policy_blocked(meeting_idx) >> start & 1:
        cap = problem.max_bookings_per_party_per_day
        return "room_policy_respected", (
            f"a side would hold more than {cap} meetings in the organiser's rooms that day"
        )
    return "breaks_fairly_spread", "a principal would have more breaks than the fairness bound"


def _blockers(state: State, meeting_idx: int, start: int, space_idx: int | None) -> set[int]:
    """The meetings ``push`` takes out of the way of the meeting at ``start`` in the space."""
    class_idx = CORRIDOR if space_idx is None else state.problem.class_of_space[space_idx]
    blockers = principal_blockers(state, meeting_idx, class_idx, start)
    if space_idx is not None:
        end = start + state.problem.meetings[meeting_idx].duration_slots
        blockers |= space_blockers(state, space_idx, start, end)
    return blockers


def _after_making_room(
    board: Board, meeting_idx: int, start: int, space_idx: int | None, moves_from: int
) -> tuple[str | None, str | None] | None:
    """What would still keep the meeting out of a place it is kept out of by other meetings,
    were those taken out of the way as ``push`` takes them: None when nothing would (the
    place is then the meeting's); ``(None, None)`` when making room cannot help but the rule
    already named stays the one to tell (nothing is in the way to move, or too much is); else
    the rule that would still break, and why (a meeting in the way is locked, or the meeting
    would break a rule between meetings with those left where they are)."""
    problem, state = board.problem, board.state
    blockers = _blockers(state, meeting_idx, start, space_idx)
    if not blockers or len(blockers) > PUSH_MAX_MOVES:
        return None, None
    fixed = sorted(other for other in blockers if board.fixed[other])
    if fixed:
        why = _in_its_way(board, meeting_idx, start, space_idx, fixed[0])
        return "locked_meeting_kept", f"{why}, which is locked there: unlock it first"
    frozen = sorted(other for other in blockers if state.start[other] < moves_from)
    if frozen:
        why = _in_its_way(board, meeting_idx, start, space_idx, frozen[0])
        return "published_meeting_kept", f"{why}, which starts too soon to be moved"
    state.begin()
    for other in blockers:
        state.unplace(other)
    class_idx = CORRIDOR if space_idx is None else problem.class_of_space[space_idx]
    options = {option.space_class: option.starts for option in state.options(meeting_idx)}
    end = start + problem.meetings[meeting_idx].duration_slots
    still: tuple[str | None, str | None] | None = None
    if (
        not (options.get(class_idx, 0) >> start) & 1
        or (space_idx is not None and space_blockers(state, space_idx, start, end))
        or not _fair_with(problem, state, meeting_idx, start, space_idx)
    ):
        still = _in_the_way(problem, state, meeting_idx, start, space_idx)
    state.rollback()
    return still


def _in_its_way(
    board: Board, meeting_idx: int, start: int, space_idx: int | None, other: int
) -> str:
    """How a meeting in the way (``other``) keeps the meeting out, in words."""
    problem, state = board.problem, board.state
    name = meeting_name(problem, other)
    end = start + problem.meetings[meeting_idx].duration_slots
    if space_idx is not None and other in space_blockers(state, space_idx, start, end):
        where = f"{problem.spaces[space_idx].label} holds {name}"
    elif not set(problem.meetings[other].principals).isdisjoint(
        problem.meetings[meeting_idx].principals
    ) and (state.start[other] < end and start < state.start[other] + state.duration[other]):
        where = f"a principal of it is in {name}"
    else:
        where = f"{name} is in its way"
    return where


def push(
    problem: Problem,
    published: Schedule,
    meeting_id: MeetingId,
    target: Assignment,
    *,
    now: datetime | None,
    freeze_window_min: int,
) -> tuple[Move, ...] | None:
    """The meetings that would have to move (and where) for the meeting to take ``target``:
    those in its way are taken out, the meeting goes in, and each of them goes back where it
    fits best near its published place (by an ejection chain where no place is free), never one
    that is locked or frozen, at most ``PUSH_MAX_MOVES`` in all. None when no such set exists.
    The result keeps every hard rule of ``problem``, checked with the validator's rules."""
    meeting_idx = problem.meeting_index[meeting_id]
    board = _board_without(problem, published, meeting_id, now, freeze_window_min)
    state = board.state
    start = target.start_slot
    space_idx = problem.space_index[target.space] if target.space is not None else None
    blockers = _blockers(state, meeting_idx, start, space_idx)
    if not blockers or len(blockers) > PUSH_MAX_MOVES or any(board.fixed[b] for b in blockers):
        return None
    state.begin()
    for other in blockers:
        state.unplace(other)
    state.place(meeting_idx, start, space_idx)
    insertion = Insertion(board, time.perf_counter() + PUSH_TIME_LIMIT_S, max_moves=PUSH_MAX_MOVES)
    chain = {meeting_idx} | blockers
    for other in sorted(blockers, key=lambda m: (-state.weight[m], m)):
        anchor = board.published[other]
        assert anchor is not None
        if insertion.direct(other, anchor[0]):
            continue
        spare = PUSH_MAX_MOVES - len(blockers)
        if spare <= 0 or insertion.eject(other, spare, anchor[0], chain) is None:
            return None
    touched = {idx for _, idx, _, _ in state.journal or ()} - {meeting_idx}
    schedule = dict(published)
    schedule[meeting_id] = target
    moves = []
    for idx in sorted(touched):
        other_id = problem.meetings[idx].id
        after = board.assignment(idx)
        if after != published[other_id]:
            schedule[other_id] = after
            moves.append(Move(other_id, published[other_id], after))
    changed = [meeting_id, *(move.meeting for move in moves)]
    before = set(check_changes(problem, published, changed))
    if any(v not in before for v in check_changes(problem, schedule, changed)):
        return None
    return tuple(moves)


__all__ = ["PUSH_MAX_MOVES", "Place", "keeps_preference", "meeting_name", "places", "push"]
