"""A small event with delegations and an organiser, set up through the services, for the
service tests. Accounts are inserted as rows: the tests act as the logged-in actors directly and
need no password hashing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from sidelines.domain import (
    EventPolicy,
    MeetingFormat,
    OrganiserSees,
    Party,
    PartyId,
    Principal,
    PrincipalId,
    Space,
    TimeSpan,
)
from sidelines.domain.negotiation import Answer
from sidelines.services import negotiation, solves
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.services.events import import_event
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.storage.tables import PrincipalBookingRow, SpaceBookingRow, UserRow
from tests import builders


@dataclass(frozen=True)
class World:
    event_id: str
    organiser: Actor
    delegates: dict[str, Actor]  # party -> the delegation's login


def add_user(
    db: Database, username: str, role: Role, event_id: str | None, party: str | None
) -> Actor:
    def work(session: Session) -> int:
        row = UserRow(
            username=username,
            password_hash="not a hash: these accounts never log in",
            role=str(role),
            event_id=event_id,
            party_id=party,
            created_at=now(),
        )
        session.add(row)
        session.flush()
        return row.id

    return Actor(role, db.write(work), username, event_id, party)


def make_world(
    db: Database,
    event_id: str,
    parties: Sequence[str],
    *,
    organiser_sees: OrganiserSees = OrganiserSees.BOOKINGS,
    spaces: Sequence[Space] | None = None,
    policy: EventPolicy | None = None,
    grain_min: int = 30,
) -> World:
    """An event of one principal per party (09:00-12:00 UTC in 30-minute steps) with a login
    for each party and one for the organiser."""
    event = replace(
        builders.event(
            list(parties),
            spaces=spaces,
            policy=replace(policy or EventPolicy(), organiser_sees=organiser_sees),
            grain_min=grain_min,
        ),
        id=event_id,
    )
    organiser = add_user(db, f"{event_id}.protocol", Role.ORGANISER, None, None)
    import_event(db, organiser, event)
    delegates = {
        party: add_user(db, f"{event_id}.{party}", Role.DELEGATE, event_id, party)
        for party in parties
    }
    return World(event_id, organiser, delegates)


def double_bookings(session: Session, event_id: str) -> list[tuple[int, int]]:
    """Pairs of booking ids of one principal or one space that overlap in time."""
    pairs: list[tuple[int, int]] = []
    for table, column in (
        (PrincipalBookingRow, "principal_id"),
        (SpaceBookingRow, "space_id"),
    ):
        a = aliased(table)
        b = aliased(table)
        query = select(a.id, b.id).where(
            a.event_id == event_id,
            b.event_id == event_id,
            getattr(a, column) == getattr(b, column),
            a.id < b.id,
            a.starts_at < b.ends_at,
            b.starts_at < a.ends_at,
        )
        pairs.extend((first, second) for first, second in session.execute(query))
    return pairs


def ask(db: Database, world: World, a: str, b: str, window: TimeSpan, priority: int = 5) -> int:
    """a's request of a B2B meeting with b within ``window``; its id."""
    return negotiation.create_request(
        db,
        world.delegates[a],
        world.event_id,
        [b],
        Terms(format=MeetingFormat.B2B, windows=(window,)),
        priority=priority,
    ).id


def agree(db: Database, world: World, a: str, b: str, window: TimeSpan, priority: int = 5) -> int:
    """A B2B meeting of a and b within ``window``, agreed through a request and an acceptance;
    its id."""
    request_id = ask(db, world, a, b, window, priority)
    view = negotiation.respond(db, world.delegates[b], world.event_id, request_id, Answer.ACCEPT)
    assert view.meeting_id is not None
    return view.meeting_id


def two_people_company(db: Database) -> Actor:
    """Event ``two-people``, published: company A sends Ana Ruiz to meet B and Ben Ode to meet
    C, at two tables at once. Returns A's login."""
    people = [
        Principal(id=PrincipalId("A-1"), party=PartyId("A"), name="Ana Ruiz"),
        Principal(id=PrincipalId("A-2"), party=PartyId("A"), name="Ben Ode"),
        builders.principal("B"),
        builders.principal("C"),
    ]
    event = replace(
        builders.event(people[2:], spaces=[builders.table("T1"), builders.table("T2")]),
        id="two-people",
        parties=tuple(Party(id=PartyId(name), name=name) for name in ("A", "B", "C")),
        principals=tuple(people),
        meetings=(builders.meeting("m1", "A-1", "B"), builders.meeting("m2", "A-2", "C")),
    )
    organiser = add_user(db, "two-people.organiser", Role.ORGANISER, None, None)
    import_event(db, organiser, event)
    run = solves.start_solve(db, organiser, "two-people", time_limit_s=5)
    solves.publish(db, organiser, "two-people", solves.wait_for_run(db, run.id).id)
    return add_user(db, "two-people.A", Role.DELEGATE, "two-people", "A")
