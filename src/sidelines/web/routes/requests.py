from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from sidelines.domain import TimeSpan
from sidelines.domain.negotiation import RequestState
from sidelines.services import negotiation
from sidelines.services.idempotency import Once
from sidelines.services.negotiation import TermCounter, Terms
from sidelines.web.bounds import DB_ID_MAX, PathId
from sidelines.web.deps import ActorDep, DbDep, IdempotencyKey, UserDep
from sidelines.web.errors import fields_in
from sidelines.web.freshness import NOT_MODIFIED, answer, tag_of
from sidelines.web.idempotent import answer_once
from sidelines.web.schemas import (
    AnswerCreate,
    AttendeeIn,
    Page,
    PrivateUpdate,
    ProposalIn,
    RequestCreate,
    RequestPublic,
    rendered,
)
from sidelines.web.term_schemas import TermCounterIn, TermsAnswerCreate

router = APIRouter(prefix="/api/events/{event_id}/requests", tags=["requests"])


def attendees(given: dict[str, AttendeeIn] | None) -> dict[str, dict[str, Any]] | None:
    if given is None:
        return None
    return {party: entry.model_dump(exclude_none=True) for party, entry in given.items()}


def as_tuple(given: list[str] | None) -> tuple[str, ...] | None:
    return tuple(given) if given is not None else None


def terms(proposal: ProposalIn) -> Terms:
    return Terms(
        format=proposal.format,
        duration_min=proposal.duration_min,
        windows=tuple(TimeSpan(w.start, w.end) for w in proposal.windows),
        space_id=proposal.space_id,
        host_party=proposal.host_party,
        press_plan=proposal.press_plan,
        topics=tuple(proposal.topics),
        message=proposal.message,
        host_suite=proposal.host_suite,
        attendees=attendees(proposal.attendees),
        own_interpreters=as_tuple(proposal.own_interpreters),
    )


def term_counter(counter: TermCounterIn) -> TermCounter:
    return TermCounter(
        format=counter.format,
        duration_min=counter.duration_min,
        windows=(
            tuple(TimeSpan(w.start, w.end) for w in counter.windows)
            if counter.windows is not None
            else None
        ),
        place=counter.place,
        host=counter.host,
        attendees=attendees(counter.attendees),
        own_interpreters=as_tuple(counter.own_interpreters),
        press=counter.press,
    )


def request_json(view: negotiation.RequestView) -> Response:
    """The request as the API shows it, serialised here (``schemas.rendered``)."""
    return rendered(RequestPublic.model_validate(view))


@router.get("", response_model=Page[RequestPublic], responses=NOT_MODIFIED)
def list_requests(
    event_id: str,
    db: DbDep,
    actor: ActorDep,
    box: Annotated[str, Query(pattern="^(all|sent|received)$")] = "all",
    state: RequestState | None = None,
    after: Annotated[int | None, Query(ge=0, le=DB_ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The requests this actor may see, oldest first. The `ETag` is this reader's page: it
    changes only when something on it does, and `If-None-Match` with it gets 304."""
    page = negotiation.list_requests(
        db, actor, event_id, box=box, state=state, after=after, limit=limit
    )
    body = Page[RequestPublic].model_validate(page).model_dump_json().encode()
    etag = tag_of(actor.acts_for(event_id) or "-", body)
    return answer(body, etag, if_none_match, "application/json")


@router.post("", status_code=201, response_model=RequestPublic)
def create_request(
    event_id: str, body: RequestCreate, db: DbDep, actor: UserDep, key: IdempotencyKey = None
) -> JSONResponse:
    """Draft a request (``send: false``) or send it at once. Retries with the same
    ``Idempotency-Key`` return the first answer instead of a second request."""

    def body_of(view: negotiation.RequestView) -> dict[str, Any]:
        return RequestPublic.model_validate(view).model_dump(mode="json")

    def write(kept: Once[negotiation.RequestView] | None) -> negotiation.RequestView:
        return negotiation.create_request(
            db,
            actor,
            event_id,
            body.invitees,
            terms(body.proposal),
            priority=body.priority,
            note=body.note,
            send_now=body.send,
            on_site=body.on_site,
            once=kept,
        )

    path = f"/api/events/{event_id}/requests"
    return answer_once(actor, key, path, body.model_dump(mode="json"), 201, body_of, write)


@router.get("/{request_id}", response_model=RequestPublic)
def get_request(event_id: str, request_id: PathId, db: DbDep, actor: ActorDep) -> Response:
    return request_json(negotiation.get_request(db, actor, event_id, request_id))


@router.post("/{request_id}/send", response_model=RequestPublic)
def send_request(event_id: str, request_id: PathId, db: DbDep, actor: UserDep) -> Response:
    return request_json(negotiation.send_request(db, actor, event_id, request_id))


@router.post("/{request_id}/answers", response_model=RequestPublic)
def answer_request(
    event_id: str, request_id: PathId, body: AnswerCreate, db: DbDep, actor: UserDep
) -> Response:
    """Accept, counter (with a proposal), defer, soft-decline or decline the current proposal."""
    counter = terms(body.proposal) if body.proposal is not None else None
    with fields_in("body"):
        view = negotiation.respond(
            db, actor, event_id, request_id, body.answer, counter=counter, reason=body.reason
        )
    return request_json(view)


@router.post("/{request_id}/terms", response_model=RequestPublic)
def answer_terms(
    event_id: str, request_id: PathId, body: TermsAnswerCreate, db: DbDep, actor: UserDep
) -> Response:
    """Agree some terms as they stand and counter others (``counter``), in one answer. The
    meeting is agreed once the terms the event requires are agreed by every side and no counter
    waits for an answer."""
    with fields_in("body"):
        view = negotiation.answer_terms(
            db,
            actor,
            event_id,
            request_id,
            body.agree,
            term_counter(body.counter),
            message=body.message,
        )
    return request_json(view)


@router.post("/{request_id}/withdraw", response_model=RequestPublic)
def withdraw_request(event_id: str, request_id: PathId, db: DbDep, actor: UserDep) -> Response:
    return request_json(negotiation.withdraw_request(db, actor, event_id, request_id))


@router.patch("/{request_id}/private", response_model=RequestPublic)
def set_private(
    event_id: str, request_id: PathId, body: PrivateUpdate, db: DbDep, actor: UserDep
) -> Response:
    """This side's own priority and note, which no other side ever sees."""
    with fields_in("body"):
        view = negotiation.set_private(
            db, actor, event_id, request_id, priority=body.priority, note=body.note
        )
    return request_json(view)
