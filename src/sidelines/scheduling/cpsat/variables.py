"""The decision variables of the CP-SAT model, and the questions the constraints ask of them.

The model is time-indexed: a Boolean ``x[m, t, c]`` says that meeting ``m`` starts at slot ``t``
in a space of class ``c`` (``NO_CLASS`` for formats held in no space). It is created only where
every placement rule allows that start in that class, so the placement rules enter the model as
the variables' domains: the very masks the validator checks. Concrete spaces are picked after the
solve (``sidelines.scheduling.spaces``).

For the breaks (``sidelines.scheduling.objective``), principals with two meetings or more get
``busy[p, s]`` literals here and block-start and active-day literals in
``objective.define_breaks``; a principal with at most one meeting never has a break.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.slots import iter_slots
from sidelines.scheduling.starts import (
    NO_CLASS,
    candidate_classes,
    representative,
    start_mask,
)

# Meetings between looks at the clock while the variables are made (a few milliseconds).
CHECK_EVERY = 16

Literal = cp_model.IntVar


@dataclass(frozen=True, slots=True)
class Start:
    """One way to place a meeting: its start slot, its space class, and the literal choosing it."""

    meeting_idx: int
    slot: int
    class_idx: int
    var: Literal


@dataclass
class ModelVariables:
    starts: list[list[Start]]  # per meeting
    busy: dict[tuple[int, int], Literal] = field(default_factory=dict)
    breaks: dict[int, cp_model.IntVar] = field(default_factory=dict)
    breaks_ceiling: dict[int, int] = field(default_factory=dict)  # upper bound of each breaks var
    # In a minimal re-solve, 1 for each published meeting that may stay and does not.
    moved: list[cp_model.LinearExprT] = field(default_factory=list)
    _principal_slots: list[dict[int, list[Literal]]] = field(default_factory=list)
    _class_slots: dict[int, dict[int, list[Literal]]] = field(default_factory=dict)

    # --- queries -----------------------------------------------------------------------

    def starts_of(self, meeting_idx: int) -> list[Start]:
        return self.starts[meeting_idx]

    def scheduled(self, meeting_idx: int) -> cp_model.LinearExprT:
        """1 when the meeting is placed (its start literals are at most one)."""
        return cp_model.LinearExpr.sum([start.var for start in self.starts[meeting_idx]])

    def starting_in(self, meeting_idx: int, first: int, last: int) -> list[Literal]:
        """Literals of the meeting starting within slots ``[first, last]``."""
        return [s.var for s in self.starts[meeting_idx] if first <= s.slot <= last]

    def covering_principal(self, principal_idx: int) -> dict[int, list[Literal]]:
        """Per slot, the literals that make the principal sit in a meeting during it."""
        return self._principal_slots[principal_idx]

    def occupying_class(self, class_idx: int) -> dict[int, list[Literal]]:
        """Per slot, the literals that hold a space of the class during it, its turnover or
        its press-out buffer."""
        return self._class_slots.get(class_idx, {})

    def has_breaks(self, principal_idx: int) -> bool:
        return principal_idx in self.breaks

    def all_start_literals(self) -> list[Start]:
        return [start for starts in self.starts for start in starts]


def count_start_literals(problem: Problem) -> int:
    """How many start literals ``build_variables`` would create."""
    return sum(
        start_mask(problem, meeting_idx, class_idx).bit_count()
        for meeting_idx in range(len(problem.meetings))
        for class_idx in candidate_classes(problem, meeting_idx)
    )


def build_variables(
    model: cp_model.CpModel, problem: Problem, until: float | None = None
) -> ModelVariables | None:
    """The decision variables, or None when ``until`` (a ``time.monotonic()`` instant) passes
    while they are made (most of the model's building time goes here)."""
    starts: list[list[Start]] = []
    principal_slots: list[dict[int, list[Literal]]] = [{} for _ in problem.principals]
    class_slots: dict[int, dict[int, list[Literal]]] = {}
    n_slots = problem.grid.n_slots
    for meeting_idx, meeting in enumerate(problem.meetings):
        if until is not None and meeting_idx % CHECK_EVERY == 0 and time.monotonic() >= until:
            return None
        options: list[Start] = []
        for class_idx in candidate_classes(problem, meeting_idx):
            turnover = 0
            if class_idx != NO_CLASS:
                space = problem.spaces[problem.space_classes[class_idx].spaces[0]]
                turnover = space.turnover_slots
            for slot in iter_slots(start_mask(problem, meeting_idx, class_idx)):
                var = model.new_bool_var(f"x[{meeting.id},{slot},{class_idx}]")
                options.append(Start(meeting_idx, slot, class_idx, var))
                for covered in range(slot, slot + meeting.duration_slots):
                    for principal_idx in meeting.principals:
                        principal_slots[principal_idx].setdefault(covered, []).append(var)
                if class_idx != NO_CLASS:
                    # A space stays taken for the meeting and its turnover buffer after it, and
                    # after a meeting with the press in while the press leaves
                    # (press_out_buffer_respected).
                    hold = meeting.duration_slots + turnover + meeting.press_buffer_slots
                    end = min(n_slots, slot + hold)
                    per_slot = class_slots.setdefault(class_idx, {})
                    for covered in range(slot, end):
                        per_slot.setdefault(covered, []).append(var)
        starts.append(options)

    variables = ModelVariables(starts, _principal_slots=principal_slots, _class_slots=class_slots)
    for principal_idx, meetings in enumerate(problem.principal_meetings):
        if len(meetings) < 2:
            continue
        for slot in principal_slots[principal_idx]:
            variables.busy[principal_idx, slot] = model.new_bool_var(
                f"busy[{principal_idx},{slot}]"
            )
    return variables


__all__ = [
    "NO_CLASS",
    "Literal",
    "ModelVariables",
    "Start",
    "build_variables",
    "candidate_classes",
    "count_start_literals",
    "representative",
    "start_mask",
]
