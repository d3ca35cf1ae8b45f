"""What a page's template needs to follow the news without a reload (``static/live.js``): the
event's stream of server-sent events, and the cursor the page was rendered at, so that a change
made before the stream opened is not missed; and, for a delegation, how many threads await its
answer, which the navigation shows."""

from __future__ import annotations

from sidelines.services.actors import Actor
from sidelines.services.inbox import awaiting_count
from sidelines.services.live import current_cursor
from sidelines.storage.db import Database


def live(db: Database, actor: Actor, event_id: str) -> dict[str, str | int]:
    return {
        "live_stream": f"/api/events/{event_id}/live",
        "live_since": str(current_cursor(db, actor, event_id)),
        "awaiting_count": awaiting_count(db, actor, event_id),
    }
