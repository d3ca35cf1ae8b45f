"""Rules of a re-solve against a published schedule (``scheduling.stability``).

They bind only when the problem carries a published schedule in ``keep`` or ``minimal``; in
``free`` (and without one) they hold trivially.
"""

from __future__ import annotations

from collections.abc import Iterator

from sidelines.scheduling.problem import Problem, PublishedPlace, Stability
from sidelines.scheduling.rules.base import Placed, Rule, Violation, when


def stays(item: Placed | None, place: PublishedPlace) -> bool:
    """Whether a placed meeting is exactly at its published place (start, space, session)."""
    return (
        item is not None
        and item.start == place.start
        and item.space_idx == place.space_idx
        and item.session == place.session
    )


class PublishedMeetingKept(Rule):
    name = "published_meeting_kept"
    label = "in a keep re-solve a published meeting stays where it was published"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        plan = problem.published
        if plan is None or plan.stability is not Stability.KEEP:
            return
        by_meeting = {item.meeting_idx: item for item in placed}
        for meeting_idx, place in sorted(plan.stays.items()):
            item = by_meeting.get(meeting_idx)
            if stays(item, place):
                continue
            meeting = problem.meetings[meeting_idx]
            published_at = problem.describe_slot(place.start)
            now = "left out" if item is None else f"placed at {when(problem, item)}"
            yield Violation(
                self.name,
                f"{meeting.label} is published at {published_at} and may not move, but is {now}",
                (meeting.id,),
            )


class PublishedMeetingStillHeld(Rule):
    """In ``keep`` and ``minimal`` a published meeting is never left out while it can still be
    held. Read practically: it must be scheduled unless no time and place at all keep its own
    placement rules (``reasons.never_placeable``); a published meeting that only the other
    meetings crowd out is still held, and another meeting gives way."""

    name = "published_meeting_still_held"
    label = "a published meeting that can still be held is not left out"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        plan = problem.published
        if plan is None or not plan.binding:
            return
        scheduled = {item.meeting_idx for item in placed}
        for meeting_idx in sorted(plan.places):
            if meeting_idx in plan.holdable and meeting_idx not in scheduled:
                meeting = problem.meetings[meeting_idx]
                yield Violation(
                    self.name,
                    f"{meeting.label} is published and can still be held, but is left out",
                    (meeting.id,),
                )


class MoveBudgetRespected(Rule):
    """In ``minimal`` at most ``max_moves`` published meetings move or are left out. A forced
    move (the published place no longer allowed) is not counted against the budget: the
    organiser did not choose it, and counting it would let a change of the event use up the
    budget, or make the re-solve infeasible, before any trade-off is made."""

    name = "move_budget_respected"
    label = "a minimal re-solve moves no more published meetings than its budget"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        plan = problem.published
        if plan is None or plan.stability is not Stability.MINIMAL:
            return
        by_meeting = {item.meeting_idx: item for item in placed}
        moved = [
            meeting_idx
            for meeting_idx, place in sorted(plan.stays.items())
            if not stays(by_meeting.get(meeting_idx), place)
        ]
        if len(moved) > plan.max_moves:
            yield Violation(
                self.name,
                f"{len(moved)} published meetings move, the budget allows {plan.max_moves}",
                tuple(problem.meetings[idx].id for idx in moved),
            )


STABILITY_RULES: tuple[Rule, ...] = (
    PublishedMeetingKept(),
    PublishedMeetingStillHeld(),
    MoveBudgetRespected(),
)
