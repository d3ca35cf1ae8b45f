"""The public page of an event: its official programme, and the meetings and encounters a side
made public by publishing a statement about them, with those statements."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sidelines.services.public_record import public_record
from sidelines.web.deps import DbDep
from sidelines.web.pages.context import event_of
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)


@router.get("/public", response_class=HTMLResponse)
def public(request: Request, event_id: str, db: DbDep) -> Response:
    context = {"event": event_of(db, event_id), "record": public_record(db, event_id)}
    return render(request, "public.html", context)
