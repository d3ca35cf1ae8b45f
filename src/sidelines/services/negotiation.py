"""Negotiation: delegations request meetings and agree them in stages, confidentially.

What each party sees of a request (DESIGN.md §2): only the parties of the thread see it at all;
a party sees its own priority and note, never the other side's; every other delegation gets
"not found" for it, exactly as for a request that does not exist. The organiser sees requests only
where the event's policy is ``everything``, and never a side's priority or note.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session

from sidelines.domain import (
    DomainError,
    Event,
    Meeting,
    MeetingFormat,
    MeetingId,
    PartyId,
    TimeSpan,
)
from sidelines.domain.attendance import leading
from sidelines.domain.formats import defaults_for
from sidelines.domain.interpretation import needs_interpretation, sorted_pairs
from sidelines.domain.negotiation import (
    FACE_SAVING_REASONS,
    Answer,
    RequestState,
    ThreadView,
    answer,
    expire,
    send,
    withdraw,
)
from sidelines.domain.terms import (
    HOST_SUITE,
    Term,
    TermState,
    TermStatus,
    agree_all,
    meeting_agreed,
    open_terms,
    propose,
)
from sidelines.domain.terms import agree as agree_terms
from sidelines.domain.terms import binding as agreed_values
from sidelines.services import audit, request_limits, request_terms
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, Invalid, NotFound, not_found
from sidelines.services.events import (
    domain_event,
    event_row,
    meeting_principals,
    meeting_row,
)
from sidelines.services.idempotency import Once
from sidelines.services.placing import PlacementView, place_agreed
from sidelines.services.request_terms import Sides
from sidelines.services.visibility import (
    REQUESTS_WITH_EVENT,
    requests_seen_by,
    requests_seen_by_party,
    requests_with_event_seen_by,
    takes_part,
    visible_request,
)
from sidelines.storage.db import Database
from sidelines.storage.event_rows import spans_from_json, spans_to_json
from sidelines.storage.inserts import New, insert_together
from sidelines.storage.keyset import in_order
from sidelines.storage.tables import (
    AuditAudienceRow,
    AuditRow,
    EventRow,
    MeetingRow,
    ProposalRow,
    RequestPartyRow,
    RequestRow,
    RequestTermRow,
    random_id,
)

MAX_PAGE = 100


@dataclass(frozen=True)
class Terms:
    """What a proposal fixes. An unset format is the event's default (``Event.default_format``),
    an unset duration the event's length for that format. The place is a space
    (``space_id``) or the host side's own premises (``host_suite``), or open; ``attendees``
    ({party: {"principal" or "level", "plus"}}) and ``own_interpreters`` are left as they are on
    the table when None."""

    format: MeetingFormat | None = None
    duration_min: int | None = None
    windows: tuple[TimeSpan, ...] = ()
    space_id: str | None = None
    host_party: str | None = None
    press_plan: str = "none"
    topics: tuple[str, ...] = ()
    message: str = ""
    host_suite: bool = False
    attendees: Mapping[str, Mapping[str, Any]] | None = None
    own_interpreters: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TermCounter:
    """New values for some terms, in one answer; None leaves a term as it is on the table.
    ``place`` is a space id or ``"host_suite"``; ``own_interpreters`` empty means interpreters
    from the event's pool."""

    format: MeetingFormat | None = None
    duration_min: int | None = None
    windows: tuple[TimeSpan, ...] | None = None
    place: str | None = None
    host: str | None = None
    attendees: Mapping[str, Mapping[str, Any]] | None = None
    own_interpreters: tuple[str, ...] | None = None
    press: str | None = None

    @property
    def empty(self) -> bool:
        return self == TermCounter()


@dataclass(frozen=True)
class TermView:
    """One term as the thread shows it: open, proposed (by whom) or agreed by every side."""

    term: Term
    state: TermState
    value: Any
    proposed_by: str | None
    agreed_by: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class ParticipantView:
    party_id: str
    principal_id: str
    name: str
    rank: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class ProposalView:
    seq: int
    by_party: str
    terms: Terms
    created_at: datetime


@dataclass(frozen=True)
class SideView:
    party_id: str
    role: str
    principal_id: str
    accepted_current: bool
    answer: str | None
    answer_reason: str | None


@dataclass(frozen=True)
class RequestView:
    """A request as one actor may see it."""

    id: int
    event_id: str
    state: RequestState
    requester: str
    channel: str
    on_site: bool
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None
    sides: tuple[SideView, ...]
    proposals: tuple[ProposalView, ...]
    meeting_id: int | None
    my_party: str | None = None
    my_priority: int | None = None
    my_note: str | None = None
    terms: tuple[TermView, ...] = ()
    # Who would attend on the terms on the table, in protocol order (rank, time in office).
    participants: tuple[ParticipantView, ...] = ()
    # The language pairs the meeting needs interpreters for; empty: none.
    interpretation: tuple[tuple[str, str], ...] = ()

    @property
    def current(self) -> ProposalView:
        return self.proposals[-1]

    def term(self, term: Term) -> TermView:
        return next(t for t in self.terms if t.term is term)


@dataclass(frozen=True)
class Page:
    items: list[RequestView]
    next_cursor: int | None
    total: int = 0
    filters: dict[str, str] = field(default_factory=dict)


# --- reading -------------------------------------------------------------------------------


# A list read takes the columns of its rows as plain tuples, not mapped objects: a mapped
# object costs several times what its columns do to build (identity map, instance state), and
# a page of requests reads about eight rows per request that nothing writes back.
class _PageRequest(NamedTuple):
    id: int
    event_id: str
    requester_party: str
    state: str
    channel: str
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None
    on_site: bool


class _PageSide(NamedTuple):
    request_id: int
    party_id: str
    role: str
    principal_id: str
    priority: int | None
    note: str
    accepted_current: bool
    answer: str | None
    answer_reason: str | None


class _PageProposal(NamedTuple):
    request_id: int
    seq: int
    by_party: str
    format: str
    duration_min: int
    windows: list[Any]
    space_id: str | None
    host_party: str | None
    press_plan: str
    topics: list[Any]
    message: str
    created_at: datetime
    host_suite: bool
    attendees: dict[str, Any] | None
    own_interpreters: list[Any] | None


def _columns(row: type[Any], fields: tuple[str, ...]) -> list[Any]:
    """The mapped class's columns named like the plain row's fields, in their order."""
    return [getattr(row, name) for name in fields]


_REQUEST_COLUMNS = _columns(RequestRow, _PageRequest._fields)


def _effective_state(row: RequestRow | _PageRequest, at: datetime) -> RequestState:
    state = RequestState(row.state)
    if state.open and row.expires_at is not None and row.expires_at <= at:
        return RequestState.EXPIRED
    return state


@dataclass(frozen=True, slots=True)
class _Related:
    """The rows a request's view is built from besides its own."""

    sides: Sequence[RequestPartyRow | _PageSide]
    proposals: Sequence[ProposalRow | _PageProposal]
    meeting_id: int | None
    terms: Mapping[Term, TermStatus]


# The reads of a page of requests, built once with the requests as a parameter: building a
# statement and its cache key costs about what running it does, and every inbox read runs them.
_PAGE_SIDES = (
    select(*_columns(RequestPartyRow, _PageSide._fields))
    .where(RequestPartyRow.request_id.in_(bindparam("request_ids", expanding=True)))
    .order_by(RequestPartyRow.role.desc(), RequestPartyRow.party_id)
)
_PAGE_PROPOSALS = (
    select(*_columns(ProposalRow, _PageProposal._fields))
    .where(ProposalRow.request_id.in_(bindparam("request_ids", expanding=True)))
    .order_by(ProposalRow.seq)
)
_PAGE_MEETINGS = select(MeetingRow.id, MeetingRow.request_id).where(
    MeetingRow.request_id.in_(bindparam("request_ids", expanding=True))
)


def _related_many(session: Session, request_ids: list[int]) -> dict[int, _Related]:
    """The related rows of many requests in a fixed number of statements, whatever their
    number: a page of requests must not read row by row."""
    sides: dict[int, list[_PageSide]] = {i: [] for i in request_ids}
    proposals: dict[int, list[_PageProposal]] = {i: [] for i in request_ids}
    if not request_ids:
        return {}
    page = {"request_ids": request_ids}
    for side in map(_PageSide._make, session.execute(_PAGE_SIDES, page)):
        sides[side.request_id].append(side)
    for proposal in map(_PageProposal._make, session.execute(_PAGE_PROPOSALS, page)):
        proposals[proposal.request_id].append(proposal)
    meetings: dict[int, int] = {
        request_id: meeting_id
        for meeting_id, request_id in session.execute(_PAGE_MEETINGS, page)
        if request_id is not None
    }
    terms = request_terms.load_many(session, request_ids)
    return {i: _Related(sides[i], proposals[i], meetings.get(i), terms[i]) for i in request_ids}


def _view(
    session: Session,
    actor: Actor,
    row: RequestRow | _PageRequest,
    related: _Related | None = None,
    event: Event | None = None,
) -> RequestView:
    """The request as ``actor`` sees it; ``related`` and ``event``, when a list read loaded
    them already."""
    if related is None:
        related = _related_many(session, [row.id])[row.id]
    sides = related.sides
    proposals = related.proposals
    meeting_id = related.meeting_id
    party = actor.acts_for(row.event_id)
    mine = next((side for side in sides if side.party_id == party), None)
    if event is None:
        event = domain_event(session, row.event_id)
    on_table = related.terms
    asked = _sides_of(sides)
    parties = asked.parties  # a new list at each use: once per request, not once per term
    required = set(event.policy.required_terms)
    participants = request_terms.participants_in_order(event, asked, on_table)
    # A refusal is shown to the two sides only (DESIGN.md §2), even to an organiser who sees
    # everything else of the request.
    answers_shown = mine is not None
    return RequestView(
        id=row.id,
        event_id=row.event_id,
        state=_effective_state(row, now()),
        requester=row.requester_party,
        channel=row.channel,
        on_site=row.on_site,
        created_at=row.created_at,
        sent_at=row.sent_at,
        expires_at=row.expires_at,
        sides=tuple(
            SideView(
                s.party_id,
                s.role,
                s.principal_id,
                s.accepted_current,
                s.answer if answers_shown else None,
                s.answer_reason if answers_shown else None,
            )
            for s in sides
        ),
        proposals=tuple(
            ProposalView(
                p.seq,
                p.by_party,
                Terms(
                    MeetingFormat(p.format),
                    p.duration_min,
                    spans_from_json(p.windows),
                    p.space_id,
                    p.host_party,
                    p.press_plan,
                    tuple(p.topics),
                    p.message,
                    p.host_suite,
                    p.attendees,
                    tuple(p.own_interpreters) if p.own_interpreters is not None else None,
                ),
                p.created_at,
            )
            for p in proposals
        ),
        meeting_id=meeting_id,
        my_party=party,
        my_priority=mine.priority if mine else None,
        my_note=mine.note if mine else None,
        terms=tuple(
            TermView(
                term,
                status.state(parties),
                status.value,
                status.proposed_by,
                tuple(sorted(status.agreed_by)),
                term in required,
            )
            for term, status in on_table.items()
        ),
        participants=tuple(
            ParticipantView(p.party, p.id, p.display_name, p.rank.label, p.languages)
            for p in participants
        ),
        interpretation=tuple(sorted_pairs(needs_interpretation(participants))),
    )


def _sides_of(sides: Sequence[RequestPartyRow | _PageSide]) -> Sides:
    """The request's sides, the requester first, with the principal each was asked for."""
    ordered = sorted(sides, key=lambda s: (s.role != "requester", s.party_id))
    return Sides({s.party_id: s.principal_id for s in ordered})


def get_request(db: Database, actor: Actor, event_id: str, request_id: int) -> RequestView:
    with db.reading() as session:
        return _view(session, actor, visible_request(session, actor, event_id, request_id))


def list_requests(
    db: Database,
    actor: Actor,
    event_id: str,
    *,
    box: str = "all",
    state: RequestState | None = None,
    after: int | None = None,
    limit: int = 50,
) -> Page:
    """The requests this actor may see, oldest first, ``limit`` at a time after ``after``."""
    if box not in ("all", "sent", "received"):
        raise Invalid("box must be all, sent or received", "box")
    limit = max(1, min(limit, MAX_PAGE))
    party = actor.acts_for(event_id)
    with db.reading() as session:
        event = domain_event(session, event_id)
        if party is not None and after is None:
            # A delegation's first page, the read of every inbox: statements built once.
            counted, first = _first_page(box, state)
            mine = {"event_id": event_id, "party": party, "at": now(), "limit": limit + 1}
            total = session.scalar(counted, mine) or 0
            rows: Sequence[RequestRow | _PageRequest] = [
                _PageRequest._make(row) for row in session.execute(first, mine)
            ]
        else:
            query = requests_seen_by(session, actor, event_id)
            if query is None:
                return Page([], None, 0)
            query = _in_box(query, party is not None, box, state, now())
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            query = in_order(session, query, RequestRow.created_at, RequestRow.id, after)
            rows = session.scalars(query.limit(limit + 1)).all()
        # The sides, proposals, meetings and terms of the whole page, each in one query.
        related = _related_many(session, [row.id for row in rows[:limit]])
        items = [_view(session, actor, row, related[row.id], event) for row in rows[:limit]]
        next_cursor = rows[limit - 1].id if len(rows) > limit else None
        return Page(items, next_cursor, total)


def _in_box(
    query: Select[RequestRow],
    delegation: bool,
    box: str,
    state: RequestState | None,
    at: datetime | BindParameter[datetime],
) -> Select[RequestRow]:
    """``query`` (the requests an actor sees) narrowed to a delegation's ``box`` and to
    ``state``."""
    if delegation:
        if box == "sent":
            query = query.where(RequestPartyRow.role == "requester")
        elif box == "received":
            query = query.where(RequestPartyRow.role == "invitee")
    if state is not None:
        query = query.where(_in_state(state, at))
    return query


@functools.cache
def _first_page(box: str, state: RequestState | None) -> tuple[Select[int], Select[Any]]:
    """How many requests a delegation's ``box`` holds in ``state``, and the first page of
    them, built once with the event, the party, the time and the page's length as parameters:
    building a statement and its cache key anew costs about what running it does."""
    query = _in_box(
        requests_seen_by_party(bindparam("event_id"), bindparam("party")),
        True,
        box,
        state,
        bindparam("at"),
    )
    counted = select(func.count()).select_from(query.subquery())
    first = (
        query.with_only_columns(*_REQUEST_COLUMNS)
        .order_by(RequestRow.created_at, RequestRow.id)
        .limit(bindparam("limit"))
    )
    return counted, first


def _in_state(state: RequestState, at: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """The requests whose effective state is ``state`` at ``at``: an open request past its
    expiry is expired, though its row says otherwise until someone touches it."""
    overdue = RequestRow.expires_at.is_not(None) & (RequestRow.expires_at <= at)
    if state is RequestState.EXPIRED:
        still_open = RequestRow.state.in_([str(s) for s in RequestState if s.open])
        return (RequestRow.state == str(state)) | (still_open & overdue)
    if state.open:
        return (RequestRow.state == str(state)) & ~overdue
    return RequestRow.state == str(state)


# --- writing -------------------------------------------------------------------------------


def _require_party(actor: Actor, event_id: str) -> str:
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("only a delegation of this event can do this")
    return party


def _principal_of(event: Event, party: str, field_path: str) -> str:
    """The party's leading principal, asked for unless the request names another: the most
    senior (rank, then the longest in office)."""
    chosen = leading(request_terms.principals_of(event, party))
    if chosen is None:
        raise Invalid(f"no party {party!r} with a principal at this event", field_path)
    return chosen.id


def _check_duration(
    event: Event, meeting_format: MeetingFormat, duration_min: int | None, path: str
) -> int:
    duration = duration_min or event.default_duration_min(meeting_format)
    if duration <= 0 or duration % event.grain_min:
        raise Invalid(
            f"duration {duration} min is not a whole number of the event's "
            f"{event.grain_min}-minute steps",
            path,
        )
    return duration


def _check_windows(event: Event, windows: tuple[TimeSpan, ...], path: str) -> None:
    """Each window must reach into the event's hours: one between two days (at night, or
    before the first day's start) is a time the meeting could never be placed at."""
    first = event.day_spans[0].start
    last = event.day_spans[-1].end
    for index, window in enumerate(windows):
        if window.end <= first or window.start >= last:
            raise Invalid("window lies outside the event's days", f"{path}[{index}]")
        if not any(window.overlaps(day) for day in event.day_spans):
            raise Invalid(
                f"window lies outside the event's hours, {event.day_start:%H:%M} to "
                f"{event.day_end:%H:%M} each day ({event.timezone})",
                f"{path}[{index}]",
            )


def _check_terms(event: Event, terms: Terms, field_path: str) -> tuple[Terms, int]:
    """Validate the parts of terms that need only the event; return them with the event's
    default format filled in, and the duration in minutes."""
    if terms.format is None:
        terms = replace(terms, format=event.default_format)
    assert terms.format is not None
    duration = _check_duration(
        event, terms.format, terms.duration_min, f"{field_path}.duration_min"
    )
    _check_windows(event, terms.windows, f"{field_path}.windows")
    if terms.space_id is not None and terms.host_suite:
        raise Invalid("name a space or the host's suite, not both", f"{field_path}.host_suite")
    return terms, duration


def _proposal_values(
    terms: Terms, duration: int, current: Mapping[Term, TermStatus]
) -> dict[Term, Any]:
    """The term values a whole proposal puts on the table. A place or host left unset stays
    open (or as it is); attendees named for some sides keep the others as they are."""
    place = HOST_SUITE if terms.host_suite else terms.space_id
    return {
        Term.CONTACT: True,
        Term.FORMAT: {"format": str(terms.format), "duration_min": duration},
        Term.TIME: spans_to_json(terms.windows),
        Term.PRESS: terms.press_plan,
        **_optional_values(
            current, place, terms.host_party, terms.attendees, terms.own_interpreters
        ),
    }


def _optional_values(
    current: Mapping[Term, TermStatus],
    place: str | None,
    host: str | None,
    attendees: Mapping[str, Mapping[str, Any]] | None,
    own_interpreters: tuple[str, ...] | None,
) -> dict[Term, Any]:
    """The values of the terms that may be left open; None leaves one as it is."""
    values: dict[Term, Any] = {}
    if place is not None:
        values[Term.PLACE] = place
    if host is not None:
        values[Term.HOST] = host
    if attendees is not None:
        values[Term.ATTENDEES] = {
            **(current[Term.ATTENDEES].value or {}),
            **_plain_attendees(attendees),
        }
    if own_interpreters is not None:
        # In the order given, so that a refusal names the entry as the client wrote it.
        values[Term.INTERPRETATION] = {"own": list(own_interpreters)}
    return values


def _plain_attendees(attendees: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Attendees as stored: only the keys given, plus N always written."""
    return {
        party: {
            **{k: entry[k] for k in ("principal", "level") if entry.get(k) is not None},
            "plus": int(entry.get("plus") or 0),
        }
        for party, entry in attendees.items()
    }


def _proposal_paths(field_path: str, terms: Terms) -> dict[Term, str]:
    return {
        Term.FORMAT: f"{field_path}.format",
        Term.HOST: f"{field_path}.host_party",
        Term.PLACE: f"{field_path}.host_suite" if terms.host_suite else f"{field_path}.space_id",
        Term.ATTENDEES: f"{field_path}.attendees",
        Term.INTERPRETATION: f"{field_path}.own_interpreters",
        Term.PRESS: f"{field_path}.press_plan",
    }


def _add_proposal(
    session: Session, request_id: int, seq: int, by: str, terms: Terms, duration: int
) -> ProposalRow:
    """The proposal, added to the session; its id is drawn here, so that nothing needs a
    flush before the transaction's last one (which inserts each table's rows together)."""
    row = _proposal_row(request_id, seq, by, terms, duration)
    session.add(row)
    return row


def _proposal_row(request_id: int, seq: int, by: str, terms: Terms, duration: int) -> ProposalRow:
    """The proposal as a new row, its id drawn already."""
    return ProposalRow(**_new_proposal(request_id, seq, by, terms, duration))


def _new_proposal(
    request_id: int, seq: int, by: str, terms: Terms, duration: int
) -> dict[str, Any]:
    """The proposal's columns, its id drawn already."""
    return {
        "id": random_id(),
        "request_id": request_id,
        "seq": seq,
        "by_party": by,
        "format": str(terms.format),
        "duration_min": duration,
        "windows": spans_to_json(terms.windows),
        "space_id": terms.space_id,
        "host_party": terms.host_party,
        "press_plan": terms.press_plan,
        "topics": list(terms.topics),
        "message": terms.message,
        "created_at": now(),
        "host_suite": terms.host_suite,
        "attendees": (_plain_attendees(terms.attendees) if terms.attendees is not None else None),
        "own_interpreters": (
            sorted(terms.own_interpreters) if terms.own_interpreters is not None else None
        ),
    }


def create_request(
    db: Database,
    actor: Actor,
    event_id: str,
    invitees: list[str],
    terms: Terms,
    *,
    priority: int | None = None,
    note: str = "",
    send_now: bool = True,
    on_site: bool = False,
    once: Once[RequestView] | None = None,
) -> RequestView:
    """Draft a request, or send it at once. With ``once``, the request's idempotency key is
    kept in the same transaction (``services.idempotency.Once``)."""
    party = _require_party(actor, event_id)
    if not invitees:
        raise Invalid("name at least one party to meet", "invitees")
    if len(set(invitees)) != len(invitees):
        raise Invalid("a party is invited twice", "invitees")
    if party in invitees:
        raise Invalid("a delegation cannot invite itself", "invitees")
    if priority is not None and not 1 <= priority <= 10:
        raise Invalid("priority runs from 1 to 10", "priority")

    def work(session: Session) -> RequestView:
        row_event = event_row(session, event_id)
        event = domain_event(session, event_id)
        for index, invitee in enumerate(invitees):
            if invitee not in event.party_by_id:
                raise Invalid(f"unknown party {invitee!r}", f"invitees[{index}]")
        asked, duration = _check_terms(event, terms, "proposal")
        principals = {party: _principal_of(event, party, "invitees")}
        for index, invitee in enumerate(invitees):
            principals[invitee] = _principal_of(event, invitee, f"invitees[{index}]")
        sides = Sides(principals)
        values = _proposal_values(asked, duration, open_terms())
        request_terms.check(event, sides, open_terms(), values, _proposal_paths("proposal", asked))
        created = now()
        if send_now:
            request_limits.check(session, event, party, invitees, str(asked.format), created)
        # Every row is built before any is written, as plain values (``storage.inserts.New``):
        # a new request is only inserted in this transaction, never read back, and its view is
        # built from the same values, as a page's are from the columns read.
        request: dict[str, Any] = {
            "id": random_id(),
            "event_id": event_id,
            "requester_party": party,
            "state": str(RequestState.DRAFT),
            "channel": actor.channel,
            "created_by": actor.user_id,
            "created_at": created,
            "updated_at": created,
            "on_site": on_site,
            "sent_at": None,
            "expires_at": None,
        }
        request_id: int = request["id"]
        side_values: list[dict[str, Any]] = [
            {
                "request_id": request_id,
                "party_id": side,
                "event_id": event_id,
                "role": "requester" if side == party else "invitee",
                "principal_id": principals[side],
                "priority": priority if side == party else None,
                "note": note if side == party else "",
                "accepted_current": False,
                "answer": None,
                "answer_reason": None,
            }
            for side in (party, *invitees)
        ]
        proposal = _new_proposal(request_id, 1, party, asked, duration)
        on_table = propose(open_terms(), PartyId(party), values, 1)
        entries = audit.entry(actor, event_id, "request.drafted", "request", request_id, [party])
        if send_now:
            thread = ThreadView(
                RequestState.DRAFT, PartyId(party), tuple(PartyId(i) for i in invitees), frozenset()
            )
            changes, accepted, sent = _sending(
                actor, event_id, request_id, thread, row_event.request_ttl_hours
            )
            request |= changes
            for side in side_values:
                side["accepted_current"] = side["party_id"] in accepted
            entries += sent
        # Written with no flush, which under the unit of work cost a third of a send: on
        # PostgreSQL in one statement (``insert_together``), the entries' messages owed for
        # the commit.
        insert_together(
            session,
            [
                New(RequestRow, request),
                *(New(RequestPartyRow, side) for side in side_values),
                New(ProposalRow, proposal),
                *request_terms.new_rows(request_id, open_terms(), on_table),
                *entries,
            ],
        )
        audit.owe(session, entries)
        return _view(
            session,
            actor,
            _PageRequest(*(request[name] for name in _PageRequest._fields)),
            _Related(
                _in_view_order(
                    [_PageSide(*(side[name] for name in _PageSide._fields)) for side in side_values]
                ),
                [_PageProposal(*(proposal[name] for name in _PageProposal._fields))],
                None,
                on_table,
            ),
            event,
        )

    return db.write(work if once is None else once.guard(work))


_Side = TypeVar("_Side", RequestPartyRow, _PageSide)


def _in_view_order(sides: Sequence[_Side]) -> list[_Side]:
    """The sides as ``_related_many`` reads them: the requester first, then by party."""
    return sorted(sides, key=lambda s: (s.role != "requester", s.party_id))


# The reads of every answer, built once with the request as a parameter: building a statement
# and its cache key costs about what running it does.
_SIDES = select(RequestPartyRow).where(RequestPartyRow.request_id == bindparam("request_id"))
_PROPOSALS = (
    select(ProposalRow)
    .where(ProposalRow.request_id == bindparam("request_id"))
    .order_by(ProposalRow.seq)
)


def _side_rows(session: Session, request_id: int) -> list[RequestPartyRow]:
    return list(session.scalars(_SIDES, {"request_id": request_id}))


def _proposals(session: Session, request_id: int) -> list[ProposalRow]:
    """The request's proposals, in order."""
    return list(session.scalars(_PROPOSALS, {"request_id": request_id}))


def _thread_of(row: RequestRow, sides: Sequence[RequestPartyRow]) -> ThreadView:
    return ThreadView(
        state=RequestState(row.state),
        requester=PartyId(row.requester_party),
        invitees=tuple(PartyId(s.party_id) for s in sides if s.role == "invitee"),
        accepted_by=frozenset(PartyId(s.party_id) for s in sides if s.accepted_current),
    )


def _thread(session: Session, row: RequestRow) -> ThreadView:
    return _thread_of(row, _side_rows(session, row.id))


def _parties(session: Session, request_id: int) -> list[str]:
    return list(
        session.scalars(
            select(RequestPartyRow.party_id).where(RequestPartyRow.request_id == request_id)
        )
    )


def _send(
    actor: Actor,
    row: RequestRow,
    sides: Sequence[RequestPartyRow],
    ttl_hours: int | None,
) -> list[AuditRow | AuditAudienceRow]:
    """Send the request (``row`` and its ``sides`` changed in place); its audit entry's rows,
    for the caller to write."""
    changes, accepted, entries = _sending(
        actor, row.event_id, row.id, _thread_of(row, sides), ttl_hours
    )
    for column, value in changes.items():
        setattr(row, column, value)
    _accepted(sides, accepted)
    return entries


def _sending(
    actor: Actor, event_id: str, request_id: int, thread: ThreadView, ttl_hours: int | None
) -> tuple[dict[str, Any], frozenset[PartyId], list[AuditRow | AuditAudienceRow]]:
    """What sending the request of ``thread`` changes: its columns, the sides that accept the
    proposal on the table, and the audit entry's rows (for the caller to write)."""
    step = send(thread, thread.requester)
    at = now()
    changes = {
        "state": str(step.state),
        "sent_at": at,
        "updated_at": at,
        "expires_at": at + timedelta(hours=ttl_hours) if ttl_hours else None,
    }
    parties: list[str] = [thread.requester, *thread.invitees]
    entries = audit.entry(actor, event_id, "request.sent", "request", request_id, parties)
    return changes, step.accepted_by, entries


def _accepted(sides: Sequence[RequestPartyRow], accepted: frozenset[PartyId]) -> None:
    for side in sides:
        side.accepted_current = side.party_id in accepted


# The request's row locked, and read again under the lock. The session may hold the row as an
# earlier statement read it (the visibility check, before the lock), and keeps those values
# over a newer read unless told: another transaction that committed in between (an answer, an
# expiry recorded) would go unseen, and an expiry be recorded twice or a withdrawal or
# counter applied to a request already accepted.
_LOCKED_REQUEST = (
    select(RequestRow)
    .where(RequestRow.id == bindparam("request_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def _locked_request(session: Session, actor: Actor, event_id: str, request_id: int) -> RequestRow:
    """The request, visible to the actor and locked against concurrent answers."""
    visible_request(session, actor, event_id, request_id)
    row = session.scalars(_LOCKED_REQUEST, {"request_id": request_id}).one()
    if _effective_state(row, now()) is RequestState.EXPIRED and row.state != RequestState.EXPIRED:
        _expire(session, actor, row)
    return row


def _expire_if_due(db: Database, actor: Actor, event_id: str, request_id: int) -> None:
    """Record a due expiry in a transaction of its own, so that it is kept even when the
    action that noticed it is then refused."""

    def work(session: Session) -> None:
        row = visible_request(session, actor, event_id, request_id)
        if (
            _effective_state(row, now()) is RequestState.EXPIRED
            and row.state != RequestState.EXPIRED
        ):
            locked = session.scalars(_LOCKED_REQUEST, {"request_id": request_id}).one()
            if RequestState(locked.state).open:
                _expire(session, actor, locked)

    db.write(work)


def _expire(session: Session, actor: Actor, row: RequestRow) -> None:
    expire(_thread(session, row))
    row.state = str(RequestState.EXPIRED)
    row.updated_at = now()
    audit.record(
        session,
        actor,
        row.event_id,
        "request.expired",
        "request",
        row.id,
        _parties(session, row.id),
    )


def expire_overdue(session: Session, actor: Actor, event_id: str, at: datetime) -> list[int]:
    """Record the expiry of every open request of the event past its expiry at ``at``."""
    rows = session.scalars(
        select(RequestRow)
        .where(
            RequestRow.event_id == event_id,
            _in_state(RequestState.EXPIRED, at),
            RequestRow.state != str(RequestState.EXPIRED),
        )
        .order_by(RequestRow.id)
        .with_for_update()
    ).all()
    for row in rows:
        _expire(session, actor, row)
    return [row.id for row in rows]


def send_request(db: Database, actor: Actor, event_id: str, request_id: int) -> RequestView:
    party = _require_party(actor, event_id)

    _expire_if_due(db, actor, event_id, request_id)

    def work(session: Session) -> RequestView:
        row = _locked_request(session, actor, event_id, request_id)
        if row.requester_party != party:
            raise Forbidden("only the requesting side can send its request")
        sides = _side_rows(session, row.id)
        if row.state == RequestState.DRAFT:
            format_term = session.get(RequestTermRow, (row.id, str(Term.FORMAT)))
            request_limits.check(
                session,
                domain_event(session, event_id),
                party,
                _thread_of(row, sides).invitees,
                (format_term.value or {}).get("format", "") if format_term else "",
                now(),
                request_id=row.id,
            )
        try:
            ttl_hours = event_row(session, event_id).request_ttl_hours
            session.add_all(_send(actor, row, sides, ttl_hours))
        except DomainError as error:
            raise Conflict(error.message, error.path) from None
        return _view(session, actor, row)

    return db.write(work)


def respond(
    db: Database,
    actor: Actor,
    event_id: str,
    request_id: int,
    what: Answer,
    *,
    counter: Terms | None = None,
    reason: str | None = None,
) -> RequestView:
    """One side's answer to the current proposal. Accepting the last open acceptance agrees
    the meeting; a counter puts new terms on the table."""
    party = _require_party(actor, event_id)
    if what is Answer.COUNTER and counter is None:
        raise Invalid("a counter-proposal needs its terms", "proposal")
    if what is not Answer.COUNTER and counter is not None:
        raise Invalid("only a counter carries a proposal", "proposal")

    def work(session: Session) -> RequestView | Conflict:
        row, expired = _locked_for_answer(session, actor, event_id, request_id)
        side_rows = _side_rows(session, row.id)
        thread = _thread_of(row, side_rows)
        try:
            step = answer(thread, PartyId(party), what)
        except DomainError as error:
            if expired:
                # The expiry found here is kept (this transaction commits), the answer refused.
                return Conflict(error.message, error.path)
            raise Conflict(error.message, error.path) from None
        event = domain_event(session, event_id)
        before = request_terms.load(session, row.id)
        after = before
        sides = _sides_of(side_rows)
        if step.new_proposal:
            assert counter is not None
            # A counter that names no format keeps the one on the table.
            on_table = (before[Term.FORMAT].value or {}).get("format")
            given = (
                counter
                if counter.format or not on_table
                else replace(counter, format=MeetingFormat(on_table))
            )
            proposal, duration = _check_terms(event, given, "proposal")
            values = _proposal_values(proposal, duration, before)
            request_terms.check(event, sides, before, values, _proposal_paths("proposal", proposal))
            seq = _next_seq(session, row.id)
            _add_proposal(session, row.id, seq, party, proposal, duration)
            after = propose(before, PartyId(party), values, seq, whole=True)
        elif what is Answer.ACCEPT:
            # Accepting the proposal on the table agrees every term on it.
            after = agree_all(before, PartyId(party))
        request_terms.save(session, row.id, before, after)
        side = next(s for s in side_rows if s.party_id == party)
        side.answer = str(what)
        side.answer_reason = _reason(what, reason)
        state = step.state
        if what in (Answer.ACCEPT, Answer.COUNTER):
            state = _settle(event, side_rows, sides, after, step.state)
        else:
            _accepted(side_rows, step.accepted_by)
        row.state = str(state)
        row.updated_at = now()
        parties = [s.party_id for s in side_rows]
        audit.record(
            session,
            actor,
            event_id,
            f"request.{what}",
            "request",
            row.id,
            parties,
            answer_reason=side.answer_reason,
        )
        # The view answered is built from what this transaction holds, but the proposals.
        proposals = _proposals(session, row.id)
        # An open request has no meeting: the one agreed here is the only one it can have.
        meeting_id = None
        if state is RequestState.ACCEPTED:
            meeting_id = _agree(
                session, actor, event, row, parties, known=(side_rows, after, proposals[-1])
            )
        related = _Related(_in_view_order(side_rows), proposals, meeting_id, after)
        return _view(session, actor, row, related, event)

    view = db.write(work)
    if isinstance(view, Conflict):
        raise view
    if view.state is RequestState.ACCEPTED and view.meeting_id is not None:
        # A meeting agreed after the schedule was published goes straight into it if it fits.
        place_agreed(db, actor, event_id, view.meeting_id)
    return view


def _locked_for_answer(
    session: Session, actor: Actor, event_id: str, request_id: int
) -> tuple[RequestRow, bool]:
    """The request, visible to the actor and locked against concurrent answers, in one
    statement; whether its due expiry was recorded just now."""
    visible = requests_seen_by(session, actor, event_id)
    row = (
        None
        if visible is None
        else session.scalar(
            visible.where(RequestRow.id == request_id).with_for_update(of=RequestRow)
        )
    )
    if row is None:
        raise not_found("request", request_id)
    return row, _expired_now(session, actor, row)


def _expired_now(session: Session, actor: Actor, row: RequestRow) -> bool:
    """Record the locked request's due expiry, if it has one not yet recorded; whether it did."""
    if _effective_state(row, now()) is RequestState.EXPIRED and row.state != RequestState.EXPIRED:
        _expire(session, actor, row)
        return True
    return False


# The request locked, with the event's row, for each query of ``REQUESTS_WITH_EVENT``: built
# once, with the request as a parameter.
_LOCKED_WITH_EVENT = {
    who: query.where(RequestRow.id == bindparam("request_id")).with_for_update(of=RequestRow)
    for who, query in REQUESTS_WITH_EVENT.items()
}


def _locked_with_event(
    session: Session, actor: Actor, event_id: str, request_id: int
) -> tuple[RequestRow, EventRow, bool]:
    """``_locked_for_answer`` with the event's row, read by the same statement: the caller
    holds it, so that ``event_row`` finds it in the session (which keeps no row nothing
    refers to)."""
    seen = requests_with_event_seen_by(actor, event_id)
    found = (
        None
        if seen is None
        else session.execute(
            _LOCKED_WITH_EVENT[seen[0]], {**seen[1], "request_id": request_id}
        ).first()
    )
    if found is None:
        event_row(session, event_id)  # "not found" names the event when it is the one missing
        raise not_found("request", request_id)
    row, held = found
    return row, held, _expired_now(session, actor, row)


def _request_sides(session: Session, request_id: int) -> Sides:
    return _sides_of(
        session.scalars(
            select(RequestPartyRow).where(RequestPartyRow.request_id == request_id)
        ).all()
    )


def _next_seq(session: Session, request_id: int) -> int:
    last = session.scalar(
        select(func.max(ProposalRow.seq)).where(ProposalRow.request_id == request_id)
    )
    return 1 + (last or 0)


def _settle(
    event: Event,
    side_rows: Sequence[RequestPartyRow],
    sides: Sides,
    terms: Mapping[Term, TermStatus],
    state: RequestState,
) -> RequestState:
    """After an answer that agreed or proposed terms: a side accepts the proposal on the table
    when it agrees every term on it; the request is accepted when every side does, or when the
    terms the event requires are agreed and no counter waits (``domain.terms``)."""
    on_table = [status for status in terms.values() if status.proposed_by is not None]
    accepting = frozenset(
        party for party in sides.parties if all(party in s.agreed_by for s in on_table)
    )
    _accepted(side_rows, accepting)
    if accepting >= set(sides.parties):
        return RequestState.ACCEPTED
    if meeting_agreed(terms, sides.parties, event.policy.required_terms):
        return RequestState.ACCEPTED
    return state


def answer_terms(
    db: Database,
    actor: Actor,
    event_id: str,
    request_id: int,
    agree: Sequence[Term],
    counter: TermCounter,
    *,
    message: str = "",
) -> RequestView:
    """One side's answer term by term: it agrees the terms in ``agree`` as they are on the table
    and puts the values of ``counter`` on the table. A counter adds a step to the thread (the
    whole proposal now on the table); the meeting is agreed once the terms the event requires
    are agreed by every side and no counter waits for an answer."""
    party = _require_party(actor, event_id)
    if not agree and counter.empty:
        raise Invalid("agree some terms or counter some", "agree")
    if len(set(agree)) != len(agree):
        raise Invalid("a term is named twice", "agree")
    countered = _counter_values_terms(counter)
    for index, term in enumerate(agree):
        if term in countered:
            raise Invalid(f"the {term} is both agreed and countered", f"agree[{index}]")

    _expire_if_due(db, actor, event_id, request_id)

    def work(session: Session) -> RequestView:
        row = _locked_request(session, actor, event_id, request_id)
        state = RequestState(row.state)
        if party not in _parties(session, row.id):
            raise Conflict("only the parties of a request can answer it", "party")
        if not state.open:
            raise Conflict(f"this request is {state} and takes no more answers", "state")
        event = domain_event(session, event_id)
        sides = _request_sides(session, row.id)
        before = request_terms.load(session, row.id)
        try:
            after = agree_terms(before, PartyId(party), agree)
        except DomainError as error:
            raise Invalid(error.message, f"agree[{agree.index(Term(error.path))}]") from None
        if not counter.empty:
            values = _counter_values(event, counter, before)
            request_terms.check(event, sides, before, values, _COUNTER_PATHS)
            last_seq, topics = _last_step(session, row.id)
            seq = last_seq + 1
            after = propose(after, PartyId(party), values, seq)
            _add_proposal(
                session,
                row.id,
                seq,
                party,
                _terms_on_table(after, message, topics),
                _duration(after),
            )
            state = RequestState.COUNTERED
        request_terms.save(session, row.id, before, after)
        side = session.get(RequestPartyRow, (row.id, party))
        assert side is not None
        side.answer = "counter" if not counter.empty else "agree_terms"
        side.answer_reason = None
        state = _settle(event, _side_rows(session, row.id), sides, after, state)
        row.state = str(state)
        row.updated_at = now()
        parties = _parties(session, row.id)
        audit.record(
            session,
            actor,
            event_id,
            "request.terms",
            "request",
            row.id,
            parties,
            agreed=sorted(str(t) for t in agree),
            countered=sorted(str(t) for t in countered),
        )
        if state is RequestState.ACCEPTED:
            _agree(session, actor, event, row, parties)
        return _view(session, actor, row)

    view = db.write(work)
    if view.state is RequestState.ACCEPTED and view.meeting_id is not None:
        place_agreed(db, actor, event_id, view.meeting_id)
    return view


# Where each countered term stands in the body of a term-by-term answer.
_COUNTER_PATHS: dict[Term, str] = {
    Term.FORMAT: "counter.format",
    Term.HOST: "counter.host",
    Term.PLACE: "counter.place",
    Term.ATTENDEES: "counter.attendees",
    Term.INTERPRETATION: "counter.own_interpreters",
    Term.PRESS: "counter.press",
}


def _counter_values_terms(counter: TermCounter) -> set[Term]:
    fields = {
        Term.FORMAT: counter.format is not None or counter.duration_min is not None,
        Term.TIME: counter.windows is not None,
        Term.PLACE: counter.place is not None,
        Term.HOST: counter.host is not None,
        Term.ATTENDEES: counter.attendees is not None,
        Term.INTERPRETATION: counter.own_interpreters is not None,
        Term.PRESS: counter.press is not None,
    }
    return {term for term, given in fields.items() if given}


def _counter_values(
    event: Event, counter: TermCounter, current: Mapping[Term, TermStatus]
) -> dict[Term, Any]:
    values: dict[Term, Any] = {}
    if counter.format is not None or counter.duration_min is not None:
        on_table = current[Term.FORMAT].value or {}
        meeting_format = counter.format or MeetingFormat(
            on_table.get("format", event.default_format)
        )
        # A new format without a length takes that format's default, not the old length.
        duration = _check_duration(
            event, meeting_format, counter.duration_min, "counter.duration_min"
        )
        values[Term.FORMAT] = {"format": str(meeting_format), "duration_min": duration}
    if counter.windows is not None:
        _check_windows(event, counter.windows, "counter.windows")
        values[Term.TIME] = spans_to_json(counter.windows)
    values.update(
        _optional_values(
            current, counter.place, counter.host, counter.attendees, counter.own_interpreters
        )
    )
    if counter.press is not None:
        values[Term.PRESS] = counter.press
    return values


def _duration(terms: Mapping[Term, TermStatus]) -> int:
    value = terms[Term.FORMAT].value
    meeting_format = MeetingFormat(value["format"])
    return int(value.get("duration_min") or defaults_for(meeting_format).duration_min)


def _last_step(session: Session, request_id: int) -> tuple[int, tuple[str, ...]]:
    """The number of the thread's last step and its topics, in one read."""
    last = session.execute(
        select(ProposalRow.seq, ProposalRow.topics)
        .where(ProposalRow.request_id == request_id)
        .order_by(ProposalRow.seq.desc())
        .limit(1)
    ).first()
    if last is None:
        return 0, ()
    return last.seq, tuple(last.topics or ())


def _terms_on_table(
    terms: Mapping[Term, TermStatus], message: str, topics: tuple[str, ...]
) -> Terms:
    """The whole proposal on the table after a term-by-term counter, as a step of the thread.
    Topics are no term: they stay as the step before left them, so that the meeting the
    thread agrees keeps what the sides said they would discuss."""
    place = terms[Term.PLACE].value
    own = terms[Term.INTERPRETATION].value
    return Terms(
        format=MeetingFormat(terms[Term.FORMAT].value["format"]),
        duration_min=_duration(terms),
        windows=spans_from_json(terms[Term.TIME].value or []),
        space_id=place if place not in (None, HOST_SUITE) else None,
        host_party=terms[Term.HOST].value,
        press_plan=terms[Term.PRESS].value or "none",
        topics=topics,
        message=message,
        host_suite=place == HOST_SUITE,
        attendees=terms[Term.ATTENDEES].value,
        own_interpreters=tuple(own["own"]) if own is not None else None,
    )


def agree_on_site(
    db: Database, actor: Actor, event_id: str, request_id: int, *, at: datetime | None = None
) -> tuple[RequestView, PlacementView | None]:
    """Both sides agreed in person, at the venue (DESIGN.md §4: "agreed on site"). A side of
    the request, or the organiser where it may see the request, records it: every side accepts
    the current proposal at once, the meeting is agreed and placed into the published schedule
    immediately, and both sides get its change notice. The placement is None when no meeting
    came of it. ``at`` is the moment of the agreement (the service clock by default)."""
    if not takes_part(actor, event_id):
        raise Forbidden("only a side of the request or the organiser can record this")

    def work(session: Session) -> RequestView | Conflict:
        # The event's row read with the request, and held: the reads below find it in the
        # session, not by a statement.
        row, held, expired = _locked_with_event(session, actor, event_id, request_id)
        event = domain_event(session, held.id)
        state = RequestState(row.state)
        if state.closed:
            refused = Conflict(f"this request is {state} and takes no more answers", "state")
            if expired:
                return refused  # the expiry found here is kept (this transaction commits)
            raise refused
        # Everything is read before the first write: the writes then go with one flush. The
        # view answered is built from what this transaction holds.
        side_rows = _side_rows(session, row.id)
        proposals = _proposals(session, row.id)
        before = request_terms.load(session, row.id)
        stamp = now()
        if row.sent_at is None:
            row.sent_at = stamp  # a draft agreed in the corridor is sent by that agreement
        parties = [side.party_id for side in side_rows]
        _accepted(side_rows, frozenset(PartyId(p) for p in parties))
        after = dict(before)
        for side in parties:
            after = agree_all(after, PartyId(side))
        request_terms.save(session, row.id, before, after)
        row.state = str(RequestState.ACCEPTED)
        row.on_site = True
        row.updated_at = stamp
        entries = audit.entry(actor, event_id, "request.agreed_on_site", "request", row.id, parties)
        meeting_id = _agree(
            session,
            actor,
            event,
            row,
            parties,
            known=(side_rows, after, proposals[-1]),
            entries=entries,
        )
        # The entries and their audience with plain statements: fewer rows for the unit of
        # work, whose CPU per row costs more than the statements do.
        audit.insert_all(session, entries)
        related = _Related(_in_view_order(side_rows), proposals, meeting_id, after)
        return _view(session, actor, row, related, event)

    view = db.write(work)
    if isinstance(view, Conflict):
        raise view
    if view.meeting_id is None:
        return view, None
    return view, place_agreed(db, actor, event_id, view.meeting_id, at=at)


def _reason(what: Answer, reason: str | None) -> str | None:
    if what is Answer.SOFT_DECLINE:
        return reason or FACE_SAVING_REASONS[0]
    if what is Answer.DEFER:
        return reason or FACE_SAVING_REASONS[1]
    return reason


def _agree(
    session: Session,
    actor: Actor,
    event: Event,
    row: RequestRow,
    parties: list[str],
    known: tuple[Sequence[RequestPartyRow], Mapping[Term, TermStatus], ProposalRow] | None = None,
    entries: list[AuditRow | AuditAudienceRow] | None = None,
) -> int:
    """The sides agreed: the meeting exists, agreed and not yet placed, bound by the agreed
    terms (the meeting row's ``terms`` keys of the shared contract: spaces, host, press,
    attendees, own_interpreters, size; and its windows). ``known``: the request's sides, terms
    and last proposal, when the caller holds them already. ``entries``: where the audit entry
    goes when the caller writes the entries itself (``audit.insert_all``), rather than into
    the session. Returns the meeting's id."""
    if known is None:
        proposal = session.scalars(
            select(ProposalRow)
            .where(ProposalRow.request_id == row.id)
            .order_by(ProposalRow.seq.desc())
        ).first()
        assert proposal is not None
        known = (_side_rows(session, row.id), request_terms.load(session, row.id), proposal)
    sides, terms, proposal = known
    asked = _sides_of(sides)
    bound = request_terms.binding(event, asked, terms, agreed_values(terms, asked.parties))
    # The engine weighs a meeting by what its sides said it is worth to them; the weights stay
    # inside the engine and are never shown to the other side.
    weight = sum(side.priority or 5 for side in sides)
    meeting = Meeting(
        id=MeetingId("new"),
        principals=bound.principals,
        format=bound.format,
        duration_min=bound.duration_min,
        priority=weight,
        windows=spans_from_json(bound.windows),
        topics=tuple(proposal.topics),
        host=PartyId(bound.host) if bound.host is not None else None,
        size=bound.size,
    )
    # Written whole, bound terms and all, with its principals at the next flush (its id is
    # drawn up front; the unit of work inserts the meeting first).
    created = meeting_row(event, meeting, now(), request_id=row.id, proposal_id=proposal.id)
    created.terms = {**created.terms, **bound.terms}
    session.add(created)
    session.add_all(meeting_principals(event, meeting, created.id))
    agreed = audit.entry(
        actor, event.id, "meeting.agreed", "meeting", created.id, parties, request=row.id
    )
    if entries is None:
        session.add_all(agreed)
    else:
        entries += agreed
    return created.id


def withdraw_request(db: Database, actor: Actor, event_id: str, request_id: int) -> RequestView:
    party = _require_party(actor, event_id)

    _expire_if_due(db, actor, event_id, request_id)

    def work(session: Session) -> RequestView:
        row = _locked_request(session, actor, event_id, request_id)
        if row.requester_party != party:
            raise Forbidden("only the requesting side can withdraw a request")
        try:
            step = withdraw(_thread(session, row), PartyId(party))
        except DomainError as error:
            raise Conflict(error.message, error.path) from None
        row.state = str(step.state)
        row.updated_at = now()
        # A draft withdrawn unsent concerns its author alone.
        audience = _parties(session, row.id) if row.sent_at is not None else [party]
        audit.record(session, actor, event_id, "request.withdrawn", "request", row.id, audience)
        return _view(session, actor, row)

    return db.write(work)


def set_private(
    db: Database,
    actor: Actor,
    event_id: str,
    request_id: int,
    *,
    priority: int | None = None,
    note: str | None = None,
) -> RequestView:
    """Set this side's own priority or note; nobody else ever reads them."""
    party = _require_party(actor, event_id)
    if priority is not None and not 1 <= priority <= 10:
        raise Invalid("priority runs from 1 to 10", "priority")

    def work(session: Session) -> RequestView:
        row = visible_request(session, actor, event_id, request_id)
        side = session.get(RequestPartyRow, (request_id, party))
        if side is None:
            raise NotFound(f"no request {request_id}")
        if priority is not None:
            side.priority = priority
        if note is not None:
            side.note = note
        audit.record(session, actor, event_id, "request.private_set", "request", row.id, [party])
        return _view(session, actor, row)

    return db.write(work)
