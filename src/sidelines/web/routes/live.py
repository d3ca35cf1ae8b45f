"""``GET /api/events/{event_id}/live``: server-sent events telling an open page that something
it may see changed, so that it fetches that again (services/live.py says what and why it is
safe). Works with the browser's ``EventSource``, which sends the session cookie and, when it
reconnects, the last event's id as ``Last-Event-ID``.

Each stream reads the database about once a second (two indexed range reads), so a change
committed by any worker process reaches the page within about a second. Every few seconds it
also checks that the login it was opened with still holds: a revoked login's stream ends within
the 5 s in which every worker refuses its token (``services.accounts.TOKEN_CACHE_S``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent

from sidelines.services import accounts, live
from sidelines.web.deps import DbDep
from sidelines.web.schemas import ERROR_SCHEMA
from sidelines.web.security import SESSION_COOKIE, ReaderDep

router = APIRouter(tags=["live"])

POLL_S = 1.0
RECONNECT_MS = 2000  # how soon a browser comes back after the connection drops
# How often an open stream checks its login against the database: with the poll's own second,
# a revocation ends the stream within accounts.TOKEN_CACHE_S, as it shuts out every request.
RECHECK_S = accounts.TOKEN_CACHE_S - 2 * POLL_S


def presented_token(request: Request) -> str:
    """The token the stream was opened with: the bearer token, else the session cookie's (as
    ``actor_from_token_or_cookie`` reads them); the stream opens only for a logged-in user."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(SESSION_COOKIE, "")


async def start(
    event_id: str,
    db: DbDep,
    actor: ReaderDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> live.Cursor:
    """Where the stream starts; refusing here, before the stream opens, answers with a JSON
    error like every other route."""
    now = await run_in_threadpool(live.current_cursor, db, actor, event_id)
    return live.Cursor.parse(last_event_id) or now


@router.get(
    "/api/events/{event_id}/live",
    response_class=EventSourceResponse,
    # A refusal comes before the stream opens, as JSON like everywhere else.
    responses={"4XX": {"content": {"application/json": {"schema": ERROR_SCHEMA}}}},
)
async def follow(
    event_id: str,
    request: Request,
    db: DbDep,
    actor: ReaderDep,
    cursor: Annotated[live.Cursor, Depends(start)],
) -> AsyncIterable[ServerSentEvent]:
    """A stream of events named after what changed (``request``, ``meeting``, ``notice``…)
    with data ``{"kind", "id"}``. The first event, ``ready``, carries the cursor the stream
    starts from: a change committed after it arrives is sent. Log in by token or session;
    the stream ends when that login is revoked."""
    token = presented_token(request)
    yield ServerSentEvent(
        event="ready", id=str(cursor), data={"cursor": str(cursor)}, retry=RECONNECT_MS
    )
    checked = time.monotonic()
    while True:
        await asyncio.sleep(POLL_S)
        if time.monotonic() - checked >= RECHECK_S:
            if not await run_in_threadpool(accounts.token_in_force, db, token):
                return
            checked = time.monotonic()
        for change in await run_in_threadpool(live.changes_since, db, actor, event_id, cursor):
            cursor = change.cursor
            yield ServerSentEvent(
                event=change.kind, id=str(cursor), data={"kind": change.kind, "id": change.id}
            )
