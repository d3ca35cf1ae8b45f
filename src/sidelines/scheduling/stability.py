"""Stable re-solves: planning again against a published schedule.

Once people plan around a published schedule it should move only when someone decides it should
(DESIGN.md §5: "when re-planning, minimise changes to the published schedule"). The organiser
chooses how much stability is worth:

- ``keep``: every published meeting whose place is still allowed stays exactly there (time,
  space, programme session); only new or unplaced meetings are placed.
- ``minimal``: at most ``max_moves`` published meetings move, and the objective is weight, then
  moves, then breaks (with fairness), then preferences, so breaks never buy a move.
- ``free``: weight, breaks, preferences as before publishing; moves are reported only.

In ``keep`` and ``minimal`` a published meeting is never left out while it can still be held.
A withdrawn or cancelled meeting is simply not in the problem: it frees its place. A published
meeting whose published place its own placement rules no longer allow (a principal now absent,
a window narrowed, a space closed or gone, a lock elsewhere) is *forced*: it counts as moved,
and never against the budget. So is one that can no longer stay together with the other
published meetings (a longer turnover, a new walking time or precedence, a tighter room policy):
the later published of the two gives way. A meeting newly locked onto a published place is not
looked at here: it is a decision against the published schedule, and keep says it cannot be.

    problem = with_published(build_problem(event), Published(schedule, Stability.MINIMAL))
    result = solve(problem)
    for change in changes(problem, result.schedule): ...
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from sidelines.domain.ids import MeetingId, PrincipalId
from sidelines.scheduling.objective import ObjectiveValue
from sidelines.scheduling.problem import (
    Problem,
    PublishedPlace,
    PublishedPlan,
    Stability,
)
from sidelines.scheduling.reasons import never_placeable
from sidelines.scheduling.rules.base import Placed, Rule
from sidelines.scheduling.rules.overlap import OVERLAP_RULES
from sidelines.scheduling.rules.placement import PLACEMENT_RULES
from sidelines.scheduling.rules.policy import RoomPolicyRespected
from sidelines.scheduling.rules.sequence import PrecedenceRespected
from sidelines.scheduling.schedule import Assignment, Schedule

DEFAULT_MOVE_SHARE = 0.01  # of the published meetings, the default move budget


def default_move_budget(published_count: int) -> int:
    """1 % of the published meetings (rounded up), at least one."""
    return max(1, math.ceil(published_count * DEFAULT_MOVE_SHARE))


def share_budget(percent: float, published_count: int) -> int:
    """The moves a budget of ``percent`` % of ``published_count`` meetings allows: at most
    that share, rounded down (the default, ``default_move_budget``, rounds up instead, so
    that it never falls to zero)."""
    # The tolerance keeps 1% of 700 at 7 despite binary fractions.
    return math.floor(percent * published_count / 100.0 + 1e-9)


def parse_move_budget(text: str, published_count: int) -> int:
    """A move budget written as a number of meetings ("3") or a share of the published ones
    ("1%", "0.5%": at most that share, rounded down). Raises ``ValueError`` saying what is
    expected."""
    value = text.strip()
    try:
        if value.endswith("%"):
            share = float(value[:-1])
            if not 0.0 <= share <= 100.0 or math.isnan(share):
                raise ValueError(value)
            return share_budget(share, published_count)
        count = int(value)
    except ValueError:
        raise ValueError(
            f"expected a number of meetings (3) or a percentage from 0 to 100 (1%), got {text!r}"
        ) from None
    if count < 0:
        raise ValueError(f"expected a number of meetings of 0 or more, got {text!r}")
    return count


@dataclass(frozen=True)
class Published:
    """The published placements, and how much a re-solve may change them. ``max_moves`` None:
    ``default_move_budget(len(schedule))``."""

    schedule: Mapping[MeetingId, Assignment]
    stability: Stability = Stability.MINIMAL
    max_moves: int | None = None

    def __post_init__(self) -> None:
        if self.max_moves is not None and self.max_moves < 0:
            raise ValueError(f"max_moves must be >= 0, got {self.max_moves}")

    @property
    def budget(self) -> int:
        if self.max_moves is not None:
            return self.max_moves
        return default_move_budget(len(self.schedule))


@dataclass(frozen=True)
class Change:
    """A published meeting the schedule does not hold where it was published."""

    meeting: MeetingId
    before: Assignment
    after: Assignment | None  # None: left out
    forced: bool  # its published place can no longer hold it


def with_published(problem: Problem, published: Published) -> Problem:
    """The same problem, re-planning against ``published``; every strategy, ``validate()`` and
    ``score()`` read it from the problem.

    Published meetings that the problem no longer has (withdrawn or cancelled) are dropped: they
    free their place. One whose place the problem no longer knows (a space or session gone, a
    start off the grid) or whose placement rules no longer allow it there is forced.
    """
    places: dict[int, PublishedPlace] = {}
    forced: set[int] = set()
    holdable: set[int] = set()
    for meeting_id, assignment in published.schedule.items():
        meeting_idx = problem.meeting_index.get(meeting_id)
        if meeting_idx is None:
            continue
        place, known = _resolve(problem, meeting_idx, assignment)
        places[meeting_idx] = place
        if not known or not _still_allowed(problem, meeting_idx, place):
            forced.add(meeting_idx)
        if never_placeable(problem, meeting_idx) is None:
            holdable.add(meeting_idx)
    stays = {idx: place for idx, place in places.items() if idx not in forced}
    forced |= _clashing(problem, stays)
    plan = PublishedPlan(
        stability=published.stability,
        max_moves=published.budget,
        places=places,
        forced=frozenset(forced),
        holdable=frozenset(holdable),
    )
    return replace(problem, published=plan)


def published_schedule(problem: Problem) -> dict[MeetingId, Assignment]:
    """The published placements of the meetings still in the problem, by id."""
    plan = problem.published
    if plan is None:
        return {}
    return {
        problem.meetings[idx].id: assignment_of(problem, place)
        for idx, place in plan.places.items()
    }


def assignment_of(problem: Problem, place: PublishedPlace) -> Assignment:
    space = problem.spaces[place.space_idx].id if place.space_idx is not None else None
    at = problem.at_session(place.session) if place.session is not None else None
    return Assignment(place.start, space, at)


def changes(problem: Problem, schedule: Schedule) -> list[Change]:
    """The published meetings that ``schedule`` moves (time, space or session) or leaves out,
    in published order (start, then id); empty without a published schedule."""
    plan = problem.published
    if plan is None:
        return []
    found: list[Change] = []
    for meeting_idx, place in plan.places.items():
        meeting_id = problem.meetings[meeting_idx].id
        after = schedule.get(meeting_id)
        if meeting_idx not in plan.forced and after is not None and _same(problem, place, after):
            continue
        before = assignment_of(problem, place)
        found.append(Change(meeting_id, before, after, meeting_idx in plan.forced))
    found.sort(key=lambda change: (change.before.start_slot, change.meeting))
    return found


def principals_affected(problem: Problem, found: Iterable[Change]) -> list[PrincipalId]:
    """The principals of the changed meetings, each once, in the problem's order: whom a change
    notice concerns."""
    concerned: set[int] = set()
    for change in found:
        concerned.update(problem.meetings[problem.meeting_index[change.meeting]].principals)
    return [problem.principals[idx].id for idx in sorted(concerned)]


def count_moves(problem: Problem, schedule: Schedule) -> int:
    """``len(changes(problem, schedule))``, without building them."""
    plan = problem.published
    if plan is None:
        return 0
    moves = 0
    for meeting_idx, place in plan.places.items():
        after = schedule.get(problem.meetings[meeting_idx].id)
        if meeting_idx in plan.forced or after is None or not _same(problem, place, after):
            moves += 1
    return moves


def with_moves(problem: Problem, objective: ObjectiveValue, schedule: Schedule) -> ObjectiveValue:
    """``objective`` with the moves of ``schedule`` counted, ranked second in ``minimal``."""
    plan = problem.published
    if plan is None:
        return objective
    return replace(
        objective,
        moves=count_moves(problem, schedule),
        moves_ranked=plan.stability is Stability.MINIMAL,
    )


def _same(problem: Problem, place: PublishedPlace, after: Assignment) -> bool:
    if after.start_slot != place.start:
        return False
    space_idx = problem.space_index.get(after.space) if after.space is not None else None
    if space_idx != place.space_idx:
        return False
    session = problem.at_session_idx(after.at_session) if after.at_session is not None else None
    return session == place.session


def _resolve(
    problem: Problem, meeting_idx: int, assignment: Assignment
) -> tuple[PublishedPlace, bool]:
    """The published place by index, and whether the problem still knows all of it."""
    known = True
    space_idx = None
    if assignment.space is not None:
        space_idx = problem.space_index.get(assignment.space)
        known = space_idx is not None
    session = None
    if assignment.at_session is not None:
        session = problem.at_session_idx(assignment.at_session)
        known = known and session is not None
    duration = problem.meetings[meeting_idx].duration_slots
    if not 0 <= assignment.start_slot <= problem.grid.n_slots - duration:
        known = False
    return PublishedPlace(assignment.start_slot, space_idx, session), known


# The rules between meetings that a published schedule can come to break by a change of the
# event alone (a longer turnover, a walking time, a new precedence, a tighter room policy), or
# that a published file from elsewhere may break.
_BETWEEN_MEETINGS: tuple[Rule, ...] = (*OVERLAP_RULES, PrecedenceRespected(), RoomPolicyRespected())


def _clashing(problem: Problem, stays: Mapping[int, PublishedPlace]) -> set[int]:
    """Published meetings that cannot all stay where they are together: of the meetings in each
    broken rule, all but the earliest published (then the first by id) are forced, until the
    rest keep every rule between meetings."""
    placed = [
        Placed(idx, place.start, place.space_idx, place.session)
        for idx, place in sorted(stays.items())
    ]
    forced: set[int] = set()
    while placed:
        newly: set[int] = set()
        for rule in _BETWEEN_MEETINGS:
            for violation in rule.check(problem, placed):
                involved = sorted(
                    (problem.meeting_index[m] for m in violation.meetings),
                    key=lambda idx: (stays[idx].start, problem.meetings[idx].id),
                )
                newly.update(involved[1:] if len(involved) > 1 else involved)
        if not newly:
            break
        forced |= newly
        placed = [item for item in placed if item.meeting_idx not in forced]
    return forced


def _still_allowed(problem: Problem, meeting_idx: int, place: PublishedPlace) -> bool:
    """Whether the meeting's own placement rules, and its lock if it has one, allow it at its
    published place."""
    meeting = problem.meetings[meeting_idx]
    if meeting.locked_start is not None:
        if meeting.locked_start != place.start:
            return False
        if meeting.locked_space is not None and meeting.locked_space != place.space_idx:
            return False
        if meeting.locked_session is not None and meeting.locked_session != place.session:
            return False
    item = Placed(meeting_idx, place.start, place.space_idx, place.session)
    return all(rule.keeps(problem, item) for rule in PLACEMENT_RULES)


__all__ = [
    "Change",
    "Published",
    "Stability",
    "assignment_of",
    "changes",
    "count_moves",
    "default_move_budget",
    "parse_move_budget",
    "principals_affected",
    "published_schedule",
    "share_budget",
    "with_moves",
    "with_published",
]
