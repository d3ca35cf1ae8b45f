"""What each side says about a meeting or an encounter: readouts, confirmations, denials, joint
statements (DESIGN.md §3).

A statement belongs to the side that made it. Sides may disagree — one calls it "a short
conversation", the other "an exchange of greetings" — and both statements are kept side by side;
nothing merges them into one account.

Who reads a statement is the side's choice, enforced here for every read:

============  ==========  ===============  ===========================  ========
visibility    the side    the counterpart  organiser                    anyone
============  ==========  ===============  ===========================  ========
side          yes         no               no                           no
counterpart   yes         yes              if it sees ``everything``    no
public        yes         yes              yes                          yes
============  ==========  ===============  ===========================  ========

A statement a reader may not see answers "not found", like one that does not exist. A public
statement cannot be made private again: what the press has quoted stays quoted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.services import audit
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, Invalid, not_found
from sidelines.services.events import event_row
from sidelines.services.record import (
    Subject,
    encounter_subject,
    meeting_subject,
    organiser_sees_everything,
    visible_subject,
)
from sidelines.storage.db import Database
from sidelines.storage.tables import StatementRow


class StatementKind(StrEnum):
    READOUT = "readout"
    CONFIRMATION = "confirmation"  # a spokesperson confirms that the meeting took place
    DENIAL = "denial"
    JOINT = "joint"


class Visibility(StrEnum):
    SIDE = "side"  # the side's own record, not yet shared
    COUNTERPART = "counterpart"  # shared with the other side(s) of the meeting
    PUBLIC = "public"


class SourceKind(StrEnum):
    AGENCY = "agency"  # a news agency: Reuters, RIA Novosti, AP
    OUTLET = "outlet"  # a newspaper, broadcaster or site
    OFFICIAL = "official"  # the side's own channel: a press office, an official site


@dataclass(frozen=True)
class Source:
    """Who reported or carried the statement ("reports Reuters", "quoted by RIA")."""

    name: str
    kind: SourceKind = SourceKind.AGENCY
    url: str = ""


@dataclass(frozen=True)
class StatementIn:
    """A statement as its side writes it. ``meeting_id`` or ``encounter_id`` says what about."""

    kind: StatementKind
    text: str
    said_at: datetime
    meeting_id: int | None = None
    encounter_id: int | None = None
    visibility: Visibility = Visibility.SIDE
    speaker: str = ""  # "Dmitry Peskov, Press Secretary of the President of Russia"
    described_format: str = ""  # how the side characterises it: "a short conversation"
    topics: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class StatementView:
    id: int
    event_id: str
    meeting_id: int | None
    encounter_id: int | None
    party_id: str
    kind: StatementKind
    visibility: Visibility
    text: str
    said_at: datetime
    speaker: str
    described_format: str
    topics: tuple[str, ...]
    sources: tuple[Source, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SideStatements:
    """One side's statements about one meeting or encounter, in time order."""

    party_id: str
    statements: list[StatementView] = field(default_factory=list)


# Fields a side may change after the fact; each change is an audit entry naming the fields.
EDITABLE = (
    "kind",
    "text",
    "said_at",
    "visibility",
    "speaker",
    "described_format",
    "topics",
    "sources",
)


def readable(
    visibility: Visibility,
    author: str,
    sides: frozenset[str],
    reader_party: str | None,
    organiser_sees_all: bool | None,
) -> bool:
    """Whether a reader may see a statement (the table in this module's docstring).

    ``reader_party`` is the party the reader acts for at the statement's event (None for the
    organiser and the public); ``organiser_sees_all`` is None for anyone but the organiser.
    """
    if visibility is Visibility.PUBLIC or reader_party == author:
        return True
    if visibility is Visibility.SIDE:
        return False
    if reader_party is not None:
        return reader_party in sides
    return bool(organiser_sees_all)


def _organiser_policy(session: Session, actor: Actor, event_id: str) -> bool | None:
    return organiser_sees_everything(session, event_id) if actor.is_organiser else None


def _sources_json(sources: Iterable[Source]) -> list[Any]:
    return [{"name": s.name, "kind": str(s.kind), "url": s.url} for s in sources]


def _view(row: StatementRow) -> StatementView:
    return StatementView(
        id=row.id,
        event_id=row.event_id,
        meeting_id=row.meeting_id,
        encounter_id=row.encounter_id,
        party_id=row.party_id,
        kind=StatementKind(row.kind),
        visibility=Visibility(row.visibility),
        text=row.text,
        said_at=row.said_at,
        speaker=row.speaker,
        described_format=row.described_format,
        topics=tuple(row.topics),
        sources=tuple(
            Source(s["name"], SourceKind(s["kind"]), s.get("url", "")) for s in row.sources
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _check(statement: StatementIn) -> None:
    if not statement.text.strip():
        raise Invalid("a statement needs its words", "text")
    for index, source in enumerate(statement.sources):
        if not source.name.strip():
            raise Invalid("a source needs a name", f"sources[{index}].name")
        if source.url and not source.url.startswith(("http://", "https://")):
            raise Invalid("a source's URL starts with http:// or https://", f"sources[{index}].url")


def _subject_of(session: Session, row: StatementRow) -> Subject:
    if row.meeting_id is not None:
        return meeting_subject(session, row.event_id, row.meeting_id)
    assert row.encounter_id is not None
    return encounter_subject(session, row.event_id, row.encounter_id)


def _audience(visibility: Visibility, author: str, subject: Subject) -> list[str]:
    return [author] if visibility is Visibility.SIDE else sorted(subject.sides)


def _write(row: StatementRow, statement: StatementIn, at: datetime) -> None:
    """Put what a side says (all but what it is about) into its row."""
    row.kind = str(statement.kind)
    row.visibility = str(statement.visibility)
    row.text = statement.text
    row.said_at = statement.said_at.astimezone(UTC)
    row.speaker = statement.speaker
    row.described_format = statement.described_format
    row.topics = list(statement.topics)
    row.sources = _sources_json(statement.sources)
    row.updated_at = at


def make_statement(
    db: Database, actor: Actor, event_id: str, statement: StatementIn
) -> StatementView:
    """Record one side's statement; only a side of the meeting or encounter can make one."""
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("a statement is made by one of the sides")
    _check(statement)

    def work(session: Session) -> StatementView:
        subject = visible_subject(
            session,
            actor,
            event_id,
            meeting_id=statement.meeting_id,
            encounter_id=statement.encounter_id,
        )
        if party not in subject.sides:
            raise Forbidden(f"only the sides of this {subject.kind} speak for it")
        created = now()
        row = StatementRow(
            event_id=event_id,
            meeting_id=statement.meeting_id,
            encounter_id=statement.encounter_id,
            party_id=party,
            created_by=actor.user_id,
            created_at=created,
        )
        _write(row, statement, created)
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            event_id,
            "statement.made",
            "statement",
            row.id,
            _audience(statement.visibility, party, subject),
            kind=row.kind,
            visibility=row.visibility,
            about=f"{subject.kind} {subject.id}",
        )
        return _view(row)

    return db.write(work)


def _visible_statement(
    session: Session, actor: Actor, event_id: str, statement_id: int
) -> tuple[StatementRow, Subject]:
    row = session.get(StatementRow, statement_id)
    hidden = not_found("statement", statement_id)
    if row is None or row.event_id != event_id:
        raise hidden
    subject = _subject_of(session, row)
    shown = readable(
        Visibility(row.visibility),
        row.party_id,
        subject.sides,
        actor.acts_for(event_id),
        _organiser_policy(session, actor, event_id),
    )
    if not shown:
        raise hidden
    return row, subject


def get_statement(db: Database, actor: Actor, event_id: str, statement_id: int) -> StatementView:
    with db.reading() as session:
        row, _ = _visible_statement(session, actor, event_id, statement_id)
        return _view(row)


def amend_statement(
    db: Database, actor: Actor, event_id: str, statement_id: int, changes: StatementIn
) -> StatementView:
    """Change a side's own statement to ``changes`` (its subject stays). Publishing is such a
    change; taking a public statement back is refused."""
    party = actor.acts_for(event_id)
    _check(changes)

    def work(session: Session) -> StatementView:
        row, subject = _visible_statement(session, actor, event_id, statement_id)
        if row.party_id != party:
            raise Forbidden("only the side that made a statement can change it")
        was = _view(row)
        if was.visibility is Visibility.PUBLIC and changes.visibility is not Visibility.PUBLIC:
            raise Conflict("a public statement cannot be taken back", "visibility")
        wanted = replace(
            was,
            kind=changes.kind,
            text=changes.text,
            said_at=changes.said_at,
            visibility=changes.visibility,
            speaker=changes.speaker,
            described_format=changes.described_format,
            topics=changes.topics,
            sources=changes.sources,
        )
        changed = [name for name in EDITABLE if getattr(was, name) != getattr(wanted, name)]
        if not changed:
            return was
        _write(row, changes, now())
        # Widening the audience tells the newly included sides too; what they could not read
        # before stays out of the detail.
        audit.record(
            session,
            actor,
            event_id,
            "statement.amended",
            "statement",
            row.id,
            _audience(changes.visibility, row.party_id, subject),
            changed=changed,
            visibility=row.visibility,
        )
        return _view(row)

    return db.write(work)


def list_statements(
    db: Database,
    actor: Actor,
    event_id: str,
    *,
    meeting_id: int | None = None,
    encounter_id: int | None = None,
) -> list[StatementView]:
    """The statements this actor may read, about one meeting or encounter when one is named
    (which must itself be visible), or about the whole event; in time order."""
    with db.reading() as session:
        event_row(session, event_id)
        query = select(StatementRow).where(StatementRow.event_id == event_id)
        if meeting_id is not None or encounter_id is not None:
            subject = visible_subject(
                session, actor, event_id, meeting_id=meeting_id, encounter_id=encounter_id
            )
            query = query.where(subject.column_filter())
        return readable_statements(session, actor, event_id, query)


def readable_statements(
    session: Session, actor: Actor, event_id: str, query: Any
) -> list[StatementView]:
    """The rows of ``query`` (statements of one event) this actor may read, in time order."""
    rows = session.scalars(query.order_by(StatementRow.said_at, StatementRow.id)).all()
    party = actor.acts_for(event_id)
    policy = _organiser_policy(session, actor, event_id)
    subjects: dict[tuple[int | None, int | None], Subject] = {}
    shown = []
    for row in rows:
        key = (row.meeting_id, row.encounter_id)
        subject = subjects.get(key)
        if subject is None:
            subject = subjects[key] = _subject_of(session, row)
        if readable(Visibility(row.visibility), row.party_id, subject.sides, party, policy):
            shown.append(_view(row))
    return shown


def by_side(statements: Iterable[StatementView]) -> list[SideStatements]:
    """Statements grouped by the side that made them, sides in alphabetical order: each side's
    account next to the other's, never merged."""
    sides: dict[str, SideStatements] = {}
    for statement in statements:
        sides.setdefault(statement.party_id, SideStatements(statement.party_id))
        sides[statement.party_id].statements.append(statement)
    return [sides[party] for party in sorted(sides)]
