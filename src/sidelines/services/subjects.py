"""What a statement or a visibility rule is about: a meeting or an encounter of an event, or
parties at the event, with its sides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from sidelines.services.errors import not_found
from sidelines.storage.tables import (
    EncounterPartyRow,
    EncounterRow,
    MeetingPrincipalRow,
    MeetingRow,
    StatementRow,
)

# Parties a statement on its own is about, as stored: sorted, joined by this ("RUS+USA").
PARTIES_JOIN = "+"


@dataclass(frozen=True)
class Subject:
    """What a statement is about: a meeting or an encounter of an event, or (for a statement
    made on its own) parties at the event; and its sides."""

    kind: str  # meeting | encounter | parties
    id: int  # 0 for parties
    event_id: str
    sides: frozenset[str]
    logged_by_organiser: bool = False  # encounters only

    @property
    def label(self) -> str:
        """ "meeting 12", "encounter 3", "parties RUS+USA"."""
        if self.kind == "parties":
            return f"parties {PARTIES_JOIN.join(sorted(self.sides))}"
        return f"{self.kind} {self.id}"

    def column_filter(self) -> ColumnElement[bool]:
        if self.kind == "meeting":
            return StatementRow.meeting_id == self.id
        if self.kind == "encounter":
            return StatementRow.encounter_id == self.id
        return and_(
            StatementRow.meeting_id.is_(None),
            StatementRow.encounter_id.is_(None),
            StatementRow.parties_key == PARTIES_JOIN.join(sorted(self.sides)),
        )


def parties_subject(event_id: str, parties: Iterable[str]) -> Subject:
    """The subject of a statement made on its own about ``parties``."""
    return Subject("parties", 0, event_id, frozenset(parties))


def meeting_subject(session: Session, event_id: str, meeting_id: int) -> Subject:
    row = session.get(MeetingRow, meeting_id)
    if row is None or row.event_id != event_id:
        raise not_found("meeting", meeting_id)
    sides = session.scalars(
        select(MeetingPrincipalRow.party_id).where(MeetingPrincipalRow.meeting_id == meeting_id)
    )
    return Subject("meeting", meeting_id, event_id, frozenset(sides))


def encounter_subject(session: Session, event_id: str, encounter_id: int) -> Subject:
    row = session.get(EncounterRow, encounter_id)
    if row is None or row.event_id != event_id:
        raise not_found("encounter", encounter_id)
    return Subject(
        "encounter",
        encounter_id,
        event_id,
        frozenset(encounter_sides(session, encounter_id)),
        logged_by_organiser=row.logged_party is None,
    )


def encounter_sides(session: Session, encounter_id: int) -> list[str]:
    return list(
        session.scalars(
            select(EncounterPartyRow.party_id)
            .where(EncounterPartyRow.encounter_id == encounter_id)
            .order_by(EncounterPartyRow.party_id)
        )
    )


def sides_text(
    party: InstrumentedAttribute[str], of: InstrumentedAttribute[int], subject: Any
) -> ScalarSelect[Any]:
    """The sides of a meeting or encounter (``party`` of the link rows whose ``of`` is
    ``subject``), joined by "+", as one column of a query: no second round trip."""
    return (
        select(func.aggregate_strings(party, PARTIES_JOIN)).where(of == subject).scalar_subquery()
    )


def split_sides(text: str | None) -> frozenset[str]:
    return frozenset(text.split(PARTIES_JOIN)) if text else frozenset()


def subjects_of(
    session: Session, event_id: str, keys: Iterable[tuple[int | None, int | None, str | None]]
) -> dict[tuple[int | None, int | None, str | None], Subject]:
    """The subjects of many statements, by their ``(meeting_id, encounter_id, parties_key)``,
    in at most three statements whatever their number: a list must not read them one by one."""
    keys = set(keys)
    meeting_ids = sorted({m for m, _, _ in keys if m is not None})
    encounter_ids = sorted({e for m, e, _ in keys if m is None and e is not None})
    meeting_sides: dict[int, set[str]] = {m: set() for m in meeting_ids}
    if meeting_ids:
        for of_meeting, party in session.execute(
            select(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.party_id).where(
                MeetingPrincipalRow.meeting_id.in_(meeting_ids)
            )
        ):
            meeting_sides[of_meeting].add(party)
    encounter_sides: dict[int, set[str]] = {e: set() for e in encounter_ids}
    by_organiser: dict[int, bool] = {}
    if encounter_ids:
        for of_encounter, logged_party in session.execute(
            select(EncounterRow.id, EncounterRow.logged_party).where(
                EncounterRow.id.in_(encounter_ids)
            )
        ):
            by_organiser[of_encounter] = logged_party is None
        for of_encounter, party in session.execute(
            select(EncounterPartyRow.encounter_id, EncounterPartyRow.party_id).where(
                EncounterPartyRow.encounter_id.in_(encounter_ids)
            )
        ):
            encounter_sides[of_encounter].add(party)
    subjects: dict[tuple[int | None, int | None, str | None], Subject] = {}
    for key in keys:
        meeting_id, encounter_id, parties_key = key
        if meeting_id is not None:
            subjects[key] = Subject(
                "meeting", meeting_id, event_id, frozenset(meeting_sides[meeting_id])
            )
        elif encounter_id is not None:
            subjects[key] = Subject(
                "encounter",
                encounter_id,
                event_id,
                frozenset(encounter_sides[encounter_id]),
                logged_by_organiser=by_organiser.get(encounter_id, False),
            )
        else:
            assert parties_key is not None
            subjects[key] = parties_subject(event_id, parties_key.split(PARTIES_JOIN))
    return subjects
