"""Who may see what: every "may this actor see this" rule of the services, in one place.

Services ask these rules rather than write their own. Each rule is named for what it decides
(``visible_request``, ``visible_meeting``, ``visible_subject``, ``visible_statement``,
``readable``, ``sees_subject``); where a verdict must stay inside one SQL query, the rule is a
query builder (``requests_seen_by``) or a ``where`` clause (``meeting_has_side``,
``on_public_record``, ``own_uploads``, ``audit_entries_seen_by``) that the service adds to its
own query.

Why one query: a refusal and a missing id answer the same "not found", and they must also cost
the same, so that how long a refusal takes tells nothing (tests/web/test_side_channels.py,
benchmarks/side_channels.py). A rule that fetches a row and then judges it with a second read
would tell another delegation's id from a missing one by its timing.

The rules, by what they guard (DESIGN.md §2):

- the event's business at all: its delegations and its organiser (``takes_part``);
- the event's policy: the organiser sees bookings only, or everything (``organiser_sees``);
- requests: a delegation sees those it is a side of, but another's draft; an organiser who sees
  everything sees every sent request; nobody else sees any;
- meetings: a delegation sees its own; the organiser every booking, the sides' details only when
  it sees everything;
- meetings and encounters on the record: their sides; the organiser every meeting and the
  encounters it logged (or all, when it sees everything); anyone once a side has published a
  statement about it;
- statements: by the side's chosen visibility (the table in ``services.statements``);
- report uploads: the uploader's own;
- the audit trail: a side reads the entries addressed to it; the organiser the bookings, or every
  entry when it sees everything.

The schedule's own view (``services.placing._as_seen_by``) still lives beside the schedule.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Exists,
    Select,
    bindparam,
    exists,
    false,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from sidelines.domain import OrganiserSees
from sidelines.services.actors import Actor
from sidelines.services.audit import BOOKING_ACTIONS
from sidelines.services.errors import Invalid, not_found
from sidelines.services.events import event_row
from sidelines.services.subjects import (
    PARTIES_JOIN,
    Subject,
    parties_subject,
    sides_text,
    split_sides,
)
from sidelines.storage.keyset import in_order
from sidelines.storage.tables import (
    AuditAudienceRow,
    AuditRow,
    EncounterPartyRow,
    EncounterRow,
    EventRow,
    MeetingPrincipalRow,
    MeetingRow,
    ReportUploadRow,
    RequestPartyRow,
    RequestRow,
    StatementRow,
    StatementSignatureRow,
)

PUBLIC_VISIBILITY = "public"
JOINT = "joint"


# Who a side lets read its statement.
class Visibility(StrEnum):
    SIDE = "side"  # the side's own record, not yet shared
    COUNTERPART = "counterpart"  # shared with the other side(s) of the meeting
    PUBLIC = "public"


# --- the event's policy ----------------------------------------------------------------------


def organiser_sees_everything(session: Session, event_id: str) -> bool:
    """Whether the event lets its organiser see the sides' business, not only the bookings."""
    return event_row(session, event_id).organiser_sees == OrganiserSees.EVERYTHING


def takes_part(actor: Actor, event_id: str) -> bool:
    """Whether the actor is a delegation of the event or its organiser: the readers of the
    event's business beyond its public record."""
    return actor.acts_for(event_id) is not None or actor.is_organiser


def sees_sides_details(
    session: Session, actor: Actor, event_id: str, sides: frozenset[str]
) -> bool:
    """Whether the actor reads the sides' own details (topics, terms) of something whose sides
    are ``sides``: a side does, and an organiser who sees everything."""
    if actor.acts_for(event_id) in sides:
        return True
    return actor.is_organiser and organiser_sees_everything(session, event_id)


# --- requests --------------------------------------------------------------------------------


def requests_seen_by(session: Session, actor: Actor, event_id: str) -> Select[RequestRow] | None:
    """The requests of the event this actor may see, as one query; None when it sees none."""
    party = actor.acts_for(event_id)
    if party is not None:
        return requests_seen_by_party(event_id, party)
    if actor.is_organiser and organiser_sees_everything(session, event_id):
        return select(RequestRow).where(
            RequestRow.event_id == event_id, RequestRow.sent_at.is_not(None)
        )
    return None


def requests_seen_by_party(
    event_id: str | BindParameter[str], party: str | BindParameter[str]
) -> Select[RequestRow]:
    """The requests of the event a delegation may see, as one query (joined to its own side
    of each, ``RequestPartyRow``); the event and the party may be parameters, for a statement
    built once."""
    # A draft is the requester's own business until it is sent, and stays so when it is
    # withdrawn unsent: what was never sent is judged by ``sent_at``, not by the state.
    # The event is asked of the party's sides, not of the requests: with no condition of its
    # own that an index serves, ``meeting_requests`` can only be reached from the party's
    # sides by its key, so the plan reads the party's requests and no other, with or without
    # statistics (docs/benchmarks.md, "The inbox read from the party's own sides").
    return (
        select(RequestRow)
        .join(RequestPartyRow, RequestPartyRow.request_id == RequestRow.id)
        .where(RequestPartyRow.party_id == party, RequestPartyRow.event_id == event_id)
        .where(RequestRow.sent_at.is_not(None) | (RequestPartyRow.role == "requester"))
    )


# ``requests_seen_by`` with the event's row, by who reads (a delegation, the organiser), built
# once with the event and the party as parameters. For the organiser the event's policy is asked
# in the query itself, not of the row read first: a write that needs the request and the event
# reads both with one statement.
REQUESTS_WITH_EVENT: dict[str, Select[RequestRow, EventRow]] = {
    "party": requests_seen_by_party(bindparam("event_id"), bindparam("party"))
    .add_columns(EventRow)
    .join(EventRow, EventRow.id == RequestRow.event_id),
    "organiser": select(RequestRow, EventRow)
    .join(EventRow, EventRow.id == RequestRow.event_id)
    .where(RequestRow.event_id == bindparam("event_id"), RequestRow.sent_at.is_not(None))
    .where(EventRow.organiser_sees == str(OrganiserSees.EVERYTHING)),
}


def requests_with_event_seen_by(actor: Actor, event_id: str) -> tuple[str, dict[str, Any]] | None:
    """Which query of ``REQUESTS_WITH_EVENT`` holds the requests of the event this actor may
    see (as ``requests_seen_by``), and its parameters; None when it sees none."""
    party = actor.acts_for(event_id)
    if party is not None:
        return "party", {"event_id": event_id, "party": party}
    if actor.is_organiser:
        return "organiser", {"event_id": event_id}
    return None


def visible_request(session: Session, actor: Actor, event_id: str, request_id: int) -> RequestRow:
    """The request, if this actor may see it; "not found" otherwise, whatever the reason. The
    condition is part of the one query, so that another's request and a missing one cost the
    same: how long a refusal takes tells nothing."""
    visible = requests_seen_by(session, actor, event_id)
    row = None if visible is None else session.scalar(visible.where(RequestRow.id == request_id))
    if row is None:
        raise not_found("request", request_id)
    return row


# --- meetings --------------------------------------------------------------------------------


def meeting_scope(session: Session, actor: Actor, event_id: str) -> tuple[str | None, bool]:
    """(party whose meetings the actor sees, whether it sees the sides' details); raises
    NotFound for the public, who see no meetings until a side publishes one."""
    party = actor.acts_for(event_id)
    if party is not None:
        return party, True
    if actor.is_organiser:
        return None, organiser_sees_everything(session, event_id)
    raise not_found("meeting", "list")


def visible_meeting(session: Session, actor: Actor, event_id: str, meeting_id: int) -> MeetingRow:
    """The meeting, if this actor may see it; "not found" otherwise. The condition is part of
    the one query, so that another pair's meeting and a missing one cost the same."""
    query = select(MeetingRow).where(MeetingRow.id == meeting_id, MeetingRow.event_id == event_id)
    party = actor.acts_for(event_id)
    if party is not None:
        query = query.where(meeting_has_side(party))
    row = session.scalar(query) if party is not None or actor.is_organiser else None
    if row is None:
        raise not_found("meeting", meeting_id)
    return row


def meeting_has_side(party: str) -> ColumnElement[bool]:
    """The meetings ``party`` is a side of."""
    return MeetingRow.id.in_(
        select(MeetingPrincipalRow.meeting_id).where(MeetingPrincipalRow.party_id == party)
    )


# --- meetings and encounters on the record ---------------------------------------------------


def is_public(session: Session, subject: Subject) -> bool:
    """Whether a side has published a statement about it: then it is on the public record. A
    joint statement publishes only once every side has signed it."""
    published = session.execute(
        select(StatementRow.id, StatementRow.kind).where(
            subject.column_filter(), StatementRow.visibility == PUBLIC_VISIBILITY
        )
    ).all()
    if any(kind != JOINT for _, kind in published):
        return True
    for statement_id, _ in published:
        signed = session.scalars(
            select(StatementSignatureRow.party_id).where(
                StatementSignatureRow.statement_id == statement_id
            )
        )
        if subject.sides <= set(signed):
            return True
    return False


def sees_subject(session: Session, actor: Actor, subject: Subject) -> bool:
    if actor.acts_for(subject.event_id) in subject.sides:
        return True
    if actor.is_organiser:
        if subject.kind == "meeting" or subject.logged_by_organiser:
            return True
        if organiser_sees_everything(session, subject.event_id):
            return True
    return is_public(session, subject)


def on_public_record(
    about: InstrumentedAttribute[int | None],
    subject_id: int,
    party: InstrumentedAttribute[str],
    of: InstrumentedAttribute[int],
) -> Exists:
    """Whether a side published a statement about the subject (``is_public``, as a condition):
    any public statement but a joint one that some side has yet to sign."""
    signed = select(StatementSignatureRow.party_id).where(
        StatementSignatureRow.statement_id == StatementRow.id,
        StatementSignatureRow.party_id == party,
    )
    unsigned_side = select(party).where(of == subject_id, ~exists(signed))
    return exists(
        select(StatementRow.id).where(
            about == subject_id,
            StatementRow.visibility == PUBLIC_VISIBILITY,
            (StatementRow.kind != JOINT) | ~exists(unsigned_side),
        )
    )


def visible_subject(
    session: Session,
    actor: Actor,
    event_id: str,
    *,
    meeting_id: int | None = None,
    encounter_id: int | None = None,
) -> Subject:
    """The meeting or encounter, if this actor may see it (``sees_subject``); "not found"
    otherwise. One query reads it with its sides and whether it is on the public record, and
    the verdict reads nothing more, so that another pair's meeting or encounter and a missing
    one cost the same: how long a refusal takes tells nothing."""
    if (meeting_id is None) == (encounter_id is None):
        raise Invalid("name a meeting or an encounter", "meeting_id")
    # Read for the organiser whatever the id, so that the two paths stay one.
    everything = actor.is_organiser and organiser_sees_everything(session, event_id)
    if meeting_id is not None:
        kind, subject_id = "meeting", meeting_id
        party, of = MeetingPrincipalRow.party_id, MeetingPrincipalRow.meeting_id
        query = select(
            sides_text(party, of, meeting_id),
            false(),
            on_public_record(StatementRow.meeting_id, meeting_id, party, of),
        ).where(MeetingRow.id == meeting_id, MeetingRow.event_id == event_id)
    else:
        assert encounter_id is not None
        kind, subject_id = "encounter", encounter_id
        party, of = EncounterPartyRow.party_id, EncounterPartyRow.encounter_id
        query = select(
            sides_text(party, of, encounter_id),
            EncounterRow.logged_party.is_(None),
            on_public_record(StatementRow.encounter_id, encounter_id, party, of),
        ).where(EncounterRow.id == encounter_id, EncounterRow.event_id == event_id)
    found = session.execute(query).first()
    if found is None:
        raise not_found(kind, subject_id)
    sides, by_organiser, published = found
    subject = Subject(kind, subject_id, event_id, split_sides(sides), bool(by_organiser))
    if actor.acts_for(event_id) in subject.sides or published:
        return subject
    if actor.is_organiser and (kind == "meeting" or subject.logged_by_organiser or everything):
        return subject
    raise not_found(kind, subject_id)


# --- statements ------------------------------------------------------------------------------


def readable(
    visibility: Visibility,
    author: str,
    sides: frozenset[str],
    reader_party: str | None,
    organiser_sees_all: bool | None,
    *,
    unsigned: bool = False,
) -> bool:
    """Whether a reader may see a statement (the table in ``services.statements``).

    ``reader_party`` is the party the reader acts for at the statement's event (None for the
    organiser and the public); ``organiser_sees_all`` is None for anyone but the organiser;
    ``unsigned`` tells a joint statement some side has yet to sign: the sides' draft.
    """
    if unsigned:
        return reader_party is not None and reader_party in sides
    if visibility is Visibility.PUBLIC or reader_party == author:
        return True
    if visibility is Visibility.SIDE:
        return False
    if reader_party is not None:
        return reader_party in sides
    return bool(organiser_sees_all)


def organiser_policy(session: Session, actor: Actor, event_id: str) -> bool | None:
    """What ``readable`` needs of the organiser: whether it sees everything; None for anyone
    else."""
    return organiser_sees_everything(session, event_id) if actor.is_organiser else None


def visible_statement(
    session: Session, actor: Actor, event_id: str, statement_id: int
) -> tuple[StatementRow, Subject, list[str]]:
    """The statement, its subject and its signatures, if this actor may read it; "not found"
    otherwise. One query reads the statement with its subject's sides and its signatures, and
    the verdict (``readable``) reads nothing more, so that another side's statement and a
    missing one cost the same: how long a refusal takes tells nothing."""
    policy = organiser_policy(session, actor, event_id)  # whatever the id: one path for both
    found = session.execute(
        select(
            # The columns of the verdict only: the statement itself is read once it is shown.
            StatementRow.meeting_id,
            StatementRow.encounter_id,
            StatementRow.parties_key,
            StatementRow.party_id,
            StatementRow.kind,
            StatementRow.visibility,
            sides_text(
                MeetingPrincipalRow.party_id,
                MeetingPrincipalRow.meeting_id,
                StatementRow.meeting_id,
            ),
            sides_text(
                EncounterPartyRow.party_id,
                EncounterPartyRow.encounter_id,
                StatementRow.encounter_id,
            ),
            select(EncounterRow.logged_party.is_(None))
            .where(EncounterRow.id == StatementRow.encounter_id)
            .scalar_subquery(),
            sides_text(
                StatementSignatureRow.party_id, StatementSignatureRow.statement_id, StatementRow.id
            ),
        ).where(StatementRow.id == statement_id, StatementRow.event_id == event_id)
    ).first()
    hidden = not_found("statement", statement_id)
    if found is None:
        raise hidden
    meeting_id, encounter_id, parties_key, author, kind, visibility = found[:6]
    meeting_sides, encounter_sides, by_organiser, signatures = found[6:]
    if meeting_id is not None:
        subject = Subject("meeting", meeting_id, event_id, split_sides(meeting_sides))
    elif encounter_id is not None:
        subject = Subject(
            "encounter", encounter_id, event_id, split_sides(encounter_sides), by_organiser
        )
    else:
        assert parties_key is not None
        subject = parties_subject(event_id, parties_key.split(PARTIES_JOIN))
    signed = sorted(split_sides(signatures))
    shown = readable(
        Visibility(visibility),
        author,
        subject.sides,
        actor.acts_for(event_id),
        policy,
        unsigned=kind == JOINT and not subject.sides <= set(signed),
    )
    row = session.get(StatementRow, statement_id) if shown else None
    if row is None:
        raise hidden
    return row, subject, signed


# --- report uploads --------------------------------------------------------------------------


def own_uploads(actor: Actor, event_id: str) -> ColumnElement[bool] | None:
    """The uploads this actor may see, as a condition: a delegation's own, or the organiser's
    own; None for anyone else, who sees none."""
    party = actor.acts_for(event_id)
    if party is not None:
        return ReportUploadRow.owner_party == party
    if actor.is_organiser:
        return ReportUploadRow.owner_party.is_(None)
    return None


# --- the audit trail -------------------------------------------------------------------------


def audit_entries_seen_by(
    session: Session,
    event_id: str,
    party_id: str | None,
    organiser_sees_all: bool,
    after: int | None = None,
) -> Any:
    """The entries an actor may read (its party's, or the organiser's share), in the order they
    were appended, after the entry ``after`` if it is one of them."""
    query = select(AuditRow).where(AuditRow.event_id == event_id)
    if party_id is not None:
        query = query.join(
            AuditAudienceRow,
            (AuditAudienceRow.entry_id == AuditRow.id) & (AuditAudienceRow.party_id == party_id),
        )
    elif not organiser_sees_all:
        query = query.where(AuditRow.action.in_(sorted(BOOKING_ACTIONS)))
    return in_order(session, query, AuditRow.at, AuditRow.id, after)
