"""The summary under the agenda: which term is open, and by how much."""

from __future__ import annotations

from rich.console import Console

from sidelines.cli.render import describe_gap, render_summary
from sidelines.scheduling.bound import BoundResult
from sidelines.scheduling.lp_bound import KIND, instead_of_lp
from sidelines.scheduling.objective import ObjectiveValue
from sidelines.scheduling.result import Bound, SolveResult, SolveStatus


def result(weight: int, breaks: int, bound: Bound | None) -> SolveResult:
    objective = ObjectiveValue(weight, 3, breaks=breaks, breaks_spread=0, preferences_met=0)
    return SolveResult(SolveStatus.FEASIBLE, {}, objective, bound, 1.0, "auto")


def test_weight_proven_best_and_breaks_open_says_breaks_not_a_hundred_percent() -> None:
    assert describe_gap(result(30, 69, Bound(30, 0))) == (
        "weight proven best; breaks gap 69 (at least 0)"
    )
    assert describe_gap(result(30, 69, Bound(30, 3))) == (
        "weight proven best; breaks gap 66 (at least 3)"
    )


def test_open_weight_is_a_share_of_the_bound() -> None:
    assert describe_gap(result(95, 0, Bound(100, 0))) == "weight gap 5.0%"


def test_everything_closed() -> None:
    assert describe_gap(result(30, 3, Bound(30, 3))) == "gap 0 (proven best)"
    assert result(30, 3, Bound(30, 3)).open_term is None


def test_a_schedule_without_a_bound_says_the_gap_is_unknown() -> None:
    assert describe_gap(result(30, 3, None)) == "no bound within the time limit: gap unknown"


def test_the_summary_names_the_bound_it_reports() -> None:
    console = Console(record=True, width=400)

    render_summary(console, result(95, 0, Bound(100, 0, KIND)))
    render_summary(console, result(95, 0, Bound(100, 0)))
    render_summary(console, result(95, 0, instead_of_lp(BoundResult(Bound(101, 0))).bound))

    lines = console.export_text().split("\n")
    assert "bound: LP bound (capacity sets), weight 100, breaks 0" in lines[1]
    assert "weight gap 5.0%" in lines[1]
    assert "bound: weight 100, breaks 0" in lines[3]  # a solver's proof, no relaxation named
    # The cheaper bound reported in the LP's place says so, and the gap is against it.
    assert (
        "bound: relaxed bound (half-days, space per day); the capacity LP not solved in time, "
        "weight 101" in lines[5]
    )
    assert "weight gap 5.9%" in lines[5]
