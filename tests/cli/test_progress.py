"""The progress line of ``sidelines solve``: time, best schedule, the bound and its kind."""

from __future__ import annotations

from sidelines.cli.progress import describe
from sidelines.scheduling.bound import BoundResult
from sidelines.scheduling.lp_bound import KIND, instead_of_lp
from sidelines.scheduling.objective import ObjectiveValue
from sidelines.scheduling.result import Bound, Progress

BEST = ObjectiveValue(95, 40, breaks=3, breaks_spread=1, preferences_met=0)


def test_the_line_names_the_lp_bound() -> None:
    line = describe(Progress(2.5, BEST, Bound(100, 0, KIND), "search", "construct"))

    assert line == (
        "   2.5 s · best: weight 95, breaks 3 (construct) · "
        "bound: LP bound (capacity sets), weight 100, breaks 0 · now: search"
    )


def test_the_line_says_when_a_cheaper_bound_stands_for_the_lp() -> None:
    relaxed = instead_of_lp(BoundResult(Bound(101, 0)))
    assert relaxed.bound is not None

    line = describe(Progress(1.0, BEST, relaxed.bound, "bound"))

    assert "bound: relaxed bound (half-days, space per day); the capacity LP not solved" in line
    assert "weight 101" in line


def test_a_solvers_proof_names_no_relaxation() -> None:
    assert "bound: weight 100, breaks 2 ·" in describe(Progress(1.0, BEST, Bound(100, 2), "cpsat"))
