"""The CP-SAT objective's weights, and the bound read back from the solver's."""

from __future__ import annotations

from sidelines.scheduling import Bound, build_problem
from sidelines.scheduling.cpsat.objective import Weights
from sidelines.scheduling.cpsat.solver import build_model
from tests.builders import event, meeting


def weights_of_two_meetings() -> Weights:
    """The weights of a model of two meetings of A, of priority 2 and 3 (5 in all)."""
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [meeting("m1", "A", "B", priority=2), meeting("m2", "A", "C", priority=3)],
        )
    )
    built = build_model(problem)
    assert built is not None
    return built.weights


def test_a_loose_solver_bound_claims_no_more_weight_than_all_meetings_have() -> None:
    # CP-SAT's first bounds (its LP relaxation, early in the search) can be far above any
    # schedule: read as they were, a weighted sum of seven weight units claimed "weight 7"
    # for meetings that weigh 5 in all (and a gap against it).
    weights = weights_of_two_meetings()
    assert weights.bound(7 * weights.weight) == Bound(weight_scheduled=5, breaks=0)


def test_a_solver_bound_below_all_meetings_is_read_as_it_is() -> None:
    weights = weights_of_two_meetings()
    assert weights.bound(3 * weights.weight) == Bound(weight_scheduled=3, breaks=0)
