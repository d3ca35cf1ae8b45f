"""Rules from the terms both sides agreed: the place, the press plan, interpretation.

What both sides agreed binds the schedule. The agreed window is the meeting's windows
(``meeting_within_its_windows``), the host's suite is resolved into the agreed place when it is
agreed, and the attendees are the meeting's principals (``principal_present`` and the others);
the rules here cover the rest. Placement rules are the set of allowed starts, as in
``placement.py``; the rules between meetings are checks with a constraint group each in CP-SAT.
"""

from __future__ import annotations

from collections.abc import Iterator

from sidelines.domain.space import Feature
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.base import Placed, PlacementRule, Rule, Violation, when
from sidelines.scheduling.slots import SlotMask


class MeetingInAgreedSpace(PlacementRule):
    name = "meeting_in_agreed_space"
    reads_space = True
    label = "a meeting with an agreed place is held in one of its agreed spaces"

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        agreed = problem.meetings[meeting_idx].agreed_spaces
        if agreed and space_idx not in agreed:
            return 0
        return problem.grid.all_slots()

    def explain(self, problem: Problem, item: Placed) -> str:
        meeting = problem.meetings[item.meeting_idx]
        where = "no space" if item.space_idx is None else problem.spaces[item.space_idx].label
        agreed = ", ".join(sorted(problem.spaces[s].label for s in meeting.agreed_spaces))
        return f"{meeting.label} is held in {where}, not in its agreed place ({agreed})"


class PressReadySpace(PlacementRule):
    name = "press_ready_space"
    reads_space = True
    label = "a meeting with a pool spray or open press is held in a press-ready space"

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        if not problem.meetings[meeting_idx].press:
            return problem.grid.all_slots()
        if space_idx is None or Feature.PRESS not in problem.spaces[space_idx].features:
            return 0
        return problem.grid.all_slots()

    def explain(self, problem: Problem, item: Placed) -> str:
        meeting = problem.meetings[item.meeting_idx]
        where = "no space" if item.space_idx is None else problem.spaces[item.space_idx].label
        return f"{meeting.label} has the press in, but {where} is not press-ready"


class MeetingHasInterpreter(PlacementRule):
    name = "meeting_has_interpreter"
    label = (
        "principals who share no working language have an interpreter, from the event's pool "
        "or brought by a side"
    )

    def allowed_starts(self, problem: Problem, meeting_idx: int, space_idx: int | None) -> SlotMask:
        if missing_interpretation(problem, meeting_idx):
            return 0
        return problem.grid.all_slots()

    def explain(self, problem: Problem, item: Placed) -> str:
        meeting = problem.meetings[item.meeting_idx]
        pairs = ", ".join(missing_interpretation(problem, item.meeting_idx))
        return (
            f"{meeting.label} needs {pairs} interpretation; the event has none and no side "
            "brings its own"
        )


def missing_interpretation(problem: Problem, meeting_idx: int) -> list[str]:
    """The language pairs the meeting needs that the event's pool lacks, by label."""
    return [
        problem.interpreters[pair_idx].label
        for pair_idx in problem.meetings[meeting_idx].interpretation
        if problem.interpreters[pair_idx].count == 0
    ]


class PressOutBufferRespected(Rule):
    name = "press_out_buffer_respected"
    label = "after a meeting with the press in, its space stays free while the press leaves"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        by_space: dict[int, list[Placed]] = {}
        for item in placed:
            if item.space_idx is not None:
                by_space.setdefault(item.space_idx, []).append(item)
        for space_idx, items in sorted(by_space.items()):
            space = problem.spaces[space_idx]
            for pressed in items:
                buffer = problem.meetings[pressed.meeting_idx].press_buffer_slots
                if not buffer:
                    continue
                # The turnover right after belongs to ``space_not_double_booked``.
                first = pressed.end(problem) + space.turnover_slots
                for item in items:
                    if first <= item.start < first + buffer:
                        before = problem.meetings[pressed.meeting_idx]
                        after = problem.meetings[item.meeting_idx]
                        yield Violation(
                            self.name,
                            f"{after.label} ({when(problem, item)}) starts in {space.label} "
                            f"within the press-out buffer of "
                            f"{buffer * problem.grid.grain_min} min after {before.label} "
                            f"({when(problem, pressed)})",
                            (before.id, after.id),
                        )


def interpreter_load(problem: Problem, placed: list[Placed]) -> dict[int, dict[int, list[int]]]:
    """Per language pair (index) and slot, the placed meetings that take one of its
    interpreters then."""
    load: dict[int, dict[int, list[int]]] = {}
    for item in placed:
        for pair_idx in problem.meetings[item.meeting_idx].interpretation:
            per_slot = load.setdefault(pair_idx, {})
            for slot in range(item.start, item.end(problem)):
                per_slot.setdefault(slot, []).append(item.meeting_idx)
    return load


class InterpretersNotOverbooked(Rule):
    name = "interpreters_not_overbooked"
    label = "at no time do more meetings need a language pair than the event has interpreters"

    def check(self, problem: Problem, placed: list[Placed]) -> Iterator[Violation]:
        for pair_idx, per_slot in sorted(interpreter_load(problem, placed).items()):
            pair = problem.interpreters[pair_idx]
            reported: set[tuple[int, ...]] = set()
            for slot, meetings in sorted(per_slot.items()):
                # A pair the pool lacks is ``meeting_has_interpreter``'s to report.
                if pair.count == 0 or len(meetings) <= pair.count:
                    continue
                key = tuple(sorted(meetings))
                if key in reported:
                    continue
                reported.add(key)
                yield Violation(
                    self.name,
                    f"{len(meetings)} meetings need {pair.label} interpretation at "
                    f"{problem.describe_slot(slot)}, the event has {pair.count} interpreters: "
                    + ", ".join(problem.meetings[m].label for m in key),
                    tuple(problem.meetings[m].id for m in key),
                )


TERMS_RULES: tuple[Rule, ...] = (PressOutBufferRespected(), InterpretersNotOverbooked())

__all__ = [
    "TERMS_RULES",
    "InterpretersNotOverbooked",
    "MeetingHasInterpreter",
    "MeetingInAgreedSpace",
    "PressOutBufferRespected",
    "PressReadySpace",
    "interpreter_load",
    "missing_interpretation",
]
