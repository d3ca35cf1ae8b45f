"""Each side's statements: kept apart, and read only by whom the side chose (every role, every
visibility, both organiser policies)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sidelines.domain import OrganiserSees
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services import record, statements
from sidelines.services.actors import Actor
from sidelines.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    ServiceError,
)
from sidelines.services.record import Outcome
from sidelines.services.statements import (
    Source,
    StatementIn,
    StatementKind,
    StatementView,
    Visibility,
    by_side,
)
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditAudienceRow, AuditRow
from tests.builders import DAY, at
from tests.services.record_world import RecordWorld, record_world

READERS = ("A", "B", "C", "organiser", "public")
# How long another amendment may take while this one waits uncommitted; when it has to wait
# for this one's lock, this one goes on after that.
WAIT_S = 5

# Who reads a statement of A's about its meeting with B, by visibility and organiser policy.
EXPECTED = {
    (Visibility.SIDE, OrganiserSees.BOOKINGS): {"A"},
    (Visibility.SIDE, OrganiserSees.EVERYTHING): {"A"},
    (Visibility.COUNTERPART, OrganiserSees.BOOKINGS): {"A", "B"},
    (Visibility.COUNTERPART, OrganiserSees.EVERYTHING): {"A", "B", "organiser"},
    (Visibility.PUBLIC, OrganiserSees.BOOKINGS): set(READERS),
    (Visibility.PUBLIC, OrganiserSees.EVERYTHING): set(READERS),
}


def readout(world: RecordWorld, visibility: Visibility, **fields: object) -> StatementIn:
    values: dict[str, object] = {
        "kind": StatementKind.READOUT,
        "text": "The leaders greeted each other and spoke briefly.",
        "said_at": at(11),
        "meeting_id": world.meeting_id,
        "visibility": visibility,
        "described_format": "a short conversation",
        "topics": ("trade",),
        "sources": (Source("Reuters"),),
    }
    values.update(fields)
    return StatementIn(**values)  # type: ignore[arg-type]


def read(database: Database, actor: Actor, event_id: str, statement_id: int) -> StatementView | str:
    """The statement as this actor gets it, or the message of its "not found"."""
    try:
        return statements.get_statement(database, actor, event_id, statement_id)
    except NotFound as error:
        return error.message


@pytest.mark.parametrize(("visibility", "policy"), sorted(EXPECTED))
def test_statement_is_read_only_by_whom_its_side_chose(
    database: Database, visibility: Visibility, policy: OrganiserSees
) -> None:
    world = record_world(database, organiser_sees=policy)
    made = statements.make_statement(
        database, world.delegates["A"], world.event_id, readout(world, visibility)
    )

    seen = {who: read(database, world.reader(who), world.event_id, made.id) for who in READERS}
    listed = {
        who: statements.list_statements(database, world.reader(who), world.event_id)
        for who in READERS
    }

    readers = EXPECTED[(visibility, policy)]
    assert seen == {who: made if who in readers else f"no statement {made.id}" for who in READERS}
    assert listed == {who: [made] if who in readers else [] for who in READERS}


def test_third_delegation_gets_not_found_for_a_private_meetings_statements(
    database: Database,
) -> None:
    world = record_world(database)
    statements.make_statement(
        database, world.delegates["A"], world.event_id, readout(world, Visibility.COUNTERPART)
    )

    with pytest.raises(NotFound) as hidden:
        statements.list_statements(
            database, world.delegates["C"], world.event_id, meeting_id=world.meeting_id
        )
    with pytest.raises(NotFound) as missing:
        statements.list_statements(
            database, world.delegates["C"], world.event_id, meeting_id=world.meeting_id + 99
        )

    assert hidden.value.message == f"no meeting {world.meeting_id}"
    assert missing.value.message == f"no meeting {world.meeting_id + 99}"


def test_both_sides_statements_are_kept_side_by_side(database: Database) -> None:
    world = record_world(database)
    russian = statements.make_statement(
        database,
        world.delegates["A"],
        world.event_id,
        readout(world, Visibility.PUBLIC, described_format="a short conversation"),
    )
    american = statements.make_statement(
        database,
        world.delegates["B"],
        world.event_id,
        readout(
            world,
            Visibility.PUBLIC,
            text="The presidents exchanged greetings.",
            described_format="an exchange of greetings",
            said_at=at(11, 30),
        ),
    )

    seen = statements.list_statements(
        database, world.delegates["C"], world.event_id, meeting_id=world.meeting_id
    )

    assert seen == [russian, american]
    assert [(side.party_id, side.statements) for side in by_side(seen)] == [
        ("A", [russian]),
        ("B", [american]),
    ]


def test_only_a_side_makes_a_statement(database: Database) -> None:
    world = record_world(database)

    with pytest.raises(NotFound):
        statements.make_statement(
            database, world.delegates["C"], world.event_id, readout(world, Visibility.PUBLIC)
        )
    with pytest.raises(Forbidden):
        statements.make_statement(
            database, world.organiser, world.event_id, readout(world, Visibility.PUBLIC)
        )


def test_statement_needs_words_and_sources_need_names(database: Database) -> None:
    world = record_world(database)
    a = world.delegates["A"]

    with pytest.raises(Invalid) as no_text:
        statements.make_statement(
            database, a, world.event_id, readout(world, Visibility.SIDE, text="  ")
        )
    with pytest.raises(Invalid) as bad_url:
        statements.make_statement(
            database,
            a,
            world.event_id,
            readout(world, Visibility.SIDE, sources=(Source("RIA", url="ria.ru"),)),
        )

    assert (no_text.value.field, bad_url.value.field) == ("text", "sources[0].url")
    assert statements.list_statements(database, a, world.event_id) == []


def test_a_statement_said_more_than_a_year_from_its_event_is_refused_naming_said_at(
    database: Database,
) -> None:
    world = record_world(database)
    a, event_id = world.delegates["A"], world.event_id
    kept = statements.make_statement(database, a, event_id, readout(world, Visibility.SIDE))
    mistyped = readout(world, Visibility.SIDE, said_at=at(11).replace(year=1916))
    refused_fields = []

    for write in (
        lambda: statements.make_statement(database, a, event_id, mistyped),
        lambda: statements.amend_statement(database, a, event_id, kept.id, mistyped),
    ):
        with pytest.raises(Invalid) as refused:
            write()
        refused_fields.append(refused.value.field)

    assert refused_fields == ["said_at", "said_at"]
    assert statements.list_statements(database, a, event_id) == [kept]


def test_a_statement_said_today_is_kept_however_far_its_event_lies(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = record_world(database)
    a, event_id = world.delegates["A"], world.event_id
    looking_back = at(11).replace(year=2041)
    monkeypatch.setattr(statements, "now", lambda: looking_back)

    kept = statements.make_statement(
        database, a, event_id, readout(world, Visibility.SIDE, said_at=looking_back)
    )
    with pytest.raises(Invalid) as refused:
        statements.make_statement(
            database,
            a,
            event_id,
            readout(world, Visibility.SIDE, said_at=at(11).replace(year=2090)),
        )

    assert refused.value.field == "said_at"
    assert statements.list_statements(database, a, event_id) == [kept]


def test_publishing_widens_the_audience_and_is_audited(database: Database) -> None:
    world = record_world(database)
    a = world.delegates["A"]
    made = statements.make_statement(database, a, world.event_id, readout(world, Visibility.SIDE))

    published = statements.amend_statement(
        database, a, world.event_id, made.id, readout(world, Visibility.PUBLIC)
    )

    assert published.visibility is Visibility.PUBLIC
    assert statements.get_statement(database, world.reader("public"), world.event_id, made.id) == (
        published
    )
    with database.reading() as session:
        entries = session.execute(
            select(AuditRow.action, AuditRow.detail, AuditRow.id)
            .where(AuditRow.subject_type == "statement")
            .order_by(AuditRow.at, AuditRow.id)
        ).all()
        audiences = {
            entry_id: sorted(
                session.scalars(
                    select(AuditAudienceRow.party_id).where(AuditAudienceRow.entry_id == entry_id)
                )
            )
            for _, _, entry_id in entries
        }
    assert [(action, detail) for action, detail, _ in entries] == [
        (
            "statement.made",
            {"kind": "readout", "visibility": "side", "about": f"meeting {world.meeting_id}"},
        ),
        ("statement.amended", {"changed": ["visibility"], "visibility": "public"}),
    ]
    assert list(audiences.values()) == [["A"], ["A", "B"]]


def test_public_statement_cannot_be_taken_back_nor_changed_by_the_other_side(
    database: Database,
) -> None:
    world = record_world(database)
    a = world.delegates["A"]
    made = statements.make_statement(database, a, world.event_id, readout(world, Visibility.PUBLIC))

    with pytest.raises(Conflict) as taken_back:
        statements.amend_statement(
            database, a, world.event_id, made.id, readout(world, Visibility.SIDE)
        )
    with pytest.raises(Forbidden):
        statements.amend_statement(
            database,
            world.delegates["B"],
            world.event_id,
            made.id,
            readout(world, Visibility.PUBLIC, text="No."),
        )

    assert taken_back.value.field == "visibility"
    assert statements.get_statement(database, a, world.event_id, made.id) == made


# PostgreSQL only: SQLite takes the writers' lock at BEGIN, so no write commits in between.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_two_amendments_on_one_version_at_the_same_moment_keep_one_and_refuse_the_other(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two editors send their words with the same ``If-Match``; the second amendment commits
    after the first read the statement and before the first wrote: one is kept, the other
    refused, and no words are overwritten unknowingly."""
    world = record_world(database)
    a = world.delegates["A"]
    made = statements.make_statement(database, a, world.event_id, readout(world, Visibility.SIDE))
    tag = statements.version_tag(made)
    read_statement = statements.visible_statement
    other: list[StatementView | ServiceError] = []

    def amend(text: str) -> StatementView:
        return statements.amend_statement(
            database,
            a,
            world.event_id,
            made.id,
            readout(world, Visibility.SIDE, text=text),
            if_match=tag,
        )

    def second() -> None:
        try:
            other.append(amend("The second editor's words."))
        except ServiceError as error:
            other.append(error)

    editing = threading.Thread(target=second)

    def the_other_amends_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = read_statement(*args, **kwargs)
        if not editing.is_alive() and not other:
            # The other amendment goes on; if it has to wait for this one, it finishes once
            # this one commits.
            editing.start()
            editing.join(WAIT_S)
        return found

    monkeypatch.setattr(statements, "visible_statement", the_other_amends_meanwhile)

    try:
        first: StatementView | ServiceError = amend("The first editor's words.")
    except ServiceError as error:
        first = error
    editing.join(60)

    outcomes = [first, *other]
    kept = [o for o in outcomes if isinstance(o, StatementView)]
    assert len(kept) == 1
    assert [type(o) for o in outcomes if not isinstance(o, StatementView)] == [PreconditionFailed]
    final = statements.get_statement(database, a, world.event_id, made.id)
    assert final.text == kept[0].text


def test_a_confirmation_said_before_the_meeting_began_is_refused_naming_said_at(
    database: Database,
) -> None:
    world = record_world(database)
    a = world.delegates["A"]
    record.record_outcome(
        database,
        a,
        world.event_id,
        world.meeting_id,
        Outcome(MeetingStatus.HELD, started_at=at(10), ended_at=at(10, 30)),
    )
    confirmation = readout(world, Visibility.PUBLIC, kind=StatementKind.CONFIRMATION)

    the_day_before = at(9, day=DAY - timedelta(days=1))

    with pytest.raises(Invalid) as too_early:
        statements.make_statement(
            database, a, world.event_id, replace(confirmation, said_at=the_day_before)
        )
    kept = statements.make_statement(
        database, a, world.event_id, replace(confirmation, said_at=at(10, 5))
    )
    with pytest.raises(Invalid) as moved_back:
        statements.amend_statement(
            database, a, world.event_id, kept.id, replace(confirmation, said_at=the_day_before)
        )
    announced = statements.make_statement(
        database,
        a,
        world.event_id,
        replace(confirmation, kind=StatementKind.ANNOUNCEMENT, said_at=the_day_before),
    )

    assert (too_early.value.field, too_early.value.english) == (
        "said_at",
        "a readout or confirmation tells of a meeting that has begun: "
        "it is said from 2030-05-06 on",
    )
    assert moved_back.value.field == "said_at"
    assert [s.id for s in statements.list_statements(database, a, world.event_id)] == [
        announced.id,
        kept.id,
    ]
