"""Which problems the MaxSAT encoding expresses exactly, asked without loading python-sat."""

from __future__ import annotations

from sidelines.scheduling.problem import Problem


def unsupported(problem: Problem) -> str | None:
    """Why this encoding cannot express the problem exactly, or None when it can."""
    if any(not (meeting.required or meeting.locked) for meeting in problem.meetings):
        return "it needs every meeting to be required"
    if any(meeting.preferred for meeting in problem.meetings):
        return "it has no preferred windows"
    if problem.has_walking:
        return "it has no walking times"
    if problem.max_bookings_per_party_per_day is not None:
        return "it has no room policy"
    if problem.published is not None and problem.published.binding:
        # Keep or minimal: the published places and the move budget are not encoded; a free
        # re-solve is an ordinary one, with its moves only reported.
        return f"it has no {problem.published.stability} re-solve against a published schedule"
    return None


__all__ = ["unsupported"]
