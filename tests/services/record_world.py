"""An event with one agreed bilateral between A and B and a third delegation C, for the tests
of the record: outcomes, encounters, statements and history."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from sidelines.domain import EventPolicy, MeetingFormat, OrganiserSees
from sidelines.services.actors import PUBLIC, Actor, Role
from sidelines.services.events import import_event
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow
from tests import builders
from tests.services.world import add_user

PARTIES = ("A", "B", "C")


@dataclass(frozen=True)
class RecordWorld:
    event_id: str
    meeting_id: int  # A and B's bilateral, agreed
    organiser: Actor
    delegates: dict[str, Actor]

    def reader(self, who: str) -> Actor:
        """``A``, ``B``, ``C``, ``organiser`` or ``public``."""
        if who == "organiser":
            return self.organiser
        if who == "public":
            return PUBLIC
        return self.delegates[who]


def record_world(
    db: Database,
    event_id: str = "summit",
    *,
    organiser_sees: OrganiserSees = OrganiserSees.BOOKINGS,
    name: str = "Test summit",
    city: str = "Lima",
) -> RecordWorld:
    event = replace(
        builders.event(
            list(PARTIES),
            [builders.meeting("ab", "A", "B", format=MeetingFormat.BILATERAL_RESTRICTED)],
            policy=EventPolicy(organiser_sees=organiser_sees),
        ),
        id=event_id,
        name=name,
        host_city=city,
    )
    organiser = add_user(db, f"{event_id}.protocol", Role.ORGANISER, None, None)
    import_event(db, organiser, event)
    delegates = {
        party: add_user(db, f"{event_id}.{party}", Role.DELEGATE, event_id, party)
        for party in PARTIES
    }
    with db.reading() as session:
        meeting_id = session.scalars(
            select(MeetingRow.id).where(MeetingRow.event_id == event_id)
        ).one()
    return RecordWorld(event_id, meeting_id, organiser, delegates)
