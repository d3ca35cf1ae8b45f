"""Calendar feeds: a delegation's members (or the organiser) issue, rotate and revoke its
private feed URL; calendar programs read ``GET /api/feeds/{token}.ics`` without logging in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from sidelines.services import feeds
from sidelines.web.deps import DbDep, UserDep
from sidelines.web.freshness import NOT_MODIFIED, answer, tag_of
from sidelines.web.schemas import ERROR_SCHEMA, Public

router = APIRouter(tags=["feeds"])

CALENDAR_MEDIA_TYPE = "text/calendar; charset=utf-8"


class FeedPublic(Public):
    """A delegation's feed. ``url`` is given only when the feed is issued: the server keeps no
    copy of the token, so a lost URL is replaced by issuing a new one."""

    event_id: str
    party_id: str
    active: bool
    created_at: datetime | None
    url: str | None = None


@router.get("/api/events/{event_id}/feeds/{party_id}")
def feed_state(event_id: str, party_id: str, db: DbDep, actor: UserDep) -> FeedPublic:
    """Whether the delegation has a working feed."""
    return FeedPublic.model_validate(feeds.feed_state(db, actor, event_id, party_id))


@router.post("/api/events/{event_id}/feeds/{party_id}", status_code=201)
def issue_feed(
    event_id: str, party_id: str, request: Request, db: DbDep, actor: UserDep
) -> FeedPublic:
    """Issue the delegation's feed URL; a URL issued before stops working (rotation)."""
    issued = feeds.issue_feed(db, actor, event_id, party_id)
    return FeedPublic(
        event_id=issued.event_id,
        party_id=issued.party_id,
        active=True,
        created_at=issued.created_at,
        url=str(request.url_for("calendar_feed", token=issued.token)),
    )


@router.delete("/api/events/{event_id}/feeds/{party_id}")
def revoke_feed(event_id: str, party_id: str, db: DbDep, actor: UserDep) -> FeedPublic:
    """Revoke the delegation's feed: its URL answers 404 from now on."""
    return FeedPublic.model_validate(feeds.revoke_feed(db, actor, event_id, party_id))


@router.get(
    "/api/feeds/{token}.ics",
    name="calendar_feed",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "An iCalendar file."},
        **NOT_MODIFIED,
        # Refusals are JSON like everywhere else, whatever the calendar's own media type.
        "4XX": {"content": {"application/json": {"schema": ERROR_SCHEMA}}},
    },
)
def calendar_feed(
    token: str, db: DbDep, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    """The delegation's meetings and programme as iCalendar; 404 for a revoked or unknown URL.
    The token in the path is the only credential: calendar programs cannot log in. The
    `ETag` is the delegation's calendar: `If-None-Match` with it gets 304 until it changes."""
    calendar = feeds.feed_calendar(db, token)
    # The URL is a secret: keep it and the calendar out of shared caches. The tag is a digest
    # of this delegation's calendar alone, never of the event's activity.
    return answer(
        calendar,
        tag_of("feed", calendar),
        if_none_match,
        CALENDAR_MEDIA_TYPE,
        **{"Cache-Control": "private, no-store"},
    )
