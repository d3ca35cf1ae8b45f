"""A delegation's day in the event's local time, its meetings and its change notices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from sidelines.domain.negotiation import MeetingStatus
from sidelines.i18n import _
from sidelines.services import (
    attendance,
    explanations,
    history,
    meetings,
    notice_text,
    record,
    schedule_versions,
    statements,
)
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Invalid, NotFound, ServiceError
from sidelines.services.statements import StatementKind, Visibility
from sidelines.storage.db import Database
from sidelines.web.bounds import PathId
from sidelines.web.deps import DbDep
from sidelines.web.pages.context import chosen_day, event_of, local_day
from sidelines.web.pages.forms import StatementForm, statement_from
from sidelines.web.pages.live import live
from sidelines.web.pages.requests import delegation_of
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)

# What a side can record of a meeting from its page (DESIGN.md §4: held, cancelled, not held).
OUTCOMES = (MeetingStatus.HELD, MeetingStatus.CANCELLED, MeetingStatus.NOT_HELD)


class OutcomeForm(BaseModel):
    # Nothing is chosen in advance: "held" is recorded only when someone says so.
    status: str = Field("", max_length=20)


def outcome_from(form: OutcomeForm) -> MeetingStatus:
    if form.status not in OUTCOMES:
        raise Invalid(_("choose what became of the meeting: held, cancelled or not held"), "status")
    return MeetingStatus(form.status)


@router.get("/agenda", response_class=HTMLResponse)
def agenda(
    request: Request, event_id: str, db: DbDep, actor: PageUser, day: str | None = None
) -> Response:
    party = delegation_of(actor, event_id)
    event = event_of(db, event_id)
    attendance.sweep_if_due(db, event_id, now())
    shown = chosen_day(event, day)
    items = [
        item
        for item in meetings.agenda(db, actor, event_id)
        if local_day(event, item.starts_at) == shown
    ]
    context = {
        "event": event,
        "party": party,
        "day": shown,
        "items": items,
        # Who goes to each meeting, where the delegation has more than one person to send.
        "several": sum(p.party == party for p in event.principals) > 1,
        "notices": schedule_versions.notices(db, actor, event_id, limit=100)[::-1],
        # Each agreed meeting not yet placed, with its name in words.
        "unplaced": [
            (
                m,
                notice_text.meeting_label(
                    event, notice_text.MeetingLabel(m.format, m.parties), party
                ),
            )
            for m in meetings.list_meetings(db, actor, event_id)
            if m.status is MeetingStatus.AGREED
        ],
        **live(db, actor, event_id),
    }
    return render(request, "agenda.html", context)


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
def meeting(
    request: Request, event_id: str, meeting_id: PathId, db: DbDep, actor: PageUser
) -> Response:
    return _meeting_page(request, event_id, meeting_id, db, actor)


def _meeting_page(
    request: Request,
    event_id: str,
    meeting_id: int,
    db: Database,
    actor: Actor,
    error: ServiceError | None = None,
    typed: StatementForm | None = None,
) -> Response:
    """The meeting's page; after a refused statement, with the refusal and what was typed."""
    # The sides of the meeting, or the organiser (who sees time, place and parties).
    party = actor.acts_for(event_id)
    event = event_of(db, event_id)
    # Reading attendance first marks a no-show that is due, so the page shows it.
    present = attendance.attendance(db, actor, event_id, meeting_id, at=now())
    view = meetings.get_meeting(db, actor, event_id, meeting_id)
    context = {
        "event": event,
        "party": party,
        "view": view,
        "attendance": present,
        "outcomes": OUTCOMES,
        "statements": (
            statements.list_statements(db, actor, event_id, meeting_id=meeting_id)
            if party is not None
            else []
        ),
        # Agreed and waiting: say why it has no time yet, as far as the reader may know.
        "explanation": (
            explanations.meeting_explanation(db, actor, event_id, meeting_id)
            if view.status is MeetingStatus.AGREED and view.starts_at is None
            else None
        ),
        # Held: when it was, as a side recorded it (it may never have had a place).
        "outcome": (
            record.get_outcome(db, actor, event_id, meeting_id)
            if view.status in MeetingStatus.held()
            else None
        ),
        "last_met": history.before_the_event(db, actor, event.days[0], view.parties),
        "statement_kinds": [str(k) for k in StatementKind],
        "visibilities": [str(v) for v in Visibility],
        "error": error,
        "typed": typed,
        **live(db, actor, event_id),
    }
    return render(request, "meeting.html", context, status_code=error.status if error else 200)


@router.post("/meetings/{meeting_id}/outcome", dependencies=[CsrfChecked])
def outcome(
    event_id: str,
    meeting_id: PathId,
    db: DbDep,
    actor: PageUser,
    form: Annotated[OutcomeForm, Form()],
) -> Response:
    meetings.set_status(db, actor, event_id, meeting_id, outcome_from(form))
    return RedirectResponse(f"/events/{event_id}/meetings/{meeting_id}", 303)


@router.post("/meetings/{meeting_id}/statements", dependencies=[CsrfChecked])
def make_statement(
    request: Request,
    event_id: str,
    meeting_id: PathId,
    db: DbDep,
    actor: PageUser,
    form: Annotated[StatementForm, Form()],
) -> Response:
    """A side says what happened: a readout, a spokesperson's confirmation, with its sources
    and when it was said (venue time; empty: now). A refusal is said on the meeting's page."""
    try:
        statement = statement_from(form, event_of(db, event_id), meeting_id=meeting_id)
        statements.make_statement(db, actor, event_id, statement)
    except NotFound:
        raise
    except ServiceError as error:
        return _meeting_page(request, event_id, meeting_id, db, actor, error, form)
    return RedirectResponse(f"/events/{event_id}/meetings/{meeting_id}", 303)


class CheckInForm(BaseModel):
    # The organiser at the door names the side; a delegation checks in for itself.
    party: str = Field("", max_length=64)


@router.post("/meetings/{meeting_id}/check-in", dependencies=[CsrfChecked])
def check_in(
    event_id: str,
    meeting_id: int,
    db: DbDep,
    actor: PageUser,
    form: Annotated[CheckInForm, Form()],
) -> Response:
    channel = "scan" if actor.is_organiser else "page"
    party = form.party or None
    attendance.check_in(db, actor, event_id, meeting_id, party=party, channel=channel, at=now())
    return RedirectResponse(f"/events/{event_id}/meetings/{meeting_id}", 303)


@router.post("/meetings/{meeting_id}/confirm", dependencies=[CsrfChecked])
def confirm(event_id: str, meeting_id: int, db: DbDep, actor: PageUser) -> Response:
    attendance.confirm_refill(db, actor, event_id, meeting_id, at=now())
    return RedirectResponse(f"/events/{event_id}/meetings/{meeting_id}", 303)
