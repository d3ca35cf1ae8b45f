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
- per requirement set ``S`` and run of the hours when a space of ``S`` is open, the whole
  meetings its spaces hold (``_fitting_rows``: a Chvátal–Gomory rounding of the slot rows,
  which let fractions of meetings tile hours that whole meetings leave idle).

It is not built with a variable per meeting and start (430,000 of them at 3,000 principals and
20,000 requests, one day): only the capacity rows tell one start from another within a half-day,
and they see a meeting only through its starts and their classes. So a meeting gets ``y[m, h]``
per half-day ``h`` (the share of it starting there, for the rows per meeting, principal and
policy), and the meetings whose starts in ``h`` (with the classes allowing each) and length are
the same share ``z[key, s]`` per start, ``sum_s z[key, s] = sum y`` over them: any such ``z``
splits back into starts per meeting, so the LP's value is the same, from about a fifth of the
variables (``_CapacityLP._starts``). The rows per principal and slot (at most one meeting at a time)
need the starts per meeting back, and make the LP degenerate and slow (docs/benchmarks.md):
up to ``PRINCIPAL_ROWS_MAX_MEETINGS`` meetings, every meeting is its own key (its own start
variables, the same LP), and once the capacity rows hold, the rows per principal and slot that
the LP's solution violates are added round after round, as long as time allows; above it they
are left out, the rows of whole meetings making up for them on the larger events (the LP came
out under the LP with them at 1,000 x 5,000). The bound's process (``heuristic/parallel.py``)
solves the grouped LP, then the LP with every row per principal and slot through PDLP, whose
duals give a bound however far it got (``lp_dual.py``). The LP is assembled as arrays
(``_Model``) and loaded into OR-Tools' model builder in one pass, GLOP solving it.

The sets ``S`` that matter are the unions of the meetings' requirement sets, and their number can
explode, so they are separated: each slot's own requirement sets are rows from the start; each
round solves the LP, then for every slot finds the most violated set exactly, as a
maximum-weight closure (a minimum cut: source to each requirement set with its fractional load,
each set to its classes, each class to the sink with its spaces), and adds it. Every LP optimum
with some of the valid rows is a bound (rounded down, weights being whole numbers), so the LP is
time-boxed and anytime. ``reported_bound`` falls back to the relaxed bound of ``bound.py`` when
the capacity rows do not all hold in time, and ``Bound.kind`` says which one it is (and whether
the rows per principal and slot were all added).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from sidelines.scheduling.bound import (
    RELAXED_KIND,
    ROUNDING_MARGIN,
    BoundResult,
    _occupancy,
    _placement_options,
    _runs,
    fitting,
    upper_bound,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound

KIND = "LP bound (capacity sets)"
# The same with every row per principal and slot that its solution violated added (an LP of
# capacity sets and principals' slots, with the engine's rows of whole meetings besides), and
# with some of them.
PRINCIPAL_KIND = "LP bound (capacity sets, a meeting per principal and slot)"
PRINCIPAL_PART_KIND = f"{KIND}; rows per principal and slot not all added in time"
# The LP with every row per principal and slot, not solved to the end: its dual bound at
# PDLP's duals (``lp_dual.py``).
DUAL_KIND = "LP bound (capacity sets, a meeting per principal and slot; dual bound, PDLP)"
# Up to this many meetings each meeting has its own start variables and the rows per principal
# and slot are added where violated. At 1,000 x 5,000 (5,000 meetings) its LP took three times
# the CPU of the grouped one, already under the LP with those rows (docs/benchmarks.md).
PRINCIPAL_ROWS_MAX_MEETINGS = 2_000
# The rounds of rows per principal and slot stop after this many in a row that did not lower
# the bound: the LP is degenerate there, and its solutions keep violating rows that would not
# lower it (22 rounds at 40 x 200, one day, 50 classes, all at the capacity LP's value; at
# 200 x 1,000 the first lower value came at the fourth).
PRINCIPAL_STALL_ROUNDS = 5
# ``reported_bound`` is computed in place, the search waiting for it: its rounds per principal
# and slot start only within this many seconds (on a busy machine they took the whole 12 s of
# a 60-s solve's share at 60 x 280, 3 s of CPU).
IN_PLACE_PRINCIPAL_S = 1.0
# What a relaxed bound reported in its place says.
NOT_IN_TIME = "not solved in time"
# Above this many variables the LP would not be built and solved within a solve's time on
# 2 shared cores (docs/benchmarks.md); the relaxed bound is reported instead.
MAX_VARIABLES = 2_000_000
# The cut's loads are scaled to whole numbers for the max-flow solver.
FLOW_SCALE = 1_000_000
# A row is added when the load exceeds the capacity by more than this.
VIOLATION = 1e-6
MAX_ROUNDS = 200
GLOP_PARAMETERS = "solve_dual_problem: NEVER_DO"

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
    # Rounds of rows per principal and slot, and whether none was left violated.
    principal_rounds: int = 0
    principal_complete: bool = False
    # The meetings the last solution seats (more than half of each), when every capacity row
    # held at it: a set of meetings that fit together, which guides the local search.
    seated: frozenset[int] | None = None


def reported_bound(
    problem: Problem, masks: Sequence[Options] | None = None, time_limit_s: float = 60.0
) -> BoundResult:
    """The capacity LP's bound within ``time_limit_s``, else the relaxed bound of ``bound.py``;
    ``Bound.kind`` names the one returned."""
    tight = capacity_bound(
        problem, masks, time_limit_s, principal_time_s=min(time_limit_s, IN_PLACE_PRINCIPAL_S)
    )
    if tight.complete and tight.result is not None:
        return tight.result
    why = "too large" if tight.variables > MAX_VARIABLES else NOT_IN_TIME
    return better(tight, instead_of_lp(upper_bound(problem, masks), why))


def instead_of_lp(relaxed: BoundResult, why: str = NOT_IN_TIME) -> BoundResult:
    """The relaxed bound, its kind saying that it stands for the capacity LP and why."""
    if relaxed.bound is None:
        return relaxed
    bound = relaxed.bound
    kind = f"{RELAXED_KIND}; the capacity LP {why}"
    return BoundResult(Bound(bound.weight_scheduled, bound.breaks, kind))


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
    principal_rows: bool | None = None,
    principal_time_s: float | None = None,
) -> CapacityResult:
    """The capacity LP within ``time_limit_s``. ``on_bound`` hears each better bound once every
    capacity row holds (the per-principal-and-slot rounds after it lower it further).
    ``principal_rows``: whether to add the rows per principal and slot (by default up to
    ``PRINCIPAL_ROWS_MAX_MEETINGS`` meetings); their rounds start only within
    ``principal_time_s`` when given."""
    if masks is None:
        masks = _placement_options(problem)
    if principal_rows is None:
        principal_rows = len(problem.meetings) <= PRINCIPAL_ROWS_MAX_MEETINGS
    now = time.monotonic()
    lp = _CapacityLP(problem, masks, now + time_limit_s, on_bound, principal_rows)
    if principal_time_s is not None:
        lp.principal_deadline = now + principal_time_s
    return lp.solve()


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


def _run_spans(mask: int) -> list[tuple[int, int]]:
    """The maximal runs of set bits: (first bit, length)."""
    spans = []
    while mask:
        first = (mask & -mask).bit_length() - 1
        length = ((mask >> first) + 1 & ~(mask >> first)).bit_length() - 1
        spans.append((first, length))
        mask &= ~(((1 << length) - 1) << first)
    return spans


def _bits(mask: int) -> list[int]:
    result = []
    while mask:
        low = mask & -mask
        result.append(low.bit_length() - 1)
        mask ^= low
    return result


def _builder() -> Any:
    """OR-Tools' model builder, imported when first needed (loading it takes a noticeable part
    of a second) and untyped: its stubs name numpy's dtypes where shapes belong."""
    import importlib

    return importlib.import_module("ortools.linear_solver.python.model_builder_helper")


class _Model:
    """The LP as arrays: bounds and objective per variable, bounds per row and the rows' terms
    as (row, variable, coefficient) triples, loaded into OR-Tools' model builder at once."""

    def __init__(self) -> None:
        self.low: list[float] = []
        self.high: list[float] = []
        self.weight: list[float] = []
        self.row_low: list[float] = []
        self.row_high: list[float] = []
        self.term_row: list[int] = []
        self.term_var: list[int] = []
        self.term_coef: list[float] = []
        # Per row: whether it is one of the LP's own rows (``lp_dual.py`` prices it), not a
        # row that defines a variable of the grouping or one meeting's "at most once".
        self.dualised: list[bool] = []

    def variable(self, high: float, weight: float = 0.0) -> int:
        self.low.append(0.0)
        self.high.append(high)
        self.weight.append(weight)
        return len(self.low) - 1

    def row(
        self,
        terms: Sequence[int],
        low: float,
        high: float,
        coefs: Sequence[float] | None = None,
        dualised: bool = True,
    ) -> None:
        row = len(self.row_low)
        self.row_low.append(low)
        self.row_high.append(high)
        self.dualised.append(dualised)
        self.term_row.extend([row] * len(terms))
        self.term_var.extend(terms)
        self.term_coef.extend([1.0] * len(terms) if coefs is None else coefs)

    def load(self, helper: Any) -> Any:
        """The model builder's model (new when ``helper`` is None) with the rows it lacks."""
        import numpy as np

        mbh = _builder()
        if helper is None:
            built = mbh.ModelBuilderHelper()
            count = len(self.low)
            built.add_var_array_with_bounds(
                np.array(self.low), np.array(self.high), np.zeros(count, dtype=bool), ""
            )
            built.set_objective_coefficients(list(range(count)), self.weight)
            built.set_maximize(True)
            helper = built
        first = helper.num_constraints()
        for row in range(first, len(self.row_low)):
            added = helper.add_linear_constraint()
            helper.set_constraint_lower_bound(added, self.row_low[row])
            helper.set_constraint_upper_bound(added, self.row_high[row])
        add = helper.add_term_to_constraint
        rows = self.term_row
        variables = self.term_var
        coefs = self.term_coef
        # Terms are appended row by row, so the new rows' terms are the tail.
        at = len(rows)
        while at > 0 and rows[at - 1] >= first:
            at -= 1
        for term in range(at, len(rows)):
            add(rows[term], variables[term], coefs[term])
        return helper


class _CapacityLP:
    def __init__(
        self,
        problem: Problem,
        masks: Sequence[Options],
        deadline: float,
        on_bound: Callable[[BoundResult], None] | None = None,
        principal_rows: bool = False,
    ) -> None:
        self.started = time.monotonic()
        self.principal_rows = principal_rows
        self.principal_deadline = deadline  # no round per principal and slot starts after it
        # With ``principal_rows``: per meeting, (start, length, variable) for each start.
        self.starts_of: dict[int, list[tuple[int, int, int]]] = {}
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
        self.model = _Model()
        # For ``lp_dual.py``, which prices the meetings' starts one by one: per meeting its
        # ``y`` (one per half-day, and per policed or not); per ``y`` of a meeting that needs
        # a space its key, per key its (start, variable of the start, variable counted by the
        # capacity rows), and per ``y`` of a meeting that needs none its (start, variable of
        # the start or -1).
        self.meeting_ys: list[list[int]] = []
        self.y_key: dict[int, tuple[tuple[tuple[int, int], ...], int, int]] = {}
        self.key_starts: dict[tuple[tuple[tuple[int, int], ...], int, int], list[list[int]]] = {}
        # (the keys' lists are [start, z, w])
        self.y_corridor: dict[int, list[list[int]]] = {}
        # The dual and primal values of the last LP solved, and its value.
        self.duals: Any = None
        self.values: Any = None
        self.value: float | None = None
        # Per slot, the variables holding a space by requirement set, and the capacity rows
        # added (``build``).
        self.holding: list[dict[int, list[int]]] = []
        self.added: set[tuple[int, int]] = set()

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

    def _parts(self) -> list[tuple[int, int]]:
        """Each day's morning and afternoon: (day index, mask of the starts in it)."""
        parts = []
        for day in self.problem.grid.days:
            for first, end in (
                (day.first_slot, day.afternoon_slot),
                (day.afternoon_slot, day.end_slot),
            ):
                if end > first:
                    parts.append((day.index, ((1 << (end - first)) - 1) << first))
        return parts

    def solve(self) -> CapacityResult:
        done = self.build()
        if done is not None:
            return done
        return self._rounds(self.holding, self.added)

    def build(self) -> CapacityResult | None:
        """The LP's variables and first rows; a result when there is nothing to solve (no
        place for a required meeting, too large, out of time)."""
        problem = self.problem
        model = self.model
        cap = problem.max_bookings_per_party_per_day
        organiser = 0
        for class_idx, space_class in enumerate(problem.space_classes):
            if problem.spaces[space_class.spaces[0]].organiser_run:
                organiser |= 1 << class_idx
        parts = self._parts()
        atoms_of = self.meeting_atoms()
        # (principal, part) -> (length, slots the meeting may occupy there, y variable)
        principal_spans: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        policy_terms: dict[tuple[str, int], list[int]] = {}
        # The blocks of one key: (their starts with the classes allowing each, length, the
        # meeting when it is a key of its own or -1) -> y
        members: dict[tuple[tuple[tuple[int, int], ...], int, int], list[int]] = {}
        for idx, meeting in enumerate(problem.meetings):
            owner = idx if self.principal_rows else -1
            if meeting.needs_space:
                atoms = atoms_of(idx)
            else:
                corridor = 0
                for class_idx, mask in self.masks[idx]:
                    if class_idx < 0:
                        corridor |= mask
                atoms = [(corridor, 0)] if corridor else []
            if meeting.locked_start is not None:
                at = 1 << meeting.locked_start
                atoms = [(at, classes) for starts, classes in atoms if starts & at]
                if not atoms:
                    reason = f"{meeting.label} cannot be held where it is locked"
                    return CapacityResult(BoundResult(None, True, reason), 0, 0, 0, True)
            length = meeting.duration_slots
            own: list[int] = []
            for part, (day_index, part_mask) in enumerate(parts):
                for policed in (False, True):
                    block = tuple(
                        (starts & part_mask, classes)
                        for starts, classes in atoms
                        if starts & part_mask
                        and (cap is not None and classes and classes & ~organiser == 0) == policed
                    )
                    if not block:
                        continue
                    y = model.variable(1.0, float(meeting.weight))
                    own.append(y)
                    anywhere = 0
                    for starts, _ in block:
                        anywhere |= starts
                    occupied = _occupancy(anywhere, length)
                    for principal in meeting.principals:
                        principal_spans.setdefault((principal, part), []).append(
                            (length, occupied, y)
                        )
                    if policed:
                        for party in meeting.parties:
                            policy_terms.setdefault((party, day_index), []).append(y)
                    if meeting.needs_space:
                        key = (block, length, owner)
                        members.setdefault(key, []).append(y)
                        self.y_key[y] = key
                    elif owner >= 0:
                        self.y_corridor[y] = self._corridor_starts(owner, anywhere, length, y)
                    else:
                        self.y_corridor[y] = [[start, -1] for start in _bits(anywhere)]
            if meeting.locked_start is not None:
                model.low[own[0]] = 1.0
            if meeting.required or meeting.locked:
                if not own:
                    reason = f"{meeting.label} is required but has no place"
                    return CapacityResult(BoundResult(None, True, reason), 0, 0, 0, True)
                model.row(own, 1.0, 1.0, dualised=False)
            elif len(own) > 1:
                model.row(own, 0.0, 1.0, dualised=False)
            self.meeting_ys.append(own)
        holding = self._starts(members)
        if len(model.low) > MAX_VARIABLES:
            return CapacityResult(None, 0, 0, len(model.low), False)
        self._principal_span_rows(principal_spans)
        if cap is not None:
            for terms in policy_terms.values():
                if len(terms) > cap:
                    model.row(terms, 0.0, float(cap))
        # Each slot's requirement sets on their own from the start (on the generated events
        # they are nested, hence already union-closed); other unions come from separation.
        added: set[tuple[int, int]] = set()
        for slot, groups in enumerate(holding):
            for classes in groups:
                self._capacity_row(slot, classes, groups, added)
        self._fitting_rows({classes for groups in holding for classes in groups})
        if self.out_of_time():
            return CapacityResult(None, 0, len(model.row_low), len(model.low), False)
        self.holding, self.added = holding, added
        return None

    def _starts(
        self, members: dict[tuple[tuple[tuple[int, int], ...], int, int], list[int]]
    ) -> list[dict[int, list[int]]]:
        """The start variables of every key and the groups the capacity rows count.

        The blocks of one key (a meeting's starts within a half-day, with the classes allowing
        each, and its length) are interchangeable for the capacity rows: ``z[key, start]`` says
        how many of them start there, with ``sum_start z = sum y`` per key. Any such ``z`` splits
        back into a start per block (every block of the key may take every start of it), so
        this is the LP over meetings and starts, with a variable per key and start instead of
        per meeting and start. The rows then count the keys of one requirement set, start and
        span through one more variable ``w`` each (rows of a few terms; GLOP factorises them
        far faster, the LP being highly degenerate). Returns, per slot, the ``w`` holding a
        space then, by requirement set."""
        model = self.model
        n_slots = self.problem.grid.n_slots
        together: dict[tuple[int, int, int], list[int]] = {}
        shortest: dict[tuple[int, int, int], int] = {}  # the shortest meeting of each
        # Few distinct requirement sets and start masks, many keys: each worked out once.
        turnovers: dict[int, int] = {}
        bits: dict[int, list[int]] = {}
        for (block, length, owner), ys in members.items():
            count = float(len(ys))
            zs: list[int] = []
            # (start, z), the z turned into its w below
            starts_of_key: list[list[int]] = []
            self.key_starts[block, length, owner] = starts_of_key
            for starts, classes in block:
                turnover = turnovers.get(classes)
                if turnover is None:
                    turnover = min(self.turnover[c] for c in _bits(classes))
                    turnovers[classes] = turnover
                if starts not in bits:
                    bits[starts] = _bits(starts)
                for start in bits[starts]:
                    z = model.variable(count)
                    zs.append(z)
                    if owner >= 0:
                        self.starts_of.setdefault(owner, []).append((start, length, z))
                    span = min(length + turnover, n_slots - start)
                    key = (classes, start, span)
                    together.setdefault(key, []).append(z)
                    starts_of_key.append([start, z, z])
                    shortest[key] = min(length, shortest.get(key, length))
            model.row(zs + ys, 0.0, 0.0, [1.0] * len(zs) + [-1.0] * len(ys), dualised=False)
        holding: list[dict[int, list[int]]] = [{} for _ in range(n_slots)]
        self.w_high: dict[int, float] = {}
        # Per requirement set: (w, its start, its shortest meeting), for ``_fitting_rows``.
        self.starting: dict[int, list[tuple[int, int, int]]] = {}
        w_of: dict[int, int] = {}
        for (classes, start, span), zs in together.items():
            high = sum(model.high[z] for z in zs)
            if len(zs) == 1:
                w = zs[0]
            else:
                w = model.variable(high)
                model.row([*zs, w], 0.0, 0.0, [1.0] * len(zs) + [-1.0], dualised=False)
            for z in zs:
                w_of[z] = w
            self.w_high[w] = high
            self.starting.setdefault(classes, []).append((w, start, shortest[classes, start, span]))
            for slot in range(start, start + span):
                holding[slot].setdefault(classes, []).append(w)
        for starts_of_key in self.key_starts.values():
            for triple in starts_of_key:
                triple[2] = w_of[triple[1]]
        return holding

    def _rounds(
        self, holding: list[dict[int, list[int]]], added: set[tuple[int, int]]
    ) -> CapacityResult:
        mbh = _builder()
        model = self.model
        helper: Any = None
        rounds = 0
        # Every optimum of the LP with some of the valid rows is a bound; the last is the best.
        best: Bound | None = None
        complete = False  # every capacity row held at some round's solution
        principal_rows = self._principal_slot_terms() if self.principal_rows else []
        principal_rounds = 0
        principal_complete = False
        heard: Bound | None = None  # the last bound ``on_bound`` heard
        stalled = 0  # rounds per principal and slot in a row that did not lower the bound
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 or rounds >= MAX_ROUNDS:
                break
            helper = model.load(helper)
            solver = mbh.ModelSolverHelper("glop")
            # The primal simplex on the LP itself: GLOP's own choice, its dual, took 1.5 times
            # the CPU time at 1,000 x 5,000 (docs/benchmarks.md).
            solver.set_solver_specific_parameters(GLOP_PARAMETERS)
            solver.set_time_limit_in_seconds(remaining)
            solver.solve(helper)
            rounds += 1
            status = solver.status()
            if status == mbh.SolveStatus.INFEASIBLE:
                reason = "the required and locked meetings exceed the time or spaces available"
                infeasible = BoundResult(None, True, reason)
                return CapacityResult(infeasible, rounds, len(model.row_low), len(model.low), True)
            if status != mbh.SolveStatus.OPTIMAL:
                break
            value = math.floor(solver.objective_value() + ROUNDING_MARGIN)
            values = solver.variable_values()
            self.duals = solver.dual_values()
            self.values = values
            self.value = solver.objective_value()
            violated = self._violated_capacity(values, holding, added)
            if best is None or value < best.weight_scheduled:
                best = Bound(value, 0, KIND)
                stalled = 0
            elif principal_rounds > 0:
                stalled += 1
            if not violated:
                # Once the capacity rows hold, the LP's value is at most the capacity LP's,
                # and any later round's (with more rows) lower still.
                complete = True
                if self.separated is None:
                    self.separated = (time.monotonic() - self.started, value)
                violated = self._violated_rows(values, principal_rows)
                principal_complete = not violated
                if self.on_bound is not None and best is not None and best != heard:
                    heard = best
                    self.on_bound(BoundResult(self._kind(best, True, principal_complete)))
                if (
                    not violated
                    or stalled >= PRINCIPAL_STALL_ROUNDS
                    or time.monotonic() >= self.principal_deadline
                ):
                    break
                principal_rounds += 1
            for terms, high in violated:
                model.row(terms, 0.0, high)
        n_rows, n_variables = len(model.row_low), len(model.low)
        if best is None:
            return CapacityResult(None, rounds, n_rows, n_variables, False)
        best = self._kind(best, complete, principal_complete)
        separated_s, separated_bound = self.separated or (None, None)
        return CapacityResult(
            BoundResult(best),
            rounds,
            n_rows,
            n_variables,
            complete,
            separated_s,
            separated_bound,
            principal_rounds,
            principal_complete,
            self.seated() if complete else None,
        )

    def seated(self) -> frozenset[int]:
        """The meetings the last solution seats: more than half of each."""
        values = self.values
        return frozenset(
            idx for idx, ys in enumerate(self.meeting_ys) if ys and sum(values[y] for y in ys) > 0.5
        )

    def _kind(self, bound: Bound, separated: bool, principal_complete: bool) -> Bound:
        """``bound`` with the kind that says which rows it has."""
        if not separated:
            kind = KIND + ", not all separated in time"
        elif not self.principal_rows:
            kind = KIND
        else:
            kind = PRINCIPAL_KIND if principal_complete else PRINCIPAL_PART_KIND
        return Bound(bound.weight_scheduled, 0, kind)

    def _violated_capacity(
        self, values: Any, holding: list[dict[int, list[int]]], added: set[tuple[int, int]]
    ) -> list[tuple[list[int], float]]:
        """For every slot, the most violated capacity row, if any."""
        from ortools.graph.python.max_flow import SimpleMaxFlow

        violated: list[tuple[list[int], float]] = []
        for slot, groups in enumerate(holding):
            if len(groups) < 2:
                continue  # a single requirement set's row is there from the start
            loads = {}
            for classes, terms in groups.items():
                load = float(values[terms].sum())
                if load > VIOLATION:
                    loads[classes] = load
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
        terms = [w for classes, group in groups.items() if classes & ~chosen == 0 for w in group]
        if sum(self.w_high[w] for w in terms) <= capacity:
            return None
        return terms, float(capacity)

    def _capacity_row(
        self, slot: int, chosen: int, groups: dict[int, list[int]], added: set[tuple[int, int]]
    ) -> None:
        row = self._capacity_terms(slot, chosen, groups, added)
        if row is not None:
            self.model.row(row[0], 0.0, row[1])

    def _fitting_rows(self, sets: set[int]) -> None:
        """Per requirement set ``S`` and run of the hours when some space of ``S`` is open: the
        meetings that need a space of ``S`` and start in that run are at most the whole
        meetings of the shortest length among them that its spaces hold
        (``bound.fitting``). The slot rows alone let fractions of meetings tile the hours
        that whole meetings leave idle (2.4 % more meetings than fit at 200 x 1,000, 50
        classes, every meeting 3 slots long); this is their Chvátal–Gomory rounding."""
        problem = self.problem
        classes = problem.space_classes
        opens = [problem.spaces[c.spaces[0]].open for c in classes]
        for chosen in sets:
            members = [
                term
                for requirement, terms in self.starting.items()
                if requirement & ~chosen == 0
                for term in terms
            ]
            in_set = _bits(chosen)
            hours = 0
            for c in in_set:
                hours |= opens[c]
            for first, length in _run_spans(hours):
                window = ((1 << length) - 1) << first
                terms = [(w, least) for w, start, least in members if (window >> start) & 1]
                if not terms:
                    continue
                least = min(n for _, n in terms)
                most = sum(
                    classes[c].size * fitting(problem, classes[c].spaces[0], window, least)
                    for c in in_set
                )
                if sum(self.w_high[w] for w, _ in terms) > most:
                    self.model.row([w for w, _ in terms], 0.0, float(most))

    def _corridor_starts(self, owner: int, starts: int, length: int, y: int) -> list[list[int]]:
        """A variable per start of a meeting that needs no space (no capacity row has it),
        for its principals' rows per slot: (start, variable) each."""
        model = self.model
        xs = []
        pairs = []
        for start in _bits(starts):
            x = model.variable(1.0)
            xs.append(x)
            pairs.append([start, x])
            self.starts_of.setdefault(owner, []).append((start, length, x))
        model.row([*xs, y], 0.0, 0.0, [1.0] * len(xs) + [-1.0], dualised=False)
        return pairs

    def _principal_slot_terms(self) -> list[list[int]]:
        """Per principal and slot, the start variables of the principal's meetings that hold
        it then (at most one of them may), where there are two or more; the same terms as the
        slot before are kept once."""
        rows: list[list[int]] = []
        for meetings in self.problem.principal_meetings:
            by_slot: dict[int, list[int]] = {}
            for idx in meetings:
                for start, length, x in self.starts_of.get(idx, ()):
                    for slot in range(start, start + length):
                        by_slot.setdefault(slot, []).append(x)
            previous: list[int] = []
            for slot in sorted(by_slot):
                terms = by_slot[slot]
                if len(terms) > 1 and terms != previous:
                    rows.append(terms)
                previous = terms
        return rows

    def _violated_rows(self, values: Any, rows: list[list[int]]) -> list[tuple[list[int], float]]:
        """The rows per principal and slot that ``values`` violate, taken out of ``rows`` (a
        row once added stays in the LP)."""
        violated: list[tuple[list[int], float]] = []
        kept: list[list[int]] = []
        for terms in rows:
            if float(values[terms].sum()) > 1.0 + VIOLATION:
                violated.append((terms, 1.0))
            else:
                kept.append(terms)
        rows[:] = kept
        return violated

    def _principal_span_rows(
        self, spans: dict[tuple[int, int], list[tuple[int, int, int]]]
    ) -> None:
        """Per principal and half-day, and per principal and day: the meetings' slots fit in
        the slots they may hold, and their number in those runs (as in ``bound.py``)."""
        parts = self._parts()
        by_day: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        for (principal, part), terms in spans.items():
            by_day.setdefault((principal, parts[part][0]), []).extend(terms)
        for terms in [*spans.values(), *by_day.values()]:
            usable = 0
            total = 0
            for length, occupied, _ in terms:
                usable |= occupied
                total += length
            capacity = usable.bit_count()
            if total > capacity:
                self.model.row(
                    [y for _, _, y in terms], 0.0, float(capacity), [float(n) for n, _, _ in terms]
                )
            shortest = min(length for length, _, _ in terms)
            most = sum(run // shortest for run in _runs(usable))
            if len(terms) > most:
                self.model.row([y for _, _, y in terms], 0.0, float(most))


__all__ = [
    "DUAL_KIND",
    "KIND",
    "PRINCIPAL_KIND",
    "PRINCIPAL_PART_KIND",
    "PRINCIPAL_ROWS_MAX_MEETINGS",
    "CapacityResult",
    "better",
    "capacity_bound",
    "instead_of_lp",
    "reported_bound",
]
