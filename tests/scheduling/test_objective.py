from datetime import time, timedelta
from typing import Any

from sidelines.domain import Event, SpaceId
from sidelines.scheduling import Assignment, build_problem, score
from sidelines.scheduling.objective import count_blocks
from sidelines.scheduling.slots import mask_of
from tests.builders import DAY, event, meeting, principal, session, span, table


def placed(*slots: int) -> dict[str, Assignment]:
    return {f"m{i}": Assignment(slot, SpaceId(f"T{i}")) for i, slot in enumerate(slots)}


def pair_event(n: int, **fields: Any) -> Event:
    others = [f"P{i}" for i in range(n)]
    return event(
        ["A", *others],
        [meeting(f"m{i}", "A", other) for i, other in enumerate(others)],
        spaces=tuple(table(f"T{i}") for i in range(n)),
        **fields,
    )


def test_back_to_back_meetings_make_no_break() -> None:
    problem = build_problem(pair_event(3))
    assert score(problem, placed(0, 1, 2)).breaks == 0


def test_each_idle_run_between_meetings_is_one_break() -> None:
    problem = build_problem(pair_event(3))
    # A: busy 0, idle 1-2, busy 3, idle 4, busy 5 -> two breaks, however long each wait.
    value = score(problem, placed(0, 3, 5))
    assert (value.breaks, value.breaks_spread, value.meetings_scheduled) == (2, 2, 3)


def test_idle_time_before_first_and_after_last_meeting_is_no_break() -> None:
    problem = build_problem(pair_event(2))
    assert score(problem, placed(2, 3)).breaks == 0


def test_programme_session_between_meetings_is_not_idle() -> None:
    problem = build_problem(
        pair_event(2, programme=(session("retreat", ["A"], (9, 30), (10, 30)),))
    )
    assert score(problem, placed(0, 3)).breaks == 0


def test_forbidden_window_between_meetings_is_idle_as_in_the_paper() -> None:
    problem = build_problem(
        event(
            [principal("A", unavailable=(span((9, 30), (10, 30)),)), "P0", "P1"],
            [meeting("m0", "A", "P0"), meeting("m1", "A", "P1")],
            spaces=(table("T0"), table("T1")),
        )
    )
    assert score(problem, placed(0, 3)).breaks == 1


def test_meetings_on_different_days_make_no_break() -> None:
    problem = build_problem(pair_event(2, days=(DAY, DAY + timedelta(days=1))))
    assert score(problem, placed(0, 6 + 5)).breaks == 0


def test_weight_counts_priorities_and_preferences() -> None:
    problem = build_problem(
        event(
            ["A", "B", "C"],
            [
                meeting("m0", "A", "B", priority=5, preferred=(span((9, 0), (10, 0)),)),
                meeting("m1", "A", "C", priority=2, preferred=(span((11, 0), (12, 0)),)),
            ],
            spaces=(table("T0"), table("T1")),
            day_end=time(12, 0),
        )
    )
    value = score(problem, placed(1, 2))
    assert (value.weight_scheduled, value.preferences_met) == (7, 1)


def test_count_blocks_reads_the_day_without_skipped_slots() -> None:
    day = mask_of(range(8))
    busy = mask_of([1, 4])
    assert count_blocks(busy, day, skip=0) == 2
    assert count_blocks(busy, day, skip=mask_of([2, 3])) == 1
