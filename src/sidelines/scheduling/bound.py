"""An upper bound on the weight any schedule can reach, from a linear relaxation.

Events too large for CP-SAT still deserve an honest "how far from the best can this be". The LP
below relaxes the schedule to fractions of meetings per day-part: ``y[m, r]`` is how much of
meeting ``m`` starts in day-part ``r`` (a morning or an afternoon), ``sum_r y[m, r] <= 1``, and
``= 1`` for required and locked meetings. What it keeps of the hard rules:

- per principal and day-part, and per principal and day: the meetings' slots fit in the slots
  where the principal can meet them (present, not forbidden, not in the programme, within the
  meetings' windows), and their number fits in those runs of free slots (a 30-minute meeting
  cannot use a 20-minute gap);
- per set of space classes and day: the meetings that can use only those classes fit in their
  open hours, turnover included, and their number fits too: a space open for a run of ``o``
  slots holds at most ``(o + t) // (l + t)`` meetings of length ``l`` or more with turnover
  ``t`` (a Chvátal–Gomory rounding of the slot count, ``fitting``: fractions of meetings
  would otherwise tile the hours that whole meetings leave idle);
- per party and day, the room policy's cap on bookings in the organiser's rooms.

Breaks are bounded by 0: a relaxation that knows nothing of order cannot say more. GLOP solves
it; the bound is the LP optimum rounded down, weights being whole numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound
from sidelines.scheduling.rules.placement import allowed_starts, possible_starts
from sidelines.scheduling.slots import run_mask

LP_TIME_LIMIT_MS = 60_000
# GLOP's optimum is exact to about 1e-7 relative; the margin keeps a true 41.9999999 at 41.
ROUNDING_MARGIN = 1e-5
# How ``Bound.kind`` names this bound (``lp_bound.py`` has the tighter one).
RELAXED_KIND = "relaxed bound (half-days, space per day)"
# How ``Bound.kind`` names the bound that needs no LP (``counting_bound``).
COUNTING_KIND = "counting bound (meetings per principal's free time; no LP in the time limit)"

Options = Sequence[tuple[int, int]]  # (space class, allowed starts), CORRIDOR = -1


@dataclass(frozen=True, slots=True)
class BoundResult:
    """The bound, or ``infeasible`` when even the relaxation cannot hold every required and
    locked meeting (which proves the problem infeasible)."""

    bound: Bound | None
    infeasible: bool = False
    reason: str = ""


def upper_bound(problem: Problem, options: Sequence[Options] | None = None) -> BoundResult:
    """The LP bound. ``options`` are the meetings' placement masks per space class when the
    caller has them (the heuristic does); otherwise they are computed from the rules."""
    if options is None:
        options = _placement_options(problem)
    return _Relaxation(problem, options).solve()


def _placement_options(problem: Problem) -> list[list[tuple[int, int]]]:
    result: list[list[tuple[int, int]]] = []
    for meeting_idx, meeting in enumerate(problem.meetings):
        if not meeting.needs_space:
            starts = possible_starts(problem, meeting_idx, None)
            result.append([(-1, starts)] if starts else [])
            continue
        per_class = []
        for space_class in problem.space_classes:
            starts = allowed_starts(problem, meeting_idx, space_class.spaces[0])
            if starts:
                per_class.append((space_class.index, starts))
        result.append(per_class)
    return result


def _occupancy(starts: int, length: int) -> int:
    occupied = starts
    for offset in range(1, length):
        occupied |= starts << offset
    return occupied


def _runs(mask: int) -> list[int]:
    """Lengths of the maximal runs of set bits."""
    lengths: list[int] = []
    while mask:
        low = mask & -mask
        start = low.bit_length() - 1
        run = ((mask >> start) + 1) & ~(mask >> start)  # the first unset bit above the run
        length = run.bit_length() - 1
        lengths.append(length)
        mask &= ~run_mask(start, length)
    return lengths


class _Relaxation:
    """The LP as arrays (``lp_bound._Model``), loaded into OR-Tools' model builder at once: a
    variable and a row cost an append each, where ``pywraplp`` took a call per coefficient
    (most of the 3 s of CPU this bound took at 3,000 principals and 20,000 requests)."""

    def __init__(self, problem: Problem, options: Sequence[Options]) -> None:
        # Imported here: ``lp_bound`` imports this module, and OR-Tools' model builder takes a
        # noticeable part of a second to load, which a solve should not pay before its first
        # schedule.
        from sidelines.scheduling.lp_bound import _Model

        self.problem = problem
        self.options = options
        grid = problem.grid
        # Day-parts: each day's morning and afternoon, by start slot.
        self.parts: list[tuple[int, int]] = []  # (day index, mask)
        for day in grid.days:
            for first, end in (
                (day.first_slot, day.afternoon_slot),
                (day.afternoon_slot, day.end_slot),
            ):
                if end > first:
                    self.parts.append((day.index, run_mask(first, end - first)))
        self.model = _Model()
        # Per variable: the slots its meeting may occupy in its part.
        self.occupied: list[int] = []

    def solve(self) -> BoundResult:
        problem = self.problem
        model = self.model
        anywhere_of, classes_of = _reach(self.problem, self.options)
        # variables[m] = [(part index, variable, starts in that part)]
        variables: list[list[tuple[int, int, int]]] = []
        for meeting_idx, meeting in enumerate(problem.meetings):
            anywhere = anywhere_of[meeting_idx]
            own: list[tuple[int, int, int]] = []
            for part_idx, (_, mask) in enumerate(self.parts):
                starts = anywhere & mask
                if starts:
                    variable = model.variable(1.0, float(meeting.weight))
                    self.occupied.append(_occupancy(starts, meeting.duration_slots))
                    own.append((part_idx, variable, starts))
            if meeting.locked_start is not None:
                locked_part = [v for p, v, s in own if (s >> meeting.locked_start) & 1]
                if not locked_part:
                    return BoundResult(
                        None, True, f"{meeting.label} cannot be held where it is locked"
                    )
                model.low[locked_part[0]] = 1.0
            if meeting.required or meeting.locked:
                if not own:
                    return BoundResult(None, True, f"{meeting.label} is required but has no place")
                model.row([v for _, v, _ in own], 1.0, 1.0)
            elif len(own) > 1:
                model.row([v for _, v, _ in own], 0.0, 1.0)
            variables.append(own)
        self._principal_rows(variables)
        self._space_rows(variables, classes_of)
        self._policy_rows(variables, classes_of)
        return self._solved()

    def _solved(self) -> BoundResult:
        from sidelines.scheduling.lp_bound import _builder

        mbh = _builder()
        helper = self.model.load(None)
        solver = mbh.ModelSolverHelper("glop")
        solver.set_time_limit_in_seconds(LP_TIME_LIMIT_MS / 1000)
        solver.solve(helper)
        status = solver.status()
        if status == mbh.SolveStatus.INFEASIBLE:
            return BoundResult(
                None, True, "the required and locked meetings exceed the time or rooms available"
            )
        if status != mbh.SolveStatus.OPTIMAL:
            return BoundResult(None, False, "the LP relaxation was not solved to optimality")
        value = solver.objective_value()
        return BoundResult(Bound(math.floor(value + ROUNDING_MARGIN), 0, RELAXED_KIND))

    def _principal_rows(self, variables: list[list[tuple[int, int, int]]]) -> None:
        problem = self.problem
        for principal_meetings in problem.principal_meetings:
            per_part: dict[int, list[tuple[int, int]]] = {}
            for meeting_idx in principal_meetings:
                length = problem.meetings[meeting_idx].duration_slots
                for part_idx, variable, _ in variables[meeting_idx]:
                    per_part.setdefault(part_idx, []).append((length, variable))
            per_day: dict[int, list[list[tuple[int, int]]]] = {}
            for part_idx, terms in per_part.items():
                per_day.setdefault(self.parts[part_idx][0], []).append(terms)
                self._fit_rows(terms)
            # A day's two parts share the slots around noon; the day as a whole counts them once.
            for parts in per_day.values():
                if len(parts) > 1:
                    self._fit_rows([term for terms in parts for term in terms])

    def _fit_rows(self, terms: list[tuple[int, int]]) -> None:
        """Meetings of one principal in one span: their slots, and their number, fit."""
        occupied = self.occupied
        usable = 0
        total = 0
        shortest = None
        for length, variable in terms:
            usable |= occupied[variable]
            total += length
            shortest = length if shortest is None else min(shortest, length)
        assert shortest is not None
        capacity = usable.bit_count()
        if total > capacity:
            self.model.row(
                [variable for _, variable in terms],
                0.0,
                float(capacity),
                [float(length) for length, _ in terms],
            )
        most = sum(run // shortest for run in _runs(usable))
        if len(terms) > most:
            self.model.row([variable for _, variable in terms], 0.0, float(most))

    def _space_rows(
        self, variables: list[list[tuple[int, int, int]]], classes_of: list[int]
    ) -> None:
        problem = self.problem
        classes = problem.space_classes
        # Meetings grouped by the set of classes they can use (a bit mask), per day.
        groups: dict[int, dict[int, list[tuple[int, int]]]] = {}
        for meeting_idx, meeting in enumerate(problem.meetings):
            if not meeting.needs_space or not variables[meeting_idx]:
                continue
            by_day = groups.setdefault(classes_of[meeting_idx], {})
            for part_idx, variable, _ in variables[meeting_idx]:
                by_day.setdefault(self.parts[part_idx][0], []).append(
                    (meeting.duration_slots, variable)
                )
        days = problem.grid.days
        for class_set in groups:
            members = [meetings for other, meetings in groups.items() if other & ~class_set == 0]
            in_set = [c for c in range(len(classes)) if (class_set >> c) & 1]
            turnover = min(problem.spaces[classes[c].spaces[0]].turnover_slots for c in in_set)
            for day in days:
                day_mask = run_mask(day.first_slot, day.end_slot - day.first_slot)
                capacity = 0
                for class_idx in in_set:
                    space = problem.spaces[classes[class_idx].spaces[0]]
                    open_today = space.open & day_mask
                    runs = _runs(open_today)
                    capacity += classes[class_idx].size * (
                        open_today.bit_count() + space.turnover_slots * len(runs)
                    )
                terms = [term for by_day in members for term in by_day.get(day.index, [])]
                if not terms:
                    continue
                if sum(length + turnover for length, _ in terms) > capacity:
                    self.model.row(
                        [variable for _, variable in terms],
                        0.0,
                        float(capacity),
                        [float(length + turnover) for length, _ in terms],
                    )
                shortest = min(length for length, _ in terms)
                most = sum(
                    classes[c].size * fitting(problem, classes[c].spaces[0], day_mask, shortest)
                    for c in in_set
                )
                if len(terms) > most:
                    self.model.row([variable for _, variable in terms], 0.0, float(most))

    def _policy_rows(
        self, variables: list[list[tuple[int, int, int]]], classes_of: list[int]
    ) -> None:
        problem = self.problem
        cap = problem.max_bookings_per_party_per_day
        if cap is None:
            return
        organiser = 0
        for class_idx, space_class in enumerate(problem.space_classes):
            if problem.spaces[space_class.spaces[0]].organiser_run:
                organiser |= 1 << class_idx
        per_party_day: dict[tuple[str, int], list[int]] = {}
        for meeting_idx, meeting in enumerate(problem.meetings):
            usable = classes_of[meeting_idx]
            if not meeting.needs_space or not usable or usable & ~organiser:
                continue
            for part_idx, variable, _ in variables[meeting_idx]:
                for party in meeting.parties:
                    per_party_day.setdefault((party, self.parts[part_idx][0]), []).append(variable)
        for terms in per_party_day.values():
            if len(terms) > cap:
                self.model.row(terms, 0.0, float(cap))


def counting_bound(problem: Problem, options: Sequence[Options] | None = None) -> Bound:
    """A bound on the weight that needs no LP (nor OR-Tools, nor NumPy, which take a few
    tenths of a second of CPU to load): for a solve whose time is up before an LP could be
    loaded. A principal is in one meeting at a time, so in each run of the slots where any of
    its meetings could be, it holds at most ``run // shortest`` of them; each meeting is
    counted against one of its principals (the one with the fewest such places for the
    meetings counted against it so far), and only that principal's heaviest meetings, up to
    its count, can be in a schedule. Meetings without a place count for nothing. Weaker than
    ``upper_bound`` (whose rows per principal imply these counts) but a proof all the same."""
    if options is None:
        options = _placement_options(problem)
    anywhere_of, _ = _reach(problem, options)
    meetings = problem.meetings
    usable = [0] * len(problem.principals)
    shortest = [0] * len(problem.principals)
    for meeting_idx, meeting in enumerate(meetings):
        starts = anywhere_of[meeting_idx]
        if not starts:
            continue
        occupied = _occupancy(starts, meeting.duration_slots)
        for principal_idx in meeting.principals:
            usable[principal_idx] |= occupied
            held = shortest[principal_idx]
            shortest[principal_idx] = (
                meeting.duration_slots if held == 0 else min(held, meeting.duration_slots)
            )
    most = [
        sum(run // length for run in _runs(mask)) if length else 0
        for mask, length in zip(usable, shortest, strict=True)
    ]
    counted: list[list[int]] = [[] for _ in problem.principals]
    unbounded = 0
    for meeting_idx, meeting in enumerate(meetings):
        if not anywhere_of[meeting_idx]:
            continue
        if not meeting.principals:
            unbounded += meeting.weight
            continue
        tightest = min(meeting.principals, key=lambda idx: most[idx] - len(counted[idx]))
        counted[tightest].append(meeting.weight)
    total = unbounded
    for principal_idx, weights in enumerate(counted):
        weights.sort(reverse=True)
        total += sum(weights[: most[principal_idx]])
    return Bound(total, 0, COUNTING_KIND)


def _reach(problem: Problem, options: Sequence[Options]) -> tuple[list[int], list[int]]:
    """Per meeting: its starts in any class, and the classes it may use as a bit mask (0
    for the corridor). Masks in parts (``heuristic.state.SharedMasks``) are read as parts,
    the classes of a kind grouped by their starts, so that no meeting's masks are joined."""
    from sidelines.scheduling.lp_bound import KindMasks

    count = len(problem.meetings)
    anywhere_of = [0] * count
    classes_of = [0] * count
    grouped: dict[int, list[tuple[int, int]]] = {}  # kind -> [(starts, classes)]
    kinds = options if isinstance(options, KindMasks) else None
    for idx in range(count):
        if kinds is not None:
            own, kind_options, kind = kinds.parts(idx)
            if kind >= 0:
                groups = grouped.get(kind)
                if groups is None:
                    by_starts: dict[int, int] = {}
                    for class_idx, starts in kind_options:
                        by_starts[starts] = by_starts.get(starts, 0) | _class_bit(class_idx)
                    groups = grouped[kind] = list(by_starts.items())
                anywhere = classes = 0
                for starts, bits in groups:
                    if own & starts:
                        anywhere |= own & starts
                        classes |= bits
                anywhere_of[idx], classes_of[idx] = anywhere, classes
                continue
        anywhere = classes = 0
        for class_idx, starts in options[idx]:
            anywhere |= starts
            classes |= _class_bit(class_idx)
        anywhere_of[idx], classes_of[idx] = anywhere, classes
    return anywhere_of, classes_of


def fitting(problem: Problem, space_idx: int, within: int, length: int) -> int:
    """How many meetings of ``length`` slots or more the space can hold in the slots of
    ``within``: per run of its opening hours, ``(run + turnover) // (length + turnover)`` (a
    meeting lies in the open hours, the next one starts a turnover after it)."""
    space = problem.spaces[space_idx]
    turnover = space.turnover_slots
    return sum((run + turnover) // (length + turnover) for run in _runs(space.open & within))


def _class_bit(class_idx: int) -> int:
    """A class's bit in a set of classes; the corridor (-1) is none."""
    return 1 << class_idx if class_idx >= 0 else 0


__all__ = [
    "COUNTING_KIND",
    "RELAXED_KIND",
    "BoundResult",
    "counting_bound",
    "fitting",
    "upper_bound",
]
