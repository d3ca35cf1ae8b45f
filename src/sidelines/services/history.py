"""The history of a pair: every meeting two parties (or two principals) held, across events.

A pair's history joins three records: meetings held at events in Sidelines (with each side's
statements), encounters logged there, and meetings imported from the public record
(``formats.history_file``). Parties are matched across events by their **key**: the id events
give them, which for states and economies is the ISO 3166-1 alpha-3 code (``RUS``, ``USA``), the
same in every event file and every history file. Principals are matched by their ids likewise
(``putin``, ``obama``).

Imported meetings are public record by nature: everyone reads them. A meeting or encounter at an
event shows in a reader's history only if that reader may see it (``services.record``), with the
statements the reader may read; a reader who is not a side sees the topics of public statements,
not the topics the sides agreed between themselves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sidelines import i18n
from sidelines.domain import Event
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.errors import InputError
from sidelines.formats.history_file import HistoricalRecord, HistoryFileError, read_history
from sidelines.formats.reports import cues
from sidelines.i18n import gettext as _
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, Invalid, InvalidFile
from sidelines.services.events import domain_event
from sidelines.services.places import meeting_place
from sidelines.services.record import outcomes
from sidelines.services.statements import (
    Source,
    SourceKind,
    StatementView,
    readable_statements,
)
from sidelines.services.subjects import Subject
from sidelines.services.visibility import sees_sides_details, sees_subject
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    EncounterPartyRow,
    EncounterRow,
    HistoricalMeetingRow,
    HistoricalPartyRow,
    MeetingPrincipalRow,
    MeetingRow,
    StatementRow,
)

By = Literal["party", "principal"]
# English month names, whatever the process's locale (``strftime("%B")`` follows it).
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class HistoryEntry:
    """One meeting of the pair. ``kind`` says where it comes from: ``meeting`` or
    ``encounter`` (an event in Sidelines, ``event_id`` and ``ref`` name it) or ``historical``
    (imported; ``ref`` is its id in the history)."""

    kind: str
    ref: int
    event_id: str | None
    event: str
    city: str
    country: str
    held_on: date
    starts_at: datetime | None
    format: str | None
    place: str
    parties: tuple[str, ...]
    principals: tuple[str, ...]
    topics: tuple[str, ...]
    summary: str = ""
    sources: tuple[Source, ...] = ()
    statements: tuple[StatementView, ...] = ()

    def mentions(self, topic: str) -> bool:
        """Whether a topic of the meeting, or of a statement about it, holds ``topic`` or names
        the same subject in another language: "Syria" finds "Сирия", "санкции" "sanctions"."""
        wanted, subjects = topic.casefold(), subjects_of(topic)
        topics = [*self.topics, *(t for s in self.statements for t in s.topics)]
        return any(
            wanted in known.casefold() or not subjects.isdisjoint(subjects_of(known))
            for known in topics
        )


@cache
def subjects_of(topic: str) -> frozenset[str]:
    """The subjects a topic names, as the report reader knows them in English and Russian
    (``cues.TOPICS``): the same for "Syria" and "Сирия", none for a topic it does not know."""
    return frozenset(name for name, pattern in cues.TOPICS.items() if pattern.search(topic))


@dataclass(frozen=True)
class LastMet:
    entry: HistoryEntry
    sentence: str  # "on the sidelines of the G20 summit in Hangzhou, 5 September 2016, …"


@dataclass(frozen=True)
class ImportReport:
    imported: int
    known: int  # already in the history: importing a file twice adds nothing


# --- reading ---------------------------------------------------------------------------------


def pair_history(
    db: Database,
    actor: Actor,
    pair: tuple[str, str] | None,
    *,
    by: By = "party",
    topic: str | None = None,
    before: date | None = None,
) -> list[HistoryEntry]:
    """Every meeting of ``pair`` this actor may see, newest first; only those about ``topic``
    (a part of a topic's name, any case) or held before ``before`` when given. Without a pair,
    every meeting about ``topic``."""
    if pair is None and not topic:
        raise Invalid("name a pair, or a topic to search for", "topic")
    if pair is not None and pair[0] == pair[1]:
        raise Invalid("a pair is two different parties or principals", "pair")
    with db.reading() as session:
        entries = [
            *_historical(session, pair, by),
            *_meetings(session, actor, pair, by),
            *_encounters(session, actor, pair, by),
        ]
    if topic:
        entries = [entry for entry in entries if entry.mentions(topic)]
    if before is not None:
        entries = [entry for entry in entries if entry.held_on < before]
    return sorted(entries, key=_newest_first)


def _newest_first(entry: HistoryEntry) -> tuple[int, float]:
    at = entry.starts_at.timestamp() if entry.starts_at else 0.0
    return (-entry.held_on.toordinal(), -at)


def last_met(
    db: Database,
    actor: Actor,
    pair: tuple[str, str],
    *,
    by: By = "party",
    before: date | None = None,
) -> LastMet | None:
    """The pair's latest meeting (before ``before``, e.g. the first day of the event at hand,
    for "their previous meeting"), with a sentence that says it."""
    entries = pair_history(db, actor, pair, by=by, before=before)
    if not entries:
        return None
    return LastMet(entries[0], describe(entries[0]))


def before_the_event(
    db: Database, actor: Actor, first_day: date, parties: Collection[str]
) -> str | None:
    """When and where the two ``parties`` last met before ``first_day`` (the first day of the
    event at hand), and what they discussed, in a sentence in the language of the moment: what
    a protocol officer preparing their meeting reads. Only what ``actor`` may see of the pair's
    history counts (the public record and its own meetings), so a confidential readout never
    reaches a third reader. None for a pair with no such meeting on record, and for more or
    fewer than two parties: the history is of pairs."""
    if len(set(parties)) != 2:
        return None
    first, second = sorted(set(parties))
    found = last_met(db, actor, (first, second), before=first_day)
    return None if found is None else answer(found)


def describe(entry: HistoryEntry) -> str:
    """ "on the sidelines of the G20 summit in Hangzhou, 5 September 2016, where they discussed
    Ukraine and Syria", in the language of the moment."""
    name = entry.event[4:] if entry.event.lower().startswith("the ") else entry.event
    values = {"event": _("the %(event)s") % {"event": name}, "held_on": _held_on(entry.held_on)}
    if entry.city:
        sentence = _("on the sidelines of %(event)s in %(city)s, %(held_on)s") % {
            **values,
            "city": entry.city,
        }
    else:
        sentence = _("on the sidelines of %(event)s, %(held_on)s") % values
    if entry.topics:
        sentence += _(", where they discussed %(topics)s") % {"topics": _and(entry.topics)}
    return sentence


def answer(found: LastMet | None) -> str:
    """What ``last_met`` found, in a sentence in the language of the moment."""
    if found is None:
        return _("No meeting on record.")
    return _("They last met %(sentence)s.") % {"sentence": describe(found.entry)}


def _held_on(day: date) -> str:
    if i18n.current() == i18n.DEFAULT:
        # English month names, whatever the process's locale; the day without a leading zero.
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return i18n.format_day(day, "%d %B %Y")


def _and(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) == 1:
        return items[0]
    return _("%(some)s and %(last)s") % {"some": ", ".join(items[:-1]), "last": items[-1]}


def earlier_meetings(db: Database, parties: Collection[str]) -> list[HistoryEntry]:
    """The imported history's meetings between two or more of ``parties`` (an event's),
    newest first: what an event's record recalls of its parties' earlier meetings. Public, as
    the imported history is to every reader."""
    among = (
        select(HistoricalPartyRow.meeting_id)
        .where(HistoricalPartyRow.party_key.in_(sorted(parties)))
        .group_by(HistoricalPartyRow.meeting_id)
        .having(func.count() >= 2)
    )
    with db.reading() as session:
        entries = _historical(session, None, "party", among=among)
    return sorted(entries, key=_newest_first)


def _historical(
    session: Session,
    pair: tuple[str, str] | None,
    by: By,
    *,
    among: Select[int] | None = None,
) -> list[HistoryEntry]:
    key = HistoricalPartyRow.party_key if by == "party" else HistoricalPartyRow.principal_key
    query = select(HistoricalMeetingRow)
    if among is not None:
        query = query.where(HistoricalMeetingRow.id.in_(among))
    if pair is not None:
        for side in pair:
            query = query.where(
                HistoricalMeetingRow.id.in_(
                    select(HistoricalPartyRow.meeting_id).where(key == side)
                )
            )
    rows = session.scalars(
        query.order_by(HistoricalMeetingRow.imported_at, HistoricalMeetingRow.id)
    ).all()
    links: dict[int, list[HistoricalPartyRow]] = {}
    for link in session.scalars(
        select(HistoricalPartyRow)
        .where(HistoricalPartyRow.meeting_id.in_([row.id for row in rows]))
        .order_by(HistoricalPartyRow.party_key)
    ):
        links.setdefault(link.meeting_id, []).append(link)
    return [
        HistoryEntry(
            kind="historical",
            ref=row.id,
            event_id=None,
            event=row.event,
            city=row.city,
            country=row.country,
            held_on=row.held_on,
            starts_at=None,
            format=row.format or None,
            place=row.place,
            parties=tuple(link.party_key for link in links.get(row.id, [])),
            principals=tuple(
                sorted(link.principal_key for link in links.get(row.id, []) if link.principal_key)
            ),
            topics=tuple(row.topics),
            summary=row.summary,
            sources=tuple(
                Source(s["name"], SourceKind.OUTLET, s.get("url", "")) for s in row.sources
            ),
        )
        for row in rows
    ]


def _local_day(event: Event, at: datetime | None) -> date:
    return at.astimezone(ZoneInfo(event.timezone)).date() if at else event.days[0]


def _meetings(
    session: Session, actor: Actor, pair: tuple[str, str] | None, by: By
) -> list[HistoryEntry]:
    key = MeetingPrincipalRow.party_id if by == "party" else MeetingPrincipalRow.principal_id
    query = select(MeetingRow).where(MeetingRow.status.in_([str(s) for s in MeetingStatus.held()]))
    if pair is not None:
        for side in pair:
            query = query.where(
                MeetingRow.id.in_(select(MeetingPrincipalRow.meeting_id).where(key == side))
            )
    # In the order they were made: meetings held at the same time keep that order.
    rows = session.scalars(query.order_by(MeetingRow.created_at, MeetingRow.id)).all()
    links: dict[int, list[MeetingPrincipalRow]] = {}
    for link in session.scalars(
        select(MeetingPrincipalRow).where(MeetingPrincipalRow.meeting_id.in_([r.id for r in rows]))
    ):
        links.setdefault(link.meeting_id, []).append(link)
    ended = outcomes(session, [row.id for row in rows])
    entries = []
    for row in rows:
        sides = frozenset(link.party_id for link in links.get(row.id, []))
        subject = Subject("meeting", row.id, row.event_id, sides)
        if not sees_subject(session, actor, subject):
            continue
        event = domain_event(session, row.event_id)
        statements = _said_about(session, actor, subject)
        outcome = ended.get(row.id)
        started = (outcome.started_at if outcome else None) or row.starts_at
        place = meeting_place(
            event,
            row.format,
            row.starts_at,
            row.ends_at,
            row.space_id,
            [link.principal_id for link in links.get(row.id, [])],
        )
        entries.append(
            HistoryEntry(
                kind="meeting",
                ref=row.id,
                event_id=row.event_id,
                event=event.name,
                city=event.host_city,
                country=event.host_country,
                held_on=_local_day(event, started),
                starts_at=started,
                format=(outcome.held_format if outcome else None) or row.format,
                place=place.text if place is not None and place.location else "",
                parties=tuple(sorted(sides)),
                principals=tuple(sorted(link.principal_id for link in links.get(row.id, []))),
                topics=_topics(session, actor, subject, row.topics, statements),
                statements=tuple(statements),
            )
        )
    return entries


def _encounters(
    session: Session, actor: Actor, pair: tuple[str, str] | None, by: By
) -> list[HistoryEntry]:
    key = EncounterPartyRow.party_id if by == "party" else EncounterPartyRow.principal_id
    query = select(EncounterRow)
    if pair is not None:
        for side in pair:
            query = query.where(
                EncounterRow.id.in_(select(EncounterPartyRow.encounter_id).where(key == side))
            )
    entries = []
    for row in session.scalars(query.order_by(EncounterRow.created_at, EncounterRow.id)).all():
        links = session.scalars(
            select(EncounterPartyRow).where(EncounterPartyRow.encounter_id == row.id)
        ).all()
        sides = frozenset(link.party_id for link in links)
        subject = Subject(
            "encounter", row.id, row.event_id, sides, logged_by_organiser=row.logged_party is None
        )
        if not sees_subject(session, actor, subject):
            continue
        event = domain_event(session, row.event_id)
        statements = _said_about(session, actor, subject)
        entries.append(
            HistoryEntry(
                kind="encounter",
                ref=row.id,
                event_id=row.event_id,
                event=event.name,
                city=event.host_city,
                country=event.host_country,
                held_on=_local_day(event, row.started_at),
                starts_at=row.started_at,
                format=row.format,
                place=row.place,
                parties=tuple(sorted(sides)),
                principals=tuple(sorted(link.principal_id for link in links if link.principal_id)),
                topics=_topics(session, actor, subject, row.topics, statements),
                summary=row.description if actor.acts_for(row.event_id) in sides else "",
                statements=tuple(statements),
            )
        )
    return entries


def _said_about(session: Session, actor: Actor, subject: Subject) -> list[StatementView]:
    query = select(StatementRow).where(subject.column_filter())
    return readable_statements(session, actor, subject.event_id, query)


def _topics(
    session: Session,
    actor: Actor,
    subject: Subject,
    own: list[str],
    statements: list[StatementView],
) -> tuple[str, ...]:
    """The sides' own topics for the sides (and an organiser who sees everything); for anyone
    else, the topics of the statements they may read."""
    if sees_sides_details(session, actor, subject.event_id, subject.sides):
        return tuple(own)
    said: dict[str, None] = {}
    for statement in statements:
        said.update(dict.fromkeys(statement.topics))
    return tuple(said)


# --- importing -------------------------------------------------------------------------------


# A history file is a few thousand rows at most; more is a mistake or an attack.
MAX_IMPORT_BYTES = 5_000_000


def latest_today() -> date:
    """Today's date where it is latest (UTC+14): no meeting held yet anywhere is dated after it."""
    return (now() + timedelta(hours=14)).date()


def import_history_file(db: Database, actor: Actor, raw: bytes, name: str) -> ImportReport:
    """Import a CSV or JSON history file as uploaded (``name``'s suffix says which). A file
    with any bad row is refused whole, every problem listed by line."""
    if not actor.is_organiser:
        raise Forbidden("only the organiser imports history")
    if len(raw) > MAX_IMPORT_BYTES:
        raise Invalid(f"a history file is at most {MAX_IMPORT_BYTES} bytes", "body")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text", "body") from None
    try:
        records = read_history(text, name, held_by=latest_today())
    except HistoryFileError as error:
        raise _refused(name, error.problems) from None
    except InputError as error:
        raise _refused(name, (error,)) from None
    return import_history(db, actor, records)


def _refused(name: str, problems: tuple[InputError, ...]) -> InvalidFile:
    """The refusal of a file, each of its problems named by line and field: one problem is
    the message itself; more are counted there, since a message is cut short where a file's
    problems can run to hundreds."""
    found: list[dict[str, object]] = [
        {"file": p.file, "line": p.line, "field": p.path, "message": p.message} for p in problems
    ]
    if len(problems) == 1:
        return InvalidFile(str(problems[0]), "body", found)
    count = len(problems)
    return InvalidFile(f"{count} problems in {name}; nothing was imported", "body", found)


def import_history(db: Database, actor: Actor, records: list[HistoricalRecord]) -> ImportReport:
    """Add meetings from the public record; those already there are left as they are."""
    if not actor.is_organiser:
        raise Forbidden("only the organiser imports history")
    try:
        return db.write(lambda session: import_history_in(session, actor, records))
    except IntegrityError:
        # Another import added one of these meetings meanwhile; nothing of this one was kept.
        raise Conflict("another import added some of these meetings meanwhile; try again") from None


def import_history_in(
    session: Session, actor: Actor, records: list[HistoricalRecord]
) -> ImportReport:
    """``import_history`` inside a write transaction the caller holds."""
    if not actor.is_organiser:
        raise Forbidden("only the organiser imports history")
    imported = known = 0
    for record in records:
        held_on, event, parties_key, meeting_format, place = record.key
        exists = session.scalar(
            select(HistoricalMeetingRow.id).where(
                HistoricalMeetingRow.held_on == held_on,
                HistoricalMeetingRow.event == event,
                HistoricalMeetingRow.parties_key == parties_key,
                HistoricalMeetingRow.format == meeting_format,
                HistoricalMeetingRow.place == place,
            )
        )
        if exists is not None:
            known += 1
            continue
        row = HistoricalMeetingRow(
            held_on=record.held_on,
            event=record.event,
            series=record.series,
            city=record.city,
            country=record.country,
            place=record.place,
            format=str(record.format) if record.format else "",
            parties_key=record.parties_key,
            topics=list(record.topics),
            summary=record.summary,
            sources=[{"name": s.name, "url": s.url} for s in record.sources],
            imported_by=actor.user_id,
            imported_at=now(),
        )
        session.add(row)
        session.flush()
        principals = dict(zip(record.parties, record.principals, strict=False))
        session.add_all(
            HistoricalPartyRow(
                meeting_id=row.id, party_key=party, principal_key=principals.get(party)
            )
            for party in record.parties
        )
        imported += 1
    return ImportReport(imported, known)


def event_first_day(db: Database, event_id: str) -> date:
    """The first day of an event: "before" it, a pair's previous meeting."""
    with db.reading() as session:
        return domain_event(session, event_id).days[0]
