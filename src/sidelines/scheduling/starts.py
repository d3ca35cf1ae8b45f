"""Where a meeting may start: its candidate space classes and, per class, the start slots every
placement rule allows. Shared by the CP-SAT model (``cpsat.variables``) and the MaxSAT encoding
(``maxsat.encoding``), without OR-Tools: importing CP-SAT's model takes about 0.4 s of CPU
(it loads pandas), which the MaxSAT path should not pay before its first schedule.
"""

from __future__ import annotations

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.placement import possible_starts

# The "class" of meetings held in no space: pull-asides and corridor contacts, and contacts at a
# programme session (their start tells which session: ``rules.placement.contact_at``).
NO_CLASS = -1


def candidate_classes(problem: Problem, meeting_idx: int) -> list[int]:
    """Space classes a meeting may use: its locked space's class, every class when it needs a
    room, none otherwise."""
    meeting = problem.meetings[meeting_idx]
    if meeting.locked_space is not None:
        return [problem.class_of_space[meeting.locked_space]]
    if meeting.needs_space:
        return [space_class.index for space_class in problem.space_classes]
    return [NO_CLASS]


def representative(problem: Problem, class_idx: int) -> int | None:
    """A space standing for its class (all members answer every rule alike)."""
    return None if class_idx == NO_CLASS else problem.space_classes[class_idx].spaces[0]


def start_mask(problem: Problem, meeting_idx: int, class_idx: int) -> int:
    """Start slots allowed by every placement rule, narrowed to the lock when there is one."""
    mask = possible_starts(problem, meeting_idx, representative(problem, class_idx))
    locked = problem.meetings[meeting_idx].locked_start
    if locked is not None:
        mask &= 1 << locked
    return mask


__all__ = ["NO_CLASS", "candidate_classes", "representative", "start_mask"]
