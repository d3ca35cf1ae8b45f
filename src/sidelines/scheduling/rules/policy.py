"""Rules of the event as a whole: the room policy, required meetings, fair breaks."""

from __future__ import annotations

from collections.abc import Iterator

from sidelines.domain.ids import PartyId
from sidelines.scheduling.objective import breaks_by_principal
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.base import Placed, Rule, Violation
from sidelines.scheduling.times import day_text


def bookings_per_party_day(
    problem: Problem, placed: list[Placed]
) -> dict[tuple[PartyId, int], list[int]]:
    """Meetings held in the organiser's spaces, per party and day."""
    counts: dict[tuple[PartyId, int], list[int]] = {}
    for item in placed:
        if item.space_idx is None or not problem.spaces[item.space_idx].organiser_run:
            continue
        day = problem.grid.day_of(item.start).index
        for party in problem.meetings[item.meeting_idx].parties:
            counts.setdefault((party, day), []).append(item.meeting_idx)
    return counts


class RoomPolicyRespected(Rule):
    name = "room_policy_respected"
    label = "a party holds no more meetings a day in the organiser's rooms than the policy allows"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        cap = problem.max_bookings_per_party_per_day
        if cap is None:
            return
        for (party, day), meetings in sorted(bookings_per_party_day(problem, placed).items()):
            if len(meetings) > cap:
                yield Violation(
                    self.name,
                    f"{problem.party_label(party)} holds {len(meetings)} meetings in the "
                    f"organiser's rooms on {day_text(problem.grid.days[day].date)}, the policy "
                    f"allows {cap}",
                    tuple(problem.meetings[m].id for m in meetings),
                )


class RequiredMeetingScheduled(Rule):
    name = "required_meeting_scheduled"
    label = "every required meeting is scheduled"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        scheduled = {item.meeting_idx for item in placed}
        for meeting_idx in problem.anchored_meetings:
            meeting = problem.meetings[meeting_idx]
            if meeting.required and meeting_idx not in scheduled:
                yield Violation(
                    self.name, f"{meeting.label} is required but not scheduled", (meeting.id,)
                )


class BreaksFairlySpread(Rule):
    name = "breaks_fairly_spread"
    label = "max - min breaks over the principals stays within the fairness bound"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        bound = problem.fairness_max_spread
        if bound is None:
            return
        breaks = breaks_by_principal(problem, [(p.meeting_idx, p.start) for p in placed])
        concerned = [idx for idx, items in enumerate(problem.principal_meetings) if items]
        if not concerned:
            return
        most = max(concerned, key=lambda idx: breaks[idx])
        least = min(concerned, key=lambda idx: breaks[idx])
        if breaks[most] - breaks[least] > bound:
            yield Violation(
                self.name,
                f"breaks range from {breaks[least]} ({problem.principals[least].label}) to "
                f"{breaks[most]} ({problem.principals[most].label}), more than the fairness "
                f"bound {bound} allows",
            )


POLICY_RULES: tuple[Rule, ...] = (
    RoomPolicyRespected(),
    RequiredMeetingScheduled(),
    BreaksFairlySpread(),
)
