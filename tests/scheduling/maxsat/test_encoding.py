"""The MaxSAT encoding: the redundant one-block clauses keep every schedule and propagate."""

from __future__ import annotations

import pytest
from pysat.solvers import Solver

from sidelines.scheduling import Problem, build_problem
from sidelines.scheduling.maxsat.encoding import Encoding, encode
from tests.builders import event, meeting, table


def a_meets_three() -> Problem:
    """A meets B, C and D, each free all morning (six slots of 30 minutes, two tables)."""
    return build_problem(
        event(
            ["A", "B", "C", "D"],
            [
                meeting("ab", "A", "B", required=True),
                meeting("ac", "A", "C", required=True),
                meeting("ad", "A", "D", required=True),
            ],
            spaces=[table("T1"), table("T2")],
        )
    )


def starts_at(encoding: Encoding, slots: list[int]) -> list[int]:
    """The start literals putting meeting i at ``slots[i]`` (in the first class that has it)."""
    return [
        next(start.literal for start in encoding.starts[idx] if start.slot == slot)
        for idx, slot in enumerate(slots)
    ]


def test_encode_keeps_a_schedule_with_two_breaks() -> None:
    problem = a_meets_three()
    encoding = encode(problem)

    with Solver(
        name="cd19", bootstrap_with=[*encoding.formula.hard, *encoding.redundant]
    ) as solver:
        assert solver.solve(assumptions=starts_at(encoding, [0, 2, 4])) is True


@pytest.mark.parametrize(
    ("slots", "feasible"),
    [([2, 3, 4], True), ([1, 2, 4], False)],
    ids=["one block", "a gap"],
)
def test_encode_without_breaks_takes_one_block_only(slots: list[int], feasible: bool) -> None:
    problem = a_meets_three()
    encoding = encode(problem)
    no_break = [-gap for gap in encoding.breaks[0]]

    with Solver(
        name="cd19", bootstrap_with=[*encoding.formula.hard, *encoding.redundant]
    ) as solver:
        assert solver.solve(assumptions=[*starts_at(encoding, slots), *no_break]) is feasible


def test_encode_propagates_a_block_from_its_first_slot() -> None:
    problem = a_meets_three()
    encoding = encode(problem)
    busy = [encoding.busy[0, slot] for slot in range(6)]
    no_break = [-gap for gap in encoding.breaks[0]]

    with Solver(
        name="cd19", bootstrap_with=[*encoding.formula.hard, *encoding.redundant]
    ) as solver:
        ok, implied = solver.propagate(assumptions=[*no_break, -busy[0], busy[1]])

    assert ok is True
    # Without a break, three meetings from slot 1 fill slots 1-3 and leave 4 and 5 free: unit
    # propagation alone says so (the count and the break literals alone said only slot 1).
    assert {
        busy.index(abs(literal)): literal > 0 for literal in implied if abs(literal) in busy
    } == {
        0: False,
        1: True,
        2: True,
        3: True,
        4: False,
        5: False,
    }
