"""What each side says about a meeting or an encounter: readouts, confirmations, denials, joint
statements (DESIGN.md §3).

A statement may also stand on its own, about parties at the event before any meeting exists —
the Kremlin's "no separate talks are planned, but they are possible" before Lima — and be linked
later, by the side that made it, to the meeting or encounter it turned out to be about (whose
sides must be the parties it named). Its sides are then the parties it names.

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

A joint statement is proposed by one side and co-signed by the others (``sign_statement``); it
is joint only once every side has signed. Until then it is a draft between the sides: the
proposing side reads it as its draft, the other sides read it to co-sign, and nobody else reads
it, whatever visibility it will have (the organiser and the public learn of it once signed). A
joint statement is shared at least with the counterpart (``side`` visibility is refused), and a
change of its words by the proposing side takes the other sides' signatures off: they signed
other words. Changing only its visibility keeps them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sidelines.services import audit
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, Invalid, PreconditionFailed
from sidelines.services.events import domain_event, event_row, near_the_event
from sidelines.services.subjects import (
    PARTIES_JOIN,
    Subject,
    parties_subject,
    subjects_of,
)

# Visibility is the statements' word; its rules live with the others in ``visibility``.
from sidelines.services.visibility import (
    Visibility as Visibility,
)
from sidelines.services.visibility import (
    organiser_policy,
    readable,
    visible_statement,
    visible_subject,
)
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    EncounterRow,
    MeetingRow,
    OutcomeRow,
    PartyRow,
    StatementRow,
    StatementSignatureRow,
)


class StatementKind(StrEnum):
    READOUT = "readout"
    CONFIRMATION = "confirmation"  # a spokesperson confirms that the meeting took place
    DENIAL = "denial"
    JOINT = "joint"
    # What a side says beforehand of its plans: "no separate talks are planned, but they are
    # possible" (the Kremlin before Lima, DESIGN.md §8).
    ANNOUNCEMENT = "announcement"


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
    """A statement as its side writes it. ``meeting_id``, ``encounter_id`` or, for a statement
    on its own, ``about_parties`` (the parties at the event it is about) says what about."""

    kind: StatementKind
    text: str
    said_at: datetime
    meeting_id: int | None = None
    encounter_id: int | None = None
    about_parties: tuple[str, ...] = ()
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
    about_parties: tuple[str, ...] = ()  # the sides of what it is about
    signed_by: tuple[str, ...] = ()  # a joint statement's signatures, the proposer's included

    @property
    def awaiting(self) -> tuple[str, ...]:
        """The sides yet to sign a joint statement; empty for any other kind."""
        if self.kind is not StatementKind.JOINT:
            return ()
        return tuple(p for p in self.about_parties if p not in self.signed_by)

    @property
    def joint_state(self) -> str | None:
        """``proposed`` while a side has yet to sign a joint statement, then ``signed``."""
        if self.kind is not StatementKind.JOINT:
            return None
        return "proposed" if self.awaiting else "signed"


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


def _sources_json(sources: Iterable[Source]) -> list[Any]:
    return [{"name": s.name, "kind": str(s.kind), "url": s.url} for s in sources]


def _view(row: StatementRow, subject: Subject, signed_by: Iterable[str] = ()) -> StatementView:
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
        about_parties=tuple(sorted(subject.sides)),
        signed_by=tuple(sorted(signed_by)) if row.kind == StatementKind.JOINT else (),
    )


def _signatures(session: Session, statement_ids: list[int]) -> dict[int, list[str]]:
    signed: dict[int, list[str]] = {}
    if not statement_ids:
        return signed
    for statement_id, party in session.execute(
        select(StatementSignatureRow.statement_id, StatementSignatureRow.party_id).where(
            StatementSignatureRow.statement_id.in_(statement_ids)
        )
    ):
        signed.setdefault(statement_id, []).append(party)
    return signed


def _unsigned(row: StatementRow, subject: Subject, signed_by: Iterable[str]) -> bool:
    return row.kind == StatementKind.JOINT and not subject.sides <= set(signed_by)


def _check(statement: StatementIn) -> None:
    if not statement.text.strip():
        raise Invalid("a statement needs its words", "text")
    if statement.kind is StatementKind.JOINT and statement.visibility is Visibility.SIDE:
        raise Invalid(
            "a joint statement is shared at least with the other sides, who sign it", "visibility"
        )
    for index, source in enumerate(statement.sources):
        if not source.name.strip():
            raise Invalid("a source needs a name", f"sources[{index}].name")
        if source.url and not source.url.startswith(("http://", "https://")):
            raise Invalid("a source's URL starts with http:// or https://", f"sources[{index}].url")


def _check_said_at(session: Session, event_id: str, said_at: datetime) -> None:
    """A statement is said near its event (``events.near_the_event``), as a report is dated:
    one said in 1916 about a meeting of 2016 is a mistyped year. Its UTC day is enough for a
    window of years, and has no year past the calendar's where a venue's day could."""
    earliest, latest = near_the_event(domain_event(session, event_id))
    # What is said today is no mistyped year, however far from the event: a side may look back
    # on a meeting of years ago, and a statement made without its time is said now. A day
    # either side covers the venue's day against the UTC one.
    today = now().astimezone(UTC).date()
    earliest = min(earliest, today - timedelta(days=1))
    latest = max(latest, today + timedelta(days=1))
    day = said_at.astimezone(UTC).date()
    if not earliest <= day <= latest:
        raise Invalid(
            f"a statement about this event is said from {earliest} to {latest}, not on {day}",
            "said_at",
        )


# What a side says of a meeting once it took place: "greeted each other and briefly spoke".
TELLS_OF_WHAT_TOOK_PLACE = frozenset({StatementKind.READOUT, StatementKind.CONFIRMATION})


def _check_said_after_start(
    session: Session, subject: Subject, kind: StatementKind, said_at: datetime
) -> None:
    """A readout or a confirmation tells of a meeting or an encounter that has begun: one said
    on a day before the day it began (as recorded, else as placed; days at the venue) is a
    mistyped date, and would stand in the record before the meeting it confirms. Before that
    a side announces or denies. The day, not the minute: a press report gives its day only,
    and a confirmation taken from it is dated at noon (``report_proposals``)."""
    if kind not in TELLS_OF_WHAT_TOOK_PLACE or subject.kind == "parties":
        return
    if subject.kind == "meeting":
        started = session.scalar(
            select(OutcomeRow.started_at).where(OutcomeRow.meeting_id == subject.id)
        ) or session.scalar(select(MeetingRow.starts_at).where(MeetingRow.id == subject.id))
    else:
        started = session.scalar(
            select(EncounterRow.started_at).where(EncounterRow.id == subject.id)
        )
    if started is None:
        return
    zone = ZoneInfo(domain_event(session, subject.event_id).timezone)
    start = started.astimezone(zone).date()
    if said_at.astimezone(zone).date() >= start:
        return
    if subject.kind == "meeting":
        raise Invalid(
            "a readout or confirmation tells of a meeting that has begun: "
            f"it is said from {start} on",
            "said_at",
        )
    raise Invalid(
        "a readout or confirmation tells of an encounter that has begun: "
        f"it is said from {start} on",
        "said_at",
    )


def _about_parties(session: Session, event_id: str, parties: tuple[str, ...]) -> Subject:
    """The subject of a statement made on its own; every bad party named by its index."""
    if len(parties) < 2:
        raise Invalid("a statement on its own is about at least two parties", "about_parties")
    if len(set(parties)) != len(parties):
        raise Invalid("a party is named twice", "about_parties")
    known = set(session.scalars(select(PartyRow.id).where(PartyRow.event_id == event_id)).all())
    for index, party in enumerate(parties):
        if party not in known:
            raise Invalid(f"unknown party {party!r}", f"about_parties[{index}]")
    return parties_subject(event_id, parties)


def _subject_for(session: Session, actor: Actor, event_id: str, statement: StatementIn) -> Subject:
    """What a new statement is about, if the actor may see it."""
    named = statement.meeting_id is not None or statement.encounter_id is not None
    if named and statement.about_parties:
        raise Invalid(
            "a statement about a meeting or an encounter is about its sides; name no parties",
            "about_parties",
        )
    if not named:
        if not statement.about_parties:
            raise Invalid(
                "name a meeting, an encounter or the parties it is about", "about_parties"
            )
        return _about_parties(session, event_id, statement.about_parties)
    return visible_subject(
        session,
        actor,
        event_id,
        meeting_id=statement.meeting_id,
        encounter_id=statement.encounter_id,
    )


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
    _statement_maker(actor, event_id, statement)
    return db.write(lambda session: make_statement_in(session, actor, event_id, statement))


def _statement_maker(actor: Actor, event_id: str, statement: StatementIn) -> str:
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("a statement is made by one of the sides")
    _check(statement)
    return party


def make_statement_in(
    session: Session, actor: Actor, event_id: str, statement: StatementIn
) -> StatementView:
    """``make_statement`` inside a write transaction the caller holds."""
    party = _statement_maker(actor, event_id, statement)
    event_row(session, event_id)
    _check_said_at(session, event_id, statement.said_at)
    subject = _subject_for(session, actor, event_id, statement)
    _check_said_after_start(session, subject, statement.kind, statement.said_at)
    if party not in subject.sides:
        if subject.kind == "parties":
            raise Forbidden("a statement on its own is made by one of the parties it is about")
        raise Forbidden(f"only the sides of this {subject.kind} speak for it")
    created = now()
    row = StatementRow(
        event_id=event_id,
        meeting_id=statement.meeting_id,
        encounter_id=statement.encounter_id,
        parties_key=PARTIES_JOIN.join(sorted(subject.sides)),
        party_id=party,
        created_by=actor.user_id,
        created_at=created,
    )
    _write(row, statement, created)
    session.add(row)
    session.flush()
    signed = _sign_own(session, actor, row)
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
        about=subject.label,
    )
    return _view(row, subject, signed)


def _sign_own(session: Session, actor: Actor, row: StatementRow) -> list[str]:
    """The proposing side signs a joint statement by proposing it; its signatures after."""
    if row.kind != StatementKind.JOINT:
        session.execute(
            delete(StatementSignatureRow).where(StatementSignatureRow.statement_id == row.id)
        )
        return []
    if session.get(StatementSignatureRow, (row.id, row.party_id)) is None:
        session.add(
            StatementSignatureRow(
                statement_id=row.id,
                party_id=row.party_id,
                signed_by=actor.user_id,
                signed_at=now(),
            )
        )
        session.flush()
    return _signatures(session, [row.id]).get(row.id, [])


def version_tag(view: StatementView) -> str:
    """The strong ``ETag`` of a statement as it now stands: it changes with any change of what
    it says, its visibility, what it is about or its signatures, so that an amendment sent with
    ``If-Match`` holding an older one is refused (``amend_statement``)."""
    digest = hashlib.sha256(repr(view).encode()).hexdigest()[:32]
    return f'"statement{view.id}-{digest}"'


def _matches(if_match: str, tag: str) -> bool:
    """Whether ``If-Match`` names ``tag`` (strong comparison, RFC 9110 §13.1.1) or is ``*``."""
    tags = {one.strip() for one in if_match.split(",")}
    return tag in tags or "*" in tags


def _lock(session: Session, event_id: str, statement_id: int) -> None:
    """Lock the statement's row before it is read for a change: two changes at once (two
    editors holding one ``If-Match``, a signature and an amendment of the words) then run one
    after the other, the second reading what the first wrote. Without it each read the row
    before the other committed (read committed on PostgreSQL), both passed their checks, and
    the second overwrote the first unknowingly. ``FOR NO KEY UPDATE``, as strong against the
    other changes, leaves alone the key-share lock that an insert naming the statement takes."""
    session.execute(
        select(StatementRow.id)
        .where(StatementRow.id == statement_id, StatementRow.event_id == event_id)
        .with_for_update(key_share=True)
    )


def get_statement(db: Database, actor: Actor, event_id: str, statement_id: int) -> StatementView:
    with db.reading() as session:
        row, subject, signed = visible_statement(session, actor, event_id, statement_id)
        return _view(row, subject, signed)


def amend_statement(
    db: Database,
    actor: Actor,
    event_id: str,
    statement_id: int,
    changes: StatementIn,
    *,
    if_match: str | None = None,
) -> StatementView:
    """Change a side's own statement to ``changes`` (its subject stays). Publishing is such a
    change; taking a public statement back is refused. With ``if_match`` (the ``version_tag``
    the editor read), an amendment to a statement changed since is refused, nothing written:
    two editors do not overwrite each other."""
    party = actor.acts_for(event_id)
    _check(changes)

    def work(session: Session) -> StatementView:
        _lock(session, event_id, statement_id)
        row, subject, signed = visible_statement(session, actor, event_id, statement_id)
        if row.party_id != party:
            raise Forbidden("only the side that made a statement can change it")
        was = _view(row, subject, signed)
        if if_match is not None and not _matches(if_match, version_tag(was)):
            raise PreconditionFailed(
                "the statement has changed since it was read; read it again", "If-Match"
            )
        if changes.said_at != was.said_at:
            _check_said_at(session, event_id, changes.said_at)
        if (changes.said_at, changes.kind) != (was.said_at, was.kind):
            _check_said_after_start(session, subject, changes.kind, changes.said_at)
        if was.visibility is Visibility.PUBLIC and changes.visibility is not Visibility.PUBLIC:
            raise Conflict("a public statement cannot be taken back", "visibility")
        published_joint = was.joint_state == "signed" and was.visibility is Visibility.PUBLIC
        if published_joint and (changes.kind, changes.text) != (was.kind, was.text):
            # Its sides' signatures would come off and it would leave the public record.
            raise Conflict("a published joint statement keeps the words its sides signed", "text")
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
        if set(changed) - {"visibility"}:
            # The other sides signed other words: their signatures come off.
            session.execute(
                delete(StatementSignatureRow).where(
                    StatementSignatureRow.statement_id == row.id,
                    StatementSignatureRow.party_id != row.party_id,
                )
            )
        signed = _sign_own(session, actor, row)
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
        return _view(row, subject, signed)

    return db.write(work)


def list_statements(
    db: Database,
    actor: Actor,
    event_id: str,
    *,
    meeting_id: int | None = None,
    encounter_id: int | None = None,
    about_parties: tuple[str, ...] = (),
) -> list[StatementView]:
    """The statements this actor may read, about one meeting or encounter when one is named
    (which must itself be visible), about exactly ``about_parties`` when they are named (made
    on their own or since linked), or about the whole event; in time order."""
    with db.reading() as session:
        event_row(session, event_id)
        query = select(StatementRow).where(StatementRow.event_id == event_id)
        if meeting_id is not None or encounter_id is not None:
            subject = visible_subject(
                session, actor, event_id, meeting_id=meeting_id, encounter_id=encounter_id
            )
            query = query.where(subject.column_filter())
        if about_parties:
            pair = _about_parties(session, event_id, about_parties)
            query = query.where(StatementRow.parties_key == PARTIES_JOIN.join(sorted(pair.sides)))
        return readable_statements(session, actor, event_id, query)


def readable_statements(
    session: Session, actor: Actor, event_id: str, query: Any
) -> list[StatementView]:
    """The rows of ``query`` (statements of one event) this actor may read, in time order."""
    rows = session.scalars(
        query.order_by(StatementRow.said_at, StatementRow.created_at, StatementRow.id)
    ).all()
    party = actor.acts_for(event_id)
    policy = organiser_policy(session, actor, event_id)
    signatures = _signatures(session, [row.id for row in rows if row.kind == StatementKind.JOINT])
    subjects = subjects_of(
        session, event_id, ((row.meeting_id, row.encounter_id, row.parties_key) for row in rows)
    )
    shown = []
    for row in rows:
        subject = subjects[(row.meeting_id, row.encounter_id, row.parties_key)]
        signed = signatures.get(row.id, [])
        if readable(
            Visibility(row.visibility),
            row.party_id,
            subject.sides,
            party,
            policy,
            unsigned=_unsigned(row, subject, signed),
        ):
            shown.append(_view(row, subject, signed))
    return shown


def by_side(statements: Iterable[StatementView]) -> list[SideStatements]:
    """Statements grouped by the side that made them, sides in alphabetical order: each side's
    account next to the other's, never merged."""
    sides: dict[str, SideStatements] = {}
    for statement in statements:
        sides.setdefault(statement.party_id, SideStatements(statement.party_id))
        sides[statement.party_id].statements.append(statement)
    return [sides[party] for party in sorted(sides)]


def sign_statement(db: Database, actor: Actor, event_id: str, statement_id: int) -> StatementView:
    """Co-sign a joint statement another side proposed; once every side has signed, it is
    joint and read by whom its visibility says."""
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("a joint statement is signed by the sides")

    def work(session: Session) -> StatementView:
        _lock(session, event_id, statement_id)
        row, subject, signed = visible_statement(session, actor, event_id, statement_id)
        if row.kind != StatementKind.JOINT:
            raise Conflict(f"this {row.kind} is one side's own; only a joint statement is signed")
        if party not in subject.sides:
            raise Forbidden("only the sides of a joint statement sign it")
        if party in signed:
            raise Conflict(f"{party} has signed this statement already")
        session.add(
            StatementSignatureRow(
                statement_id=row.id, party_id=party, signed_by=actor.user_id, signed_at=now()
            )
        )
        session.flush()
        signed = _signatures(session, [row.id]).get(row.id, [])
        complete = not _unsigned(row, subject, signed)
        audit.record(
            session,
            actor,
            event_id,
            "statement.signed",
            "statement",
            row.id,
            # Signed by all, it reaches the audience its visibility gives it.
            _audience(Visibility(row.visibility), row.party_id, subject)
            if complete
            else sorted(subject.sides),
            joint=complete,
        )
        return _view(row, subject, signed)

    return db.write(work)


def link_statement(
    db: Database,
    actor: Actor,
    event_id: str,
    statement_id: int,
    *,
    meeting_id: int | None = None,
    encounter_id: int | None = None,
) -> StatementView:
    """Link a statement made on its own to the meeting or encounter it was about, whose sides
    must be the parties it named. Only the side that made it links it; a public statement so
    linked puts the meeting or encounter on the public record, as publishing about it would."""
    party = actor.acts_for(event_id)

    def work(session: Session) -> StatementView:
        _lock(session, event_id, statement_id)
        row, was, signed = visible_statement(session, actor, event_id, statement_id)
        if row.party_id != party:
            raise Forbidden("only the side that made a statement links it")
        if row.meeting_id is not None or row.encounter_id is not None:
            raise Conflict(f"the statement is about {was.label} already", "meeting_id")
        subject = visible_subject(
            session, actor, event_id, meeting_id=meeting_id, encounter_id=encounter_id
        )
        if subject.sides != was.sides:
            field = "meeting_id" if meeting_id is not None else "encounter_id"
            raise Invalid(
                f"the statement is about {', '.join(sorted(was.sides))}; the {subject.kind}'s "
                f"sides are {', '.join(sorted(subject.sides))}",
                field,
            )
        _check_said_after_start(session, subject, StatementKind(row.kind), row.said_at)
        row.meeting_id = meeting_id
        row.encounter_id = encounter_id
        row.updated_at = now()
        audit.record(
            session,
            actor,
            event_id,
            "statement.linked",
            "statement",
            row.id,
            _audience(Visibility(row.visibility), row.party_id, subject),
            about=subject.label,
        )
        return _view(row, subject, signed)

    return db.write(work)
