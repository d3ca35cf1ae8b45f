"""A delegation's statements: what it says about parties at the event before any meeting exists
("no separate talks are planned, but they are possible"), joint statements to co-sign, and the
linking of a statement to the meeting or encounter it turned out to be about."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from sidelines.domain import Event
from sidelines.i18n import _, format_instant
from sidelines.services import meetings, notice_text, record, statements
from sidelines.services.actors import Actor
from sidelines.services.errors import NotFound, ServiceError
from sidelines.services.statements import StatementKind, Visibility
from sidelines.storage.db import Database
from sidelines.web.bounds import PathId
from sidelines.web.deps import DbDep
from sidelines.web.pages import forms
from sidelines.web.pages.context import event_of
from sidelines.web.pages.live import live
from sidelines.web.pages.requests import delegation_of
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)

# When a meeting or an encounter was, in a label: the day too, a statement may come days later.
WHEN = "%a %d %b %H:%M"


class StatementForm(forms.StatementForm):
    about: list[str] = Field(default_factory=list)  # the other parties; its own is implied


class LinkForm(BaseModel):
    to: str = Field(pattern=r"^(meeting|encounter)-\d{1,18}$")  # "meeting-12", "encounter-3"


def _linkable(
    db: Database, actor: Actor, event: Event, party: str
) -> list[tuple[str, str, frozenset[str]]]:
    """The delegation's meetings and encounters, which its statements may be about: (value,
    label, sides), the value ``meeting-12`` or ``encounter-3``, the label in words as its
    agenda names them ("Bilateral with United States, Sun 20 Nov 09:30")."""
    found = []
    for m in meetings.list_meetings(db, actor, event.id):
        label = notice_text.MeetingLabel(m.format, m.parties, m.principals)
        said = notice_text.meeting_label(event, label, party)
        if m.starts_at is not None:
            said = f"{said}, {format_instant(m.starts_at, event.zone, WHEN)}"
        found.append((f"meeting-{m.id}", said, frozenset(m.parties)))
    for e in record.list_encounters(db, actor, event.id):
        others = ", ".join(notice_text.party_name(event, p) for p in e.parties if p != party)
        said = _("Encounter with %(parties)s, %(when)s") % {
            "parties": others,
            "when": format_instant(e.started_at, event.zone, WHEN),
        }
        found.append(
            (f"encounter-{e.id}", f"{said}, {e.place}" if e.place else said, frozenset(e.parties))
        )
    return found


def _page(
    request: Request,
    event_id: str,
    db: Database,
    actor: Actor,
    error: ServiceError | None = None,
) -> Response:
    party = delegation_of(actor, event_id)
    event = event_of(db, event_id)
    linkable = _linkable(db, actor, event, party)
    context: dict[str, Any] = {
        "event": event,
        "party": party,
        "statements": statements.list_statements(db, actor, event_id)[::-1],
        "described": {value: label for value, label, _sides in linkable},
        "linkable": linkable,
        "statement_kinds": [str(k) for k in StatementKind],
        "visibilities": [str(v) for v in Visibility],
        "error": error,
        **live(db, actor, event_id),
    }
    return render(request, "statements.html", context, status_code=error.status if error else 200)


@router.get("/statements", response_class=HTMLResponse)
def statements_page(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    return _page(request, event_id, db, actor)


@router.post("/statements", dependencies=[CsrfChecked])
def make_statement(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[StatementForm, Form()],
) -> Response:
    """A statement about the delegation and the parties it names, on its own."""
    party = delegation_of(actor, event_id)
    event = event_of(db, event_id)
    try:
        about = (party, *(p for p in form.about if p != party))
        statement = forms.statement_from(form, event, about_parties=about)
        statements.make_statement(db, actor, event_id, statement)
    except NotFound:
        raise
    except ServiceError as error:
        return _page(request, event_id, db, actor, error)
    return RedirectResponse(f"/events/{event_id}/statements", 303)


@router.post("/statements/{statement_id}/signatures", dependencies=[CsrfChecked])
def sign(event_id: str, statement_id: PathId, db: DbDep, actor: PageUser) -> Response:
    statements.sign_statement(db, actor, event_id, statement_id)
    return RedirectResponse(f"/events/{event_id}/statements", 303)


@router.post("/statements/{statement_id}/link", dependencies=[CsrfChecked])
def link(
    event_id: str,
    statement_id: PathId,
    db: DbDep,
    actor: PageUser,
    form: Annotated[LinkForm, Form()],
) -> Response:
    kind, ident = form.to.split("-")
    target = {f"{kind}_id": int(ident)}
    statements.link_statement(db, actor, event_id, statement_id, **target)
    return RedirectResponse(f"/events/{event_id}/statements", 303)
