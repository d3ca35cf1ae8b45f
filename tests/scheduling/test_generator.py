"""Generated events: deterministic, of the asked shape, and valid domain objects."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from sidelines.domain import DomainError, MeetingFormat
from sidelines.scheduling import build_problem, validate
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.schedule import Assignment

SPEC = GeneratorSpec(principals=40, requests=200, spaces=6, locked=3, precedences=5)


def test_generate_event_is_the_same_for_the_same_seed() -> None:
    assert generate_event(SPEC, 3) == generate_event(SPEC, 3)


def test_generate_event_differs_between_seeds() -> None:
    assert generate_event(SPEC, 3).meetings != generate_event(SPEC, 4).meetings


def test_generate_event_has_the_asked_numbers() -> None:
    generated = generate_event(SPEC, 1)

    assert (len(generated.principals), len(generated.meetings), len(generated.spaces)) == (
        40,
        200,
        6,
    )
    assert len(generated.days) == 2
    assert len(generated.programme) == 3
    assert sum(1 for m in generated.meetings if m.locked is not None) == 3
    assert sum(1 for m in generated.meetings if m.after) == 5


def test_generate_event_skews_priorities_towards_low() -> None:
    counts = Counter(m.priority for m in generate_event(SPEC, 1).meetings)

    assert counts[1] > counts[3] > counts[5]


def test_generate_event_makes_a_few_trilaterals() -> None:
    spec = GeneratorSpec(principals=40, requests=200, spaces=6, trilateral_share=0.1)
    meetings = generate_event(spec, 1).meetings
    trilaterals = [m for m in meetings if m.format is MeetingFormat.TRILATERAL]

    assert 5 <= len(trilaterals) <= 40
    assert all(len(m.principals) == 3 for m in trilaterals)


def test_generate_event_locks_meetings_where_they_keep_every_rule() -> None:
    generated = generate_event(SPEC, 5)
    problem = build_problem(generated)
    locked = {
        m.id: Assignment(problem.meetings[idx].locked_start or 0, m.locked.space)
        for idx, m in enumerate(generated.meetings)
        if m.locked is not None
    }

    assert len(locked) == 3
    assert validate(problem, locked) == []


def test_generate_event_refuses_durations_off_the_grain() -> None:
    with pytest.raises(DomainError, match="durations must be whole numbers of grains"):
        GeneratorSpec(principals=5, requests=5, spaces=1, grain_min=20, durations_min=(30,))


def test_generate_event_builds_the_largest_benchmark_size_in_seconds() -> None:
    started = time.perf_counter()
    generated = generate_event(GeneratorSpec(principals=3000, requests=20000, spaces=500), 1)
    problem = build_problem(generated)

    assert len(problem.meetings) == 20000
    assert time.perf_counter() - started < 10.0
