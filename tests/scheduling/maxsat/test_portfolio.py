"""The MaxSAT searches in child processes: RC2 and the linear search, bounds, stopping."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from pysat.formula import WCNF

from sidelines.scheduling import SolveStatus, build_problem, validate
from sidelines.scheduling.maxsat import solve_maxsat
from sidelines.scheduling.maxsat.portfolio import (
    _SEARCHES,
    Formula,
    Outcome,
    _Task,
    run_portfolio,
)
from tests.scheduling.maxsat.test_maxsat import OPTIONS, a_meets_three


def two_of_three() -> WCNF:
    """At least two of x1..x3 must be true; each true one costs 1: optimum 2."""
    formula = WCNF()
    formula.extend([[1, 2], [1, 3], [2, 3]])
    for literal in (1, 2, 3):
        formula.append([-literal], weight=1)
    return formula


@pytest.mark.parametrize("searches", [("rc2",), ("lsu",), ("rc2", "lsu")])
def test_each_search_proves_the_optimum(searches: tuple[str, ...]) -> None:
    outcome = run_portfolio(
        two_of_three(),
        [1, 2, 3],
        searches=searches,
        deadline=time.monotonic() + 10,
        should_stop=lambda: False,
    )

    assert outcome.optimal
    assert not outcome.infeasible
    assert outcome.lower == 2
    assert min(cost for _, cost in outcome.models) == 2
    best = min(outcome.models, key=lambda item: item[1])[0]
    assert len(best) == 2
    assert set(best) <= {1, 2, 3}


def test_unsatisfiable_hard_part_is_infeasible() -> None:
    formula = two_of_three()
    formula.extend([[-1], [-2]])

    outcome = run_portfolio(
        formula,
        [1, 2, 3],
        searches=("rc2", "lsu"),
        deadline=time.monotonic() + 10,
        should_stop=lambda: False,
    )

    assert outcome.infeasible
    assert not outcome.optimal
    assert outcome.models == []


def test_stop_returns_at_once_without_an_answer() -> None:
    started = time.monotonic()

    outcome = run_portfolio(
        two_of_three(),
        [1, 2, 3],
        searches=("rc2", "lsu"),
        deadline=time.monotonic() + 10,
        should_stop=lambda: True,
    )

    assert time.monotonic() - started < 2
    assert not outcome.finished
    assert not outcome.optimal


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_solve_maxsat_with_one_search_per_worker(workers: int) -> None:
    problem = build_problem(a_meets_three())

    result = solve_maxsat(problem, replace(OPTIONS, workers=workers))

    assert result.status is SolveStatus.OPTIMAL
    assert result.objective is not None
    assert result.objective.breaks == 0
    assert validate(problem, result.schedule) == []


def pigeons_in_fewer_holes(pigeons: int = 11) -> WCNF:
    """Hard to refute for a SAT solver (no search proves it in the tests' time), one soft."""
    holes = pigeons - 1
    formula = WCNF()

    def var(pigeon: int, hole: int) -> int:
        return pigeon * holes + hole + 1

    for pigeon in range(pigeons):
        formula.append([var(pigeon, hole) for hole in range(holes)])
    for hole in range(holes):
        for first in range(pigeons):
            for second in range(first + 1, pigeons):
                formula.append([-var(first, hole), -var(second, hole)])
    formula.append([-1], weight=1)
    return formula


class CountingSide:
    """Side work that records its slices and claims ``best`` breaks once it has worked."""

    def __init__(self, best: int | None, share: float = 0.5) -> None:
        self.slices: list[tuple[float, float]] = []
        self.best = best
        self.share = share

    def step(self, until: float) -> float:
        began = time.monotonic()
        while time.monotonic() < until:
            pass
        self.slices.append((began, until))
        return self.share

    def best_breaks(self) -> int | None:
        return self.best if self.slices else None


def test_a_side_schedule_that_meets_the_lower_bound_stops_the_searches() -> None:
    side = CountingSide(best=0)
    started = time.monotonic()

    outcome = run_portfolio(
        pigeons_in_fewer_holes(),
        [1],
        searches=("rc2",),
        deadline=started + 30,
        should_stop=lambda: False,
        side=side,
    )

    assert outcome.side_met_bound
    assert not outcome.optimal
    assert not outcome.finished
    assert time.monotonic() - started < 10


def test_the_side_work_gets_its_share_of_the_time_while_the_searches_run() -> None:
    side = CountingSide(best=None, share=0.25)
    started = time.monotonic()

    outcome = run_portfolio(
        pigeons_in_fewer_holes(),
        [1],
        searches=("rc2",),
        deadline=started + 2.0,
        should_stop=lambda: False,
        side=side,
    )

    assert not outcome.side_met_bound
    assert not outcome.finished
    assert side.slices, "the side work never ran"
    worked = sum(until - began for began, until in side.slices)
    # A quarter of the parent's time, give or take the slices' rounding (and a busy machine).
    assert 0.1 < worked < 1.2
    assert all(until <= started + 2.0 + 1e-6 for _, until in side.slices)


def test_a_first_model_comes_before_the_proof_when_asked() -> None:
    outcome = run_portfolio(
        two_of_three(),
        [1, 2, 3],
        searches=("rc2:mcm",),
        deadline=time.monotonic() + 10,
        should_stop=lambda: False,
        first_model=True,
    )

    assert outcome.optimal
    # The plain SAT call's model (any cost), then RC2's optimal one.
    assert len(outcome.models) == 2
    assert outcome.models[-1][1] == 2
    assert outcome.models[0][1] >= 2


def one_break_then_pigeons() -> WCNF:
    """A first core of one (a hard unit against a soft one), then the pigeons: RC2's bound
    is 1 within its first call and rises no further in the tests' time."""
    formula = pigeons_in_fewer_holes()
    forced = formula.nv + 1
    formula.append([forced])
    formula.append([-forced], weight=1)
    return formula


@pytest.mark.parametrize(("proves_up_to", "met"), [(None, True), (0, False)])
def test_a_side_schedule_meets_the_bound_only_up_to_what_it_proves(
    proves_up_to: int | None, met: bool
) -> None:
    # Where the encoding's fairness rule is stricter than the schedule's, its lower bound
    # proves nothing above the cap: a side schedule of 1 break must not stop the searches.
    side = CountingSide(best=1, share=0.1)
    started = time.monotonic()

    outcome = run_portfolio(
        one_break_then_pigeons(),
        [1],
        searches=("rc2",),
        deadline=started + (10 if met else 2.0),
        should_stop=lambda: False,
        side=side,
        proves_up_to=proves_up_to,
    )

    assert outcome.side_met_bound is met
    assert outcome.lower >= 1 or not met
    if not met:
        assert time.monotonic() - started >= 1.9


def with_redundant(
    formula: WCNF,
    searches: tuple[str, ...],
    redundant: list[list[int]],
    *,
    first_model: bool = False,
) -> Outcome:
    """``run_portfolio`` on x1..x3 for 10 s at most, with ``redundant`` clauses."""
    deadline = time.monotonic() + 10
    return run_portfolio(
        formula,
        [1, 2, 3],
        searches=searches,
        deadline=deadline,
        should_stop=lambda: False,
        first_model=first_model,
        redundant=redundant,
    )


@pytest.mark.parametrize("searches", [("rc2",), ("lsu",)])
def test_each_search_reads_the_redundant_clauses(searches: tuple[str, ...]) -> None:
    # Clauses given as redundant are the searches' too: here they are not implied (x1 and x2
    # both true), so the optimum they prove is the formula's with them.
    outcome = with_redundant(two_of_three(), searches, [[1], [2]])

    assert outcome.optimal
    best = min(outcome.models, key=lambda item: item[1])[0]
    assert best == [1, 2]


def test_the_plain_call_for_a_first_model_leaves_the_redundant_clauses_out() -> None:
    # The plain SAT call sees the hard clauses alone: x3 false makes x1 and x2 true either way,
    # and an unsatisfiable "redundant" pair would end RC2 but not the first model.
    formula = two_of_three()
    formula.extend([[-3]])

    outcome = with_redundant(formula, ("rc2",), [[3]], first_model=True)

    assert outcome.infeasible
    assert outcome.models == [([1, 2], 2)]


# A parent that runs two RC2 searches on the pigeons for a minute, from a script of its own.
PARENT = """
import time
from pysat.formula import WCNF
from sidelines.scheduling.maxsat.portfolio import run_portfolio

pigeons, holes = 11, 10
formula = WCNF()
for pigeon in range(pigeons):
    formula.append([pigeon * holes + hole + 1 for hole in range(holes)])
for hole in range(holes):
    for first in range(pigeons):
        for second in range(first + 1, pigeons):
            formula.append([-(first * holes + hole + 1), -(second * holes + hole + 1)])
formula.append([-1], weight=1)
run_portfolio(formula, [1], searches=("rc2", "rc2"), deadline=time.monotonic() + 60,
              should_stop=lambda: False)
"""


def _ended(pid: int) -> bool:
    """No such process, or one that has ended and waits to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.mark.skipif(sys.platform != "linux", reason="the searches end with it through prctl")
def test_the_searches_end_with_a_parent_killed_outright() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], env=os.environ.copy())
    children: list[int] = []
    try:
        listed = Path(f"/proc/{parent.pid}/task/{parent.pid}/children")
        waited = time.monotonic() + 30
        while len(children) < 2 and time.monotonic() < waited:
            time.sleep(0.1)
            children = [int(pid) for pid in listed.read_text().split()]
        assert len(children) == 2
    finally:
        parent.kill()
        parent.wait()

    waited = time.monotonic() + 10
    while not all(_ended(pid) for pid in children) and time.monotonic() < waited:
        time.sleep(0.1)
    left = [pid for pid in children if not _ended(pid)]
    for pid in left:  # not to leave them running when the test fails
        os.kill(pid, signal.SIGKILL)
    assert left == []


def test_a_formula_built_by_each_search_is_solved_there_and_its_models_sent_decoded() -> None:
    # The searches' processes build the formula (the caller's process does not wait for the
    # encoding) and send what ``decode`` makes of a model's kept literals.
    built_here: list[int] = []

    def build() -> Formula:
        built_here.append(os.getpid())
        return Formula(two_of_three(), [], [1, 2, 3], [])

    outcome = run_portfolio(
        build,
        searches=("rc2", "lsu"),
        deadline=time.monotonic() + 10,
        should_stop=lambda: False,
        first_model=True,
        decode=lambda kept: [f"x{literal}" for literal in kept],
    )

    assert built_here == []  # built in the children only
    assert outcome.optimal
    assert outcome.lower == 2
    assert all(len(model) == cost for model, cost in outcome.models if cost == 2)
    assert all(name.startswith("x") for model, _ in outcome.models for name in model)


def _niceness_of_models(search: str, first: bool, increment: int) -> list[int]:
    """The niceness of the search's process when it sent each of its models (``decode`` runs
    there), the search run in a child process of its own."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    task = _Task("cd19", Formula(two_of_three(), [], [1, 2, 3], []), _niceness, first, increment)
    process = context.Process(target=_SEARCHES[search], args=(task, send), daemon=True)
    process.start()
    send.close()
    sent: list[int] = []
    try:
        while True:
            message = receive.recv()
            if message[0] == "model":
                sent.append(message[1])
    except EOFError:
        pass
    process.join()
    return sent


def _niceness(kept: list[int]) -> int:
    return os.nice(0)


@pytest.mark.parametrize("search", ["rc2", "lsu"])
def test_a_background_search_lowers_its_priority_after_its_plain_call(search: str) -> None:
    base = os.nice(0)

    plain_first = _niceness_of_models(search, search == "rc2", 5)
    as_usual = _niceness_of_models(search, False, 0)

    if search == "rc2":
        assert plain_first == [base, base + 5]  # the plain call's model, then RC2's
    else:
        assert plain_first
        assert set(plain_first) == {base + 5}
    assert set(as_usual) == {base}


def test_only_the_searches_after_the_first_run_in_the_background() -> None:
    outcome = run_portfolio(
        lambda: Formula(two_of_three(), [], [1, 2, 3], []),
        searches=("rc2",),
        deadline=time.monotonic() + 10,
        should_stop=lambda: False,
        decode=_niceness,
        background=5,
    )

    assert outcome.optimal
    assert {niceness for niceness, _ in outcome.models} == {os.nice(0)}
