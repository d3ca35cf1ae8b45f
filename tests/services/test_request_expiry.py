"""Unanswered requests: the invitee is reminded once before the request expires, then it
expires; an answered request is neither."""

from __future__ import annotations

from datetime import timedelta

from sidelines.domain import MeetingFormat
from sidelines.domain.negotiation import Answer, RequestState
from sidelines.services import events, negotiation, request_expiry, visibility
from sidelines.services.clock import now
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from tests.services.world import make_world


def test_the_invitee_is_reminded_once_then_the_request_expires(database: Database) -> None:
    world = make_world(database, "expiry", ["A", "B", "C"])
    events.set_policy(database, world.organiser, world.event_id, "bookings", 48)
    sent = now()
    asked = negotiation.create_request(
        database, world.delegates["A"], world.event_id, ["B"], Terms(format=MeetingFormat.B2B)
    )
    answered = negotiation.create_request(
        database, world.delegates["A"], world.event_id, ["C"], Terms(format=MeetingFormat.B2B)
    )
    negotiation.respond(database, world.delegates["C"], world.event_id, answered.id, Answer.ACCEPT)

    early = request_expiry.sweep_requests(database, world.event_id, sent + timedelta(hours=30))
    due = request_expiry.sweep_requests(database, world.event_id, sent + timedelta(hours=37))
    again = request_expiry.sweep_requests_if_due(
        database, world.event_id, sent + timedelta(hours=38)
    )
    over = request_expiry.sweep_requests(database, world.event_id, sent + timedelta(hours=49))

    assert early == request_expiry.RequestSweepView()
    assert due == request_expiry.RequestSweepView(reminded=[(asked.id, "B")])
    assert again is None
    assert over == request_expiry.RequestSweepView(expired=[asked.id])
    assert [
        r for r, _ in request_expiry.reminders(database, world.delegates["B"], world.event_id)
    ] == [asked.id]
    assert request_expiry.reminders(database, world.delegates["A"], world.event_id) == []
    view = negotiation.get_request(database, world.delegates["A"], world.event_id, asked.id)
    assert view.state is RequestState.EXPIRED
    with database.reading() as session:
        seen_by_b = [
            e.action
            for e in session.scalars(
                visibility.audit_entries_seen_by(session, world.event_id, "B", False)
            )
        ]
        seen_by_a = [
            e.action
            for e in session.scalars(
                visibility.audit_entries_seen_by(session, world.event_id, "A", False)
            )
        ]
    assert seen_by_b.count("request.expiring") == 1
    assert seen_by_a.count("request.expiring") == 0
