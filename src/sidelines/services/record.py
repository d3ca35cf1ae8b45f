"""The record of what happened: the outcome of each meeting, and encounters nobody planned.

A meeting ends held, held as another format (a planned bilateral that became a brief contact),
cancelled (by one side, for a reason only the two sides read) or not held (DESIGN.md §4). An
encounter — a greeting at the start of a session, a pull-aside, a word at dinner — is logged
afterwards by one of its sides or by the organiser, with where and when.

Who sees what: the sides see everything of their own meetings and encounters; the organiser sees
every meeting's outcome (it keeps the bookings) without the sides' reason, and encounters it
logged itself or, where the event's policy is ``everything``, all of them. Anyone else — a third
delegation, the public — sees a meeting or an encounter only once one of its sides has published
a statement about it, and otherwise gets "not found", as for an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.domain import DomainError, Event, MeetingFormat, PrincipalId
from sidelines.domain.negotiation import MeetingStatus, move_meeting
from sidelines.services import audit
from sidelines.services.actors import Actor
from sidelines.services.bookings import unbook
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, Invalid, not_found
from sidelines.services.events import domain_event, event_row
from sidelines.services.replans import lock_schedule
from sidelines.services.schedule_versions import current_version, new_version
from sidelines.services.subjects import Subject, encounter_sides, meeting_subject
from sidelines.services.visibility import sees_subject, takes_part, visible_subject
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    EncounterPartyRow,
    EncounterRow,
    MeetingRow,
    OutcomeRow,
)

# What a meeting can become once it is over; agreeing and scheduling happen elsewhere.
OUTCOMES = (
    MeetingStatus.HELD,
    MeetingStatus.HELD_AS_DOWNGRADED,
    MeetingStatus.CANCELLED,
    MeetingStatus.NOT_HELD,
)
PUBLIC_VISIBILITY = "public"
JOINT = "joint"


# --- outcomes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a side or the organiser reports of a meeting once it is over."""

    status: MeetingStatus
    started_at: datetime | None = None
    ended_at: datetime | None = None
    held_format: MeetingFormat | None = None  # for a meeting held as another format
    cancelled_by: str | None = None  # the side that called it off
    reason: str | None = None  # why it was cancelled or not held: for the two sides only


@dataclass(frozen=True)
class OutcomeView:
    meeting_id: int
    event_id: str
    status: MeetingStatus
    planned_format: str
    held_format: str | None
    started_at: datetime | None
    ended_at: datetime | None
    cancelled_by: str | None
    reason: str | None
    recorded_at: datetime | None

    @property
    def format(self) -> str:
        """The format the meeting had in the end."""
        return self.held_format or self.planned_format


def _check_outcome(outcome: Outcome, planned_format: str, sides: frozenset[str]) -> None:
    status = outcome.status
    if status not in OUTCOMES:
        raise Invalid(
            "an outcome is one of "
            + ", ".join(str(s) for s in OUTCOMES)
            + "; scheduling is done through the schedule",
            "status",
        )
    held = status in MeetingStatus.held()
    if not held and (outcome.started_at or outcome.ended_at):
        raise Invalid(f"a meeting that is {status} has no actual times", "started_at")
    if outcome.ended_at is not None and outcome.started_at is None:
        raise Invalid("an end needs a start", "started_at")
    if outcome.started_at and outcome.ended_at and outcome.ended_at <= outcome.started_at:
        raise Invalid("a meeting must end after it starts", "ended_at")
    if status is MeetingStatus.HELD_AS_DOWNGRADED:
        if outcome.held_format is None:
            raise Invalid("say which format the meeting was held in", "held_format")
        if outcome.held_format == planned_format:
            raise Invalid(f"the meeting was planned as {planned_format} already", "held_format")
    elif outcome.held_format is not None:
        raise Invalid("only a meeting held as another format names one", "held_format")
    if status is MeetingStatus.CANCELLED:
        if outcome.cancelled_by not in sides:
            raise Invalid(
                "say which side cancelled: one of " + ", ".join(sorted(sides)), "cancelled_by"
            )
    elif outcome.cancelled_by is not None:
        raise Invalid("only a cancelled meeting names who cancelled it", "cancelled_by")
    if held and outcome.reason:
        raise Invalid("a held meeting needs no reason", "reason")


def _check_within_days(event: Event, started_at: datetime) -> None:
    """A meeting held on the sidelines starts during the event, as an encounter does: a
    mistyped year would otherwise become the pair's last meeting in their history."""
    first, last = event.day_spans[0].start, event.day_spans[-1].end
    if not first <= started_at < last:
        raise Invalid("the meeting's start lies outside the event's days", "started_at")


def _outcome_view(row: MeetingRow, outcome: OutcomeRow | None, reason_shown: bool) -> OutcomeView:
    return OutcomeView(
        meeting_id=row.id,
        event_id=row.event_id,
        status=MeetingStatus(row.status),
        planned_format=row.format,
        held_format=outcome.held_format if outcome else None,
        started_at=outcome.started_at if outcome and outcome.started_at else row.starts_at,
        ended_at=outcome.ended_at if outcome and outcome.started_at else row.ends_at,
        cancelled_by=outcome.cancelled_by if outcome else None,
        reason=outcome.reason if outcome and reason_shown else None,
        recorded_at=outcome.recorded_at if outcome else None,
    )


def _utc(at: datetime | None) -> datetime | None:
    """Instants are kept and shown in UTC, whatever zone the caller wrote them in."""
    return at.astimezone(UTC) if at is not None else None


def record_outcome(
    db: Database, actor: Actor, event_id: str, meeting_id: int, outcome: Outcome
) -> OutcomeView:
    """Record what became of a meeting. Recording the status it already has amends the details
    (actual times, format, reason) of an outcome; every change is an audit entry."""

    def work(session: Session) -> OutcomeView:
        taken_off = outcome.status in MeetingStatus.did_not_happen()
        # Taken for every outcome, held ones too: the two sides may record theirs at the same
        # moment, and the second must read the first's status (and be refused when that status
        # cannot become its own) rather than overwrite it unseen. One taken off the published
        # schedule needs it anyway, for the new version; and the lock is the event's row, which
        # every change of a meeting writes (its revision) whatever the order, so taking it first
        # keeps two recorders from deadlocking on the meeting's row and the event's.
        lock_schedule(session, event_id)
        subject = meeting_subject(session, event_id, meeting_id)
        party = actor.acts_for(event_id)
        if party not in subject.sides and not actor.is_organiser:
            if sees_subject(session, actor, subject):
                raise Forbidden("only the sides of a meeting or the organiser can record this")
            raise not_found("meeting", meeting_id)
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        _check_outcome(outcome, row.format, subject.sides)
        if outcome.started_at is not None:
            _check_within_days(domain_event(session, event_id), outcome.started_at)
        current = MeetingStatus(row.status)
        amending = current is outcome.status
        was_placed = row.starts_at is not None
        if not amending:
            try:
                row.status = str(move_meeting(current, outcome.status))
            except DomainError as error:
                raise Conflict(error.message, "status") from None
            if taken_off:
                unbook(session, row)
                row.status = str(outcome.status)
            row.updated_at = now()
        stored = session.get(OutcomeRow, meeting_id)
        if stored is None:
            stored = OutcomeRow(meeting_id=meeting_id, event_id=event_id)
            session.add(stored)
        stored.status = str(outcome.status)
        stored.held_format = str(outcome.held_format) if outcome.held_format else None
        stored.started_at = _utc(outcome.started_at)
        stored.ended_at = _utc(outcome.ended_at)
        stored.cancelled_by = outcome.cancelled_by
        stored.reason = outcome.reason
        stored.recorded_by = actor.user_id
        stored.recorded_at = now()
        session.flush()
        # The reason stays out of the audit detail: the organiser may read the entry.
        audit.record(
            session,
            actor,
            event_id,
            "meeting.outcome_amended" if amending else f"meeting.{outcome.status}",
            "meeting",
            meeting_id,
            sorted(subject.sides),
            held_format=stored.held_format,
            cancelled_by=stored.cancelled_by,
        )
        if taken_off and not amending and was_placed and current_version(session, event_id):
            # Off the published schedule: both sides' agendas, the sheets printed with it and
            # the organiser's changes say so in a version of their own, with the meeting's
            # last place ("Bilateral with Russia cancelled (was Sun 08:30, Bilateral room 2)").
            new_version(
                session,
                actor,
                event_id,
                f"meeting {meeting_id} {outcome.status}",
                kinds={meeting_id: str(outcome.status)},
            )
        return _outcome_view(row, stored, party in subject.sides)

    return db.write(work)


def get_outcome(db: Database, actor: Actor, event_id: str, meeting_id: int) -> OutcomeView:
    with db.reading() as session:
        subject = visible_subject(session, actor, event_id, meeting_id=meeting_id)
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        shown = actor.acts_for(event_id) in subject.sides
        return _outcome_view(row, session.get(OutcomeRow, meeting_id), shown)


def outcomes(session: Session, meeting_ids: list[int]) -> dict[int, OutcomeRow]:
    rows = session.scalars(select(OutcomeRow).where(OutcomeRow.meeting_id.in_(meeting_ids)))
    return {row.meeting_id: row for row in rows}


# --- encounters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EncounterIn:
    """An encounter as a side or the organiser logs it. ``principals`` (optional) names who
    met; each must belong to one of ``parties``."""

    parties: tuple[str, ...]
    started_at: datetime
    format: MeetingFormat = MeetingFormat.BRIEF_CONTACT
    place: str = ""
    session_id: str | None = None
    ended_at: datetime | None = None
    principals: tuple[str, ...] = ()
    description: str = ""
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class EncounterView:
    id: int
    event_id: str
    format: str
    place: str
    session_id: str | None
    started_at: datetime
    ended_at: datetime | None
    parties: tuple[str, ...]
    principals: tuple[str, ...]
    description: str
    topics: tuple[str, ...]
    logged_by: str | None  # the party that logged it first; None for the organiser
    owners: tuple[str, ...] = ()  # the sides that logged it, each of which owns it
    joined: bool = False  # this log joined an encounter another side had logged


# Two sides logging the same contact seldom write the same minute: logs of the same parties at
# the same place whose starts lie this close are one encounter.
SAME_ENCOUNTER_WITHIN = timedelta(minutes=10)


def _check_encounter(event: Event, encounter: EncounterIn, party: str | None) -> str:
    """Validate against the event; return the place (a session's venue when none is given)."""
    if len(encounter.parties) < 2:
        raise Invalid("an encounter has at least two sides", "parties")
    if len(set(encounter.parties)) != len(encounter.parties):
        raise Invalid("a party is named twice", "parties")
    for index, side in enumerate(encounter.parties):
        if side not in event.party_by_id:
            raise Invalid(f"unknown party {side!r}", f"parties[{index}]")
    if party is not None and party not in encounter.parties:
        raise Forbidden("a delegation logs only encounters it took part in")
    for index, principal_id in enumerate(encounter.principals):
        principal = event.principal_by_id.get(PrincipalId(principal_id))
        if principal is None:
            raise Invalid(f"unknown principal {principal_id!r}", f"principals[{index}]")
        if principal.party not in encounter.parties:
            raise Invalid(
                f"{principal_id} is not of any of the encounter's parties", f"principals[{index}]"
            )
    first, last = event.day_spans[0].start, event.day_spans[-1].end
    if not first <= encounter.started_at < last:
        raise Invalid("the encounter lies outside the event's days", "started_at")
    if encounter.ended_at is not None and encounter.ended_at <= encounter.started_at:
        raise Invalid("an encounter must end after it starts", "ended_at")
    place = encounter.place.strip()
    if encounter.session_id is not None:
        found = next((s for s in event.programme if s.id == encounter.session_id), None)
        if found is None:
            raise Invalid(f"unknown programme session {encounter.session_id!r}", "session_id")
        place = place or found.venue or found.title
    if not place:
        raise Invalid("say where it happened (a place or a programme session)", "place")
    return place


def _encounter_links(
    session: Session, encounter_ids: list[int]
) -> dict[int, list[EncounterPartyRow]]:
    """The sides of several encounters in one statement, each encounter's by party."""
    links: dict[int, list[EncounterPartyRow]] = {i: [] for i in encounter_ids}
    if encounter_ids:
        for link in session.scalars(
            select(EncounterPartyRow)
            .where(EncounterPartyRow.encounter_id.in_(encounter_ids))
            .order_by(EncounterPartyRow.party_id)
        ):
            links[link.encounter_id].append(link)
    return links


def _encounter_view(
    session: Session, row: EncounterRow, links: list[EncounterPartyRow] | None = None
) -> EncounterView:
    """The encounter; ``links``, its sides, when a list read loaded them already."""
    if links is None:
        links = _encounter_links(session, [row.id])[row.id]
    return EncounterView(
        id=row.id,
        event_id=row.event_id,
        format=row.format,
        place=row.place,
        session_id=row.session_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        parties=tuple(link.party_id for link in links),
        principals=tuple(sorted(link.principal_id for link in links if link.principal_id)),
        description=row.description,
        topics=tuple(row.topics),
        logged_by=row.logged_party,
        owners=tuple(link.party_id for link in links if link.logged_at is not None),
    )


def _same_place(row: EncounterRow, encounter: EncounterIn, place: str) -> bool:
    if row.session_id is not None and encounter.session_id is not None:
        return row.session_id == encounter.session_id
    return row.place.strip().casefold() == place.casefold()


def _logged_before(
    session: Session, event_id: str, encounter: EncounterIn, place: str, party: str
) -> EncounterRow | None:
    """The encounter another side logged of the same parties, time and place, that ``party``
    has not logged yet: the second side's log joins it instead of making another."""
    start = encounter.started_at.astimezone(UTC)
    candidates = session.scalars(
        select(EncounterRow)
        .where(
            EncounterRow.event_id == event_id,
            EncounterRow.started_at >= start - SAME_ENCOUNTER_WITHIN,
            EncounterRow.started_at <= start + SAME_ENCOUNTER_WITHIN,
        )
        .order_by(EncounterRow.started_at, EncounterRow.created_at, EncounterRow.id)
    ).all()
    for row in candidates:
        links = session.scalars(
            select(EncounterPartyRow).where(EncounterPartyRow.encounter_id == row.id)
        ).all()
        if {link.party_id for link in links} != set(encounter.parties):
            continue
        mine = next(link for link in links if link.party_id == party)
        if mine.logged_at is None and _same_place(row, encounter, place):
            return row
    return None


def _join(
    session: Session, actor: Actor, event: Event, row: EncounterRow, encounter: EncounterIn
) -> EncounterView:
    """The second side's log of an encounter: it owns it too, and names its own principal
    where the first side did not. The first side's description and topics stay; each side's
    account of it belongs in its statements."""
    party = actor.acts_for(event.id)
    for link in session.scalars(
        select(EncounterPartyRow).where(EncounterPartyRow.encounter_id == row.id)
    ):
        if link.party_id == party:
            link.logged_at = now()
        for principal_id in encounter.principals:
            principal = event.principal_by_id[PrincipalId(principal_id)]
            if principal.party == link.party_id and link.principal_id is None:
                link.principal_id = principal_id
    if row.ended_at is None and encounter.ended_at is not None:
        row.ended_at = encounter.ended_at.astimezone(UTC)
    session.flush()
    audit.record(
        session,
        actor,
        event.id,
        "encounter.joined",
        "encounter",
        row.id,
        sorted(encounter_sides(session, row.id)),
        format=row.format,
    )
    return replace(_encounter_view(session, row), joined=True)


def log_encounter(
    db: Database, actor: Actor, event_id: str, encounter: EncounterIn
) -> EncounterView:
    """Log an encounter. A side logging one that another of its sides logged already (same
    parties, same place, starts within ``SAME_ENCOUNTER_WITHIN``) joins it (``joined``) and
    owns it too. The organiser's log never joins a side's: it may not know of it."""
    _encounter_logger(actor, event_id)
    return db.write(lambda session: log_encounter_in(session, actor, event_id, encounter))


def _encounter_logger(actor: Actor, event_id: str) -> str | None:
    party = actor.acts_for(event_id)
    if not takes_part(actor, event_id):
        raise Forbidden("only the sides of an encounter or the organiser can log it")
    return party


def log_encounter_in(
    session: Session, actor: Actor, event_id: str, encounter: EncounterIn
) -> EncounterView:
    """``log_encounter`` inside a write transaction the caller holds (and commits or rolls
    back with whatever else it writes)."""
    party = _encounter_logger(actor, event_id)
    event = domain_event(session, event_id)
    place = _check_encounter(event, encounter, party)
    if party is not None:
        earlier = _logged_before(session, event_id, encounter, place, party)
        if earlier is not None:
            return _join(session, actor, event, earlier, encounter)
    logged_at = now()
    row = EncounterRow(
        event_id=event_id,
        format=str(encounter.format),
        place=place,
        session_id=encounter.session_id,
        started_at=encounter.started_at.astimezone(UTC),
        ended_at=_utc(encounter.ended_at),
        description=encounter.description,
        topics=list(encounter.topics),
        logged_by=actor.user_id,
        logged_party=party,
        created_at=logged_at,
    )
    session.add(row)
    session.flush()
    principal_of: dict[str, str] = {
        event.principal_by_id[PrincipalId(p)].party: p for p in encounter.principals
    }
    session.add_all(
        EncounterPartyRow(
            encounter_id=row.id,
            party_id=side,
            principal_id=principal_of.get(side),
            logged_at=logged_at if side == party else None,
        )
        for side in encounter.parties
    )
    session.flush()
    audit.record(
        session,
        actor,
        event_id,
        "encounter.logged",
        "encounter",
        row.id,
        list(encounter.parties),
        format=row.format,
    )
    return _encounter_view(session, row)


def get_encounter(db: Database, actor: Actor, event_id: str, encounter_id: int) -> EncounterView:
    with db.reading() as session:
        visible_subject(session, actor, event_id, encounter_id=encounter_id)
        row = session.get(EncounterRow, encounter_id)
        assert row is not None
        return _encounter_view(session, row)


def list_encounters(db: Database, actor: Actor, event_id: str) -> list[EncounterView]:
    """The event's encounters this actor may see, in time order."""
    with db.reading() as session:
        event_row(session, event_id)
        rows = session.scalars(
            select(EncounterRow)
            .where(EncounterRow.event_id == event_id)
            .order_by(EncounterRow.started_at, EncounterRow.created_at, EncounterRow.id)
        ).all()
        # The sides of every encounter in one statement, not one a row.
        links = _encounter_links(session, [row.id for row in rows])
        shown = []
        for row in rows:
            subject = Subject(
                "encounter",
                row.id,
                event_id,
                frozenset(link.party_id for link in links[row.id]),
                logged_by_organiser=row.logged_party is None,
            )
            if sees_subject(session, actor, subject):
                shown.append(_encounter_view(session, row, links[row.id]))
        return shown
