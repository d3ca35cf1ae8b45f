"""Unanswered requests: a reminder to the invitee before one expires, and its expiry.

An open request past ``expires_at`` (the event's ``request_ttl_hours`` after it was sent) reads
as expired everywhere already (``negotiation``); ``sweep_requests`` records the expiry and, ahead
of it, reminds each invitee that has not accepted, ``policy.request_reminder_hours`` before it
expires, once (``request_reminders``: the notice, and an audit entry addressed to the invitee
alone, since the requester's other requests are none of its business). The pages that list
requests run it when something is due; the CLI and the organiser's API run it on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.domain.negotiation import RequestState
from sidelines.services import audit, negotiation
from sidelines.services.actors import Actor, Role
from sidelines.services.errors import Forbidden
from sidelines.services.events import domain_event, event_row
from sidelines.services.request_limits import is_open
from sidelines.storage.db import Database
from sidelines.storage.tables import RequestPartyRow, RequestReminderRow, RequestRow

# The sweep writes as the event's policy, no person: audit entries name no user.
POLICY = Actor(Role.ORGANISER, None, "request expiry", channel="sweep")


@dataclass(frozen=True)
class RequestSweepView:
    reminded: list[tuple[int, str]] = field(default_factory=list)  # (request, invitee)
    expired: list[int] = field(default_factory=list)


def _due_reminders(
    session: Session, event_id: str, hours: int, at: datetime
) -> list[tuple[int, str, datetime]]:
    """(request, invitee, expiry) of open requests expiring within ``hours`` whose invitee has
    not accepted and was not reminded."""
    rows = session.execute(
        select(RequestRow.id, RequestPartyRow.party_id, RequestRow.expires_at)
        .join(RequestPartyRow, RequestPartyRow.request_id == RequestRow.id)
        .outerjoin(
            RequestReminderRow,
            (RequestReminderRow.request_id == RequestRow.id)
            & (RequestReminderRow.party_id == RequestPartyRow.party_id),
        )
        .where(
            RequestRow.event_id == event_id,
            is_open(at),
            RequestRow.expires_at.is_not(None),
            RequestRow.expires_at <= at + timedelta(hours=hours),
            RequestPartyRow.role == "invitee",
            RequestPartyRow.accepted_current.is_(False),
            RequestReminderRow.request_id.is_(None),
        )
        .order_by(RequestRow.id, RequestPartyRow.party_id)
    ).all()
    return [(request_id, party, expires) for request_id, party, expires in rows if expires]


def _due_expiries(session: Session, event_id: str, at: datetime) -> bool:
    open_states = [str(s) for s in RequestState if s.open]
    return (
        session.scalar(
            select(RequestRow.id)
            .where(
                RequestRow.event_id == event_id,
                RequestRow.state.in_(open_states),
                RequestRow.expires_at <= at,
            )
            .limit(1)
        )
        is not None
    )


def sweep_requests_if_due(db: Database, event_id: str, at: datetime) -> RequestSweepView | None:
    """Run the sweep when a reminder or an expiry is due (two small reads otherwise)."""
    with db.reading() as session:
        hours = domain_event(session, event_id).policy.request_reminder_hours
        if not _due_reminders(session, event_id, hours, at) and not _due_expiries(
            session, event_id, at
        ):
            return None
    return sweep_requests(db, event_id, at)


def sweep_requests(
    db: Database, event_id: str, at: datetime, actor: Actor | None = None
) -> RequestSweepView:
    """Remind the invitees of requests about to expire, and expire those past due, at ``at``."""
    if actor is not None and not actor.is_organiser:
        raise Forbidden("only the organiser runs the request sweep")
    acting = actor or POLICY

    def work(session: Session) -> RequestSweepView:
        event_row(session, event_id)
        hours = domain_event(session, event_id).policy.request_reminder_hours
        reminded = []
        for request_id, party, expires in _due_reminders(session, event_id, hours, at):
            session.add(
                RequestReminderRow(
                    request_id=request_id,
                    party_id=party,
                    event_id=event_id,
                    expires_at=expires,
                    reminded_at=at,
                )
            )
            audit.record(
                session,
                acting,
                event_id,
                "request.expiring",
                "request",
                request_id,
                [party],
                expires_at=expires.isoformat(),
            )
            reminded.append((request_id, party))
        expired = negotiation.expire_overdue(session, acting, event_id, at)
        return RequestSweepView(reminded, expired)

    return db.write(work)


def reminders(db: Database, actor: Actor, event_id: str) -> list[tuple[int, datetime]]:
    """The reminders a delegation got: (request, when it expires), newest first."""
    party = actor.acts_for(event_id)
    if party is None:
        raise Forbidden("reminders go to delegations")
    with db.reading() as session:
        return [
            (request_id, expires)
            for request_id, expires in session.execute(
                select(RequestReminderRow.request_id, RequestReminderRow.expires_at)
                .where(
                    RequestReminderRow.event_id == event_id, RequestReminderRow.party_id == party
                )
                .order_by(RequestReminderRow.reminded_at.desc(), RequestReminderRow.request_id)
            )
        ]
