"""``GET /api/events/{event_id}/live``: server-sent events telling an open page that something
it may see changed, so that it fetches that again (services/live.py says what and why it is
safe). Works with the browser's ``EventSource``, which sends the session cookie and, when it
reconnects, the last event's id as ``Last-Event-ID``.

Each stream reads the database about once a second (two indexed range reads), so a change
committed by any worker process reaches the page within about a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent

from sidelines.services import live
from sidelines.web.deps import DbDep
from sidelines.web.routes.feeds import ERROR_SCHEMA
from sidelines.web.security import ReaderDep

router = APIRouter(tags=["live"])

POLL_S = 1.0
RECONNECT_MS = 2000  # how soon a browser comes back after the connection drops


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
    db: DbDep,
    actor: ReaderDep,
    cursor: Annotated[live.Cursor, Depends(start)],
) -> AsyncIterable[ServerSentEvent]:
    """A stream of events named after what changed (``request``, ``meeting``, ``notice``…)
    with data ``{"kind", "id"}``. The first event, ``ready``, carries the cursor the stream
    starts from: a change committed after it arrives is sent. Log in by token or session."""
    yield ServerSentEvent(
        event="ready", id=str(cursor), data={"cursor": str(cursor)}, retry=RECONNECT_MS
    )
    while True:
        await asyncio.sleep(POLL_S)
        for change in await run_in_threadpool(live.changes_since, db, actor, event_id, cursor):
            cursor = change.cursor
            yield ServerSentEvent(
                event=change.kind, id=str(cursor), data={"kind": change.kind, "id": change.id}
            )
