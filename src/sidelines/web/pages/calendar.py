"""A delegation's calendar feed from its pages: whether one works, a new secret URL to subscribe
to (shown once, as the API shows it), and revoking it when the URL has leaked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sidelines.services import feeds
from sidelines.web.deps import DbDep
from sidelines.web.pages.context import event_of
from sidelines.web.pages.requests import delegation_of
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)


def _page(
    request: Request, db: DbDep, actor: PageUser, event_id: str, url: str | None = None
) -> Response:
    party = delegation_of(actor, event_id)
    context = {
        "event": event_of(db, event_id),
        "party": party,
        "feed": feeds.feed_state(db, actor, event_id, party),
        "url": url,
    }
    return render(request, "calendar.html", context)


@router.get("/calendar", response_class=HTMLResponse)
def calendar(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    return _page(request, db, actor, event_id)


@router.post("/calendar", response_class=HTMLResponse, dependencies=[CsrfChecked])
def issue(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    """A new URL, answered on this page rather than by a redirect: the token is shown once
    and must not travel in a Location header or the browser's history."""
    issued = feeds.issue_feed(db, actor, event_id, delegation_of(actor, event_id))
    url = str(request.url_for("calendar_feed", token=issued.token))
    return _page(request, db, actor, event_id, url)


@router.post("/calendar/revoke", dependencies=[CsrfChecked])
def revoke(event_id: str, db: DbDep, actor: PageUser) -> Response:
    feeds.revoke_feed(db, actor, event_id, delegation_of(actor, event_id))
    return RedirectResponse(f"/events/{event_id}/calendar", 303)
