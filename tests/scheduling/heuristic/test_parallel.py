"""The LP bound computed in a separate process equals the one computed in place; a solve
starts it before construction, reports what it has when its time is up and does not wait."""

from __future__ import annotations

import time

import pytest

import sidelines.scheduling.heuristic as heuristic
import sidelines.scheduling.lp_bound as lp_bound
from sidelines.scheduling import SolveOptions, Strategy, build_problem, validate
from sidelines.scheduling.bound import RELAXED_KIND, BoundResult, upper_bound
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic import solve_heuristic
from sidelines.scheduling.heuristic.parallel import BoundProcess, Masks
from sidelines.scheduling.heuristic.search import Search
from sidelines.scheduling.heuristic.state import SharedMasks, placement_masks
from sidelines.scheduling.lp_bound import DUAL_KIND, KIND, capacity_bound
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Progress

pytestmark = pytest.mark.slow

SPEC = GeneratorSpec(principals=30, requests=150, spaces=6, locked=1, precedences=1)


def run_process(
    time_limit_s: float,
) -> tuple[Problem, SharedMasks, BoundProcess, BoundResult | None, BoundResult | None]:
    """The bound's process on a generated event: what it printed and the best it had."""
    problem = build_problem(generate_event(SPEC, 3))
    masks = placement_masks(problem)
    pending = BoundProcess(problem, masks, time_limit_s)
    received = pending.result(timeout=60.0)
    best_so_far = pending.latest()
    pending.close()
    return problem, masks, pending, received, best_so_far


def test_bound_process_gives_the_in_place_bound_and_cleans_up() -> None:
    problem, masks, pending, received, best_so_far = run_process(60.0)

    assert received is not None
    assert received.bound is not None
    _between_the_lps(problem, masks, received)
    # The best bound the process had is the one it printed.
    assert best_so_far == received
    assert pending.process is None
    # The meetings its capacity LP seats, kept once the process is gone.
    grouped = capacity_bound(problem, masks, 60.0, principal_rows=False)
    assert grouped.seated is not None
    assert pending.seated() == grouped.seated


def test_bound_process_without_time_for_the_lp_leaves_the_relaxed_bound() -> None:
    problem, masks, _, received, relaxed = run_process(0.0)

    assert received is not None
    assert received.bound == upper_bound(problem, masks).bound
    assert relaxed is not None
    assert relaxed.bound is not None
    assert relaxed.bound.kind.startswith(RELAXED_KIND)


def test_bound_process_closed_early_gives_nothing() -> None:
    problem = build_problem(generate_event(SPEC, 3))

    pending = BoundProcess(problem, placement_masks(problem), 60.0)
    pending.close()

    assert pending.result(timeout=0.0) is None


def test_heuristic_with_the_bound_in_parallel_returns_it_with_a_valid_schedule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = build_problem(generate_event(SPEC, 4))
    monkeypatch.setattr(heuristic, "PARALLEL_BOUND_MIN_MEETINGS", 1)
    seen: list[Progress] = []
    guides: list[frozenset[int]] = []
    guide = Search.guide

    def recorded(search: Search, seated: frozenset[int]) -> None:
        guides.append(seated)
        guide(search, seated)

    monkeypatch.setattr(Search, "guide", recorded)

    # Long enough for the process to finish on a busy machine: what is checked is that the
    # bound made in the other process reaches the answer.
    result = solve_heuristic(
        problem,
        SolveOptions(
            strategy=Strategy.HEURISTIC, time_limit_s=20.0, workers=2, on_progress=seen.append
        ),
    )

    assert validate(problem, result.schedule) == []
    assert result.bound is not None
    _between_the_lps(problem, placement_masks(problem), BoundResult(result.bound))
    # Reported as it came, before the answer.
    assert any(report.bound == result.bound for report in seen if report.phase == "bound")
    # The search was handed the meetings the LP seats, once: the grouped LP's own solution.
    grouped = capacity_bound(problem, placement_masks(problem), 60.0, principal_rows=False)
    assert guides == [grouped.seated]


def _between_the_lps(problem: Problem, masks: SharedMasks, received: BoundResult) -> None:
    """The process's bound: the capacity LP's, or lower, PDLP's dual bound with the rows per
    principal and slot, never under the LP with all of them."""
    grouped = capacity_bound(problem, masks, 60.0, principal_rows=False).result
    # The LP with every row per principal and slot from the start (GLOP, to the end).
    lp = lp_bound._CapacityLP(problem, masks, time.monotonic() + 120.0, principal_rows=True)
    assert lp.build() is None
    for terms in lp._principal_slot_terms():
        lp.model.row(terms, 0.0, 1.0)
    exact = lp._rounds(lp.holding, lp.added)
    assert grouped is not None
    assert grouped.bound is not None
    assert exact.principal_complete
    assert exact.result is not None
    assert exact.result.bound is not None
    assert received.bound is not None
    value = received.bound.weight_scheduled
    assert exact.result.bound.weight_scheduled <= value <= grouped.bound.weight_scheduled
    assert received.bound.kind == (DUAL_KIND if value < grouped.bound.weight_scheduled else KIND)


class Starved(BoundProcess):
    """A real bound's process that never gets its problem: a bound not done when the time is
    up (as on a very busy machine)."""

    def write(self, problem: Problem, masks: Masks) -> None:
        pass


def test_a_time_limited_solve_does_not_wait_for_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = build_problem(generate_event(SPEC, 4))
    monkeypatch.setattr(heuristic, "PARALLEL_BOUND_MIN_MEETINGS", 1)
    started: list[BoundProcess] = []

    def starved(problem: Problem | None, masks: Masks | None, time_limit_s: float) -> BoundProcess:
        started.append(Starved(problem, masks, time_limit_s))
        return started[-1]

    monkeypatch.setattr(heuristic, "BoundProcess", starved)
    at = time.monotonic()

    result = solve_heuristic(
        problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=1.0, workers=2)
    )

    assert time.monotonic() - at < 1.5
    assert validate(problem, result.schedule) == []
    assert started
    assert started[0].process is None  # killed, not waited for
    # Nothing from the process: a small event's relaxed bound, computed in place, says so.
    assert result.bound == upper_bound(problem).bound
    assert result.bound is not None
    assert result.bound.kind == f"{RELAXED_KIND}; the capacity LP not solved in time"


@pytest.mark.parametrize(
    ("busy", "order"),
    [
        (False, ["bound", "construct", "first schedule", "problem written"]),
        (True, ["construct", "first schedule", "bound", "problem written"]),
    ],
)
def test_the_bound_s_process_starts_before_construction_when_a_core_is_free(
    monkeypatch: pytest.MonkeyPatch, busy: bool, order: list[str]
) -> None:
    problem = build_problem(generate_event(SPEC, 4))
    monkeypatch.setattr(heuristic, "PARALLEL_BOUND_MIN_MEETINGS", 1)
    monkeypatch.setattr(heuristic, "_busy", lambda: busy)
    seen: list[str] = []
    start_process = BoundProcess
    construct = heuristic._Run.construct
    write = BoundProcess.write

    def process(problem: Problem | None, masks: Masks | None, time_limit_s: float) -> BoundProcess:
        seen.append("bound")
        return start_process(problem, masks, time_limit_s)

    def constructed(run: heuristic._Run) -> list[str]:
        seen.append("construct")
        return construct(run)

    def written(pending: BoundProcess, problem: Problem, masks: Masks) -> None:
        seen.append("problem written")
        write(pending, problem, masks)

    def reported(report: Progress) -> None:
        if report.phase == "construct":
            seen.append("first schedule")

    monkeypatch.setattr(heuristic, "BoundProcess", process)
    monkeypatch.setattr(heuristic._Run, "construct", constructed)
    monkeypatch.setattr(BoundProcess, "write", written)

    result = solve_heuristic(
        problem,
        SolveOptions(
            strategy=Strategy.HEURISTIC, time_limit_s=1.0, workers=2, on_progress=reported
        ),
    )

    # The problem is handed over only once the first schedule is out: writing it takes a
    # fifth of a second on a large event.
    assert seen == order
    assert validate(problem, result.schedule) == []
