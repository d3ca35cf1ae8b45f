"""A delegation counts only the schedule versions it was shown: others' on-site placements
between its own changes leave no gap in its numbers (notices, schedule, run-sheet and its
check), while the organiser keeps the event's numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sidelines.domain import OrganiserSees, TimeSpan
from sidelines.services import negotiation, schedule_versions, sheets, solves
from sidelines.storage.db import Database
from tests import builders
from tests.services.world import World, agree, ask, make_world


def _slot(hour: int, minute: int = 0) -> TimeSpan:
    start = builders.at(hour, minute)
    return TimeSpan(start, start + timedelta(minutes=30))


def _on_site(database: Database, world: World, a: str, b: str, window: TimeSpan) -> None:
    request_id = ask(database, world, a, b, window, priority=10)
    _, placement = negotiation.agree_on_site(
        database, world.delegates[b], world.event_id, request_id
    )
    assert placement is not None
    assert placement.placed


def _published(database: Database, name: str) -> World:
    """A and B (the others), E and F: E and F's meeting published at version 1."""
    world = make_world(
        database,
        name,
        ["A", "B", "E", "F"],
        organiser_sees=OrganiserSees.BOOKINGS,
        spaces=[builders.table("T1"), builders.table("T2")],
    )
    agree(database, world, "E", "F", TimeSpan(builders.at(9, 0), builders.at(10, 0)))
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, world.organiser, world.event_id, run.id)
    return world


def _e_changes(database: Database, world: World, *, others: bool) -> None:
    """Two on-site placements of E's; with ``others``, A and B's placements around them."""
    if others:
        _on_site(database, world, "A", "B", _slot(10))
    _on_site(database, world, "E", "F", _slot(10, 30))
    if others:
        _on_site(database, world, "A", "B", _slot(11))
        _on_site(database, world, "B", "A", _slot(11, 30))
    _on_site(database, world, "F", "E", _slot(11))


@pytest.mark.slow  # seconds on its own, idle: scripts/test runs it
def test_a_delegation_numbers_its_versions_without_gaps_whatever_others_did(
    database: Database,
) -> None:
    seen = {}
    for others in (False, True):
        world = _published(database, f"vers{int(others)}")
        _e_changes(database, world, others=others)
        e = world.delegates["E"]
        notices = schedule_versions.notices(database, e, world.event_id)
        seen[others] = (
            sorted({n.version for n in notices}),
            schedule_versions.schedule(database, e, world.event_id).version,
        )
        if others:
            # The organiser keeps the event's numbers: 1 published, 5 on-site placements.
            assert (
                schedule_versions.schedule(database, world.organiser, world.event_id).version == 6
            )
    assert seen[False] == seen[True] == ([1, 2, 3], 3)


def test_a_delegations_run_sheet_check_counts_its_own_versions(database: Database) -> None:
    world = _published(database, "verscheck")
    _e_changes(database, world, others=True)
    e = world.delegates["E"]
    sheet = sheets.run_sheet(database, e, world.event_id, "E", builders.DAY)
    assert sheet.version.number == 3
    assert sheet.ref.code == f"r3-{builders.DAY:%Y%m%d}-E"

    _on_site(database, world, "A", "B", _slot(10, 30))  # others' changes leave it current
    currency = sheets.check(database, e, world.event_id, sheets.parse_code(sheet.ref.code))
    assert currency.current
    assert currency.changes == ()

    _on_site(database, world, "E", "F", _slot(11, 30))  # its own supersede it
    currency = sheets.check(database, e, world.event_id, sheet.ref)
    assert not currency.current
    assert currency.latest.number == 4
    assert len(currency.changes) == 1
    assert currency.changes[0].startswith("Version 4: ")
    # The organiser's check of the same day reads the event's numbers.
    organiser_sheet = sheets.run_sheet(database, world.organiser, world.event_id, "E", builders.DAY)
    assert organiser_sheet.version.number == 8
