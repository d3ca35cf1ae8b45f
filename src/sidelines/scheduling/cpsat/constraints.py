"""The constraints of the CP-SAT model, one builder per hard rule.

``CONSTRAINTS`` maps every name of ``sidelines.scheduling.rules.RULE_NAMES`` to the function that
builds that rule into the model, so the model and the validator read one list of rules; a test
checks that the two lists are the same.
"""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from sidelines.scheduling.cpsat.objective import define_breaks
from sidelines.scheduling.cpsat.stability import (
    move_budget_respected,
    published_meeting_kept,
    published_meeting_still_held,
)
from sidelines.scheduling.cpsat.variables import NO_CLASS, ModelVariables
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules import (
    BreaksFairlySpread,
    ContactAtSessionFits,
    InterpretersNotOverbooked,
    LockedMeetingKept,
    MeetingHasInterpreter,
    MeetingHasSpaceWhenNeeded,
    MeetingInAgreedSpace,
    MeetingWithinItsWindows,
    MeetingWithinOneDay,
    MoveBudgetRespected,
    PrecedenceRespected,
    PressOutBufferRespected,
    PressReadySpace,
    PrincipalAvailable,
    PrincipalNotDoubleBooked,
    PrincipalNotInProgrammeSession,
    PrincipalPresent,
    PublishedMeetingKept,
    PublishedMeetingStillHeld,
    RequiredMeetingScheduled,
    RoomPolicyRespected,
    SpaceFitsMeeting,
    SpaceNotDoubleBooked,
    SpaceOpen,
    WalkingTimeRespected,
)

ConstraintBuilder = Callable[[cp_model.CpModel, ModelVariables, Problem], None]


def add_constraints(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem, *, implied: bool = True
) -> None:
    """Build the whole model around ``variables``: structure, every rule, implied constraints."""
    each_meeting_starts_at_most_once(model, variables, problem)
    define_breaks(model, variables, problem)
    for build in CONSTRAINTS.values():
        build(model, variables, problem)
    if implied:
        add_implied_constraints(model, variables, problem)


def each_meeting_starts_at_most_once(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    for meeting_idx in range(len(problem.meetings)):
        literals = [start.var for start in variables.starts_of(meeting_idx)]
        if len(literals) > 1:
            model.add_at_most_one(literals)


# --- placement rules --------------------------------------------------------------------------


def kept_by_start_domains(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """Placement rules need no constraint: ``build_variables`` creates a start literal only where
    ``rules.placement.possible_starts`` allows it (a contact at a programme session is a start
    in no space at the session's edge), the same rules the validator checks."""


# --- overlaps ---------------------------------------------------------------------------------


def principal_not_double_booked(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    for principal_idx in range(len(problem.principals)):
        for slot, covering in variables.covering_principal(principal_idx).items():
            busy = variables.busy.get((principal_idx, slot))
            if busy is not None:
                # Exactly one of "idle" and the covering meetings: at most one meeting, and
                # busy is true exactly when one of them runs.
                model.add_exactly_one([*covering, busy.Not()])
            elif len(covering) > 1:
                model.add_at_most_one(covering)


def space_not_double_booked(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """Per class and slot, meetings holding a space (with its turnover) fit in the class's
    spaces. Counting is exact: intervals needing at most k spaces at once can be given k
    spaces (interval graphs are perfect), which ``spaces.assign_spaces`` does afterwards."""
    for space_class in problem.space_classes:
        for occupying in variables.occupying_class(space_class.index).values():
            if len(occupying) <= space_class.size:
                continue
            if space_class.size == 1:
                model.add_at_most_one(occupying)
            else:
                model.add(cp_model.LinearExpr.sum(occupying) <= space_class.size)


def walking_time_respected(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """A principal's meeting ending at ``e`` in one location and another starting in
    ``[e, e + walk)`` in a location that far away exclude each other.

    The meetings ending at ``e`` are summed per location (a principal ends at most one meeting
    at a time), so the model grows with principals x slots x locations, not with pairs of start
    literals. Such a pair is always consecutive, as the validator reads the rule; a corridor
    contact squeezed in between does not shorten the walk, so the model is, if anything, stricter.
    """
    if not problem.has_walking:
        return
    location_of = {
        space_class.index: problem.spaces[space_class.spaces[0]].location_idx
        for space_class in problem.space_classes
    }
    away: dict[int, list[tuple[int, int]]] = {}
    for (loc_a, loc_b), walk in problem.walking_slots.items():
        if walk > 0:
            away.setdefault(loc_a, []).append((loc_b, walk))
    for meetings in problem.principal_meetings:
        ending: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        starting: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for meeting_idx in meetings:
            duration = problem.meetings[meeting_idx].duration_slots
            for start in variables.starts_of(meeting_idx):
                if start.class_idx == NO_CLASS:
                    continue
                location = location_of[start.class_idx]
                ending.setdefault((location, start.slot + duration), []).append(start.var)
                starting.setdefault((location, start.slot), []).append(start.var)
        # One literal for "a meeting ends (starts) here then" per location and slot (the
        # principal ends or starts at most one meeting at a time), so that each pair too close
        # is a clause of two literals, not a sum over every ender for each follower: with
        # several locations the sums made the model take seconds to build (40 principals, 200
        # requests, 3 halls: 310,000 sums, 6 s of CPU; docs/benchmarks.md).
        starts_here: dict[tuple[int, int], cp_model.IntVar] = {}
        for (location, end), enders in ending.items():
            ends_here = _one_of(model, enders)
            for other, walk in away.get(location, []):
                for slot in range(end, end + walk):
                    starters = starting.get((other, slot))
                    if not starters:
                        continue
                    if (other, slot) not in starts_here:
                        starts_here[other, slot] = _one_of(model, starters)
                    model.add_bool_or([ends_here.Not(), starts_here[other, slot].Not()])


def _one_of(model: cp_model.CpModel, literals: list[cp_model.IntVar]) -> cp_model.IntVar:
    """A literal true exactly when one of ``literals`` (at most one of which can be) is."""
    if len(literals) == 1:
        return literals[0]
    either = model.new_bool_var("")
    model.add(cp_model.LinearExpr.sum(literals) == either)
    return either


# --- agreed terms ---------------------------------------------------------------------------


def kept_by_space_occupancy(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """The press-out buffer needs no constraint of its own: ``build_variables`` lets a meeting
    with the press in hold its space class for the buffer too, which ``space_not_double_booked``
    counts like its turnover."""


def interpreters_not_overbooked(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """Per language pair and slot, the meetings needing the pair then are at most its
    interpreters (a pair the pool lacks leaves its meetings no start literal at all)."""
    interpreting: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for meeting_idx, meeting in enumerate(problem.meetings):
        for pair_idx in meeting.interpretation:
            for start in variables.starts_of(meeting_idx):
                for slot in range(start.slot, start.slot + meeting.duration_slots):
                    interpreting.setdefault((pair_idx, slot), []).append(start.var)
    for (pair_idx, _), literals in interpreting.items():
        count = problem.interpreters[pair_idx].count
        if len(literals) <= count:
            continue
        if count == 1:
            model.add_at_most_one(literals)
        else:
            model.add(cp_model.LinearExpr.sum(literals) <= count)


# --- order and locks --------------------------------------------------------------------------


def precedence_respected(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """``m`` after ``e`` (when both are held): m at t_m and e at t_e clash iff t_e + d_e > t_m.
    For each slot tau, "m starts by tau" and "e starts at tau - d_e + 1 or later" exclude each
    other; these time-indexed cuts are exact and much tighter than big-M on start times."""
    n_slots = problem.grid.n_slots
    for later_idx, later in enumerate(problem.meetings):
        for earlier_idx in later.after:
            duration = problem.meetings[earlier_idx].duration_slots
            for tau in range(n_slots):
                later_by = variables.starting_in(later_idx, 0, tau)
                earlier_from = variables.starting_in(earlier_idx, tau - duration + 1, n_slots)
                if later_by and earlier_from:
                    model.add_at_most_one([*later_by, *earlier_from])


def locked_meeting_kept(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """Locked meetings have start literals only at their slot and space class (variables.py);
    they must be held."""
    for meeting_idx, meeting in enumerate(problem.meetings):
        if meeting.locked:
            model.add_exactly_one([start.var for start in variables.starts_of(meeting_idx)])


# --- policy -----------------------------------------------------------------------------------


def room_policy_respected(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    cap = problem.max_bookings_per_party_per_day
    if cap is None:
        return
    organiser_classes = {
        space_class.index
        for space_class in problem.space_classes
        if problem.spaces[space_class.spaces[0]].organiser_run
    }
    bookings: dict[tuple[str, int], list[cp_model.IntVar]] = {}
    for meeting_idx, meeting in enumerate(problem.meetings):
        for start in variables.starts_of(meeting_idx):
            if start.class_idx in organiser_classes:
                day = problem.grid.day_of(start.slot).index
                for party in meeting.parties:
                    bookings.setdefault((party, day), []).append(start.var)
    for literals in bookings.values():
        if len(literals) > cap:
            model.add(cp_model.LinearExpr.sum(literals) <= cap)


def required_meeting_scheduled(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    for meeting_idx, meeting in enumerate(problem.meetings):
        if meeting.required:
            model.add_exactly_one([start.var for start in variables.starts_of(meeting_idx)])


def breaks_fairly_spread(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """max - min breaks <= d over principals with a meeting in the problem, through two bounds
    that every such principal's breaks must lie between."""
    spread = problem.fairness_max_spread
    if spread is None:
        return
    concerned = [idx for idx, meetings in enumerate(problem.principal_meetings) if meetings]
    if not concerned:
        return
    ceiling = max(variables.breaks_ceiling.values(), default=0)
    low = model.new_int_var(0, ceiling, "breaks_low")
    high = model.new_int_var(0, ceiling, "breaks_high")
    for principal_idx in concerned:
        breaks = variables.breaks.get(principal_idx)
        if breaks is None:  # at most one meeting: never a break
            model.add(low <= 0)
        else:
            model.add(low <= breaks)
            model.add(breaks <= high)
    model.add(high - low <= spread)


CONSTRAINTS: dict[str, ConstraintBuilder] = {
    MeetingWithinOneDay.name: kept_by_start_domains,
    MeetingHasInterpreter.name: kept_by_start_domains,
    MeetingWithinItsWindows.name: kept_by_start_domains,
    PrincipalPresent.name: kept_by_start_domains,
    PrincipalAvailable.name: kept_by_start_domains,
    PrincipalNotInProgrammeSession.name: kept_by_start_domains,
    ContactAtSessionFits.name: kept_by_start_domains,
    MeetingHasSpaceWhenNeeded.name: kept_by_start_domains,
    MeetingInAgreedSpace.name: kept_by_start_domains,
    PressReadySpace.name: kept_by_start_domains,
    SpaceFitsMeeting.name: kept_by_start_domains,
    SpaceOpen.name: kept_by_start_domains,
    PrincipalNotDoubleBooked.name: principal_not_double_booked,
    SpaceNotDoubleBooked.name: space_not_double_booked,
    WalkingTimeRespected.name: walking_time_respected,
    PressOutBufferRespected.name: kept_by_space_occupancy,
    InterpretersNotOverbooked.name: interpreters_not_overbooked,
    PrecedenceRespected.name: precedence_respected,
    LockedMeetingKept.name: locked_meeting_kept,
    RoomPolicyRespected.name: room_policy_respected,
    RequiredMeetingScheduled.name: required_meeting_scheduled,
    BreaksFairlySpread.name: breaks_fairly_spread,
    PublishedMeetingKept.name: published_meeting_kept,
    PublishedMeetingStillHeld.name: published_meeting_still_held,
    MoveBudgetRespected.name: move_budget_respected,
}


# --- implied constraints ----------------------------------------------------------------------


def add_implied_constraints(
    model: cp_model.CpModel, variables: ModelVariables, problem: Problem
) -> None:
    """Redundant constraints that help the search prove bounds (Bofill et al., JAIR 74 (2022),
    Section 5: with them their MaxSAT encoding closed 20 of 20 instances instead of 15).

    (1) a principal is busy in exactly as many slots as its held meetings last;
    (2) in each slot, busy principals of meetings that need a space are at most the number of
        spaces times the most principals a meeting has.
    """
    for principal_idx, meetings in enumerate(problem.principal_meetings):
        if not variables.has_breaks(principal_idx):
            continue
        busy = [var for (owner, _), var in variables.busy.items() if owner == principal_idx]
        model.add(
            sum(busy)
            == sum(problem.meetings[m].duration_slots * variables.scheduled(m) for m in meetings)
        )
    if not problem.meetings or not all(meeting.needs_space for meeting in problem.meetings):
        return
    widest = max(len(meeting.principals) for meeting in problem.meetings)
    seats = widest * len(problem.spaces)
    by_slot: dict[int, list[cp_model.IntVar]] = {}
    for (_, slot), var in variables.busy.items():
        by_slot.setdefault(slot, []).append(var)
    for literals in by_slot.values():
        if len(literals) > seats:
            model.add(cp_model.LinearExpr.sum(literals) <= seats)


__all__ = ["CONSTRAINTS", "ConstraintBuilder", "add_constraints", "add_implied_constraints"]
