"""The bound from any multipliers of the capacity LP's rows, and PDLP's with the rows per
principal and slot (``lp_dual.py``)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sidelines.scheduling import SolveOptions, SolveStatus, Strategy, build_problem
from sidelines.scheduling.cpsat import solve_cpsat
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic.state import placement_masks
from sidelines.scheduling.lp_bound import _CapacityLP, capacity_bound
from sidelines.scheduling.lp_dual import DualBound, principal_bound
from sidelines.scheduling.problem import Problem
from tests.scheduling.test_lp_bound import (
    _one_principal_twice,
    generated_events,
    generated_problem,
    generated_settings,
)


def _solved(problem: Problem) -> _CapacityLP:
    lp = _CapacityLP(problem, placement_masks(problem), time.monotonic() + 60.0)
    assert lp.solve().complete
    return lp


def _event(space_classes: int) -> Problem:
    spec = GeneratorSpec(principals=30, requests=120, spaces=6, space_classes=space_classes)
    return build_problem(generate_event(spec, 1))


@pytest.mark.parametrize("space_classes", [0, 3])
def test_dual_bound_at_the_lps_own_duals_is_its_value(space_classes: int) -> None:
    # The LP over grouped meetings is the LP over meetings and starts: pricing each start at
    # the grouped LP's duals gives back its value (neither more, so no start is counted
    # twice, nor less, so none is missing).
    lp = _solved(_event(space_classes))

    assert lp.value is not None
    assert DualBound(lp).bound(lp.duals) == pytest.approx(lp.value, abs=1e-6)


def test_any_multipliers_give_at_least_the_lps_value() -> None:
    # Weak duality: whatever the multipliers, ``L`` is at least the LP's optimum.
    lp = _solved(_event(3))
    dual = DualBound(lp)
    rng = np.random.default_rng(7)

    assert lp.value is not None
    for scale in (0.0, 0.1, 1.0, 10.0):
        duals = np.asarray(lp.duals) + scale * rng.exponential(size=len(lp.model.row_low))
        assert dual.bound(duals) >= lp.value - 1e-6


def test_principal_bound_keeps_a_principal_at_one_meeting_at_a_time() -> None:
    # Without the rows per principal and slot the LP seats AB and AC together at 09:00: 9.
    # With them 6, CP-SAT's optimum; with a second late table 9, the optimum there.
    for late_tables, optimum in ((1, 6), (2, 9)):
        problem = _one_principal_twice(late_tables)
        without = capacity_bound(problem, principal_rows=False)

        value = principal_bound(problem, placement_masks(problem), time.monotonic() + 10.0)

        assert without.result is not None
        assert without.result.bound is not None
        assert without.result.bound.weight_scheduled == 9
        assert value == optimum


def test_principal_bound_out_of_time_is_none() -> None:
    problem = _event(3)

    assert principal_bound(problem, placement_masks(problem), time.monotonic()) is None


@pytest.mark.slow
@generated_settings
@generated_events
def test_principal_bound_is_at_least_the_optimum(
    spec: GeneratorSpec, seed: int, space_classes: int
) -> None:
    problem = generated_problem(spec, seed, space_classes)
    masks = placement_masks(problem)

    # PDLP cut short (a fraction of a second) as well as let run: any duals give a bound.
    short = principal_bound(problem, masks, time.monotonic() + 0.05)
    value = principal_bound(problem, masks, time.monotonic() + 10.0)
    optimum = solve_cpsat(
        problem, SolveOptions(strategy=Strategy.CPSAT, time_limit_s=20.0, workers=2)
    )

    if optimum.status == SolveStatus.INFEASIBLE or optimum.objective is None:
        return
    # Any valid schedule, the optimum included, weighs at most the bound.
    for bound in (short, value):
        if bound is not None:
            assert optimum.objective.weight_scheduled <= bound
