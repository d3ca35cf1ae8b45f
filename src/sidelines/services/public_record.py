"""What the public and the press may read of an event: the meetings and encounters a side has
made public by publishing a statement about them, with those public statements.

Nothing else leaks: no topics the sides agreed between themselves, no reason for a cancellation,
no statement a side kept to itself or shared only with its counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from sidelines.services.actors import PUBLIC
from sidelines.services.events import domain_event
from sidelines.services.places import meeting_place
from sidelines.services.record import outcomes
from sidelines.services.statements import StatementView, Visibility, readable_statements
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    EncounterPartyRow,
    EncounterRow,
    MeetingPrincipalRow,
    MeetingRow,
    StatementRow,
)


@dataclass(frozen=True)
class PublicItem:
    """A meeting or an encounter on the public record."""

    kind: str  # meeting | encounter
    ref: int
    status: str  # a meeting's status; "held" for an encounter
    format: str  # the format it was held in
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    parties: tuple[str, ...]
    statements: tuple[StatementView, ...]


@dataclass(frozen=True)
class PublicRecord:
    """``statements`` are the public statements about parties made on their own and not (yet)
    linked to a meeting or an encounter, in time order."""

    event_id: str
    event: str
    items: list[PublicItem]
    statements: list[StatementView]


def public_record(db: Database, event_id: str) -> PublicRecord:
    with db.reading() as session:
        event = domain_event(session, event_id)
        statements = readable_statements(
            session,
            PUBLIC,
            event_id,
            select(StatementRow).where(
                StatementRow.event_id == event_id,
                StatementRow.visibility == str(Visibility.PUBLIC),
            ),
        )
        about_meeting: dict[int, list[StatementView]] = {}
        about_encounter: dict[int, list[StatementView]] = {}
        on_their_own: list[StatementView] = []
        for statement in statements:
            if statement.meeting_id is not None:
                about_meeting.setdefault(statement.meeting_id, []).append(statement)
            elif statement.encounter_id is not None:
                about_encounter.setdefault(statement.encounter_id, []).append(statement)
            else:
                on_their_own.append(statement)
        items: list[PublicItem] = []
        ended = outcomes(session, list(about_meeting))
        # The sides of every meeting and encounter in one statement each, not one per item.
        meeting_links: dict[int, list[tuple[str, str]]] = {m: [] for m in about_meeting}
        for meeting_id, party, principal in session.execute(
            select(
                MeetingPrincipalRow.meeting_id,
                MeetingPrincipalRow.party_id,
                MeetingPrincipalRow.principal_id,
            ).where(MeetingPrincipalRow.meeting_id.in_(list(about_meeting)))
        ):
            meeting_links[meeting_id].append((party, principal))
        encounter_sides: dict[int, list[str]] = {e: [] for e in about_encounter}
        for encounter_id, party in session.execute(
            select(EncounterPartyRow.encounter_id, EncounterPartyRow.party_id).where(
                EncounterPartyRow.encounter_id.in_(list(about_encounter))
            )
        ):
            encounter_sides[encounter_id].append(party)
        for meeting in session.scalars(
            select(MeetingRow).where(MeetingRow.id.in_(list(about_meeting)))
        ):
            outcome = ended.get(meeting.id)
            links = sorted(meeting_links[meeting.id])
            parties = [party for party, _ in links]
            # Where it was planned to be: a space, or a programme session's start or end.
            place = meeting_place(
                event,
                meeting.format,
                meeting.starts_at,
                meeting.ends_at,
                meeting.space_id,
                [principal for _, principal in links],
            )
            items.append(
                PublicItem(
                    kind="meeting",
                    ref=meeting.id,
                    status=meeting.status,
                    format=(outcome.held_format if outcome else None) or meeting.format,
                    starts_at=(outcome.started_at if outcome else None) or meeting.starts_at,
                    ends_at=(outcome.ended_at if outcome else None) or meeting.ends_at,
                    place=place.text if place is not None and place.location else "",
                    parties=tuple(sorted(set(parties))),
                    statements=tuple(about_meeting[meeting.id]),
                )
            )
        for encounter in session.scalars(
            select(EncounterRow).where(EncounterRow.id.in_(list(about_encounter)))
        ):
            sides = encounter_sides[encounter.id]
            items.append(
                PublicItem(
                    kind="encounter",
                    ref=encounter.id,
                    status="held",
                    format=encounter.format,
                    starts_at=encounter.started_at,
                    ends_at=encounter.ended_at,
                    place=encounter.place,
                    parties=tuple(sorted(sides)),
                    statements=tuple(about_encounter[encounter.id]),
                )
            )
        items.sort(key=lambda item: (item.starts_at is None, item.starts_at, item.kind, item.ref))
        return PublicRecord(event_id, event.name, items, on_their_own)
