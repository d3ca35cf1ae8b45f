"""What needs a delegation's answer: the threads that wait on its side, first in its inbox and
counted in its navigation."""

from __future__ import annotations

from collections.abc import Iterable

from sidelines.domain.negotiation import RequestState
from sidelines.domain.terms import TermState
from sidelines.services import negotiation
from sidelines.services.actors import Actor
from sidelines.services.negotiation import RequestView
from sidelines.storage.db import Database

OPEN_STATES = (RequestState.SENT, RequestState.COUNTERED)


def awaits(view: RequestView, party: str) -> bool:
    """Whether an open thread waits on ``party``: a term on the table that it has not agreed,
    or a step by another side that it has not accepted."""
    if not view.state.open:
        return False
    if any(t.state is TermState.PROPOSED and party not in t.agreed_by for t in view.terms):
        return True
    side = next((s for s in view.sides if s.party_id == party), None)
    return side is not None and not side.accepted_current and view.current.by_party != party


def first_awaiting(views: Iterable[RequestView], party: str) -> list[RequestView]:
    """The threads that wait on ``party`` first, then the others; each group with the latest
    step first."""
    latest_first = sorted(views, key=lambda v: v.current.created_at, reverse=True)
    return sorted(latest_first, key=lambda v: not awaits(v, party))


def awaiting_count(db: Database, actor: Actor, event_id: str) -> int:
    """How many threads of the event wait on the actor's delegation (0 for anyone else); counts
    up to the largest page of each open state."""
    party = actor.acts_for(event_id)
    if party is None:
        return 0
    count = 0
    for state in OPEN_STATES:
        page = negotiation.list_requests(
            db, actor, event_id, state=state, limit=negotiation.MAX_PAGE
        )
        count += sum(1 for view in page.items if awaits(view, party))
    return count
