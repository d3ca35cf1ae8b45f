"""A published schedule laid out on the heuristic's ``State``, kept between re-plans.

Laying out a published schedule of thousands of meetings costs more than placing one meeting
in it (docs/benchmarks.md, "Placing an agreed meeting"). A caller that re-plans the same event
again and again keeps one ``LaidOut``: ``follow`` brings it to the schedule as it now stands by
taking out and putting back only the meetings that differ, ``lend`` hands its state to one
re-plan as a ``Board`` with the meetings to place appended, and ``give_back`` takes them off
again once the re-plan has undone its moves (``replan`` rolls its journal back), so between
re-plans it always holds ``schedule`` on ``problem``. A re-plan that fails half-way marks it
``broken``, and it is never followed again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import fields
from datetime import datetime

from sidelines.domain.ids import MeetingId
from sidelines.scheduling.heuristic.state import State
from sidelines.scheduling.onsite.board import Board, LazyMasks, MaskSource
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.schedule import Assignment

# Past this share of meetings to take out and put back, laying everything out anew is as quick
# (and up to this many, either is quick).
FOLLOW_SHARE = 0.25
FOLLOW_FEW = 8


class LaidOut:
    """``schedule`` (by meeting id, the mapping given) placed on ``state`` for ``problem``."""

    def __init__(self, problem: Problem, schedule: Mapping[MeetingId, Assignment]) -> None:
        self.problem = problem
        self.schedule = schedule
        count = len(problem.meetings)
        # Each meeting's starts, kept from one re-plan to the next: the search of each looks at
        # the meetings of a few principals, and often at the same ones again.
        self.masks = MaskSource(problem)
        self.state = State(
            problem, LazyMasks(problem, [problem.grid.all_slots()] * count, self.masks)
        )
        # The insertion's search tries moves and undoes them (``Calendar.memo``).
        self.state.remember_calendars()
        self.published: list[tuple[int, int | None] | None] = [None] * count
        placements = [self._where(problem, meeting_id, a) for meeting_id, a in schedule.items()]
        for idx, start, space_idx in placements:
            self.published[idx] = (start, space_idx)
        self.state.place_all(placements)
        # Each meeting's lock, and for one moment from which meetings may move (``lend``'s
        # ``now``) what is fixed: kept up to date meeting by meeting, so that a board lent
        # does not look at every meeting of the event again.
        self.locked = [meeting.locked for meeting in problem.meetings]
        self._fixed: tuple[int, list[bool]] | None = None
        self.broken = False
        self.lent = False

    @staticmethod
    def _where(
        problem: Problem, meeting_id: MeetingId, assignment: Assignment
    ) -> tuple[int, int, int | None]:
        space = assignment.space
        return (
            problem.meeting_index[meeting_id],
            assignment.start_slot,
            problem.space_index[space] if space is not None else None,
        )

    def same_event(self, problem: Problem) -> bool:
        """Whether ``problem`` differs from the one laid out in its meetings only."""
        kept = self.problem
        if problem is kept:
            return True
        for item in fields(kept):
            if item.name != "meetings" and getattr(problem, item.name) is not getattr(
                kept, item.name
            ):
                return False
        return problem.space_classes == kept.space_classes and not any(
            m.after for m in problem.meetings[len(kept.meetings) :]
        )

    def follow(
        self,
        problem: Problem,
        schedule: Mapping[MeetingId, Assignment],
        changed: Collection[MeetingId] | None = None,
    ) -> bool:
        """Hold ``schedule`` on ``problem`` instead, moving only the meetings that differ; False
        (and nothing changed) when that is not the cheaper way: another event's setup, meetings
        renumbered or precedences, or many meetings to move. ``changed``: the meetings whose
        compiled form or place may differ from those laid out, when the caller knows them (the
        others are then not compared: the cost follows the change, not the event); every
        meeting past the laid-out ones counts as changed."""
        if self.broken or self.lent:
            return False
        if problem is self.problem and schedule is self.schedule:
            return True
        old, new = self.problem.meetings, problem.meetings
        if len(new) < len(old) or not self.same_event(problem):
            return False
        index = problem.meeting_index
        differ: set[int] = set()
        if changed is not None:
            for meeting_id in changed:
                idx = index.get(meeting_id)
                if idx is None or (idx < len(old) and old[idx].id != meeting_id):
                    return False  # renumbered: not the problem the caller says it is
                if idx < len(old):
                    if new[idx].after or old[idx].after:
                        return False
                    differ.add(idx)
        else:
            for idx, (before, after) in enumerate(zip(old, new, strict=False)):
                if before is not after:
                    if before.id != after.id or after.after or before.after:
                        return False
                    differ.add(idx)
            for meeting_id, assignment in self.schedule.items():
                if schedule.get(meeting_id) is not assignment:
                    differ.add(index[meeting_id])
            for meeting_id in schedule:
                if meeting_id not in self.schedule:
                    differ.add(index[meeting_id])
            differ.difference_update(range(len(old), len(new)))
        if len(differ) + len(new) - len(old) > max(FOLLOW_FEW, FOLLOW_SHARE * len(new)):
            return False
        state = self.state
        for idx in differ:
            if state.is_placed(idx):
                state.unplace(idx)
        state.rebind(problem, differ)
        self.published[len(old) :] = [None] * (len(new) - len(old))
        placements = []
        for idx in (*differ, *range(len(old), len(new))):
            meeting_id = new[idx].id
            found = schedule.get(meeting_id)
            self.published[idx] = None
            if found is not None:
                where = self._where(problem, meeting_id, found)
                self.published[idx] = (where[1], where[2])
                placements.append(where)
        state.place_all(placements)
        self.locked[len(old) :] = [new[idx].locked for idx in range(len(old), len(new))]
        for idx in differ:
            self.locked[idx] = new[idx].locked
        if self._fixed is not None:
            earliest_move, fixed = self._fixed
            fixed[len(old) :] = [False] * (len(new) - len(old))
            for idx in (*differ, *range(len(old), len(new))):
                fixed[idx] = self._fixed_at(idx, earliest_move)
        self.masks.rebind(problem)
        self.problem, self.schedule = problem, schedule
        return True

    def _fixed_at(self, idx: int, earliest_move: int) -> bool:
        where = self.published[idx]
        return self.locked[idx] or (where is not None and where[0] < earliest_move)

    def fixed_from(self, earliest_move: int) -> list[bool]:
        """Which laid-out meetings are fixed when meetings may move from ``earliest_move`` on
        (``Board.fixed``): a copy of the list kept for the last such moment."""
        if self._fixed is None or self._fixed[0] != earliest_move:
            self._fixed = (
                earliest_move,
                [self._fixed_at(idx, earliest_move) for idx in range(len(self.locked))],
            )
        return list(self._fixed[1])

    def holds(self, problem: Problem, schedule: Mapping[MeetingId, Assignment]) -> bool:
        """Whether ``schedule`` is the one laid out and ``problem`` has the laid-out meetings
        first (so that it knows every meeting of ``schedule``)."""
        kept = self.problem.meetings
        # A comparison of tuples, which takes the same objects as equal without comparing them.
        return schedule is self.schedule and problem.meetings[: len(kept)] == kept

    def lend(
        self,
        problem: Problem,
        published: Mapping[MeetingId, Assignment],
        *,
        now: datetime | None,
        freeze_window_min: int,
        targets: Iterable[MeetingId],
    ) -> Board | None:
        """A board on the kept state for a re-plan of ``problem`` (the kept one with the meetings
        ``targets`` to place appended) from ``published`` (the kept schedule); None when they
        are not those laid out."""
        kept = self.problem.meetings
        if self.broken or self.lent or not self.same_event(problem):
            return None
        if len(problem.meetings) < len(kept) or len(published) != len(self.schedule):
            return None
        # A comparison of tuples, which takes the same objects as equal without comparing them.
        if problem.meetings[: len(kept)] != kept:
            return None
        schedule = self.schedule
        if published is not schedule:
            for meeting_id, assignment in published.items():
                found = schedule.get(meeting_id)
                # The same objects where the caller copied the kept schedule: no comparing.
                if found is not assignment and found != assignment:
                    return None
        added = range(len(kept), len(problem.meetings))
        if set(targets) != {problem.meetings[idx].id for idx in added}:
            return None
        self.state.rebind(problem)
        self.masks.rebind(problem)
        self.published.extend([None] * len(added))
        self.lent = True
        locked = [problem.meetings[idx].locked for idx in added]
        return Board.over(
            problem,
            self.state,
            self.published,
            now=now,
            freeze_window_min=freeze_window_min,
            targets=targets,
            masks=self.masks,
            fixed_from=lambda earliest_move: self.fixed_from(earliest_move) + locked,
        )

    def give_back(self) -> None:
        """After a re-plan on the lent board undid every move: the meetings it added dropped,
        the state as it was lent."""
        count = len(self.problem.meetings)
        del self.published[count:]
        self.state.rebind(self.problem)
        self.lent = False


__all__ = ["FOLLOW_FEW", "FOLLOW_SHARE", "LaidOut"]
