"""Limits on open requests (the event's policy), checked before a request is sent.

A delegation that sends sixty requests, three to each party, floods everyone's inbox; partnering
platforms cap the requests one may have open, and merge repeats. Here: a delegation has at most
``policy.max_open_requests_per_party`` open requests (sent or countered, not expired), a party
receives at most ``policy.max_open_requests_per_target``, and a second open request between the
same two parties for the same format is refused, naming the first (``DuplicateRequest``),
unless the policy's ``one_open_request_per_format`` is off: a repeat to the same party, or a
request back to a party whose own request is still open (at a partnering fair both companies
often pick each other, and two requests accepted would be two meetings of one pair).
Nothing is written when a limit refuses a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, bindparam, func, or_, select
from sqlalchemy.orm import Session

from sidelines.domain import Event
from sidelines.domain.negotiation import RequestState
from sidelines.domain.terms import Term
from sidelines.services.errors import Conflict
from sidelines.storage.inserts import table_of
from sidelines.storage.tables import PartyRow, RequestPartyRow, RequestRow, RequestTermRow


class RequestLimit(Conflict):
    """A cap of the event's policy is reached, by the invitees named."""

    code = "request_limit"
    field_is_input = True


class DuplicateRequest(Conflict):
    """The delegation has an open request to that party for this format: ``request_id``."""

    code = "duplicate_request"
    field_is_input = True

    def __init__(self, message: str, field: str, request_id: int) -> None:
        super().__init__(message, field)
        self.request_id = request_id

    def details(self) -> dict[str, Any]:
        return {"request_id": self.request_id}


def is_open(
    at: datetime | BindParameter[datetime], requests: Any = RequestRow
) -> ColumnElement[bool]:
    """Requests that still wait for answers at ``at``: sent or countered, and not past expiry.
    ``requests``: the mapped class, or the columns of its table (``Table.c``)."""
    waiting: ColumnElement[bool] = requests.state.in_(
        [str(s) for s in RequestState if s.open]
    ) & or_(requests.expires_at.is_(None), requests.expires_at > at)
    return waiting


# The statements of every send, built once with their values as parameters: building a
# statement and its cache key anew costs about what running it does. On the tables' columns,
# not the mapped classes': the ORM's execution of a statement (its compile state, the loading
# of its rows) costs more than the statement here, where only ids come back.
_PARTIES = table_of(PartyRow).c
_REQUESTS = table_of(RequestRow).c
_SIDES = table_of(RequestPartyRow).c
_LOCK = (
    select(_PARTIES.id)
    .where(
        _PARTIES.event_id == bindparam("event_id"),
        _PARTIES.id.in_(bindparam("parties", expanding=True)),
    )
    .order_by(_PARTIES.id)
    .with_for_update()
)
# The requester's open requests (but the one being sent, when it exists as a draft), and which
# of them an invitee takes part in.
_MINE = select(_REQUESTS.id).where(
    _REQUESTS.event_id == bindparam("event_id"),
    _REQUESTS.requester_party == bindparam("requester"),
    is_open(bindparam("at"), _REQUESTS),
)
_SHARED = {
    draft: select(_SIDES.request_id).where(
        _SIDES.request_id.in_(_MINE.where(_REQUESTS.id != bindparam("draft")) if draft else _MINE),
        _SIDES.party_id == bindparam("invitee"),
    )
    for draft in (False, True)
}
# The invitee's open requests in which the requester is invited: answering one is the way to
# say yes, and the requester reads them in its inbox.
_THEIRS = select(_SIDES.request_id).where(
    _SIDES.request_id.in_(
        select(_REQUESTS.id).where(
            _REQUESTS.event_id == bindparam("event_id"),
            _REQUESTS.requester_party == bindparam("invitee"),
            is_open(bindparam("at"), _REQUESTS),
        )
    ),
    _SIDES.party_id == bindparam("requester"),
)


def _lock_parties(session: Session, event_id: str, parties: Sequence[str]) -> None:
    """Serialise the sending of requests that involve these parties, so that two sent at once
    cannot both pass a cap (in a fixed order: no deadlock). SQLite writes one at a time."""
    session.execute(_LOCK, {"event_id": event_id, "parties": sorted(parties)}).all()


def check(
    session: Session,
    event: Event,
    requester: str,
    invitees: Sequence[str],
    meeting_format: str,
    at: datetime,
    *,
    request_id: int | None = None,
) -> None:
    """Refuse sending a request (``request_id`` when it exists as a draft) from ``requester``
    to ``invitees`` for ``meeting_format`` if it would break a limit."""
    _lock_parties(session, event.id, [requester, *invitees])
    others = RequestRow.id != request_id if request_id is not None else RequestRow.id.is_not(None)
    policy = event.policy
    if policy.one_open_request_per_format:
        _refuse_duplicates(session, event.id, requester, invitees, meeting_format, at, request_id)
    if policy.max_open_requests_per_party is not None:
        sent = session.scalar(
            select(func.count()).where(
                RequestRow.event_id == event.id,
                RequestRow.requester_party == requester,
                is_open(at),
                others,
            )
        )
        if (sent or 0) >= policy.max_open_requests_per_party:
            raise RequestLimit(
                f"a delegation may have {policy.max_open_requests_per_party} open requests at "
                "once; withdraw one or wait for answers",
                "invitees",
            )
    if policy.max_open_requests_per_target is not None:
        for index, invitee in enumerate(invitees):
            received = session.scalar(
                select(func.count())
                .select_from(RequestRow)
                .join(RequestPartyRow, RequestPartyRow.request_id == RequestRow.id)
                .where(
                    # The event asked of the invitee's sides (``visibility.requests_seen_by_
                    # party``): the plan starts from them with or without statistics.
                    RequestPartyRow.event_id == event.id,
                    RequestPartyRow.party_id == invitee,
                    RequestPartyRow.role == "invitee",
                    is_open(at),
                    others,
                )
            )
            if (received or 0) >= policy.max_open_requests_per_target:
                raise RequestLimit(
                    f"{invitee} has {policy.max_open_requests_per_target} open requests to "
                    "answer already; try again later",
                    f"invitees[{index}]",
                )


def _refuse_duplicates(
    session: Session,
    event_id: str,
    requester: str,
    invitees: Sequence[str],
    meeting_format: str,
    at: datetime,
    draft: int | None,
) -> None:
    """A second open request between ``requester`` and an invitee for the same format is
    refused, naming the first (never ``draft``, the request being sent): the requester's own,
    or the invitee's to the requester."""
    mine = {"event_id": event_id, "requester": requester, "at": at, "draft": draft}
    for index, invitee in enumerate(invitees):
        asked = mine | {"invitee": invitee}
        first = _open_in_format(session, _SHARED[draft is not None], asked, meeting_format)
        if first is not None:
            raise DuplicateRequest(
                f"request {first} to {invitee} for this format is still open; "
                "answer or withdraw it instead",
                f"invitees[{index}]",
                first,
            )
        theirs = _open_in_format(session, _THEIRS, asked, meeting_format)
        if theirs is not None:
            raise DuplicateRequest(
                f"{invitee} has asked you for this format already (request {theirs}); "
                "answer it instead",
                f"invitees[{index}]",
                theirs,
            )


def _open_in_format(
    session: Session, requests: Any, values: dict[str, Any], meeting_format: str
) -> int | None:
    """The first of the open ``requests`` (a statement of request ids) for ``meeting_format``."""
    found = session.scalars(requests, values).all()
    if not found:
        return None  # nothing open: no formats to read
    formats: dict[int, Any] = dict(
        session.execute(
            select(RequestTermRow.request_id, RequestTermRow.value).where(
                RequestTermRow.request_id.in_(found), RequestTermRow.term == str(Term.FORMAT)
            )
        ).all()
    )
    return next(
        (
            request
            for request in sorted(found)
            if (formats.get(request) or {}).get("format") == meeting_format
        ),
        None,
    )
