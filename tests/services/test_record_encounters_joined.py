"""The same encounter logged by both its sides is one encounter, owned by both."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from sidelines.services import record
from sidelines.services.record import EncounterIn, EncounterView
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditRow
from tests.builders import at
from tests.services.record_world import RecordWorld, record_world


def log(
    database: Database,
    world: RecordWorld,
    who: str,
    started_at: datetime,
    place: str = "lobby",
    **fields: object,
) -> EncounterView:
    actor = world.organiser if who == "organiser" else world.delegates[who]
    encounter = EncounterIn(
        parties=("A", "B"),
        started_at=started_at,
        place=place,
        **fields,  # type: ignore[arg-type]
    )
    return record.log_encounter(database, actor, world.event_id, encounter)


def test_the_second_side_s_log_joins_the_first_and_both_own_it(database: Database) -> None:
    world = record_world(database)
    first = log(database, world, "A", at(9, 0), principals=("A",), description="greeted")

    second = log(database, world, "B", at(9, 5), place=" Lobby ", principals=("B",))

    assert (second.id, second.joined, second.owners, second.logged_by) == (
        first.id,
        True,
        ("A", "B"),
        "A",
    )
    assert (second.principals, second.description) == (("A", "B"), "greeted")
    assert record.list_encounters(database, world.delegates["A"], world.event_id) == [
        record.get_encounter(database, world.delegates["A"], world.event_id, first.id)
    ]
    with database.reading() as session:
        actions = session.scalars(select(AuditRow.action).order_by(AuditRow.at, AuditRow.id)).all()
    assert actions[-2:] == ["encounter.logged", "encounter.joined"]


def test_another_time_another_place_or_the_same_side_again_is_another_encounter(
    database: Database,
) -> None:
    world = record_world(database)
    first = log(database, world, "A", at(9, 0))

    later = log(database, world, "B", at(9, 11))
    elsewhere = log(database, world, "B", at(9, 0), place="plenary hall")
    again = log(database, world, "A", at(9, 0))

    ids = {first.id, later.id, elsewhere.id, again.id}
    assert len(ids) == 4
    assert [e.joined for e in (later, elsewhere, again)] == [False, False, False]
    assert [e.owners for e in (first, later, elsewhere, again)] == [("A",), ("B",), ("B",), ("A",)]


def test_a_side_joins_what_the_organiser_logged_and_the_organiser_never_joins(
    database: Database,
) -> None:
    world = record_world(database)
    by_organiser = log(database, world, "organiser", at(9, 0))
    joined = log(database, world, "A", at(9, 0))
    by_b = log(database, world, "B", at(10, 0))
    organiser_again = log(database, world, "organiser", at(10, 0))

    assert (joined.id, joined.joined, joined.owners, joined.logged_by) == (
        by_organiser.id,
        True,
        ("A",),
        None,
    )
    assert organiser_again.id != by_b.id
    assert organiser_again.owners == ()
