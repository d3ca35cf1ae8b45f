"""The published schedule laid out on the heuristic's ``State``, with what may move and from when.

A meeting is *fixed* when it is locked, or when it starts before the end of the freeze window
(so also once it has started): its sides are on their way or already in the room. Every other
meeting may move, but only to a start after the freeze window, so that nobody is told to be
somewhere within the next minutes. The meetings the change asks to place may start from now on.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.heuristic.state import CORRIDOR, MeetingMasks, SpaceKinds, State
from sidelines.scheduling.problem import MeetingData, Problem
from sidelines.scheduling.rules.placement import meeting_starts, possible_starts
from sidelines.scheduling.schedule import Assignment, Schedule
from sidelines.scheduling.slots import run_mask


def meeting_masks(problem: Problem, meeting_idx: int, window: int) -> tuple[tuple[int, int], ...]:
    """``(space_class, allowed starts)`` of one meeting within ``window``, the plainest class
    first, as ``heuristic.state.placement_masks`` gives them for all meetings at once."""
    return MaskSource(problem).masks(meeting_idx, window)


class MaskSource:
    """Each meeting's ``(space_class, allowed starts)`` over the whole grid, worked out when
    first asked and kept for as long as the meeting is the same object, for ``problem`` and
    every later problem of the same event (``laid_out.LaidOut.same_event``: the same grid,
    principals, spaces and programme, so the rules read the same things).

    As in ``heuristic.state.placement_masks``, a meeting's starts are two parts: those of the
    rules that do not read the space (computed once per meeting instead of once per class)
    and those of the rules that do, shared by every meeting of the same kind (size, needs,
    hosts, agreed place, press plan, length). On a fair of 6,000 meetings a meeting has six or
    seven classes, and working out each class's starts for every meeting the search looked at
    was the part of a placement that grew with the event (docs/benchmarks.md, issue 14).
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self._kinds = SpaceKinds(problem)
        self._kept: dict[int, tuple[MeetingData, MeetingMasks]] = {}

    def rebind(self, problem: Problem) -> None:
        """Take ``problem``, of the same event (``LaidOut.same_event``), as the one asked about;
        a meeting replaced in it is worked out again when next asked."""
        self.problem = problem

    def masks(self, meeting_idx: int, window: int) -> MeetingMasks:
        """The meeting's masks within ``window``, the empty ones left out."""
        whole = self._whole(meeting_idx)
        if not whole:
            return ()
        return tuple((class_idx, window & starts) for class_idx, starts in whole if window & starts)

    def _whole(self, meeting_idx: int) -> MeetingMasks:
        meeting = self.problem.meetings[meeting_idx]
        kept = self._kept.get(meeting_idx)
        if kept is not None and kept[0] is meeting:
            return kept[1]
        masks = self._work_out(meeting_idx, meeting)
        self._kept[meeting_idx] = (meeting, masks)
        return masks

    def _work_out(self, meeting_idx: int, meeting: MeetingData) -> MeetingMasks:
        problem = self.problem
        window = problem.grid.all_slots()
        if meeting.locked_start is not None:
            # A locked meeting newly agreed goes where it is locked, or nowhere.
            window &= 1 << meeting.locked_start
        if not meeting.needs_space:
            # In a corridor, or as a contact at a programme session.
            starts = possible_starts(problem, meeting_idx, None) & window
            return ((CORRIDOR, starts),) if starts else ()
        by_class, _ = self._kinds.masks(problem, meeting_idx, self._kinds.key(meeting))
        if meeting.locked_space is not None:
            by_class = tuple(
                (class_idx, starts)
                for class_idx, starts in by_class
                if problem.space_classes[class_idx].spaces[0] == meeting.locked_space
            )
        if not by_class:
            return ()
        own = window & meeting_starts(problem, meeting_idx, self._kinds.reps[0][1])
        return tuple((class_idx, own & starts) for class_idx, starts in by_class if own & starts)


class LazyMasks(list[tuple[tuple[int, int], ...]]):
    """``State.allowed``, computed for a meeting when the search first asks for it: one
    insertion looks at a handful of meetings, and computing all of them would cost more than
    the whole search. ``source``: where the masks over the whole grid are kept between
    boards (a new one by default)."""

    def __init__(
        self, problem: Problem, windows: list[int], source: MaskSource | None = None
    ) -> None:
        super().__init__([()] * len(problem.meetings))
        self._source = source if source is not None else MaskSource(problem)
        self._windows = windows
        self._known = [False] * len(problem.meetings)

    def __getitem__(self, idx: int) -> tuple[tuple[int, int], ...]:  # type: ignore[override]
        # ``list.__getitem__`` rather than ``super()``, which builds an object at each call:
        # the search asks for a meeting's masks at every step (``State.options``).
        if self._known[idx]:
            return list.__getitem__(self, idx)
        self._known[idx] = True
        masks = self._source.masks(idx, self._windows[idx])
        list.__setitem__(self, idx, masks)
        return masks

    def __setitem__(self, idx: int, value: tuple[tuple[int, int], ...]) -> None:  # type: ignore[override]
        self._known[idx] = True
        super().__setitem__(idx, value)


def first_slot_from(problem: Problem, instant: datetime | None) -> int:
    """The first slot that starts at or after ``instant`` (0 without one)."""
    if instant is None:
        return 0
    return bisect_left(problem.grid.starts, instant)


class Board:
    """``state`` holds ``schedule`` placed as it is; ``fixed[idx]`` says a meeting never moves;
    ``published[idx]`` is each meeting's published (start, space index), or None. ``state``,
    when given, is an empty ``State`` of the problem to lay the schedule out on."""

    def __init__(
        self,
        problem: Problem,
        schedule: Schedule,
        *,
        now: datetime | None,
        freeze_window_min: int,
        targets: Iterable[MeetingId] = (),
        state: State | None = None,
    ) -> None:
        self.problem = problem
        self._windows(problem, now, freeze_window_min, targets)
        windows = self.windows
        # A state of the caller's (an empty one, with every meeting's masks) instead of one
        # that computes masks on demand: a stable re-solve places all meetings, not a few.
        if state is None:
            state = State(problem, LazyMasks(problem, windows))
            # The insertion's search tries moves and undoes them (``Calendar.memo``).
            state.remember_calendars()
        self.state = state
        self.published: list[tuple[int, int | None] | None] = [None] * len(problem.meetings)
        # The state's own list: what the board fixes, the local search leaves alone too.
        self.fixed = self.state.fixed
        placements: list[tuple[int, int, int | None]] = []
        for meeting_id, assignment in schedule.items():
            idx = problem.meeting_index[meeting_id]
            space_idx = (
                problem.space_index[assignment.space] if assignment.space is not None else None
            )
            self.published[idx] = (assignment.start_slot, space_idx)
            if assignment.start_slot < self.earliest_move:
                self.fixed[idx] = True
            placements.append((idx, assignment.start_slot, space_idx))
        # All at once: meeting by meeting, this was most of the time of a whole re-plan.
        self.state.place_all(placements)

    @classmethod
    def over(
        cls,
        problem: Problem,
        state: State,
        published: list[tuple[int, int | None] | None],
        *,
        now: datetime | None,
        freeze_window_min: int,
        targets: Iterable[MeetingId],
        fixed_from: Callable[[int], list[bool]],
        masks: MaskSource | None = None,
    ) -> Board:
        """A board on ``state``, which holds the meetings of ``published`` (by index) placed
        there already (``laid_out.LaidOut``): from when meetings may move worked out for
        ``now``, the masks computed afresh on demand. ``fixed_from``: which meetings are fixed
        when meetings may move from a given slot on, as the caller keeps it (a new list of
        every meeting's); ``masks``: the meetings' starts as the caller keeps them."""
        board = cls.__new__(cls)
        board.problem = problem
        board._windows(problem, now, freeze_window_min, targets)
        state.allowed = LazyMasks(problem, board.windows, masks)
        fixed = fixed_from(board.earliest_move)
        state.fixed = fixed
        board.state = state
        board.published = published
        board.fixed = fixed
        return board

    def _windows(
        self,
        problem: Problem,
        now: datetime | None,
        freeze_window_min: int,
        targets: Iterable[MeetingId],
    ) -> None:
        """``earliest_new``, ``earliest_move`` and each meeting's window of starts."""
        n_slots = problem.grid.n_slots
        self.earliest_new = first_slot_from(problem, now)
        self.earliest_move = first_slot_from(
            problem, now + timedelta(minutes=freeze_window_min) if now is not None else None
        )
        from_new = run_mask(self.earliest_new, max(0, n_slots - self.earliest_new))
        from_move = run_mask(self.earliest_move, max(0, n_slots - self.earliest_move))
        windows = [from_move] * len(problem.meetings)
        for meeting_id in targets:
            windows[problem.meeting_index[meeting_id]] = from_new
        self.windows = windows

    def assignment(self, meeting_idx: int) -> Assignment:
        """Where the meeting is now on the board (it must be placed)."""
        return self.state.assignment(meeting_idx)


__all__ = ["Board", "LazyMasks", "MaskSource", "first_slot_from", "meeting_masks"]
