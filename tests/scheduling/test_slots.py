from datetime import UTC, datetime

from sidelines.scheduling import build_problem
from sidelines.scheduling.slots import iter_slots, mask_of, starts_inside, starts_touching
from tests.builders import event, span


def test_starts_inside_keeps_starts_whose_run_fits() -> None:
    mask = mask_of([0, 1, 2, 4, 5])
    assert list(iter_slots(starts_inside(mask, 2))) == [0, 1, 4]
    assert list(iter_slots(starts_inside(mask, 3))) == [0]


def test_starts_touching_finds_runs_that_meet_the_mask() -> None:
    assert list(iter_slots(starts_touching(mask_of([5]), 3))) == [3, 4, 5]


def test_grid_slots_are_half_open() -> None:
    grid = build_problem(event(["A", "B"])).grid
    assert grid.n_slots == 6
    assert grid.slot_at(datetime(2030, 5, 6, 9, 30, tzinfo=UTC)) == 1
    assert grid.slot_at(datetime(2030, 5, 6, 9, 40, tzinfo=UTC)) is None
    # 10:00-11:00 holds slots 2 and 3 wholly and touches nothing else.
    assert list(iter_slots(grid.slots_within(span((10, 0), (11, 0))))) == [2, 3]
    assert list(iter_slots(grid.slots_touching(span((10, 10), (11, 0))))) == [2, 3]
    assert [d.afternoon_slot for d in grid.days] == [3]
