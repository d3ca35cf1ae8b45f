"""The organiser at a meeting room's door: the code printed for a meeting and the side that
arrived, checked in at once (a scanner types the code into the field)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from sidelines.services import attendance
from sidelines.services.clock import now
from sidelines.web.deps import DbDep
from sidelines.web.pages.context import event_of
from sidelines.web.pages.organiser import organiser_only
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)


class ScanForm(BaseModel):
    code: str = Field(min_length=1, max_length=24)
    party: str = Field(min_length=1, max_length=64)


@router.get("/door", response_class=HTMLResponse)
def door(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    organiser_only(actor)
    return render(request, "door.html", {"event": event_of(db, event_id), "done": None})


@router.post("/door", dependencies=[CsrfChecked], response_class=HTMLResponse)
def scan(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[ScanForm, Form()],
) -> Response:
    view = attendance.check_in_by_code(db, actor, event_id, form.code, form.party, at=now())
    context = {"event": event_of(db, event_id), "done": view, "party": form.party}
    return render(request, "door.html", context)
