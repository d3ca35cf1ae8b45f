"""The scheduling engine: pure Python and OR-Tools, no web or database code.

problem = build_problem(event)
result = solve(problem, SolveOptions(time_limit_s=10))
assert validate(problem, result.schedule) == []
"""

from sidelines.scheduling.objective import ObjectiveValue
from sidelines.scheduling.options import SolveOptions, Strategy
from sidelines.scheduling.problem import Problem, build_problem
from sidelines.scheduling.result import Bound, Progress, SolveResult, SolveStatus
from sidelines.scheduling.rules import RULES, Violation
from sidelines.scheduling.schedule import Assignment, Schedule
from sidelines.scheduling.solve import solve
from sidelines.scheduling.validator import score, validate

__all__ = [
    "RULES",
    "Assignment",
    "Bound",
    "ObjectiveValue",
    "Problem",
    "Progress",
    "Schedule",
    "SolveOptions",
    "SolveResult",
    "SolveStatus",
    "Strategy",
    "Violation",
    "build_problem",
    "score",
    "solve",
    "validate",
]
