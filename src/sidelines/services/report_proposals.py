"""Press reports read into proposals for the record, for a person to confirm.

A delegation (or the organiser) uploads a report; the reader proposes claims (who met, how,
when, who confirmed, the sources, the pair's history). The proposals are the uploader's alone:
another delegation, or the organiser for a delegation's upload, gets "not found", as for an
upload that does not exist. Nothing enters the record until the uploader reviews a claim:

- ``drop``: the claim is set aside;
- ``accept``: with ``corrections`` for the fields a person changed (the rest as proposed), the
  claim is merged into the record through the record's own services: the encounter or meeting
  of the same pair that day, at the time of day the report gives when it gives one, else a new
  encounter (when the pair has several that day and the report's time does not say which, the
  proposal says so and the merge asks for the time, never picking one); the
  uploader's side's confirmation as a statement with its sources; or, for a recalled meeting,
  a history entry (the organiser's). A merge is one transaction, all of it or nothing, and is
  audited as proposed from a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sidelines.domain import Event, MeetingFormat, PrincipalId
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.errors import InputError
from sidelines.formats.history_file import HistoricalRecord
from sidelines.formats.reports import (
    HistoryClaim,
    MeetingClaim,
    Modality,
    Report,
    ReportReader,
    default_gazetteer,
)
from sidelines.formats.reports.dates import hours_of_day
from sidelines.formats.reports.gazetteer import OfficeEntry, PersonEntry
from sidelines.formats.reports.text import pdf_to_text
from sidelines.services import audit, history, record, statements
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, Invalid, not_found
from sidelines.services.events import domain_event, event_row, near_the_event
from sidelines.services.visibility import own_uploads, takes_part
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    EncounterPartyRow,
    EncounterRow,
    MeetingPrincipalRow,
    MeetingRow,
    ReportUploadRow,
)

MEDIA_TYPES = ("text/plain", "text/html")
MAX_TEXT = 200_000  # characters: a long transcript, not a book
MAX_FILE_BYTES = 10_000_000  # a PDF transcript with its fonts

# What a person may correct, per kind of claim.
MEETING_FIELDS = frozenset(
    {
        "principals",
        "format",
        "modality",
        "day",
        "time",
        "session_id",
        "topics",
        "sources",
        "confirmers",
    }
)
# Where an encounter proposed from a report took place, when the report names no session.
REPORTED_PLACE = "reported"
# How long an encounter logged without its end is taken to last, to meet a report's time.
ENCOUNTER_MIN = 15
# How far from a report's time on the clock a contact of the record may start or end: reports
# round ("at about 3 p.m.") and contacts start late.
CLOCK_SLACK_MIN = 30
HISTORY_FIELDS = frozenset({"principals", "event", "when", "topics"})
# A corrected name (a topic, a source, a confirmer's name or role, an event) is a person's
# typing kept in the record: as long as a name may be anywhere in the API, at most as many as
# the topics of a statement, and no NUL character, which PostgreSQL cannot store.
NAME_MAX = 200
NAMES_MAX = 30
CONFIRMER_KEYS = frozenset({"id", "name", "role", "side"})
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ReportIn:
    text: str
    published_on: date
    source: str
    media_type: str = "text/plain"


@dataclass(frozen=True)
class ClaimView:
    index: int
    kind: str  # meeting | history
    state: str  # proposed | merged | dropped
    confidence: float
    spans: tuple[tuple[int, int], ...]
    fields: dict[str, Any]
    merged: dict[str, Any]


@dataclass(frozen=True)
class UploadView:
    id: int
    event_id: str
    owner_party: str | None
    source: str
    published_on: date
    language: str
    text: str
    uploaded_at: datetime
    claims: tuple[ClaimView, ...]


@dataclass(frozen=True)
class Review:
    """A person's decision on one claim: ``accept`` (with corrected fields) or ``drop``."""

    action: str
    corrections: dict[str, Any] = field(default_factory=dict)


# --- reading ---------------------------------------------------------------------------------


def _meeting_fields(claim: MeetingClaim) -> dict[str, Any]:
    return {
        "principals": list(claim.pair),
        "parties": list(claim.parties),
        "event": claim.event,
        "format": str(claim.format),
        "modality": str(claim.modality),
        "day": None if claim.day is None else str(claim.day),
        "session_id": claim.session,
        "edge": claim.edge,
        "time": claim.time_of_day,
        "described": claim.described,
        "confirmers": [
            {"id": c.id, "name": c.name, "role": c.role, "side": c.side} for c in claim.confirmers
        ],
        "sources": list(claim.sources),
        "topics": list(claim.topics),
        # What a person should check: {"kind": "weekday_conflict" or "time_converted", "words":
        # …} from the reader; {"kind": "ambiguous_match", "times": […]} is the record's, added
        # to a proposed claim on each view (``_with_notes_of_now``), never kept.
        "notes": [{"kind": n.kind, "words": n.words} for n in claim.notes],
    }


def _history_fields(claim: HistoryClaim) -> dict[str, Any]:
    return {
        "principals": list(claim.pair),
        "parties": list(claim.parties),
        "event": claim.event,
        "when": None if claim.when is None else str(claim.when),
        "topics": list(claim.topics),
    }


def _claims(event: Event, report: ReportIn) -> tuple[str, str, list[dict[str, Any]]]:
    reader = ReportReader(default_gazetteer().with_event(event))
    reading = reader.read(
        Report(report.text, report.published_on, report.source, report.media_type), event.id
    )
    claims: list[dict[str, Any]] = []
    for claim in reading.meetings:
        claims.append(_proposal("meeting", claim.confidence, claim.spans, _meeting_fields(claim)))
    for recalled in reading.history:
        fields = _history_fields(recalled)
        claims.append(_proposal("history", recalled.confidence, recalled.spans, fields))
    return reading.text, reading.language, claims


def _proposal(kind: str, confidence: float, spans: Any, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": kind,
        "state": "proposed",
        "confidence": confidence,
        "spans": [[s.start, s.end] for s in spans],
        "fields": fields,
        "merged": {},
    }


def report_from_file(
    data: bytes, filename: str, content_type: str, published_on: date, source: str
) -> ReportIn:
    """A report from an uploaded file: a PDF (its text layer), an HTML page or plain text.

    A file too large, of another kind, not readable as one of these, or with no text is refused
    naming ``file``; the HTML or text is decoded by the charset it declares, else as UTF-8."""
    if len(data) > MAX_FILE_BYTES:
        raise Invalid(f"a file of at most {MAX_FILE_BYTES // 1_000_000} MB", "file")
    name = filename.lower()
    kind, _, parameters = content_type.partition(";")
    kind = kind.strip().lower()
    if name.endswith(".pdf") or kind == "application/pdf" or data.startswith(b"%PDF-"):
        try:
            text, media_type = pdf_to_text(data, filename or "report.pdf"), "text/plain"
        except InputError as error:
            raise Invalid(error.message, "file") from None
        # A text layer may hold NUL characters between its words; they are no part of them.
        text = text.replace("\x00", "")
    elif name.endswith((".html", ".htm")) or kind in ("text/html", "application/xhtml+xml"):
        text, media_type = _decoded(data, parameters, html=True), "text/html"
    elif name.endswith((".txt", ".text")) or kind == "text/plain" or (not name and not kind):
        text, media_type = _decoded(data, parameters, html=False), "text/plain"
    else:
        raise Invalid(
            f"a PDF, HTML or plain-text file; {filename or 'the file'} ({kind or 'no type'}) "
            "is none of these",
            "file",
        )
    if not text.strip():
        raise Invalid("the file has no text to read", "file")
    return ReportIn(text, published_on, source, media_type)


_CHARSET = re.compile(rb"""<meta[^>]{0,200}charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _decoded(data: bytes, parameters: str, html: bool) -> str:
    declared = re.search(r"charset\s*=\s*\"?([\w-]+)", parameters, re.IGNORECASE)
    meta = _CHARSET.search(data[:4096]) if html and declared is None else None
    charset = declared.group(1) if declared else meta.group(1).decode() if meta else "utf-8"
    if b"\x00" in data[:4096] and not charset.lower().startswith("utf-16"):
        raise Invalid("not a text file: it holds binary data", "file")
    try:
        text = data.decode("utf-8-sig" if charset.lower() in ("utf-8", "utf8") else charset)
    except LookupError:
        raise Invalid(f"unknown character set {charset!r}", "file") from None
    except UnicodeDecodeError as error:
        raise Invalid(
            f"not readable as {charset} text (byte {error.start}); save it as UTF-8", "file"
        ) from None
    # Its first bytes were looked at above, cheaply; a NUL further on is binary data too.
    if "\x00" in text:
        raise Invalid("not a text file: it holds binary data", "file")
    return text


def _check_report(report: ReportIn) -> None:
    if not report.text.strip():
        raise Invalid("the report has no text", "text")
    if len(report.text) > MAX_TEXT:
        raise Invalid(f"a report has at most {MAX_TEXT} characters", "text")
    if not report.source.strip():
        raise Invalid("name who published the report", "source")
    # PostgreSQL's text holds no NUL character (the form's source comes past no schema).
    for name, value in (("text", report.text), ("source", report.source)):
        if "\x00" in value:
            raise Invalid("text may not contain NUL characters", name)
    if report.media_type not in MEDIA_TYPES:
        raise Invalid(f"one of {', '.join(MEDIA_TYPES)}", "media_type")


def _check_published_on(event: Event, published_on: date) -> None:
    """A report about the event bears a date near it (``events.near_the_event``): a mistyped
    year would otherwise count its weekdays and "yesterday" from another time."""
    earliest, latest = near_the_event(event)
    if not earliest <= published_on <= latest:
        raise Invalid(
            f"a report about this event is dated from {earliest} to {latest}, not {published_on}",
            "published_on",
        )


def _owner(actor: Actor, event_id: str) -> str | None:
    party = actor.acts_for(event_id)
    if not takes_part(actor, event_id):
        raise Forbidden("a delegation of the event or the organiser uploads reports")
    return party


def _view(row: ReportUploadRow, record_now: _RecordContacts) -> UploadView:
    """The upload as its owner sees it: each proposed claim with the notes of the record as it
    is now (``record_now``, read once for the view: a contact logged or called off since the
    upload changes which of them a claim can be)."""
    return UploadView(
        id=row.id,
        event_id=row.event_id,
        owner_party=row.owner_party,
        source=row.source,
        published_on=row.published_on,
        language=row.language,
        text=row.text,
        uploaded_at=row.uploaded_at,
        claims=tuple(
            ClaimView(
                index=index,
                kind=c["kind"],
                state=c["state"],
                confidence=c["confidence"],
                spans=tuple((s[0], s[1]) for s in c["spans"]),
                fields=_with_notes_of_now(c, row.owner_party, record_now),
                merged=c["merged"],
            )
            for index, c in enumerate(row.claims)
        ),
    )


def upload_report(db: Database, actor: Actor, event_id: str, report: ReportIn) -> UploadView:
    """Read a report into proposals, kept for the uploader's delegation (or the organiser)."""
    owner = _owner(actor, event_id)
    _check_report(report)
    with db.reading() as session:
        event = domain_event(session, event_id)
    _check_published_on(event, report.published_on)
    # Reading takes milliseconds; it stays outside the write transaction all the same.
    text, language, claims = _claims(event, report)

    def work(session: Session) -> UploadView:
        row = ReportUploadRow(
            event_id=event_id,
            owner_party=owner,
            uploaded_by=actor.user_id,
            uploaded_at=now(),
            source=report.source.strip(),
            published_on=report.published_on,
            language=language,
            text=text,
            claims=claims,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            event_id,
            "report.uploaded",
            "report",
            row.id,
            [owner] if owner else [],
            claims=len(claims),
        )
        return _view(row, _RecordContacts(session, event))

    return db.write(work)


def _own_upload(session: Session, actor: Actor, event_id: str, upload_id: int) -> ReportUploadRow:
    event_row(session, event_id)
    # The owner is part of the one query: another's report and a missing one cost the same.
    owner = own_uploads(actor, event_id)
    row = None
    if owner is not None:
        row = session.scalar(
            select(ReportUploadRow).where(
                ReportUploadRow.id == upload_id, ReportUploadRow.event_id == event_id, owner
            )
        )
    if row is None:
        raise not_found("report", upload_id)
    return row


def get_upload(db: Database, actor: Actor, event_id: str, upload_id: int) -> UploadView:
    with db.reading() as session:
        row = _own_upload(session, actor, event_id, upload_id)
        return _view(row, _RecordContacts(session, domain_event(session, event_id)))


def list_uploads(db: Database, actor: Actor, event_id: str) -> list[UploadView]:
    """The uploader's own reports of the event, newest first; nobody else's."""
    with db.reading() as session:
        event_row(session, event_id)
        owner = own_uploads(actor, event_id)
        if owner is None:
            return []
        rows = session.scalars(
            select(ReportUploadRow)
            .where(ReportUploadRow.event_id == event_id, owner)
            .order_by(ReportUploadRow.uploaded_at.desc(), ReportUploadRow.id.desc())
        ).all()
        if not rows:
            return []
        # The record is read once for all the uploads, not once per upload or claim.
        record_now = _RecordContacts(session, domain_event(session, event_id))
        return [_view(row, record_now) for row in rows]


# --- reviewing -------------------------------------------------------------------------------


def _is_name(value: object) -> bool:
    return (
        isinstance(value, str)
        and bool(value.strip())
        and len(value) <= NAME_MAX
        and "\x00" not in value
    )


def _check_names(value: object, where: str) -> None:
    """Invalid, naming the list or the name at fault, unless ``value`` is a list of names."""
    if not isinstance(value, list) or len(value) > NAMES_MAX:
        raise Invalid(f"a list of at most {NAMES_MAX} names", where)
    for index, name in enumerate(value):
        if not _is_name(name):
            raise Invalid(
                f"a name of 1 to {NAME_MAX} characters, without NUL characters",
                f"{where}[{index}]",
            )


def _check_confirmers(value: object, where: str) -> None:
    if not isinstance(value, list) or len(value) > NAMES_MAX:
        raise Invalid("a list of {name, role, side}", where)
    for index, confirmer in enumerate(value):
        if not (
            isinstance(confirmer, dict)
            and {"name", "side"} <= confirmer.keys() <= CONFIRMER_KEYS
            and _is_name(confirmer["name"])
            and _is_name(confirmer["side"])
            and all(_is_name(confirmer.get(k) or "-") for k in ("id", "role"))
        ):
            raise Invalid("a list of {name, role, side}", f"{where}[{index}]")


def _check_day(value: object, where: str) -> None:
    """Invalid unless ``value`` is None or a day written YYYY-MM-DD (not 2016-W47-1)."""
    if value is None:
        return
    try:
        if not (isinstance(value, str) and _DAY.fullmatch(value)):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise Invalid("a day as YYYY-MM-DD", where) from None


def _corrected(
    event: Event, kind: str, fields: dict[str, Any], corrections: dict[str, Any]
) -> dict[str, Any]:
    """The claim's fields with the person's corrections; Invalid naming the first correction
    at fault. Corrections come as JSON of any shape, so each is checked for its type before
    it is looked up (a list is no format) and bounded like the same field elsewhere."""
    allowed = MEETING_FIELDS if kind == "meeting" else HISTORY_FIELDS
    result = dict(fields)
    for name, value in corrections.items():
        where = f"corrections.{name}"
        if name not in allowed:
            raise Invalid(f"a {kind} claim has no field {name!r} to correct", where)
        if name == "principals":
            if (
                not isinstance(value, list)
                or len(value) != 2
                or not all(isinstance(p, str) for p in value)
                or len(set(value)) != 2
            ):
                raise Invalid("two different principals", where)
            for index, principal_id in enumerate(value):
                if PrincipalId(principal_id) not in event.principal_by_id:
                    raise Invalid(f"unknown principal {principal_id!r}", f"{where}[{index}]")
            result["parties"] = [event.principal_by_id[PrincipalId(p)].party for p in value]
        elif name == "format" and not (
            isinstance(value, str) and value in {str(f) for f in MeetingFormat}
        ):
            raise Invalid(f"unknown format {value!r}", where)
        elif name == "modality" and not (
            isinstance(value, str) and value in {str(m) for m in Modality}
        ):
            raise Invalid(f"unknown modality {value!r}", where)
        elif name == "time" and value is not None:
            if not isinstance(value, str) or hours_of_day(value) is None:
                raise Invalid("a time as HH:MM, or morning, afternoon, evening or night", where)
        elif name in ("day", "when"):
            _check_day(value, where)
        elif name == "session_id" and value is not None:
            if not isinstance(value, str) or all(s.id != value for s in event.programme):
                raise Invalid(f"unknown programme session {value!r}", where)
        elif name in ("topics", "sources"):
            _check_names(value, where)
        elif name == "confirmers":
            _check_confirmers(value, where)
        elif name == "event" and value is not None and not _is_name(value):
            raise Invalid(f"a name of 1 to {NAME_MAX} characters, without NUL characters", where)
        result[name] = value
    if "confirmers" in corrections:
        _check_confirmer_sides(event, result["confirmers"], result["parties"])
    return result


def _check_confirmer_sides(event: Event, confirmers: list[Any], parties: list[str]) -> None:
    """Invalid, naming the confirmer's side, unless each confirmer speaks for a side of the
    contact and, where the gazetteer or the event knows the person or office (by id, or by any
    of its names), for the side it belongs to: a delegation's confirmation is given by its own
    spokesperson, never by the other side's press secretary."""
    known = default_gazetteer().with_event(event)
    entries: list[PersonEntry | OfficeEntry] = [*known.people, *known.offices]
    for index, confirmer in enumerate(confirmers):
        side, where = confirmer["side"], f"corrections.confirmers[{index}].side"
        if side not in parties:
            raise Invalid(
                f"a confirmer speaks for a side of the contact: {', '.join(sorted(parties))}",
                where,
            )
        name = str(confirmer["name"]).casefold()
        by_id = [e for e in entries if confirmer.get("id") and e.id == confirmer["id"]]
        # A surname may name people of several sides: one of them on this side will do.
        by_name = [e for e in entries if name in (n.casefold() for n in e.names)]
        for found in (by_id, by_name):
            if found and all(e.party != side for e in found):
                speaker, party = found[0].names[0], found[0].party
                raise Invalid(f"{speaker} speaks for {party}, not for {side}", where)


def review_claim(
    db: Database, actor: Actor, event_id: str, upload_id: int, index: int, review: Review
) -> UploadView:
    """Drop a proposed claim, or accept it (corrected) and merge it into the record.

    The merge is one transaction: the encounter (or the existing one it joins), the side's
    statement with its sources or the history entry, the claim marked as merged and the audit
    entries are written together or not at all."""
    if review.action not in ("accept", "drop"):
        raise Invalid("accept or drop", "action")

    def work(session: Session) -> UploadView:
        row = _own_upload(session, actor, event_id, upload_id)
        event = domain_event(session, event_id)
        claims = list(row.claims)
        if not 0 <= index < len(claims):
            raise not_found("claim", index)
        claim = claims[index]
        if claim["state"] != "proposed":
            raise Conflict(f"this claim was already {claim['state']}", "state")
        if review.action == "drop":
            merged: dict[str, Any] = {}
            fields = claim["fields"]
        else:
            fields = _corrected(event, claim["kind"], claim["fields"], review.corrections)
            if claim["kind"] == "meeting":
                merged = _merge_meeting(session, actor, event, row, claim, fields)
            else:
                merged = _merge_history(session, actor, fields)
        corrected = sorted(n for n in review.corrections if claim["fields"].get(n) != fields.get(n))
        _mark_reviewed(session, actor, row, index, review.action, fields, merged, corrected)
        return _view(row, _RecordContacts(session, event))

    try:
        return db.write(work)
    except IntegrityError:
        # A concurrent merge or import wrote the same row first; nothing of this one was kept.
        raise Conflict("the record changed meanwhile; review the claim again", "state") from None


def _mark_reviewed(
    session: Session,
    actor: Actor,
    row: ReportUploadRow,
    index: int,
    action: str,
    fields: dict[str, Any],
    merged: dict[str, Any],
    corrected: list[str],
) -> None:
    """The last step of a review: the claim marked merged or dropped, and audited as proposed
    from a report."""
    state = "dropped" if action == "drop" else "merged"
    updated = list(row.claims)
    updated[index] = {**updated[index], "state": state, "fields": fields, "merged": merged}
    row.claims = updated  # a new list, so that the JSON column is written
    audit.record(
        session,
        actor,
        row.event_id,
        f"report.claim_{state}",
        "report",
        row.id,
        [row.owner_party] if row.owner_party else [],
        proposed_from="report",
        claim=index,
        corrected=corrected,
        **merged,
    )


def _local_start(event: Event, fields: dict[str, Any]) -> datetime:
    """When the contact began: at its programme session's start (or last minutes), else at the
    time on the clock the report gives, else at the start of the day the report gives."""
    if fields.get("session_id"):
        session = next(s for s in event.programme if s.id == fields["session_id"])
        if fields.get("edge") == "end":
            return session.span.end - timedelta(minutes=5)
        return session.span.start
    day = fields.get("day")
    if day is None or len(str(day)) != 10:
        raise Invalid("say the day it happened (YYYY-MM-DD)", "corrections.day")
    hours = hours_of_day(fields["time"]) if fields.get("time") else None
    if hours is not None and hours[0] == hours[1]:
        midnight = datetime.combine(date.fromisoformat(day), time(), tzinfo=event.zone)
        return _at_hours(midnight, hours[0])
    return datetime.combine(date.fromisoformat(day), event.day_start, tzinfo=event.zone)


def _at_hours(midnight: datetime, hours: float) -> datetime:
    """The venue's wall clock ``hours`` after ``midnight`` (aware datetimes add on the wall
    clock, so a day when clocks change keeps "15:00" at 15:00)."""
    return midnight + timedelta(minutes=round(hours * 60))


@dataclass(frozen=True)
class _Contact:
    """An encounter or a meeting of the record, and when it ran on the venue's clock."""

    kind: str  # encounter | meeting
    id: int
    start: datetime
    end: datetime
    timed: bool = True  # False: put at the day's start by a report that gave no time


def _window(event: Event, fields: dict[str, Any], day: date) -> tuple[datetime, datetime] | None:
    """When in the day a claim places its contact, on the venue's clock: around the time the
    report gives, else its programme session; None when it says neither."""
    hours = hours_of_day(fields["time"]) if fields.get("time") else None
    if hours is not None:
        midnight = datetime.combine(day, time(), tzinfo=event.zone)
        slack = timedelta(minutes=CLOCK_SLACK_MIN if hours[0] == hours[1] else 0)
        return _at_hours(midnight, hours[0]) - slack, _at_hours(midnight, hours[1]) + slack
    if fields.get("session_id"):
        session = next(s for s in event.programme if s.id == fields["session_id"])
        return session.span.start, session.span.end
    return None


class _RecordContacts:
    """The record's encounters and meetings of the event, read once when first asked for (a
    view with no proposed claim to check reads nothing), by the pair's parties: what a claim
    of a held contact can be."""

    def __init__(self, session: Session, event: Event) -> None:
        self.session = session
        self.event = event
        self._by_sides: dict[frozenset[str], list[_Contact]] | None = None

    def of_pair_on(self, parties: frozenset[str], day: date) -> list[_Contact]:
        """The pair's contacts on the day, by start; a meeting called off or not held is no
        contact a report of a held one can be about."""
        if self._by_sides is None:
            self._by_sides = self._read()
        found = [c for c in self._by_sides.get(parties, []) if c.start.date() == day]
        return sorted(found, key=lambda c: (c.start, c.kind, c.id))

    def _read(self) -> dict[frozenset[str], list[_Contact]]:
        session, event = self.session, self.event
        found: dict[frozenset[str], list[_Contact]] = {}
        encounters = session.scalars(
            select(EncounterRow).where(EncounterRow.event_id == event.id)
        ).all()
        sides = _sides(session, EncounterPartyRow, [e.id for e in encounters])
        for encounter in encounters:
            start = encounter.started_at.astimezone(event.zone)
            end = encounter.ended_at or encounter.started_at + timedelta(minutes=ENCOUNTER_MIN)
            # One merged from a report that gave no time starts with the day: any time is its.
            timed = not (
                encounter.place == REPORTED_PLACE
                and encounter.session_id is None
                and start.time() == event.day_start
            )
            contact = _Contact("encounter", encounter.id, start, end.astimezone(event.zone), timed)
            found.setdefault(sides.get(encounter.id, frozenset()), []).append(contact)
        gone = (str(MeetingStatus.CANCELLED), str(MeetingStatus.NOT_HELD))
        meetings = session.scalars(
            select(MeetingRow).where(
                MeetingRow.event_id == event.id, MeetingRow.status.not_in(gone)
            )
        ).all()
        sides = _sides(session, MeetingPrincipalRow, [m.id for m in meetings])
        for meeting in meetings:
            if meeting.starts_at is None:
                continue
            start = meeting.starts_at.astimezone(event.zone)
            end = meeting.ends_at or meeting.starts_at + timedelta(minutes=meeting.duration_min)
            contact = _Contact("meeting", meeting.id, start, end.astimezone(event.zone))
            found.setdefault(sides.get(meeting.id, frozenset()), []).append(contact)
        return found


def _matches(record_now: _RecordContacts, fields: dict[str, Any], day: date) -> list[_Contact]:
    """The record's contacts of the claim's pair on ``day`` that can be the one it tells: those
    running at its time of day, when it gives one."""
    contacts = record_now.of_pair_on(frozenset(fields["parties"]), day)
    window = _window(record_now.event, fields, day)
    if window is None:
        return contacts
    return [c for c in contacts if not c.timed or (c.start <= window[1] and window[0] < c.end)]


def _times(contacts: list[_Contact]) -> list[str]:
    return [c.start.strftime("%H:%M") for c in contacts]


AMBIGUOUS_MATCH = "ambiguous_match"


def _with_notes_of_now(
    claim: dict[str, Any], owner: str | None, record_now: _RecordContacts
) -> dict[str, Any]:
    """The claim's fields with its notes as of now: the reader's, and, for a proposed held
    contact that two or more of the record's contacts of the pair that day could be (its time
    of day not saying which), an ``ambiguous_match`` note naming their times, for the person
    to give the time. Worked out on each view, never kept: the record changes after the upload,
    and a merged or dropped claim has nothing left to choose. A delegation (``owner``) is told
    the times of its own contacts only: one it did not take part in is none of its to merge."""
    fields: dict[str, Any] = claim["fields"]
    if claim["kind"] != "meeting":
        return fields
    notes = [n for n in fields.get("notes", []) if n.get("kind") != AMBIGUOUS_MATCH]
    day = fields.get("day")
    if (
        claim["state"] == "proposed"
        and (owner is None or owner in fields["parties"])
        and fields.get("modality") == str(Modality.HELD)
        and isinstance(day, str)
        and _DAY.fullmatch(day)
    ):
        found = _matches(record_now, fields, date.fromisoformat(day))
        if len(found) > 1:
            notes.append({"kind": AMBIGUOUS_MATCH, "times": _times(found)})
    return {**fields, "notes": notes}


def _existing(
    session: Session, event: Event, fields: dict[str, Any], day: date
) -> tuple[str, int] | None:
    """The encounter or meeting of the record the claim tells, if the record has one: the
    pair's on the day, at the claim's time of day when it gives one. Several that the time does
    not tell apart are refused naming ``corrections.time``: a person says which."""
    found = _matches(_RecordContacts(session, event), fields, day)
    if len(found) > 1:
        times = ", ".join(_times(found))
        raise Invalid(
            f"the pair has contacts at {times} that day in the record; say the time of day "
            "this one began",
            "corrections.time",
        )
    return (found[0].kind, found[0].id) if found else None


def _sides(session: Session, table: Any, ids: list[int]) -> dict[int, frozenset[str]]:
    key = table.encounter_id if table is EncounterPartyRow else table.meeting_id
    found: dict[int, set[str]] = {}
    for owner, party in session.execute(select(key, table.party_id).where(key.in_(ids))):
        found.setdefault(owner, set()).add(party)
    return {k: frozenset(v) for k, v in found.items()}


def _merge_meeting(
    session: Session,
    actor: Actor,
    event: Event,
    row: ReportUploadRow,
    claim: dict[str, Any],
    fields: dict[str, Any],
) -> dict[str, Any]:
    parties = frozenset(fields["parties"])
    party = actor.acts_for(event.id)
    if party is not None and party not in parties:
        raise Forbidden("a delegation merges only contacts it took part in")
    if fields["modality"] != str(Modality.HELD):
        # A plan, a cancellation or a denial is a side's statement, never a contact of the
        # record; it needs a meeting of the record to be about.
        raise Conflict(
            "only a held contact enters the record from a report; record a plan, a "
            "cancellation or a denial as a statement about the meeting",
            "modality",
        )
    for index, principal_id in enumerate(fields["principals"]):
        if PrincipalId(principal_id) not in event.principal_by_id:
            raise Invalid(
                f"{principal_id!r} is no principal of this event; correct the principals",
                f"corrections.principals[{index}]",
            )
    started_at = _local_start(event, fields)
    if not event.day_spans[0].start <= started_at < event.day_spans[-1].end:
        raise Invalid("the day lies outside the event's days", "corrections.day")
    found = _existing(session, event, fields, started_at.astimezone(event.zone).date())
    merged: dict[str, Any] = {}
    if found is None:
        encounter = record.log_encounter_in(
            session,
            actor,
            event.id,
            record.EncounterIn(
                parties=tuple(sorted(parties)),
                started_at=started_at,
                format=MeetingFormat(fields["format"]),
                session_id=fields.get("session_id"),
                place="" if fields.get("session_id") else REPORTED_PLACE,
                principals=tuple(fields["principals"]),
                description=f"Proposed from a report: {row.source}, {row.published_on}",
                topics=tuple(fields["topics"]),
            ),
        )
        merged["encounter_id"] = encounter.id
        subject = ("encounter", encounter.id)
    else:
        subject = found
        merged[f"{found[0]}_id"] = found[1]
    statement = _statement(session, actor, event, row, claim, fields, subject)
    if statement is not None:
        merged["statement_id"] = statement
    return merged


def _statement(
    session: Session,
    actor: Actor,
    event: Event,
    row: ReportUploadRow,
    claim: dict[str, Any],
    fields: dict[str, Any],
    subject: tuple[str, int],
) -> int | None:
    """The uploader's side's confirmation, in the report's words, with the sources it names."""
    party = actor.acts_for(event.id)
    own = [c for c in fields["confirmers"] if c.get("side") == party]
    if party is None or not own:
        return None
    words = " ".join(row.text[start:end] for start, end in claim["spans"]) or row.text[:2000]
    sources = [statements.Source(name, statements.SourceKind.AGENCY) for name in fields["sources"]]
    sources.append(statements.Source(row.source, statements.SourceKind.OUTLET))
    speaker = ", ".join(
        f"{c['name']}, {c['role']}" if c.get("role") else str(c["name"]) for c in own
    )
    made = statements.make_statement_in(
        session,
        actor,
        event.id,
        statements.StatementIn(
            kind=statements.StatementKind.CONFIRMATION,
            text=words,
            said_at=datetime.combine(row.published_on, time(12), tzinfo=UTC),
            meeting_id=subject[1] if subject[0] == "meeting" else None,
            encounter_id=subject[1] if subject[0] == "encounter" else None,
            speaker=speaker[:200],
            described_format=str(claim["fields"].get("described", ""))[:200],
            topics=tuple(fields["topics"]),
            sources=tuple(sources),
        ),
    )
    return made.id


def _merge_history(session: Session, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    if not actor.is_organiser:
        raise Forbidden("the organiser keeps the history of past meetings")
    when = fields.get("when")
    if when is None or len(str(when)) != 10:
        raise Invalid("the day it was held (YYYY-MM-DD)", "corrections.when")
    known = default_gazetteer().event(fields["event"]) if fields.get("event") else None
    if known is None:
        raise Invalid("name the event it was held at", "corrections.event")
    history.import_history_in(
        session,
        actor,
        [
            HistoricalRecord(
                held_on=date.fromisoformat(when),
                event=f"{known.series} summit",
                parties=tuple(fields["parties"]),
                series=known.series,
                city=known.places[0],
                principals=tuple(fields["principals"]),
                topics=tuple(fields["topics"]),
                summary="Proposed from a report",
            )
        ],
    )
    return {"history_event": known.id, "held_on": when}
