"""Where a meeting may go: its own starts and its kind's space starts, shared between meetings."""

from __future__ import annotations

import pickle
import random
from datetime import time

import pytest
from hypothesis import given, settings

from sidelines.domain import Feature, SpaceId
from sidelines.scheduling import build_problem
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.heuristic.construct import class_rank, construction_order, insert
from sidelines.scheduling.heuristic.state import (
    CORRIDOR,
    Option,
    State,
    placement_masks,
    plain_first,
)
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.rules.placement import allowed_starts, possible_starts
from tests.builders import event, meeting, principal, span, table
from tests.scheduling.heuristic.strategies import small_specs


def masks_one_by_one(problem: Problem) -> list[tuple[tuple[int, int], ...]]:
    """Every meeting's masks from ``allowed_starts`` in each class, as they were computed
    before kinds of meetings shared theirs."""
    result = []
    for meeting_idx, data in enumerate(problem.meetings):
        if not data.needs_space:
            starts = possible_starts(problem, meeting_idx, None)
            result.append(((CORRIDOR, starts),) if starts else ())
            continue
        options = []
        for class_idx in plain_first(problem):
            space_idx = problem.space_classes[class_idx].spaces[0]
            starts = allowed_starts(problem, meeting_idx, space_idx)
            if starts:
                options.append((class_idx, starts))
        result.append(tuple(options))
    return result


@settings(max_examples=30, deadline=None)
@given(small_specs())
def test_placement_masks_are_allowed_starts_in_each_class(spec: GeneratorSpec) -> None:
    problem = build_problem(generate_event(spec, seed=1))

    assert list(placement_masks(problem)) == masks_one_by_one(problem)


def test_placement_masks_with_fifty_space_classes_are_allowed_starts_in_each_class() -> None:
    spec = GeneratorSpec(principals=60, requests=300, spaces=50, space_classes=50, days=1)
    problem = build_problem(generate_event(spec, seed=3))

    masks = placement_masks(problem)

    assert len(problem.space_classes) >= 50
    assert list(masks) == masks_one_by_one(problem)
    # Pickled for the bound's process in parts, read there as they are here.
    assert list(pickle.loads(pickle.dumps(masks))) == masks_one_by_one(problem)


def test_replaced_masks_of_one_meeting_are_what_the_state_reads() -> None:
    problem = build_problem(
        event(["A", "B", "C", "D"], [meeting("m1", "A", "B"), meeting("m2", "C", "D")])
    )
    masks = placement_masks(problem)
    state = State(problem, masks)

    masks[1] = ((0, 0b100),)

    assert masks[1] == ((0, 0b100),)
    assert state.options(1) == [Option(0, 0b100)]
    assert state.options(0) == [Option(0, 0b111111)]


def two_classes(secure_opens_at: tuple[int, int]) -> Problem:
    """Two tables of two classes (one secure) and two meetings alike, on a day of two slots;
    C and D can meet only in the first. The secure table opens at ``secure_opens_at``."""
    return build_problem(
        event(
            ["A", "B", principal("C", unavailable=(span((9, 30), (10, 0)),)), "D"],
            [meeting("m1", "A", "B"), meeting("m2", "C", "D")],
            spaces=[
                table("T1"),
                table(
                    "T2",
                    features=frozenset({Feature.SECURE}),
                    opening_hours=(span(secure_opens_at, (10, 0)),),
                ),
            ],
            day_end=time(10, 0),
        )
    )


@pytest.mark.parametrize(
    ("secure_opens_at", "options"),
    [((9, 0), 1), ((9, 30), 0)],
    ids=["the other class is open: feasible", "the other class is closed: no place"],
)
def test_a_meeting_takes_another_class_of_its_kind_or_none_when_the_first_is_full(
    secure_opens_at: tuple[int, int], options: int
) -> None:
    problem = two_classes(secure_opens_at)
    state = State(problem)
    t1 = problem.space_index[SpaceId("T1")]
    t2_class = problem.class_of_space[problem.space_index[SpaceId("T2")]]

    state.place(0, 0, t1)

    assert state.options(1) == [Option(t2_class, 0b01)][:options]


def test_a_class_that_frees_up_takes_the_meeting_again() -> None:
    problem = two_classes((9, 30))
    state = State(problem)
    t1 = problem.space_index[SpaceId("T1")]
    state.place(0, 0, t1)
    assert state.options(1) == []

    state.unplace(0)

    assert state.options(1) == [Option(problem.class_of_space[t1], 0b01)]


def test_options_after_many_moves_are_those_of_a_state_built_afresh() -> None:
    # The kinds' space starts clear of full slots are brought up to date class by class as
    # meetings come and go; a state that never saw the moves must agree on every meeting.
    spec = GeneratorSpec(principals=40, requests=200, spaces=20, space_classes=20, days=1)
    problem = build_problem(generate_event(spec, seed=2))
    state = State(problem)
    ranks = class_rank(state)
    rng = random.Random(5)
    for meeting_idx in construction_order(state):
        insert(state, meeting_idx, ranks)
    for _ in range(300):
        meeting_idx = rng.randrange(len(problem.meetings))
        if state.is_placed(meeting_idx):
            if not state.fixed[meeting_idx]:
                state.unplace(meeting_idx)
        else:
            insert(state, meeting_idx, ranks, rng)
    afresh = State(problem)
    afresh.place_all(
        (idx, start, state.space[idx]) for idx, start in enumerate(state.start) if start >= 0
    )

    assert state.n_scheduled > 0
    assert [state.options(idx) for idx in range(len(problem.meetings))] == [
        afresh.options(idx) for idx in range(len(problem.meetings))
    ]


def test_options_without_walking_or_room_policy_are_those_of_the_rules_per_class() -> None:
    # The shortcut that leaves out the per-class rules when neither applies (no walking times,
    # no cap on bookings in organiser-run rooms) must give what the full look gives.
    spec = GeneratorSpec(principals=40, requests=200, spaces=20, space_classes=20, days=1)
    problem = build_problem(generate_event(spec, seed=2))
    state = State(problem)
    ranks = class_rank(state)
    for meeting_idx in construction_order(state)[: len(problem.meetings) // 2]:
        insert(state, meeting_idx, ranks)
    assert not state.rules_per_class
    assert any(state.class_organiser_run)
    assert problem.max_bookings_per_party_per_day is None
    shortcut = [state.options(idx) for idx in range(len(problem.meetings))]

    state.rules_per_class = True

    assert any(shortcut)
    assert shortcut == [state.options(idx) for idx in range(len(problem.meetings))]


def test_the_masks_of_the_last_problem_are_worked_out_once_and_each_caller_has_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # After a solve the left-out reasons ask again for the masks the heuristic has just worked
    # out (a few tenths of a second of CPU past the time limit at 20,000 meetings).
    import sidelines.scheduling.heuristic.state as state_module

    problem = build_problem(
        generate_event(GeneratorSpec(principals=10, requests=30, spaces=3, days=1), seed=4)
    )
    first = placement_masks(problem)
    asked: list[int] = []
    rules = state_module.meeting_starts
    monkeypatch.setattr(
        state_module,
        "meeting_starts",
        lambda problem, meeting_idx, space_idx: (
            asked.append(meeting_idx) or rules(problem, meeting_idx, space_idx)
        ),
    )
    second = placement_masks(problem)
    assert asked == []
    assert list(second) == list(first)
    second[0] = ()  # as ``onsite.alternatives`` does while it tries a variant
    assert list(placement_masks(problem)) == list(first)
    # Another problem (equal, but not the one laid out) has its masks worked out.
    placement_masks(
        build_problem(
            generate_event(GeneratorSpec(principals=10, requests=30, spaces=3, days=1), seed=4)
        )
    )
    assert asked != []
