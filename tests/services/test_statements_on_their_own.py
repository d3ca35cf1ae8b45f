"""Statements made on their own about parties at an event, before any meeting exists, and
linked later to the meeting or encounter they were about."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sidelines.domain import OrganiserSees
from sidelines.services import record, statements
from sidelines.services.errors import Conflict, Forbidden, Invalid, NotFound
from sidelines.services.record import EncounterIn
from sidelines.services.statements import (
    Source,
    SourceKind,
    StatementIn,
    StatementKind,
    StatementView,
    Visibility,
)
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditRow, StatementRow
from tests.builders import at
from tests.services.record_world import RecordWorld, record_world
from tests.services.test_statements import EXPECTED, READERS, read

# The Kremlin before Lima (DESIGN.md §8).
NOT_PLANNED = "No separate talks are planned, but they are possible."


def announcement(visibility: Visibility = Visibility.PUBLIC, **fields: object) -> StatementIn:
    values: dict[str, object] = {
        "kind": StatementKind.ANNOUNCEMENT,
        "text": NOT_PLANNED,
        "said_at": at(8),
        "about_parties": ("B", "A"),
        "visibility": visibility,
        "speaker": "the press secretary",
        "sources": (Source("Kremlin press service", SourceKind.OFFICIAL),),
    }
    values.update(fields)
    return StatementIn(**values)  # type: ignore[arg-type]


def statement_count(database: Database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(StatementRow)) or 0


@pytest.mark.parametrize(("visibility", "policy"), sorted(EXPECTED))
def test_statement_on_its_own_is_read_as_one_about_a_meeting_of_its_parties(
    database: Database, visibility: Visibility, policy: OrganiserSees
) -> None:
    world = record_world(database, organiser_sees=policy)

    made = statements.make_statement(
        database, world.delegates["A"], world.event_id, announcement(visibility)
    )

    assert (made.meeting_id, made.encounter_id, made.about_parties, made.kind) == (
        None,
        None,
        ("A", "B"),
        StatementKind.ANNOUNCEMENT,
    )
    readers = EXPECTED[(visibility, policy)]
    seen = {who: read(database, world.reader(who), world.event_id, made.id) for who in READERS}
    assert seen == {who: made if who in readers else f"no statement {made.id}" for who in READERS}


def test_statements_about_a_pair_are_listed_by_the_pair_in_any_order(database: Database) -> None:
    world = record_world(database)
    made = statements.make_statement(database, world.delegates["A"], world.event_id, announcement())
    statements.make_statement(
        database,
        world.delegates["A"],
        world.event_id,
        announcement(about_parties=("A", "C"), text="Talks with C are planned."),
    )

    about_ab = statements.list_statements(
        database, world.reader("public"), world.event_id, about_parties=("B", "A")
    )

    assert about_ab == [made]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"about_parties": ("A",)}, "about_parties"),
        ({"about_parties": ("A", "A")}, "about_parties"),
        ({"about_parties": ("A", "ZZ")}, "about_parties[1]"),
        ({"about_parties": ()}, "about_parties"),
        ({"meeting_id": 1}, "about_parties"),
        ({"text": "  "}, "text"),
    ],
)
def test_bad_statement_on_its_own_is_refused_naming_the_field_and_nothing_is_written(
    database: Database, fields: dict[str, object], field: str
) -> None:
    world = record_world(database)

    with pytest.raises(Invalid) as refused:
        statements.make_statement(
            database, world.delegates["A"], world.event_id, announcement(**fields)
        )

    assert refused.value.field == field
    assert statement_count(database) == 0


def test_a_side_speaks_only_about_parties_it_is_one_of(database: Database) -> None:
    world = record_world(database)

    with pytest.raises(Forbidden):
        statements.make_statement(database, world.delegates["C"], world.event_id, announcement())

    assert statement_count(database) == 0


def link_to_meeting(
    world: RecordWorld, database: Database, statement_id: int, who: str = "A"
) -> StatementView:
    return statements.link_statement(
        database, world.delegates[who], world.event_id, statement_id, meeting_id=world.meeting_id
    )


def test_statement_on_its_own_is_linked_later_to_the_meeting_it_was_about(
    database: Database,
) -> None:
    world = record_world(database)
    made = statements.make_statement(
        database, world.delegates["A"], world.event_id, announcement(Visibility.COUNTERPART)
    )

    linked = link_to_meeting(world, database, made.id)

    assert (linked.meeting_id, linked.about_parties, linked.text) == (
        world.meeting_id,
        ("A", "B"),
        NOT_PLANNED,
    )
    about_meeting = statements.list_statements(
        database, world.delegates["B"], world.event_id, meeting_id=world.meeting_id
    )
    assert about_meeting == [linked]
    with database.reading() as session:
        actions = session.scalars(select(AuditRow.action).order_by(AuditRow.at, AuditRow.id)).all()
    assert actions[-2:] == ["statement.made", "statement.linked"]


def test_linking_is_refused_to_another_side_to_a_stranger_twice_and_to_other_parties(
    database: Database,
) -> None:
    world = record_world(database)
    made = statements.make_statement(
        database, world.delegates["A"], world.event_id, announcement(Visibility.COUNTERPART)
    )
    with_c = record.log_encounter(
        database,
        world.delegates["A"],
        world.event_id,
        EncounterIn(parties=("A", "C"), started_at=at(9), place="lobby"),
    )

    with pytest.raises(Forbidden):
        link_to_meeting(world, database, made.id, who="B")
    with pytest.raises(NotFound):
        link_to_meeting(world, database, made.id, who="C")
    with pytest.raises(Invalid) as other_parties:
        statements.link_statement(
            database, world.delegates["A"], world.event_id, made.id, encounter_id=with_c.id
        )
    assert other_parties.value.field == "encounter_id"
    assert other_parties.value.message == (
        "the statement is about A, B; the encounter's sides are A, C"
    )
    link_to_meeting(world, database, made.id)
    with pytest.raises(Conflict) as twice:
        link_to_meeting(world, database, made.id)
    assert twice.value.message == f"the statement is about meeting {world.meeting_id} already"
