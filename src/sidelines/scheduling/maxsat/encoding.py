"""A weighted MaxSAT encoding of the breaks problem, after Bofill et al., JAIR 74 (2022).

Hard clauses: every meeting at exactly one allowed (start, space class), the same start literals
as the CP-SAT model (placement rules are their domains); at most one meeting per principal and
slot; class counts within the class size; precedences as pairwise exclusions. Soft clauses of
weight 1 count the breaks themselves, so the cost of a model is its number of breaks.

Only the directions the optimum needs are encoded ("busy after idle after busy implies a break");
the solver has every reason to leave the rest false. Fairness is encoded as "every principal has
at most d breaks", which implies max - min <= d and equals it whenever the least is 0; ``solve``
says when the answer is still proven for the true rule. The paper's two implied constraints are
added: each principal is busy in exactly its meeting slots, and each slot has at most (principals
per meeting) x (spaces) busy principals; they took the paper's MaxSAT solver from 15 to 20 of 20.
A third, ours, is kept apart for the searches (``Encoding.redundant``): without a break, a
principal's busy slots are one block as long as its meetings.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from pysat.card import CardEnc, EncType
from pysat.formula import WCNF, IDPool

from sidelines.scheduling.maxsat.scope import unsupported
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.slots import iter_slots
from sidelines.scheduling.starts import NO_CLASS, candidate_classes, start_mask


@dataclass(frozen=True, slots=True)
class StartLiteral:
    meeting_idx: int
    slot: int
    class_idx: int
    literal: int


@dataclass
class Encoding:
    formula: WCNF
    starts: list[list[StartLiteral]]
    busy: dict[tuple[int, int], int] = field(default_factory=dict)
    # Each principal's break literals (the soft clauses are their negations).
    breaks: dict[int, list[int]] = field(default_factory=dict)
    # Redundant clauses kept out of ``formula`` (``_encode_one_block``): they shorten the
    # core-guided search's last call but slowed a plain SAT call for any schedule.
    redundant: list[list[int]] = field(default_factory=list)


def _at_most(
    formula: WCNF, pool: IDPool, literals: list[int], bound: int, kind: int = EncType.seqcounter
) -> None:
    if len(literals) <= bound:
        return
    if bound == 1 and len(literals) <= 5:
        kind = EncType.pairwise
    formula.hard.extend(CardEnc.atmost(literals, bound, vpool=pool, encoding=kind).clauses)


def _equals(formula: WCNF, pool: IDPool, literals: list[int], bound: int) -> None:
    if bound > len(literals):
        # More meeting slots than slots to hold them: a contradiction (pysat rejects the bound).
        contradiction = pool.id(("contradiction",))
        formula.hard.extend([[contradiction], [-contradiction]])
        return
    if bound == len(literals):
        formula.hard.extend([[literal] for literal in literals])
        return
    formula.hard.extend(
        CardEnc.equals(literals, bound, vpool=pool, encoding=EncType.seqcounter).clauses
    )


def encode(problem: Problem, *, implied: bool = True) -> Encoding:
    pool = IDPool()
    formula = WCNF()
    starts: list[list[StartLiteral]] = []
    covering: list[dict[int, list[int]]] = [{} for _ in problem.principals]
    occupying: dict[int, dict[int, list[int]]] = {}
    interpreting: dict[int, dict[int, list[int]]] = {}  # per language pair and slot
    n_slots = problem.grid.n_slots

    # Start literals, and every meeting held exactly once (all are required or locked).
    for meeting_idx, meeting in enumerate(problem.meetings):
        options: list[StartLiteral] = []
        for class_idx in candidate_classes(problem, meeting_idx):
            turnover = 0
            if class_idx != NO_CLASS:
                turnover = problem.spaces[problem.space_classes[class_idx].spaces[0]].turnover_slots
            for slot in iter_slots(start_mask(problem, meeting_idx, class_idx)):
                literal = pool.id(("x", meeting_idx, slot, class_idx))
                options.append(StartLiteral(meeting_idx, slot, class_idx, literal))
                for covered in range(slot, slot + meeting.duration_slots):
                    for principal_idx in meeting.principals:
                        covering[principal_idx].setdefault(covered, []).append(literal)
                for pair_idx in meeting.interpretation:
                    for covered in range(slot, slot + meeting.duration_slots):
                        interpreting.setdefault(pair_idx, {}).setdefault(covered, []).append(
                            literal
                        )
                if class_idx != NO_CLASS:
                    # The space is taken for the meeting, its turnover, and the press leaving.
                    hold = meeting.duration_slots + turnover + meeting.press_buffer_slots
                    for covered in range(slot, min(n_slots, slot + hold)):
                        occupying.setdefault(class_idx, {}).setdefault(covered, []).append(literal)
        literals = [option.literal for option in options]
        formula.hard.append(literals)  # at least one (an empty clause when it has no start at all)
        _at_most(formula, pool, literals, 1)
        starts.append(options)

    # Spaces: per class and slot, no more meetings than spaces.
    for space_class in problem.space_classes:
        for literals in occupying.get(space_class.index, {}).values():
            _at_most(formula, pool, literals, space_class.size, EncType.kmtotalizer)

    # Interpreters: per language pair and slot, no more meetings than interpreters.
    for pair_idx, per_slot in interpreting.items():
        for literals in per_slot.values():
            _at_most(formula, pool, literals, problem.interpreters[pair_idx].count)

    # Precedences: exclude every pair of starts where the later meeting begins too early.
    for later_idx, later in enumerate(problem.meetings):
        for earlier_idx in later.after:
            duration = problem.meetings[earlier_idx].duration_slots
            for first, second in itertools.product(starts[earlier_idx], starts[later_idx]):
                if second.slot < first.slot + duration:
                    formula.hard.append([-first.literal, -second.literal])

    encoding = Encoding(formula, starts)
    for principal_idx, meetings in enumerate(problem.principal_meetings):
        slots = covering[principal_idx]
        for literals in slots.values():
            _at_most(formula, pool, literals, 1)
        if len(meetings) < 2:
            continue
        # busy <-> one of the covering starts (both ways: the implied count reads busy).
        for slot, literals in slots.items():
            busy = pool.id(("busy", principal_idx, slot))
            encoding.busy[principal_idx, slot] = busy
            formula.hard.append([-busy, *literals])
            formula.hard.extend([[-literal, busy] for literal in literals])
        _encode_breaks(problem, encoding, pool, principal_idx)
        if implied:
            own = [encoding.busy[principal_idx, slot] for slot in slots]
            held = sum(problem.meetings[m].duration_slots for m in meetings)
            _equals(formula, pool, own, held)
            _encode_one_block(problem, encoding, pool, principal_idx, held, set(slots))

    if implied and problem.meetings and all(m.needs_space for m in problem.meetings):
        seats = max(len(m.principals) for m in problem.meetings) * len(problem.spaces)
        by_slot: dict[int, list[int]] = {}
        for (_, slot), busy in encoding.busy.items():
            by_slot.setdefault(slot, []).append(busy)
        for literals in by_slot.values():
            _at_most(formula, pool, literals, seats, EncType.kmtotalizer)
    # Hard clauses went straight into the list (WCNF.append scans every clause for its largest
    # variable, most of the encoding's time): the pool knows the largest variable.
    formula.nv = max(formula.nv, pool.top)
    return encoding


def _encode_breaks(problem: Problem, encoding: Encoding, pool: IDPool, principal_idx: int) -> None:
    """A break ends at a busy kept slot whose previous kept slot is idle while an earlier one
    that day was busy, i.e. at every block start but the first. Soft clauses count these
    directly, so a schedule without breaks costs 0 and one SAT call proves it (counting blocks
    instead would cost one core per principal)."""
    formula = encoding.formula
    programme = problem.principals[principal_idx].programme
    breaks: list[int] = []
    for day in problem.grid.days:
        # Kept slots in order: programme time is skipped, as in scheduling/objective.py.
        kept = [slot for slot in day.slots if not programme >> slot & 1]
        busy: list[int | None] = [encoding.busy.get((principal_idx, slot)) for slot in kept]
        seen: list[int | None] = []  # busy at some kept slot up to here (a lower bound)
        for index, slot in enumerate(kept):
            now = busy[index]
            before = busy[index - 1] if index >= 1 else None
            earlier = seen[index - 2] if index >= 2 else None
            if now is not None and earlier is not None:
                gap = pool.id(("break", principal_idx, slot))
                formula.hard.append(
                    [-now, -earlier, gap] + ([before] if before is not None else [])
                )
                formula.append([-gap], weight=1)  # soft: one per break
                breaks.append(gap)
            so_far = seen[index - 1] if index >= 1 else None
            if now is not None and so_far is not None:
                merged = pool.id(("seen", principal_idx, slot))
                formula.hard.extend([[-now, merged], [-so_far, merged]])
                so_far = merged
            elif now is not None:
                so_far = now
            seen.append(so_far)
    encoding.breaks[principal_idx] = breaks
    spread = problem.fairness_max_spread
    if spread is not None:
        # Every principal at most d breaks: max - min <= d when the least is 0 (see solve).
        _at_most(formula, pool, breaks, spread, EncType.kmtotalizer)


def _encode_one_block(
    problem: Problem,
    encoding: Encoding,
    pool: IDPool,
    principal_idx: int,
    held: int,
    busy_slots: set[int],
) -> None:
    """Redundant clauses (``encoding.redundant``) for a principal whose meetings all fall on
    one day: without a break its busy slots are one block of exactly ``held`` kept slots, so a
    block that starts at a slot runs on for ``held`` slots and stops there. The break literals
    and the count above imply this, but only through a chain of inferences a SAT solver finds
    late; stated directly, the last call of a core-guided search (a schedule at the lower
    bound, where most principals have no break) ended sooner on the JAIR originals, while a
    plain SAT call for any schedule took longer with them (docs/benchmarks.md)."""
    breaks = encoding.breaks.get(principal_idx)
    if not breaks:
        return
    programme = problem.principals[principal_idx].programme
    days = [day for day in problem.grid.days if busy_slots.intersection(day.slots)]
    # A contact held at a programme session is busy time outside the kept slots: the block's
    # length is then not ``held``.
    if len(days) != 1 or any(programme >> slot & 1 for slot in busy_slots):
        return
    clauses = encoding.redundant
    # any_break <-> one of the principal's break literals is true.
    any_break = pool.id(("any_break", principal_idx))
    clauses.extend([[-gap, any_break] for gap in breaks])
    clauses.append([-any_break, *breaks])
    kept = [slot for slot in days[0].slots if not programme >> slot & 1]
    busy = [encoding.busy.get((principal_idx, slot)) for slot in kept]
    for index, now in enumerate(busy):
        if now is None:
            continue
        before = busy[index - 1] if index >= 1 else None
        # "The block starts here and there is no break" implies the next held - 1 slots busy
        # and the one after idle; a slot that can never be busy ends the list.
        starts_here = [-now, any_break] + ([before] if before is not None else [])
        for offset in range(1, held + 1):
            later = busy[index + offset] if index + offset < len(busy) else None
            if offset < held:
                clauses.append(starts_here + ([later] if later is not None else []))
                if later is None:
                    break
            elif later is not None:
                clauses.append([*starts_here, -later])


__all__ = ["Encoding", "StartLiteral", "encode", "unsupported"]
