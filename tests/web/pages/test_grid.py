"""The schedule grid's picture of a day: local times, free and closed spaces, and conflicts only
where two meetings really overlap."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from sidelines.services.published_entries import Entry
from sidelines.web.pages.grid import NO_ROOM, build_grid
from tests.web.helpers import lima

RETREAT_DAY = date(2016, 11, 20)
HALF_HOUR = timedelta(minutes=30)


def at(hour: int, minute: int) -> datetime:
    """An instant on the retreat day, in UTC (Lima is UTC-5)."""
    return datetime(2016, 11, 20, hour, minute, tzinfo=UTC)


def entry(
    meeting_id: int, start: datetime, end: datetime, space: str | None, *parties: str
) -> Entry:
    return Entry(meeting_id, start, end, space, parties)


def test_grid_rows_start_at_the_events_local_day_and_spaces_open_at_their_hours() -> None:
    event = lima()

    grid = build_grid(event, RETREAT_DAY, [])

    assert grid.rows[0].starts_at == at(12, 0)  # 07:00 in Lima
    assert grid.columns[-1] == NO_ROOM
    room_1 = grid.columns.index("Bilateral room 1 (LCC)")
    assert [row.cells[room_1].state for row in grid.rows[3:5]] == ["closed", "free"]  # 08:00 opens
    assert grid.conflicts == 0


def test_two_short_meetings_one_after_the_other_in_one_step_do_not_clash() -> None:
    event = lima()
    entries = [
        entry(1, at(13, 30), at(13, 35), None, "RUS", "USA"),
        entry(2, at(13, 35), at(13, 40), None, "RUS", "JPN"),
    ]

    grid = build_grid(event, RETREAT_DAY, entries)

    row = next(r for r in grid.rows if r.starts_at == at(13, 30))
    assert [e.meeting_id for e in row.cells[-1].starts] == [1, 2]
    assert (row.double_booked, grid.conflicts) == ((), 0)


def test_overlapping_meetings_of_one_party_and_of_one_room_are_conflicts() -> None:
    event = lima()
    entries = [
        entry(1, at(14, 0), at(14, 30), "lcc-bilateral-1", "RUS", "USA"),
        entry(2, at(14, 15), at(14, 45), "lcc-bilateral-1", "RUS", "JPN"),
    ]

    grid = build_grid(event, RETREAT_DAY, entries)

    row = next(r for r in grid.rows if r.starts_at == at(14, 15))
    room_1 = grid.columns.index("Bilateral room 1 (LCC)")
    assert row.cells[room_1].state == "conflict"
    assert row.double_booked == ("RUS",)
    assert grid.conflicts == 1


def test_the_night_the_clocks_go_back_has_its_hour_lived_twice_on_the_grid() -> None:
    """Los Angeles, 3 November 2030: at 02:00 PDT the clocks go back to 01:00 PST. A grid from
    midnight to 03:00 covers four real hours, in half-hour steps, each of thirty minutes."""
    fall_back = date(2030, 11, 3)
    event = replace(
        lima(),
        timezone="America/Los_Angeles",
        days=(fall_back,),
        day_start=time(0, 0),
        day_end=time(3, 0),
        morning_ends=time(1, 0),
        grain_min=30,
        programme=(),
        meetings=(),
    )
    second_one_o_clock = datetime(2030, 11, 3, 9, 0, tzinfo=UTC)  # 01:00 PST
    first = event.spaces[0].id

    grid = build_grid(
        event, fall_back, [entry(1, second_one_o_clock, second_one_o_clock + HALF_HOUR, first, "A")]
    )

    starts = [row.starts_at for row in grid.rows]
    assert [s.astimezone(UTC).hour * 60 + s.astimezone(UTC).minute for s in starts] == [
        7 * 60 + 30 * step for step in range(8)
    ]
    assert [f"{row.local_start:%H:%M %Z}" for row in grid.rows[2:6]] == [
        "01:00 PDT",
        "01:30 PDT",
        "01:00 PST",
        "01:30 PST",
    ]
    [busy] = [row for row in grid.rows if row.cells[0].entries]
    assert busy.starts_at == second_one_o_clock
