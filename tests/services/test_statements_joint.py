"""Joint statements: proposed by one side, co-signed by the other, joint only once both signed;
until then a draft between the two sides."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from sidelines.services import statements
from sidelines.services.errors import Conflict, Invalid, NotFound
from sidelines.services.public_record import public_record
from sidelines.services.statements import StatementIn, StatementKind, StatementView, Visibility
from sidelines.storage.db import Database
from tests.builders import at
from tests.services.record_world import RecordWorld, record_world
from tests.services.test_statements import READERS, read

JOINT_TEXT = "The two sides agreed to keep in touch on trade."


def propose(
    database: Database, world: RecordWorld, visibility: Visibility = Visibility.PUBLIC
) -> StatementView:
    return statements.make_statement(
        database,
        world.delegates["A"],
        world.event_id,
        StatementIn(
            StatementKind.JOINT,
            JOINT_TEXT,
            at(11),
            meeting_id=world.meeting_id,
            visibility=visibility,
        ),
    )


def readers_of(database: Database, world: RecordWorld, statement_id: int) -> set[str]:
    return {
        who
        for who in READERS
        if isinstance(
            read(database, world.reader(who), world.event_id, statement_id), StatementView
        )
    }


def test_joint_statement_is_a_draft_of_the_two_sides_until_the_other_signs(
    database: Database,
) -> None:
    world = record_world(database)

    proposed = propose(database, world)

    assert (proposed.joint_state, proposed.signed_by, proposed.awaiting) == (
        "proposed",
        ("A",),
        ("B",),
    )
    assert readers_of(database, world, proposed.id) == {"A", "B"}
    assert public_record(database, world.event_id).items == []

    signed = statements.sign_statement(database, world.delegates["B"], world.event_id, proposed.id)

    assert (signed.joint_state, signed.signed_by, signed.awaiting) == ("signed", ("A", "B"), ())
    assert readers_of(database, world, proposed.id) == set(READERS)
    published = public_record(database, world.event_id).items
    assert [(item.kind, item.ref, item.statements) for item in published] == [
        ("meeting", world.meeting_id, (signed,))
    ]


def test_signing_is_refused_twice_to_a_stranger_and_for_a_side_s_own_statement(
    database: Database,
) -> None:
    world = record_world(database)
    proposed = propose(database, world)
    readout = statements.make_statement(
        database,
        world.delegates["A"],
        world.event_id,
        StatementIn(
            StatementKind.READOUT,
            "We met.",
            at(11),
            meeting_id=world.meeting_id,
            visibility=Visibility.COUNTERPART,
        ),
    )

    with pytest.raises(Conflict):
        statements.sign_statement(database, world.delegates["A"], world.event_id, proposed.id)
    with pytest.raises(NotFound):
        statements.sign_statement(database, world.delegates["C"], world.event_id, proposed.id)
    with pytest.raises(Conflict):
        statements.sign_statement(database, world.delegates["B"], world.event_id, readout.id)
    statements.sign_statement(database, world.delegates["B"], world.event_id, proposed.id)
    with pytest.raises(Conflict):
        statements.sign_statement(database, world.delegates["B"], world.event_id, proposed.id)


def test_joint_statement_kept_to_one_side_is_refused(database: Database) -> None:
    world = record_world(database)

    with pytest.raises(Invalid) as refused:
        propose(database, world, Visibility.SIDE)

    assert refused.value.field == "visibility"


def test_new_words_take_the_other_side_s_signature_off_and_publishing_keeps_it(
    database: Database,
) -> None:
    world = record_world(database)
    proposed = propose(database, world, Visibility.COUNTERPART)
    statements.sign_statement(database, world.delegates["B"], world.event_id, proposed.id)
    changes = StatementIn(StatementKind.JOINT, JOINT_TEXT, at(11), visibility=Visibility.PUBLIC)

    published = statements.amend_statement(
        database, world.delegates["A"], world.event_id, proposed.id, changes
    )
    assert (published.joint_state, published.visibility) == ("signed", Visibility.PUBLIC)

    with pytest.raises(Conflict) as kept:
        statements.amend_statement(
            database,
            world.delegates["A"],
            world.event_id,
            proposed.id,
            StatementIn(StatementKind.JOINT, "Other words.", at(11), visibility=Visibility.PUBLIC),
        )
    assert kept.value.field == "text"


def test_new_words_of_a_joint_draft_need_the_other_side_s_signature_again(
    database: Database,
) -> None:
    world = record_world(database)
    proposed = propose(database, world, Visibility.COUNTERPART)
    statements.sign_statement(database, world.delegates["B"], world.event_id, proposed.id)

    amended = statements.amend_statement(
        database,
        world.delegates["A"],
        world.event_id,
        proposed.id,
        StatementIn(StatementKind.JOINT, "Other words.", at(11), visibility=Visibility.COUNTERPART),
    )

    assert (amended.joint_state, amended.signed_by, amended.awaiting) == (
        "proposed",
        ("A",),
        ("B",),
    )


def queries_of_listing(database: Database, world: RecordWorld) -> int:
    """How many SQL statements listing the event's statements for B runs."""
    ran: list[str] = []

    def count(*args: object) -> None:
        ran.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        statements.list_statements(database, world.delegates["B"], world.event_id)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    return len(ran)


def test_listing_reads_the_signatures_of_any_number_of_joint_statements_at_once(
    database: Database,
) -> None:
    world = record_world(database)
    propose(database, world)
    one = queries_of_listing(database, world)

    for _ in range(4):
        propose(database, world)

    assert queries_of_listing(database, world) == one
