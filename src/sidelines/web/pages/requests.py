"""A delegation's requests: the inbox, composing one, its thread with the answers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sidelines.domain import Event, MeetingFormat
from sidelines.domain.negotiation import FACE_SAVING_REASONS, Answer
from sidelines.domain.terms import PRESS_PLANS, TermState
from sidelines.i18n import _
from sidelines.services import history, meetings, negotiation, request_expiry
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Forbidden, NotFound, ServiceError
from sidelines.services.inbox import awaits, first_awaiting
from sidelines.web.bounds import PathId
from sidelines.web.deps import DbDep
from sidelines.web.freshness import NOT_MODIFIED, is_fresh, tag_of
from sidelines.web.pages.context import event_of
from sidelines.web.pages.forms import (
    AnswerForm,
    ComposeForm,
    TermsAnswerForm,
    answer_from,
    priority_from,
    term_answer_from,
    terms_from,
)
from sidelines.web.pages.live import live
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render
from sidelines.web.pages.term_text import describe

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)


def formats_of(event: Event) -> list[str]:
    """The formats a delegation may ask for: those the event offers, in the usual order."""
    return [str(f) for f in MeetingFormat if event.policy.offers(f)]


ANSWERS = [str(a) for a in Answer]
REQUESTER_ANSWERS = [str(Answer.ACCEPT), str(Answer.COUNTER)]


def delegation_of(actor: Actor, event_id: str) -> str:
    """The party a delegation page speaks for; an organiser or a member of another event's
    delegation has no such page."""
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden(_("these pages belong to a delegation of this event"))
    return party


@router.get("/inbox", response_class=HTMLResponse, responses=NOT_MODIFIED)
def inbox(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    party = delegation_of(actor, event_id)
    event = event_of(db, event_id)
    # Reminds the invitees of requests about to expire, and expires those due, without a worker.
    request_expiry.sweep_requests_if_due(db, event_id, now())
    received = negotiation.list_requests(db, actor, event_id, box="received", limit=100)
    sent = negotiation.list_requests(db, actor, event_id, box="sent", limit=100)
    context = {
        "event": event,
        "party": party,
        "received": received,
        "sent": sent,
        # What waits on this delegation comes first in each list.
        "received_items": first_awaiting(received.items, party),
        "sent_items": first_awaiting(sent.items, party),
        "awaits": awaits,
        # The meetings agreed that have no place yet: their requests say so, not "accepted".
        "unplaced": meetings.waiting_for_a_place(db, actor, event_id),
        **live(db, actor, event_id),
    }
    page = render(request, "inbox.html", context)
    # The page is this delegation's alone: its tag changes only when what it shows does.
    etag = tag_of(party, bytes(page.body))
    if is_fresh(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    page.headers["ETag"] = etag
    return page


def _compose(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: Actor,
    values: dict[str, Any],
    error: ServiceError | None = None,
) -> Response:
    party = delegation_of(actor, event_id)
    event = event_of(db, event_id)
    context = {
        "event": event,
        "party": party,
        "formats": formats_of(event),
        "values": {"format": str(event.default_format), **values},
        "error": error,
    }
    return render(request, "compose.html", context, status_code=error.status if error else 200)


@router.get("/requests/new", response_class=HTMLResponse)
def compose(
    request: Request, event_id: str, db: DbDep, actor: PageUser, to: str | None = None
) -> Response:
    return _compose(request, event_id, db, actor, {"invitees": [to] if to else []})


@router.post("/requests", dependencies=[CsrfChecked])
def create(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[ComposeForm, Form()],
) -> Response:
    event = event_of(db, event_id)
    try:
        view = negotiation.create_request(
            db,
            actor,
            event_id,
            form.invitees,
            terms_from(event, form),
            priority=priority_from(form.priority),
            note=form.note,
            on_site=form.on_site,
        )
    except NotFound:
        raise
    except ServiceError as error:
        return _compose(request, event_id, db, actor, form.model_dump(), error)
    return RedirectResponse(f"/events/{event_id}/requests/{view.id}", 303)


def _thread(
    request: Request,
    event_id: str,
    request_id: PathId,
    db: DbDep,
    actor: Actor,
    error: ServiceError | None = None,
) -> Response:
    party = delegation_of(actor, event_id)
    event = event_of(db, event_id)
    view = negotiation.get_request(db, actor, event_id, request_id)
    mine = next(side for side in view.sides if side.party_id == party)
    context = {
        "event": event,
        "party": party,
        "view": view,
        "mine": mine,
        "awaiting_us": awaits(view, party),
        "term_rows": [(t, describe(event, t)) for t in view.terms],
        # The terms this side can still agree: on the table, and not yet agreed by it.
        "to_agree": [
            t.term for t in view.terms if t.state is TermState.PROPOSED and party not in t.agreed_by
        ],
        "press_plans": PRESS_PLANS,
        "my_principals": [p for p in event.principals if p.party == party],
        "formats": formats_of(event),
        # The requesting side accepts or counters; it withdraws rather than declines.
        "answers": ANSWERS if view.requester != party else REQUESTER_ANSWERS,
        "reasons": FACE_SAVING_REASONS,
        "last_met": history.before_the_event(
            db, actor, event.days[0], [side.party_id for side in view.sides]
        ),
        "meeting_waits": view.meeting_id is not None
        and view.meeting_id in meetings.waiting_for_a_place(db, actor, event_id),
        "error": error,
        **live(db, actor, event_id),
    }
    return render(request, "request.html", context, status_code=error.status if error else 200)


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def thread(
    request: Request, event_id: str, request_id: PathId, db: DbDep, actor: PageUser
) -> Response:
    return _thread(request, event_id, request_id, db, actor)


@router.post("/requests/{request_id}/answer", dependencies=[CsrfChecked])
def answer(
    request: Request,
    event_id: str,
    request_id: PathId,
    db: DbDep,
    actor: PageUser,
    form: Annotated[AnswerForm, Form()],
) -> Response:
    event = event_of(db, event_id)
    try:
        chosen = answer_from(form)
        counter = terms_from(event, form) if chosen is Answer.COUNTER else None
        negotiation.respond(
            db,
            actor,
            event_id,
            request_id,
            chosen,
            counter=counter,
            reason=form.reason.strip() or None,
        )
    except NotFound:
        raise
    except ServiceError as error:
        return _thread(request, event_id, request_id, db, actor, error)
    return RedirectResponse(f"/events/{event_id}/requests/{request_id}", 303)


@router.post("/requests/{request_id}/terms", dependencies=[CsrfChecked])
def answer_terms(
    request: Request,
    event_id: str,
    request_id: PathId,
    db: DbDep,
    actor: PageUser,
    form: Annotated[TermsAnswerForm, Form()],
) -> Response:
    party = delegation_of(actor, event_id)
    try:
        agreed, counter = term_answer_from(form, party)
        negotiation.answer_terms(
            db, actor, event_id, request_id, agreed, counter, message=form.message.strip()
        )
    except NotFound:
        raise
    except ServiceError as error:
        return _thread(request, event_id, request_id, db, actor, error)
    return RedirectResponse(f"/events/{event_id}/requests/{request_id}", 303)


@router.post("/requests/{request_id}/withdraw", dependencies=[CsrfChecked])
def withdraw(
    request: Request, event_id: str, request_id: PathId, db: DbDep, actor: PageUser
) -> Response:
    try:
        negotiation.withdraw_request(db, actor, event_id, request_id)
    except NotFound:
        raise
    except ServiceError as error:
        return _thread(request, event_id, request_id, db, actor, error)
    return RedirectResponse(f"/events/{event_id}/requests/{request_id}", 303)
