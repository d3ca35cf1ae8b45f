"""Negotiation: delegations request meetings and agree them in stages, confidentially.

What each party sees of a request (DESIGN.md §2): only the parties of the thread see it at all;
a party sees its own priority and note, never the other side's; every other delegation gets
"not found" for it, exactly as for a request that does not exist. The organiser sees requests only
where the event's policy is ``everything``, and never a side's priority or note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from sidelines.domain import (
    DomainError,
    Event,
    Meeting,
    MeetingFormat,
    MeetingId,
    OrganiserSees,
    PartyId,
    PrincipalId,
    Rank,
    TimeSpan,
)
from sidelines.domain.formats import defaults_for
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
from sidelines.services import audit
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, Invalid, NotFound, not_found
from sidelines.services.events import (
    add_agreed_meeting,
    domain_event,
    event_row,
    spans_from_json,
    spans_to_json,
)
from sidelines.services.scheduling import PlacementView, place_agreed
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    MeetingRow,
    PrincipalRow,
    ProposalRow,
    RequestPartyRow,
    RequestRow,
)

PRESS_PLANS = ("none", "photo_spray", "pool_spray", "joint_statement", "press_conference")
MAX_PAGE = 100


@dataclass(frozen=True)
class Terms:
    """What a proposal fixes. Unset duration takes the format's default."""

    format: MeetingFormat = MeetingFormat.BILATERAL_RESTRICTED
    duration_min: int | None = None
    windows: tuple[TimeSpan, ...] = ()
    space_id: str | None = None
    host_party: str | None = None
    press_plan: str = "none"
    topics: tuple[str, ...] = ()
    message: str = ""


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

    @property
    def current(self) -> ProposalView:
        return self.proposals[-1]


@dataclass(frozen=True)
class Page:
    items: list[RequestView]
    next_cursor: int | None
    total: int = 0
    filters: dict[str, str] = field(default_factory=dict)


# --- reading -------------------------------------------------------------------------------


def _organiser_sees_everything(session: Session, event_id: str) -> bool:
    return event_row(session, event_id).organiser_sees == OrganiserSees.EVERYTHING


def _visible_request(session: Session, actor: Actor, event_id: str, request_id: int) -> RequestRow:
    """The request, if this actor may see it; "not found" otherwise, whatever the reason."""
    row = session.get(RequestRow, request_id)
    hidden = not_found("request", request_id)
    if row is None or row.event_id != event_id:
        raise hidden
    party = actor.acts_for(event_id)
    if party is not None:
        side = session.get(RequestPartyRow, (request_id, party))
        if side is None:
            raise hidden
        # A draft is the requester's own business until it is sent, and stays so when it is
        # withdrawn unsent: what was never sent is judged by ``sent_at``, not by the state.
        if row.sent_at is None and side.role != "requester":
            raise hidden
        return row
    if actor.is_organiser and _organiser_sees_everything(session, event_id):
        if row.sent_at is None:
            raise hidden
        return row
    raise hidden


def _effective_state(row: RequestRow, at: datetime) -> RequestState:
    state = RequestState(row.state)
    if state.open and row.expires_at is not None and row.expires_at <= at:
        return RequestState.EXPIRED
    return state


def _view(session: Session, actor: Actor, row: RequestRow) -> RequestView:
    sides = session.scalars(
        select(RequestPartyRow)
        .where(RequestPartyRow.request_id == row.id)
        .order_by(RequestPartyRow.role.desc(), RequestPartyRow.party_id)
    ).all()
    proposals = session.scalars(
        select(ProposalRow).where(ProposalRow.request_id == row.id).order_by(ProposalRow.seq)
    ).all()
    meeting_id = session.scalar(select(MeetingRow.id).where(MeetingRow.request_id == row.id))
    party = actor.acts_for(row.event_id)
    mine = next((side for side in sides if side.party_id == party), None)
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
                ),
                p.created_at,
            )
            for p in proposals
        ),
        meeting_id=meeting_id,
        my_party=party,
        my_priority=mine.priority if mine else None,
        my_note=mine.note if mine else None,
    )


def get_request(db: Database, actor: Actor, event_id: str, request_id: int) -> RequestView:
    with db.reading() as session:
        return _view(session, actor, _visible_request(session, actor, event_id, request_id))


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
    with db.reading() as session:
        event_row(session, event_id)
        query = select(RequestRow).where(RequestRow.event_id == event_id)
        party = actor.acts_for(event_id)
        if party is not None:
            query = query.join(
                RequestPartyRow,
                (RequestPartyRow.request_id == RequestRow.id) & (RequestPartyRow.party_id == party),
            ).where(RequestRow.sent_at.is_not(None) | (RequestPartyRow.role == "requester"))
            if box == "sent":
                query = query.where(RequestPartyRow.role == "requester")
            elif box == "received":
                query = query.where(RequestPartyRow.role == "invitee")
        elif actor.is_organiser and _organiser_sees_everything(session, event_id):
            query = query.where(RequestRow.sent_at.is_not(None))
        else:
            return Page([], None, 0)
        if state is not None:
            query = query.where(_in_state(state, now()))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if after is not None:
            query = query.where(RequestRow.id > after)
        rows = session.scalars(query.order_by(RequestRow.id).limit(limit + 1)).all()
        items = [_view(session, actor, row) for row in rows[:limit]]
        next_cursor = rows[limit - 1].id if len(rows) > limit else None
        return Page(items, next_cursor, total)


def _in_state(state: RequestState, at: datetime) -> ColumnElement[bool]:
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


def _principal_of(session: Session, event_id: str, party: str, field_path: str) -> str:
    """The party's leading principal: the highest rank, then the longest in office."""
    rows = session.scalars(
        select(PrincipalRow).where(
            PrincipalRow.event_id == event_id, PrincipalRow.party_id == party
        )
    ).all()
    if not rows:
        raise Invalid(f"no party {party!r} with a principal at this event", field_path)
    return min(rows, key=lambda r: (Rank[r.rank.upper()], r.id)).id


def _check_terms(event: Event, terms: Terms, field_path: str) -> int:
    """Validate terms against the event; return the duration in minutes."""
    duration = terms.duration_min or defaults_for(terms.format).duration_min
    if duration <= 0 or duration % event.grain_min:
        raise Invalid(
            f"duration {duration} min is not a whole number of the event's "
            f"{event.grain_min}-minute steps",
            f"{field_path}.duration_min",
        )
    first = event.day_spans[0].start
    last = event.day_spans[-1].end
    for index, window in enumerate(terms.windows):
        if window.end <= first or window.start >= last:
            raise Invalid("window lies outside the event's days", f"{field_path}.windows[{index}]")
    if terms.space_id is not None and terms.space_id not in event.space_by_id:
        raise Invalid(f"unknown space {terms.space_id!r}", f"{field_path}.space_id")
    if terms.press_plan not in PRESS_PLANS:
        raise Invalid(
            f"press plan must be one of {', '.join(PRESS_PLANS)}", f"{field_path}.press_plan"
        )
    return duration


def _add_proposal(
    session: Session, request_id: int, seq: int, by: str, terms: Terms, duration: int
) -> ProposalRow:
    row = ProposalRow(
        request_id=request_id,
        seq=seq,
        by_party=by,
        format=str(terms.format),
        duration_min=duration,
        windows=spans_to_json(terms.windows),
        space_id=terms.space_id,
        host_party=terms.host_party,
        press_plan=terms.press_plan,
        topics=list(terms.topics),
        message=terms.message,
        created_at=now(),
    )
    session.add(row)
    session.flush()
    return row


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
) -> RequestView:
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
        duration = _check_terms(event, terms, "proposal")
        created = now()
        request = RequestRow(
            event_id=event_id,
            requester_party=party,
            state=str(RequestState.DRAFT),
            channel=actor.channel,
            created_by=actor.user_id,
            created_at=created,
            updated_at=created,
            on_site=on_site,
        )
        session.add(request)
        session.flush()
        session.add(
            RequestPartyRow(
                request_id=request.id,
                party_id=party,
                role="requester",
                principal_id=_principal_of(session, event_id, party, "invitees"),
                priority=priority,
                note=note,
            )
        )
        for index, invitee in enumerate(invitees):
            session.add(
                RequestPartyRow(
                    request_id=request.id,
                    party_id=invitee,
                    role="invitee",
                    principal_id=_principal_of(session, event_id, invitee, f"invitees[{index}]"),
                    note="",
                )
            )
        _add_proposal(session, request.id, 1, party, terms, duration)
        audit.record(session, actor, event_id, "request.drafted", "request", request.id, [party])
        if send_now:
            _send(session, actor, request, row_event.request_ttl_hours)
        return _view(session, actor, request)

    return db.write(work)


def _thread(session: Session, row: RequestRow) -> ThreadView:
    sides = session.scalars(
        select(RequestPartyRow).where(RequestPartyRow.request_id == row.id)
    ).all()
    return ThreadView(
        state=RequestState(row.state),
        requester=PartyId(row.requester_party),
        invitees=tuple(PartyId(s.party_id) for s in sides if s.role == "invitee"),
        accepted_by=frozenset(PartyId(s.party_id) for s in sides if s.accepted_current),
    )


def _parties(session: Session, request_id: int) -> list[str]:
    return list(
        session.scalars(
            select(RequestPartyRow.party_id).where(RequestPartyRow.request_id == request_id)
        )
    )


def _send(session: Session, actor: Actor, row: RequestRow, ttl_hours: int | None) -> None:
    step = send(_thread(session, row), PartyId(row.requester_party))
    at = now()
    row.state = str(step.state)
    row.sent_at = at
    row.updated_at = at
    row.expires_at = at + timedelta(hours=ttl_hours) if ttl_hours else None
    _set_accepted(session, row.id, step.accepted_by)
    audit.record(
        session, actor, row.event_id, "request.sent", "request", row.id, _parties(session, row.id)
    )


def _set_accepted(session: Session, request_id: int, accepted: frozenset[PartyId]) -> None:
    for side in session.scalars(
        select(RequestPartyRow).where(RequestPartyRow.request_id == request_id)
    ):
        side.accepted_current = side.party_id in accepted


def _locked_request(session: Session, actor: Actor, event_id: str, request_id: int) -> RequestRow:
    """The request, visible to the actor and locked against concurrent answers."""
    _visible_request(session, actor, event_id, request_id)
    row = session.scalars(
        select(RequestRow).where(RequestRow.id == request_id).with_for_update()
    ).one()
    if _effective_state(row, now()) is RequestState.EXPIRED and row.state != RequestState.EXPIRED:
        _expire(session, actor, row)
    return row


def _expire_if_due(db: Database, actor: Actor, event_id: str, request_id: int) -> None:
    """Record a due expiry in a transaction of its own, so that it is kept even when the
    action that noticed it is then refused."""

    def work(session: Session) -> None:
        row = _visible_request(session, actor, event_id, request_id)
        if (
            _effective_state(row, now()) is RequestState.EXPIRED
            and row.state != RequestState.EXPIRED
        ):
            locked = session.scalars(
                select(RequestRow).where(RequestRow.id == request_id).with_for_update()
            ).one()
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


def send_request(db: Database, actor: Actor, event_id: str, request_id: int) -> RequestView:
    party = _require_party(actor, event_id)

    _expire_if_due(db, actor, event_id, request_id)

    def work(session: Session) -> RequestView:
        row = _locked_request(session, actor, event_id, request_id)
        if row.requester_party != party:
            raise Forbidden("only the requesting side can send its request")
        try:
            _send(session, actor, row, event_row(session, event_id).request_ttl_hours)
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

    _expire_if_due(db, actor, event_id, request_id)

    def work(session: Session) -> RequestView:
        row = _locked_request(session, actor, event_id, request_id)
        thread = _thread(session, row)
        try:
            step = answer(thread, PartyId(party), what)
        except DomainError as error:
            raise Conflict(error.message, error.path) from None
        event = domain_event(session, event_id)
        if step.new_proposal:
            assert counter is not None
            duration = _check_terms(event, counter, "proposal")
            seq = 1 + (
                session.scalar(
                    select(func.max(ProposalRow.seq)).where(ProposalRow.request_id == row.id)
                )
                or 0
            )
            _add_proposal(session, row.id, seq, party, counter, duration)
        side = session.get(RequestPartyRow, (row.id, party))
        assert side is not None
        side.answer = str(what)
        side.answer_reason = _reason(what, reason)
        _set_accepted(session, row.id, step.accepted_by)
        row.state = str(step.state)
        row.updated_at = now()
        parties = _parties(session, row.id)
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
        if step.state is RequestState.ACCEPTED:
            _agree(session, actor, event, row, parties)
        return _view(session, actor, row)

    view = db.write(work)
    if view.state is RequestState.ACCEPTED and view.meeting_id is not None:
        # A meeting agreed after the schedule was published goes straight into it if it fits.
        place_agreed(db, actor, event_id, view.meeting_id)
    return view


def agree_on_site(
    db: Database, actor: Actor, event_id: str, request_id: int, *, at: datetime | None = None
) -> tuple[RequestView, PlacementView | None]:
    """Both sides agreed in person, at the venue (DESIGN.md §4: "agreed on site"). A side of
    the request, or the organiser where it may see the request, records it: every side accepts
    the current proposal at once, the meeting is agreed and placed into the published schedule
    immediately, and both sides get its change notice. The placement is None when no meeting
    came of it. ``at`` is the moment of the agreement (the service clock by default)."""
    if actor.acts_for(event_id) is None and not actor.is_organiser:
        raise Forbidden("only a side of the request or the organiser can record this")

    _expire_if_due(db, actor, event_id, request_id)

    def work(session: Session) -> RequestView:
        row = _locked_request(session, actor, event_id, request_id)
        state = RequestState(row.state)
        if state.closed:
            raise Conflict(f"this request is {state} and takes no more answers", "state")
        stamp = now()
        if row.sent_at is None:
            row.sent_at = stamp  # a draft agreed in the corridor is sent by that agreement
        _set_accepted(session, row.id, frozenset(PartyId(p) for p in _parties(session, row.id)))
        row.state = str(RequestState.ACCEPTED)
        row.on_site = True
        row.updated_at = stamp
        parties = _parties(session, row.id)
        audit.record(session, actor, event_id, "request.agreed_on_site", "request", row.id, parties)
        _agree(session, actor, domain_event(session, event_id), row, parties)
        return _view(session, actor, row)

    view = db.write(work)
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
    session: Session, actor: Actor, event: Event, row: RequestRow, parties: list[str]
) -> None:
    """Every side accepted the same proposal: the meeting exists, agreed and not yet placed."""
    proposal = session.scalars(
        select(ProposalRow).where(ProposalRow.request_id == row.id).order_by(ProposalRow.seq.desc())
    ).first()
    assert proposal is not None
    sides = session.scalars(
        select(RequestPartyRow).where(RequestPartyRow.request_id == row.id)
    ).all()
    # The engine weighs a meeting by what its sides said it is worth to them; the weights stay
    # inside the engine and are never shown to the other side.
    weight = sum(side.priority or 5 for side in sides)
    meeting = Meeting(
        id=MeetingId("new"),
        principals=tuple(PrincipalId(side.principal_id) for side in sides),
        format=MeetingFormat(proposal.format),
        duration_min=proposal.duration_min,
        priority=weight,
        windows=spans_from_json(proposal.windows),
        topics=tuple(proposal.topics),
    )
    created = add_agreed_meeting(
        session, event, meeting, now(), request_id=row.id, proposal_id=proposal.id
    )
    audit.record(
        session, actor, event.id, "meeting.agreed", "meeting", created.id, parties, request=row.id
    )


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
        row = _visible_request(session, actor, event_id, request_id)
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
