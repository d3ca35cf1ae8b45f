"""What needs a delegation's answer: the threads that wait on its side, first in its inbox and
counted in its navigation."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from sidelines.domain.negotiation import RequestState
from sidelines.services import request_terms
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.negotiation import RequestView
from sidelines.storage.db import Database
from sidelines.storage.tables import ProposalRow, RequestPartyRow, RequestRow

OPEN_STATES = (RequestState.SENT, RequestState.COUNTERED)


def _waits(
    party: str,
    terms: Iterable[tuple[str | None, Iterable[str]]],
    accepted_current: bool,
    last_step_by: str,
) -> bool:
    """An open thread waits on ``party`` when a term on the table (proposed by someone, given
    as ``(proposed_by, agreed_by)``) lacks its agreement, or when another side made the last
    step and ``party`` has not accepted it."""
    if any(by is not None and party not in agreed for by, agreed in terms):
        return True
    return not accepted_current and last_step_by != party


def awaits(view: RequestView, party: str) -> bool:
    """Whether the thread ``view`` waits on ``party``'s answer."""
    side = next((s for s in view.sides if s.party_id == party), None)
    if not view.state.open or side is None:
        return False
    terms = ((t.proposed_by, t.agreed_by) for t in view.terms)
    return _waits(party, terms, side.accepted_current, view.current.by_party)


def first_awaiting(views: Iterable[RequestView], party: str) -> list[RequestView]:
    """The threads that wait on ``party`` first, then the others; each group with the latest
    step first."""
    latest_first = sorted(views, key=lambda v: v.current.created_at, reverse=True)
    return sorted(latest_first, key=lambda v: not awaits(v, party))


def awaiting_count(db: Database, actor: Actor, event_id: str) -> int:
    """How many threads of the event wait on the actor's delegation (0 for anyone else), in
    three statements whatever their number (it is read for every page's navigation)."""
    party = actor.acts_for(event_id)
    if party is None:
        return 0
    at = now()
    with db.reading() as session:
        sides = session.execute(
            select(RequestRow.id, RequestPartyRow.accepted_current)
            .join(RequestPartyRow, RequestPartyRow.request_id == RequestRow.id)
            .where(
                # The event asked of the party's sides (``visibility.requests_seen_by_party``).
                RequestPartyRow.party_id == party,
                RequestPartyRow.event_id == event_id,
                RequestRow.sent_at.is_not(None),
                RequestRow.state.in_([str(s) for s in OPEN_STATES]),
                # Past its expiry an open request reads as expired (negotiation._in_state).
                RequestRow.expires_at.is_(None) | (RequestRow.expires_at > at),
            )
        ).all()
        ids = [request_id for request_id, _ in sides]
        if not ids:
            return 0
        later = aliased(ProposalRow)
        last_step_by = {
            row.request_id: row.by_party
            for row in session.execute(
                select(ProposalRow.request_id, ProposalRow.by_party).where(
                    ProposalRow.request_id.in_(ids),
                    ProposalRow.seq
                    == select(func.max(later.seq))
                    .where(later.request_id == ProposalRow.request_id)
                    .scalar_subquery(),
                )
            )
        }
        terms = request_terms.load_many(session, ids)
    return sum(
        _waits(
            party,
            ((t.proposed_by, t.agreed_by) for t in terms[request_id].values()),
            accepted,
            last_step_by[request_id],
        )
        for request_id, accepted in sides
    )
