"""Ways to hold a meeting that has no place as agreed, for the organiser to choose from.

Summit practice offers three (DESIGN.md §3-4): a shorter format that needs no room (a 10-minute
pull-aside instead of a 30-minute bilateral), another day than the one the sides asked for, or
lower-priority meetings that give way. Each is tried on the board and undone at once: the engine
only reports them, ranked (no one else affected first, then the fewest and lightest meetings
that give way), and never applies one.

Each alternative is summed up in an English sentence written by one of the functions below,
with its day as the pages write it ("Mon 06 May", ``scheduling.times``): the catalogs learn
these sentences from the sources (``i18n.service_texts``), so that the services say them in
the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

from sidelines.domain.formats import MeetingFormat, defaults_for
from sidelines.domain.meeting import DayPart
from sidelines.scheduling import times
from sidelines.scheduling.heuristic.state import CORRIDOR
from sidelines.scheduling.onsite.board import Board, meeting_masks
from sidelines.scheduling.onsite.insertion import Insertion, ranked_starts, undo_to
from sidelines.scheduling.onsite.result import Alternative, AlternativeKind, Move
from sidelines.scheduling.problem import MeetingData
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.slots import run_mask


def shorter_format_text(minutes: int, fmt: MeetingFormat) -> str:
    if fmt is MeetingFormat.BRIEF_CONTACT:
        return f"as a {minutes}-minute brief contact without a room"
    return f"as a {minutes}-minute pull-aside without a room"


def other_day_text(day: date) -> str:
    return f"on {times.day_text(day)} instead"


def give_way_text(labels: list[str]) -> str:
    # Meetings are named by format and sides ("Bilateral, A and B"), commas and all: a
    # semicolon keeps them apart, for the reader and for the services that translate each.
    meetings = "; ".join(labels)
    if len(labels) == 1:
        return f"if {meetings} gives way (lower priority)"
    return f"if {meetings} give way (lower priority)"


# How many give-way options to look for: past three the organiser is better served by a call.
GIVE_WAY_OPTIONS = 3


@contextmanager
def variant(board: Board, meeting_idx: int, data: MeetingData, window: int) -> Iterator[None]:
    """The board with the (unplaced) meeting changed to ``data`` while the block runs."""
    state = board.state
    saved = (
        state.problem,
        state.duration[meeting_idx],
        state.allowed[meeting_idx],
        state.preferred_starts[meeting_idx],
    )
    meetings = list(state.problem.meetings)
    meetings[meeting_idx] = data
    varied = replace(state.problem, meetings=tuple(meetings))
    state.problem = varied
    state.duration[meeting_idx] = data.duration_slots
    state.allowed[meeting_idx] = meeting_masks(varied, meeting_idx, window)
    state.preferred_starts[meeting_idx] = 0
    try:
        yield
    finally:
        (
            state.problem,
            state.duration[meeting_idx],
            state.allowed[meeting_idx],
            state.preferred_starts[meeting_idx],
        ) = saved


class Alternatives:
    def __init__(self, board: Board, insertion: Insertion) -> None:
        self.board = board
        self.state = board.state
        self.insertion = insertion

    def for_meeting(self, meeting_idx: int) -> list[Alternative]:
        found = self.shorter_format(meeting_idx)
        found += self.other_days(meeting_idx)
        found += self.give_way(meeting_idx)
        return found

    def _window(self, meeting_idx: int) -> int:
        return self.board.windows[meeting_idx]

    def _attempt(
        self, meeting_idx: int, kind: AlternativeKind, summary: str, fmt: str | None = None
    ) -> Alternative | None:
        """Place the meeting as the board now describes it, note how, and undo."""
        state = self.state
        journal = state.journal
        assert journal is not None
        mark = len(journal)
        if not self.insertion.place(meeting_idx):
            return None
        moves = self._moves_since(mark, meeting_idx)
        found = Alternative(
            kind=kind,
            meeting=state.problem.meetings[meeting_idx].id,
            placement=self.board.assignment(meeting_idx),
            duration_slots=state.duration[meeting_idx],
            moves=moves,
            format=fmt,
            summary=summary,
        )
        undo_to(state, mark)
        return found

    def _moves_since(self, mark: int, meeting_idx: int) -> tuple[Move, ...]:
        state = self.state
        journal = state.journal
        assert journal is not None
        touched = sorted({idx for _, idx, _, _ in journal[mark:]} - {meeting_idx})
        moves = []
        for idx in touched:
            published = self.board.published[idx]
            if published is None:
                continue
            start, space_idx = published
            problem = state.problem
            before = Assignment(
                start, problem.spaces[space_idx].id if space_idx is not None else None
            )
            after = self.board.assignment(idx) if state.is_placed(idx) else None
            if after != before:
                moves.append(Move(problem.meetings[idx].id, before, after))
        return tuple(moves)

    def shorter_format(self, meeting_idx: int) -> list[Alternative]:
        problem = self.state.problem
        meeting = problem.meetings[meeting_idx]
        grain = problem.grid.grain_min
        for fmt in (MeetingFormat.PULL_ASIDE, MeetingFormat.BRIEF_CONTACT):
            defaults = defaults_for(fmt)
            slots = max(1, math.ceil(defaults.duration_min / grain))
            if slots >= meeting.duration_slots and not meeting.needs_space:
                continue
            if slots > meeting.duration_slots:
                continue
            data = replace(
                meeting,
                duration_slots=slots,
                needs_space=False,
                size=defaults.size_for(len(meeting.parties)),
                needs=frozenset(),
                preferred=0,
            )
            with variant(self.board, meeting_idx, data, self._window(meeting_idx)):
                found = self._attempt(
                    meeting_idx,
                    AlternativeKind.FORMAT,
                    shorter_format_text(slots * grain, fmt),
                    str(fmt),
                )
            if found is not None:
                return [found]
        return []

    def other_days(self, meeting_idx: int) -> list[Alternative]:
        """Where the sides' windows (or morning/afternoon wish) kept the meeting to some days,
        the best place on each other day."""
        problem = self.state.problem
        meeting = problem.meetings[meeting_idx]
        grid = problem.grid
        asked = 0
        for _, starts in meeting_masks(problem, meeting_idx, grid.all_slots()):
            asked |= starts
        if meeting.window == grid.all_slots() and meeting.day_part is DayPart.ANY:
            return []
        found: list[Alternative] = []
        free = replace(meeting, window=grid.all_slots(), day_part=DayPart.ANY)
        for day in grid.days:
            day_mask = run_mask(day.first_slot, day.end_slot - day.first_slot)
            if asked & day_mask:
                continue
            with variant(self.board, meeting_idx, free, self._window(meeting_idx) & day_mask):
                alternative = self._attempt(
                    meeting_idx, AlternativeKind.DAY, other_day_text(day.date)
                )
            if alternative is not None:
                found.append(alternative)
        return found

    def give_way(self, meeting_idx: int) -> list[Alternative]:
        """The cheapest sets of lighter movable meetings whose removal lets the meeting in;
        each of them is put back elsewhere where it still fits, else it loses its place."""
        state = self.state
        insertion = self.insertion
        weight = state.weight[meeting_idx]
        static = 0
        for _, starts in state.allowed[meeting_idx]:
            static |= starts
        options: list[tuple[tuple[int, int], Alternative]] = []
        seen: set[frozenset[int]] = set()
        for start in ranked_starts(state, meeting_idx, static, None):
            if insertion.out_of_time():
                break
            for class_idx, starts in state.allowed[meeting_idx]:
                if not (starts >> start) & 1:
                    continue
                found = insertion.blockers(meeting_idx, class_idx, start, {meeting_idx})
                if (
                    not found
                    or len(found) > insertion.max_moves
                    or frozenset(found) in seen
                    or any(state.weight[other] >= weight for other in found)
                ):
                    continue
                seen.add(frozenset(found))
                alternative = self._give_way_at(meeting_idx, class_idx, start, found)
                if alternative is not None:
                    lost = sum(state.weight[other] for other in found)
                    options.append(((lost, len(options)), alternative))
            if len(options) >= GIVE_WAY_OPTIONS * 3:
                break
        options.sort(key=lambda item: item[0])
        return [alternative for _, alternative in options[:GIVE_WAY_OPTIONS]]

    def _give_way_at(
        self, meeting_idx: int, class_idx: int, start: int, found: set[int]
    ) -> Alternative | None:
        state = self.state
        journal = state.journal
        assert journal is not None
        mark = len(journal)
        for other in found:
            state.unplace(other)
        placed = False
        for option in state.options(meeting_idx):
            if option.space_class != class_idx or not (option.starts >> start) & 1:
                continue
            space_idx = (
                None if class_idx == CORRIDOR else state.free_space(meeting_idx, class_idx, start)
            )
            if class_idx == CORRIDOR or space_idx is not None:
                state.place(meeting_idx, start, space_idx)
                placed = True
                break
        if not placed:
            undo_to(state, mark)
            return None
        for other in sorted(found, key=lambda m: -state.weight[m]):
            published = self.board.published[other]
            self.insertion.direct(other, published[0] if published is not None else start)
        alternative = Alternative(
            kind=AlternativeKind.GIVE_WAY,
            meeting=state.problem.meetings[meeting_idx].id,
            placement=self.board.assignment(meeting_idx),
            duration_slots=state.duration[meeting_idx],
            moves=self._moves_since(mark, meeting_idx),
            summary=give_way_text([state.problem.meetings[other].label for other in sorted(found)]),
        )
        undo_to(state, mark)
        return alternative


__all__ = [
    "Alternatives",
    "give_way_text",
    "other_day_text",
    "shorter_format_text",
    "variant",
]
