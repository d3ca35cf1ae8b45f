"""Mutual interest and openness to contact, revealed only when both sides say so.

A delegation marks whom it would like to meet. The other side learns of it only if it marked the
same wish: an unanswered wish is never shown, so nobody loses face (DESIGN.md §4). "Open to
contact" works the same way for a pair that plans no meeting but would not mind one, as the
Kremlin said of Putin and Obama before Lima: "they will cross one way or another".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sidelines.services import audit
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Forbidden, Invalid
from sidelines.services.events import event_row
from sidelines.storage.db import Database
from sidelines.storage.tables import ContactRow, InterestRow, PartyRow

Table = type[InterestRow] | type[ContactRow]


@dataclass(frozen=True)
class Marks:
    """One delegation's marks: those it made, and those that are mutual."""

    marked: list[str]
    mutual: list[str]


def _party(actor: Actor, event_id: str) -> str:
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("only a delegation of this event can do this")
    return party


def _mark(db: Database, actor: Actor, event_id: str, other: str, table: Table, on: bool) -> Marks:
    party = _party(actor, event_id)
    if other == party:
        raise Invalid("a delegation cannot mark itself", "party")
    kind = "interest" if table is InterestRow else "contact"

    def work(session: Session) -> Marks:
        event_row(session, event_id)
        # The pair's two parties locked, in one order: the other side marking at the same
        # moment waits for this mark to commit, and then finds it. Otherwise (at read
        # committed) each looked for the other's mark before either committed, neither found
        # it, and the mark became mutual with neither side ever told.
        pair = session.scalars(
            select(PartyRow.id)
            .where(PartyRow.event_id == event_id, PartyRow.id.in_([party, other]))
            .order_by(PartyRow.id)
            # FOR NO KEY UPDATE: rows naming a party (principals, requests) may still be written.
            .with_for_update(key_share=True)
        ).all()
        if other not in pair:
            raise Invalid(f"unknown party {other!r}", "party")
        existing = session.get(table, (event_id, party, other))
        if on and existing is None:
            session.add(
                table(event_id=event_id, from_party=party, to_party=other, created_at=now())
            )
            session.flush()
            mutual = session.get(table, (event_id, other, party)) is not None
            # The other side's trail learns of the mark only when it has become mutual.
            audience = [party, other] if mutual else [party]
            audit.record(session, actor, event_id, f"{kind}.marked", kind, other, audience)
        elif not on and existing is not None:
            session.execute(
                delete(table).where(
                    table.event_id == event_id,
                    table.from_party == party,
                    table.to_party == other,
                )
            )
            audit.record(session, actor, event_id, f"{kind}.unmarked", kind, other, [party])
        return _marks(session, event_id, party, table)

    return db.write(work)


def _marks(session: Session, event_id: str, party: str, table: Table) -> Marks:
    marked = sorted(
        session.scalars(
            select(table.to_party).where(table.event_id == event_id, table.from_party == party)
        )
    )
    back = set(
        session.scalars(
            select(table.from_party).where(table.event_id == event_id, table.to_party == party)
        )
    )
    return Marks(marked, [other for other in marked if other in back])


def _list(db: Database, actor: Actor, event_id: str, table: Table) -> Marks:
    party = _party(actor, event_id)
    with db.reading() as session:
        event_row(session, event_id)
        return _marks(session, event_id, party, table)


def mark_interest(db: Database, actor: Actor, event_id: str, other: str, on: bool = True) -> Marks:
    return _mark(db, actor, event_id, other, InterestRow, on)


def interests(db: Database, actor: Actor, event_id: str) -> Marks:
    return _list(db, actor, event_id, InterestRow)


def mark_open_to_contact(
    db: Database, actor: Actor, event_id: str, other: str, on: bool = True
) -> Marks:
    return _mark(db, actor, event_id, other, ContactRow, on)


def open_contacts(db: Database, actor: Actor, event_id: str) -> Marks:
    return _list(db, actor, event_id, ContactRow)
