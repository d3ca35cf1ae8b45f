"""What a rule is, and what breaking one looks like."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from sidelines.domain.ids import MeetingId
from sidelines.scheduling import times
from sidelines.scheduling.problem import AtSessionIdx, Problem
from sidelines.scheduling.slots import SlotMask, run_mask


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule: its name, a sentence for people, and the meetings involved."""

    rule: str
    message: str
    meetings: tuple[MeetingId, ...] = ()

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(frozen=True, slots=True)
class Placed:
    """One placed meeting, by index, as the rules read it. ``session`` is set for a brief
    contact held at a programme session's start or end (and ``space_idx`` is then None)."""

    meeting_idx: int
    start: int
    space_idx: int | None
    session: AtSessionIdx | None = None

    def end(self, problem: Problem) -> int:
        return self.start + problem.meetings[self.meeting_idx].duration_slots


class Rule(ABC):
    """A hard rule, named like the rule. Solvers build it into their models; the validator calls
    ``check`` on any schedule from anywhere."""

    name: ClassVar[str]
    label: ClassVar[str]

    @abstractmethod
    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        """Yield every violation of this rule in ``placed``."""


class PlacementRule(Rule):
    """A rule about one meeting's own placement (its time and space), whatever the others do.

    It is written as the set of allowed start slots, which solvers use to prune their choices and
    the validator uses to check a single assignment, so both read the same definition.

    ``reads_space`` says whether the starts depend on which space is given (beyond whether there
    is one): a rule that does not read it gives the same starts in every space, which lets the
    heuristic compute it once per meeting instead of once per meeting and space class
    (``heuristic.state.placement_masks``).
    """

    reads_space: ClassVar[bool] = False

    @abstractmethod
    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        """Start slots at which the meeting keeps this rule, in that space."""

    def allows_at_session(
        self, problem: Problem, meeting_idx: int, at: AtSessionIdx, start: int
    ) -> bool:
        """Whether the meeting keeps this rule as a contact at a programme session starting at
        ``start``. Most rules read such a contact as any meeting held in no space at that
        time; the rules about the programme itself say otherwise."""
        return bool((self.allowed_starts(problem, meeting_idx, None) >> start) & 1)

    @abstractmethod
    def explain(self, problem: Problem, item: Placed) -> str:
        """Why ``item`` breaks this rule, in words."""

    def keeps(self, problem: Problem, item: Placed) -> bool:
        if item.session is not None:
            return self.allows_at_session(problem, item.meeting_idx, item.session, item.start)
        return bool(
            (self.allowed_starts(problem, item.meeting_idx, item.space_idx) >> item.start) & 1
        )

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        for item in placed:
            if not self.keeps(problem, item):
                meeting = problem.meetings[item.meeting_idx]
                yield Violation(self.name, self.explain(problem, item), (meeting.id,))


def occupancy(problem: Problem, meeting_idx: int, start: int) -> SlotMask:
    return run_mask(start, problem.meetings[meeting_idx].duration_slots)


def when(problem: Problem, item: Placed) -> str:
    """A placed meeting's time, for messages: "Sun 20 Nov 10:00–10:30" (``times.span_text``)."""
    meeting = problem.meetings[item.meeting_idx]
    # On the clock from its start: a meeting that runs past the day's end would otherwise be
    # said to end at the time its last slot falls on, the next morning.
    length = timedelta(minutes=meeting.duration_slots * problem.grid.grain_min)
    start = problem.grid.start_of(item.start)
    return times.span_text(start, start + length, problem.timezone)
