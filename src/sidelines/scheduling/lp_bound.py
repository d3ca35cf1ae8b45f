"""A tighter upper bound: the time-indexed LP with a capacity row per set of space requirements.

``bound.py`` counts meetings per principal and half-day and space per day, so it may count a
table idle at one slot as used at another. This LP keeps *when*: ``x[m, s]`` is how much of
meeting ``m`` starts at slot ``s`` (over the starts its placement masks allow in some space
class), and

- per meeting, ``sum_s x[m, s] <= 1`` (``= 1`` when required or locked; a locked meeting at its
  start);
- per principal and half-day, and per principal and day, the rows of ``bound.py`` (the
  meetings' slots fit in the slots they may hold, their number in those runs);
- per slot ``t`` and set ``S`` of space classes, Hall's condition: the meetings that hold a
  space at ``t`` and whose allowed classes at their start all lie within ``S`` are at most the
  spaces of ``S`` usable at ``t``. A meeting holds its space for its length plus the shortest
  turnover among the classes it may use (the next meeting in that space cannot start before);
- per party and day, the room policy's cap on bookings where every allowed class is the
  organiser's;
- per principal and slot, the meetings holding the principal then sum to at most 1.

The sets ``S`` that matter are the unions of the meetings' requirement sets, and their number can
explode, so they are separated: each slot's own requirement sets are rows from the start; each
round solves the LP (GLOP, warm-started from its last basis), then for every slot finds the most
violated set exactly, as a maximum-weight closure (a minimum cut: source to each requirement set
with its fractional load, each set to its classes, each class to the sink with its spaces), and
adds it. Once no capacity row is violated, the rows per principal and slot are added where
violated (they make the LP degenerate and slow, so only while time allows and they lower the
bound). Every LP optimum with some of the valid rows is a bound (rounded down, weights being
whole numbers), so the LP is time-boxed and anytime. ``reported_bound`` falls back to the
relaxed bound of ``bound.py`` when the capacity rows do not all hold in time, and ``Bound.kind``
says which one it is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sidelines.scheduling.bound import (
    RELAXED_KIND,
    ROUNDING_MARGIN,
    BoundResult,
    _placement_options,
    _runs,
    upper_bound,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound

KIND = "LP (capacity sets)"
# Above this many start variables the LP would not be built and solved within a solve's time on
# 2 shared cores (docs/benchmarks.md); the relaxed bound is reported instead.
MAX_VARIABLES = 2_000_000
# The cut's loads are scaled to whole numbers for the max-flow solver.
FLOW_SCALE = 1_000_000
# A row is added when the load exceeds the capacity by more than this.
VIOLATION = 1e-6
MAX_ROUNDS = 200
# Principal rounds that leave the rounded bound where it was before the rest are given up.
STALE_ROUNDS = 2

Options = Sequence[tuple[int, int]]


@runtime_checkable
class KindMasks(Protocol):
    """Masks in two parts (``heuristic.state.SharedMasks``): a meeting's own starts and its
    kind's ``(space class, starts)``, shared by the meetings of the kind."""

    def parts(self, idx: int) -> tuple[int, Options, int]: ...


@dataclass(frozen=True, slots=True)
class CapacityResult:
    """What the capacity LP reached: ``bound`` when it solved with no violated row left."""

    result: BoundResult | None
    rounds: int
    rows: int
    variables: int
    complete: bool
    # When every capacity row first held, and the bound then (before the principal rounds).
    separated_s: float | None = None
    separated_bound: int | None = None


def reported_bound(
    problem: Problem, masks: Sequence[Options] | None = None, time_limit_s: float = 60.0
) -> BoundResult:
    """The capacity LP's bound within ``time_limit_s``, else the relaxed bound of ``bound.py``;
    ``Bound.kind`` names the one returned."""
    tight = capacity_bound(problem, masks, time_limit_s)
    if tight.complete and tight.result is not None:
        return tight.result
    relaxed = upper_bound(problem, masks)
    if relaxed.bound is not None:
        why = "too large" if tight.variables > MAX_VARIABLES else "not solved in time"
        kind = f"{RELAXED_KIND}; the capacity LP {why}"
        bound = relaxed.bound
        relaxed = BoundResult(Bound(bound.weight_scheduled, bound.breaks, kind))
    return better(tight, relaxed)


def better(tight: CapacityResult, relaxed: BoundResult) -> BoundResult:
    """The capacity LP's result when it finished (or proved infeasibility), else the smaller of
    its partial bound (every LP optimum with some of the rows is a bound) and the relaxed one."""
    result = tight.result
    if result is None:
        return relaxed
    if tight.complete or result.infeasible or relaxed.bound is None:
        return result
    if result.bound is not None and result.bound.weight_scheduled < relaxed.bound.weight_scheduled:
        return result
    return relaxed


def capacity_bound(
    problem: Problem,
    masks: Sequence[Options] | None = None,
    time_limit_s: float = 60.0,
    on_bound: Callable[[BoundResult], None] | None = None,
) -> CapacityResult:
    """The capacity LP within ``time_limit_s``. ``on_bound`` hears each better bound once every
    capacity row holds (the per-principal-and-slot rounds after it lower it further)."""
    if masks is None:
        masks = _placement_options(problem)
    return _CapacityLP(problem, masks, time.monotonic() + time_limit_s, on_bound).solve()


def _atoms(options: Options) -> list[tuple[int, int]]:
    """The starts of ``options`` split by the set of classes that allow them: ``(starts,
    classes as a bit mask)`` with no two sharing a start."""
    atoms: list[tuple[int, int]] = []
    for class_idx, starts in options:
        if class_idx < 0:
            continue
        bit = 1 << class_idx
        split: list[tuple[int, int]] = []
        rest = starts
        for mask, classes in atoms:
            inside = mask & starts
            if inside:
                split.append((inside, classes | bit))
                rest &= ~inside
            if mask & ~starts:
                split.append((mask & ~starts, classes))
        if rest:
            split.append((rest, bit))
        atoms = split
    return atoms


def _bits(mask: int) -> list[int]:
    result = []
    while mask:
        low = mask & -mask
        result.append(low.bit_length() - 1)
        mask ^= low
    return result


class _CapacityLP:
    def __init__(
        self,
        problem: Problem,
        masks: Sequence[Options],
        deadline: float,
        on_bound: Callable[[BoundResult], None] | None = None,
    ) -> None:
        self.started = time.monotonic()
        self.on_bound = on_bound
        self.separated: tuple[float, int] | None = None
        self.problem = problem
        self.masks = masks
        self.deadline = deadline
        classes = problem.space_classes
        self.turnover = [problem.spaces[c.spaces[0]].turnover_slots for c in classes]
        # The slots where a space of the class can be held: open, or in a turnover after.
        self.usable: list[int] = []
        for class_idx, space_class in enumerate(classes):
            held = problem.spaces[space_class.spaces[0]].open
            for offset in range(1, self.turnover[class_idx] + 1):
                held |= held << offset
            self.usable.append(held)
        from ortools.linear_solver import pywraplp

        self.pywraplp = pywraplp
        solver = pywraplp.Solver.CreateSolver("GLOP")
        assert solver is not None
        self.solver = solver
        self.n_rows = 0
        self.variables: list[object] = []
        self.principal_terms: list[list[int]] = []

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline

    def meeting_atoms(self) -> Callable[[int], list[tuple[int, int]]]:
        """For each meeting, its starts split by the classes allowing them (``_atoms``),
        computed once per kind when the masks come in parts."""
        masks = self.masks
        if isinstance(masks, KindMasks):
            kind_atoms: dict[int, list[tuple[int, int]]] = {}
            kinds = masks

            def by_kind(idx: int) -> list[tuple[int, int]]:
                own, options, kind = kinds.parts(idx)
                if kind < 0:
                    return _atoms(masks[idx])
                atoms = kind_atoms.get(kind)
                if atoms is None:
                    atoms = kind_atoms[kind] = _atoms(options)
                return [(starts & own, classes) for starts, classes in atoms if starts & own]

            return by_kind
        return lambda idx: _atoms(masks[idx])

    def solve(self) -> CapacityResult:
        problem = self.problem
        solver = self.solver
        meetings = problem.meetings
        atoms_of = self.meeting_atoms()
        # Count first: an LP too large for the time is not built at all.
        per_meeting: list[list[tuple[int, int]]] = []
        total = 0
        for idx, meeting in enumerate(meetings):
            if meeting.needs_space:
                atoms = atoms_of(idx)
            else:
                corridor = 0
                for class_idx, mask in self.masks[idx]:
                    if class_idx < 0:
                        corridor |= mask
                atoms = [(corridor, 0)] if corridor else []
            per_meeting.append(atoms)
            total += sum(starts.bit_count() for starts, _ in atoms)
        if total > MAX_VARIABLES:
            return CapacityResult(None, 0, 0, total, False)

        grid = problem.grid
        n_slots = grid.n_slots
        part_of = [0] * n_slots
        for day in grid.days:
            for slot in day.slots:
                part_of[slot] = 2 * day.index + (slot >= day.afternoon_slot)
        cap = problem.max_bookings_per_party_per_day
        organiser = 0
        for class_idx, space_class in enumerate(problem.space_classes):
            if problem.spaces[space_class.spaces[0]].organiser_run:
                organiser |= 1 << class_idx
        objective = solver.Objective()
        objective.SetMaximization()
        variables = self.variables
        # (principal, slot) -> the variables holding the principal then
        principal_terms: dict[tuple[int, int], list[int]] = {}
        # (principal, half-day) -> (length, start, variable)
        principal_spans: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        # (requirement set, start, span) -> the variables of meetings holding a space so
        together: dict[tuple[int, int, int], list[int]] = {}
        policy_terms: dict[tuple[str, int], list[int]] = {}
        for idx, meeting in enumerate(meetings):
            length = meeting.duration_slots
            own: list[tuple[int, int]] = []
            for starts, classes in per_meeting[idx]:
                turnover = min((self.turnover[c] for c in _bits(classes)), default=0)
                policed = cap is not None and classes and classes & ~organiser == 0
                for start in _bits(starts):
                    variable = len(variables)
                    variables.append(solver.NumVar(0.0, 1.0, ""))
                    objective.SetCoefficient(variables[variable], float(meeting.weight))
                    own.append((start, variable))
                    for principal in meeting.principals:
                        for slot in range(start, min(start + length, n_slots)):
                            principal_terms.setdefault((principal, slot), []).append(variable)
                        principal_spans.setdefault((principal, part_of[start]), []).append(
                            (length, start, variable)
                        )
                    if classes:
                        span = min(length + turnover, n_slots - start)
                        together.setdefault((classes, start, span), []).append(variable)
                    if policed:
                        day_number = grid.day_of(start).index
                        for party in meeting.parties:
                            policy_terms.setdefault((party, day_number), []).append(variable)
            if meeting.locked_start is not None:
                at = [v for s, v in own if s == meeting.locked_start]
                if not at:
                    reason = f"{meeting.label} cannot be held where it is locked"
                    return CapacityResult(BoundResult(None, True, reason), 0, 0, total, True)
                variables[at[0]].SetLb(1.0)  # type: ignore[attr-defined]
            if meeting.required or meeting.locked:
                if not own:
                    reason = f"{meeting.label} is required but has no place"
                    return CapacityResult(BoundResult(None, True, reason), 0, 0, total, True)
                self._row([v for _, v in own], 1.0, 1.0)
            elif len(own) > 1:
                self._row([v for _, v in own], 0.0, 1.0)
            if idx % 256 == 0 and self.out_of_time():
                return CapacityResult(None, 0, self.n_rows, total, False)
        # The capacity rows count the meetings of one requirement set, start and span through
        # one variable for all of them: rows of a few terms instead of a thousand (GLOP
        # factorises them far faster; the LP is highly degenerate).
        holding: list[dict[int, list[int]]] = [{} for _ in range(n_slots)]
        for (classes, start, span), terms in together.items():
            if len(terms) == 1:
                grouped = terms[0]
            else:
                grouped = len(variables)
                variables.append(solver.NumVar(0.0, float(len(terms)), ""))
                self._row(terms, 0.0, 0.0, minus=grouped)
            for slot in range(start, start + span):
                holding[slot].setdefault(classes, []).append(grouped)
        self._principal_span_rows(principal_spans)
        # Per principal and slot: added when violated (most never are).
        self.principal_terms = [terms for terms in principal_terms.values() if len(terms) > 1]
        if cap is not None:
            for terms in policy_terms.values():
                if len(terms) > cap:
                    self._row(terms, 0.0, float(cap))
        # Each slot's requirement sets on their own from the start (on the generated events
        # they are nested, hence already union-closed); other unions come from separation.
        added: set[tuple[int, int]] = set()
        for slot, groups in enumerate(holding):
            for classes in groups:
                self._capacity_row(slot, classes, groups, added)
        return self._rounds(holding, added, total)

    def _rounds(
        self, holding: list[dict[int, list[int]]], added: set[tuple[int, int]], total: int
    ) -> CapacityResult:
        from ortools.linear_solver import linear_solver_pb2

        pywraplp = self.pywraplp
        solver = self.solver
        rounds = 0
        # Every optimum of the LP with some of the valid rows is a bound; the last is the best.
        best: Bound | None = None
        complete = False  # no capacity row violated at ``best``
        stale = 0  # rounds since the bound last went down
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 or rounds >= MAX_ROUNDS:
                break
            solver.SetTimeLimit(max(1, int(remaining * 1000)))
            status = solver.Solve()
            rounds += 1
            if status == pywraplp.Solver.INFEASIBLE:
                reason = "the required and locked meetings exceed the time or spaces available"
                infeasible = BoundResult(None, True, reason)
                return CapacityResult(infeasible, rounds, self.n_rows, total, True)
            if status != pywraplp.Solver.OPTIMAL:
                break
            value = math.floor(solver.Objective().Value() + ROUNDING_MARGIN)
            response = linear_solver_pb2.MPSolutionResponse()
            solver.FillSolutionResponseProto(response)
            values = list(response.variable_value)
            violated = self._violated_capacity(values, holding, added)
            complete = not violated
            if best is None or value < best.weight_scheduled:
                best = Bound(value, 0, KIND)
                stale = 0
            else:
                stale += 1
            if complete and best.weight_scheduled == value:
                if self.separated is None:
                    self.separated = (time.monotonic() - self.started, value)
                if self.on_bound is not None:
                    self.on_bound(BoundResult(best))
            if complete:
                # The capacity rows hold; the principal and slot rows tighten further, as
                # time allows (they make the LP degenerate, so each round is slower), while
                # they still lower the bound.
                violated = self._violated_principals(values)
                if not violated or stale >= STALE_ROUNDS:
                    break
            for terms, high in violated:
                self._row(terms, 0.0, high)
        if best is None:
            return CapacityResult(None, rounds, self.n_rows, total, False)
        if not complete:
            best = Bound(best.weight_scheduled, 0, KIND + ", not all separated in time")
        separated_s, separated_bound = self.separated or (None, None)
        return CapacityResult(
            BoundResult(best),
            rounds,
            self.n_rows,
            total,
            complete,
            separated_s,
            separated_bound,
        )

    def _violated_principals(self, values: list[float]) -> list[tuple[list[int], float]]:
        """The principal and slot rows this solution violates (taken out of the pool)."""
        remaining: list[list[int]] = []
        violated: list[tuple[list[int], float]] = []
        for terms in self.principal_terms:
            if sum(values[v] for v in terms) > 1.0 + VIOLATION:
                violated.append((terms, 1.0))
            else:
                remaining.append(terms)
        self.principal_terms = remaining
        return violated

    def _violated_capacity(
        self, values: list[float], holding: list[dict[int, list[int]]], added: set[tuple[int, int]]
    ) -> list[tuple[list[int], float]]:
        """For every slot, the most violated capacity row, if any."""
        from ortools.graph.python.max_flow import SimpleMaxFlow

        violated: list[tuple[list[int], float]] = []
        for slot, groups in enumerate(holding):
            if len(groups) < 2:
                continue  # a single requirement set's row is there from the start
            loads = {
                classes: sum(values[v] for v in terms)
                for classes, terms in groups.items()
                if sum(values[v] for v in terms) > VIOLATION
            }
            involved = 0
            for classes in loads:
                involved |= classes
            class_list = _bits(involved)
            # Max closure: source -> set (its load), set -> its classes, class -> sink (spaces).
            flow = SimpleMaxFlow()
            sink = 1
            node = {c: 2 + i for i, c in enumerate(class_list)}
            total_load = 0
            scaled_loads = []
            for classes, load in loads.items():
                scaled = int(load * FLOW_SCALE)
                total_load += scaled
                scaled_loads.append((classes, scaled))
            infinite = total_load + 1
            for number, (classes, scaled) in enumerate(scaled_loads):
                group_node = 2 + len(class_list) + number
                flow.add_arc_with_capacity(0, group_node, scaled)
                for c in _bits(classes):
                    flow.add_arc_with_capacity(group_node, node[c], infinite)
            for c in class_list:
                flow.add_arc_with_capacity(node[c], sink, self._spaces(c, slot) * FLOW_SCALE)
            if flow.solve(0, sink) != flow.OPTIMAL:
                continue
            if total_load - flow.optimal_flow() <= VIOLATION * FLOW_SCALE * len(loads):
                continue
            source_side = set(flow.get_source_side_min_cut())
            chosen = 0
            for c in class_list:
                if node[c] in source_side:
                    chosen |= 1 << c
            row = self._capacity_terms(slot, chosen, groups, added) if chosen else None
            if row is not None:
                violated.append(row)
        return violated

    def _spaces(self, class_idx: int, slot: int) -> int:
        if (self.usable[class_idx] >> slot) & 1:
            return self.problem.space_classes[class_idx].size
        return 0

    def _capacity_terms(
        self, slot: int, chosen: int, groups: dict[int, list[int]], added: set[tuple[int, int]]
    ) -> tuple[list[int], float] | None:
        """The row for classes ``chosen`` at ``slot``, unless added already or never binding."""
        if (slot, chosen) in added:
            return None
        added.add((slot, chosen))
        capacity = sum(self._spaces(c, slot) for c in _bits(chosen))
        terms = [v for classes, group in groups.items() if classes & ~chosen == 0 for v in group]
        if sum(self.variables[v].ub() for v in terms) <= capacity:  # type: ignore[attr-defined]
            return None
        return terms, float(capacity)

    def _capacity_row(
        self, slot: int, chosen: int, groups: dict[int, list[int]], added: set[tuple[int, int]]
    ) -> None:
        row = self._capacity_terms(slot, chosen, groups, added)
        if row is not None:
            self._row(row[0], 0.0, row[1])

    def _principal_span_rows(
        self, spans: dict[tuple[int, int], list[tuple[int, int, int]]]
    ) -> None:
        """Per principal and half-day, and per principal and day: the meetings' slots fit in
        the slots they may hold, and their number in those runs (as in ``bound.py``)."""
        by_day: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        for (principal, part), terms in spans.items():
            by_day.setdefault((principal, part // 2), []).extend(terms)
        for terms in [*spans.values(), *by_day.values()]:
            usable = 0
            total = 0
            for length, start, _ in terms:
                usable |= ((1 << length) - 1) << start
                total += length
            capacity = usable.bit_count()
            if total > capacity:
                row = self.solver.Constraint(0.0, float(capacity))
                for length, _, variable in terms:
                    row.SetCoefficient(self.variables[variable], float(length))
                self.n_rows += 1
            shortest = min(length for length, _, _ in terms)
            most = sum(run // shortest for run in _runs(usable))
            if len(terms) > most:
                self._row([variable for _, _, variable in terms], 0.0, float(most))

    def _row(self, terms: list[int], low: float, high: float, minus: int | None = None) -> None:
        row = self.solver.Constraint(low, high)
        variables = self.variables
        for variable in terms:
            row.SetCoefficient(variables[variable], 1.0)
        if minus is not None:
            row.SetCoefficient(variables[minus], -1.0)
        self.n_rows += 1


__all__ = ["KIND", "CapacityResult", "better", "capacity_bound", "reported_bound"]
