"""The heuristic's state keeps the agreed terms: place, press-out buffer, interpreters."""

from __future__ import annotations

from sidelines.domain import EventPolicy, Feature, InterpreterPool, Meeting, PressPlan, SpaceId
from sidelines.scheduling import build_problem
from sidelines.scheduling.heuristic.state import Option, State
from sidelines.scheduling.problem import Problem
from tests.builders import event, meeting, principal, table


def test_options_of_meetings_alike_but_for_their_agreed_place_differ() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [meeting("m1", "A", "B"), meeting("m2", "C", "D", spaces=(SpaceId("T2"),))],
            spaces=[table("T1"), table("T2")],
        )
    )
    state = State(problem)
    t2 = problem.class_of_space[problem.space_index[SpaceId("T2")]]

    assert len(state.options(0)) == 2
    assert state.options(1) == [Option(t2, 0b111111)]


def test_a_meeting_with_the_press_in_holds_its_space_while_the_press_leaves() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C", "D"],
            [meeting("m1", "A", "B", press=PressPlan.POOL_SPRAY), meeting("m2", "C", "D")],
            spaces=[table("T1", features=frozenset({Feature.PRESS}))],
            policy=EventPolicy(press_buffer_min=30),
        )
    )
    state = State(problem)
    state.place(0, 0, 0)

    # Slot 1 is the press leaving; m2 may start from slot 2.
    assert state.options(1) == [Option(0, 0b111100)]
    assert state.free_space(1, 0, 1) is None
    state.unplace(0)
    assert state.options(1) == [Option(0, 0b111111)]


def test_a_meeting_waits_for_an_interpreter_of_its_pair() -> None:
    problem = build_problem(
        event(
            [
                principal("A", languages=("en",)),
                principal("B", languages=("ru",)),
                principal("C", languages=("en",)),
                principal("D", languages=("ru",)),
            ],
            [meeting("m1", "A", "B", duration_min=60), meeting("m2", "C", "D")],
            spaces=[table("T1"), table("T2")],
            interpreters=(InterpreterPool(("en", "ru"), 1),),
        )
    )
    state = State(problem)
    state.place(0, 0, 0)

    assert state.options(1) == [Option(0, 0b111100)]
    state.unplace(0)
    assert state.options(1) == [Option(0, 0b111111)]


def test_a_rebound_state_keeps_the_extremes_of_a_fresh_one() -> None:
    """``rebind`` follows the shortest and longest meeting and the longest press buffer from
    the meetings added, dropped and replaced, as a state built afresh works them out."""

    def problem_of(*meetings: Meeting) -> Problem:
        return build_problem(
            event(
                ["A", "B", "C", "D"],
                list(meetings),
                spaces=[table("T1", features=frozenset({Feature.PRESS})), table("T2")],
                policy=EventPolicy(press_buffer_min=30),
            )
        )

    short, other = meeting("m1", "A", "B", duration_min=30), meeting("m2", "C", "D")
    long = meeting("m3", "A", "C", duration_min=90, press=PressPlan.POOL_SPRAY)
    steps: list[tuple[Problem, tuple[int, ...]]] = [
        (problem_of(short, other), ()),
        (problem_of(short, other, long), ()),  # added: longer, with the press
        (problem_of(short, other), ()),  # dropped again
        (problem_of(meeting("m1", "A", "B", duration_min=60), other), (0,)),  # replaced
        (problem_of(meeting("m1", "A", "B", duration_min=60)), ()),  # the shortest dropped
    ]
    state = State(steps[0][0])
    for problem, changed in steps[1:]:
        state.rebind(problem, changed)
        fresh = State(problem)

        assert state._extremes == fresh._extremes
        assert state.shortest_span == fresh.shortest_span
