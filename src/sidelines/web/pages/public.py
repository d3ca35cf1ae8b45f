"""The public page of an event: its official programme, and what the sides chose to publish."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sidelines.services import meetings
from sidelines.services.actors import PUBLIC
from sidelines.storage.db import Database
from sidelines.web.pages.context import event_of
from sidelines.web.pages.session import PageDb
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)


def published_statements(db: Database, event_id: str) -> list[Any]:
    """Statements a side has published (readouts, confirmations). The record of statements is
    not part of the service yet; this is where the page reads them once it is."""
    return []


@router.get("/public", response_class=HTMLResponse)
def public(request: Request, event_id: str, db: PageDb) -> Response:
    event = event_of(db, event_id)
    context = {
        "event": event,
        # What the public may see of meetings, decided by the service as for any reader.
        "meetings": meetings.list_meetings(db, PUBLIC, event_id),
        "statements": published_statements(db, event_id),
    }
    return render(request, "public.html", context)
