"""Mutual interest and openness to contact: marks that the other side sees only when mutual."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from sidelines.services import interests
from sidelines.web.deps import DbDep
from sidelines.web.pages.context import event_of
from sidelines.web.pages.live import live
from sidelines.web.pages.requests import delegation_of
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)


class MarkForm(BaseModel):
    party: str = Field(max_length=64)
    kind: str = Field(pattern="^(interest|contact)$")
    on: bool = True


@router.get("/interests", response_class=HTMLResponse)
def marks(request: Request, event_id: str, db: DbDep, actor: PageUser, q: str = "") -> Response:
    party = delegation_of(actor, event_id)
    event = event_of(db, event_id)
    # The filter works without script: the server lists only the parties whose name or code
    # holds the text; static/filter.js does the same as one types.
    needle = q.strip().casefold()[:100]
    context = {
        "event": event,
        "party": party,
        "q": q.strip()[:100],
        "shown": [
            p
            for p in event.parties
            if p.id != party and (needle in p.name.casefold() or needle in p.id.casefold())
        ],
        "interest": interests.interests(db, actor, event_id),
        "contact": interests.open_contacts(db, actor, event_id),
        **live(db, actor, event_id),
    }
    return render(request, "interests.html", context)


@router.post("/interests", dependencies=[CsrfChecked])
def mark(event_id: str, db: DbDep, actor: PageUser, form: Annotated[MarkForm, Form()]) -> Response:
    if form.kind == "interest":
        interests.mark_interest(db, actor, event_id, form.party, form.on)
    else:
        interests.mark_open_to_contact(db, actor, event_id, form.party, form.on)
    return RedirectResponse(f"/events/{event_id}/interests", 303)
