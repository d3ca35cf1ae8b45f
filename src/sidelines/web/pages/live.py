"""What lets an open page show news without a reload: a small JSON stamp that changes whenever
something the reader may see changes. ``static/live.js`` asks for it every second and, when it
changed, fetches the page again and swaps its main content in place.

The stamp is the newest entry of the reader's own share of the audit trail (every answer,
agreement and placement is appended there, addressed to the delegations it concerns) and the
newest change notice sent to the reader's delegation. It names no other delegation's business:
a delegation's stamp moves only on entries addressed to it.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from sidelines.domain import OrganiserSees
from sidelines.services.actors import Actor
from sidelines.services.audit import trail_query
from sidelines.services.errors import Forbidden
from sidelines.services.events import event_row
from sidelines.storage.db import Database
from sidelines.storage.tables import NoticeRow
from sidelines.web.pages.session import PageDb, PageUser

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)


def stamp(db: Database, actor: Actor, event_id: str) -> str:
    party = actor.acts_for(event_id)
    if party is None and not actor.is_organiser:
        raise Forbidden("news of an event go to its delegations and its organiser")
    with db.reading() as session:
        everything = event_row(session, event_id).organiser_sees == OrganiserSees.EVERYTHING
        trail = trail_query(event_id, party, everything).subquery()
        newest_entry = session.scalar(select(func.max(trail.c.id))) or 0
        newest_notice = 0
        if party is not None:
            newest_notice = (
                session.scalar(
                    select(func.max(NoticeRow.id)).where(
                        NoticeRow.event_id == event_id, NoticeRow.party_id == party
                    )
                )
                or 0
            )
    return f"{newest_entry}.{newest_notice}"


def live(db: Database, actor: Actor, event_id: str) -> dict[str, str]:
    """What a page's template needs to follow the news: where to ask, and what it shows now."""
    return {"live_url": f"/events/{event_id}/live", "live_stamp": stamp(db, actor, event_id)}


@router.get("/live")
def live_stamp(event_id: str, db: PageDb, actor: PageUser) -> JSONResponse:
    return JSONResponse({"stamp": stamp(db, actor, event_id)})
