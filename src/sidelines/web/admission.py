"""Admission: how much work a server process takes on, and what it refuses at once.

A process serves ``at_once`` requests together (as many as it holds database connections) and
lets at most ``queued`` more wait for a turn, each for at most ``wait_s``. A request past either
bound is answered 503 with ``Retry-After`` at once, before it does any work: under overload the
process keeps answering the requests it can serve in time instead of serving, late, requests
whose clients have given up. A write whose client has gone while it waited is not started.

Live streams are left out: they hold their connection for as long as a page stays open and
wait on the event loop, not on a database connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sidelines.web.errors import error_body

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A refused request may come back soon: the queue drains in well under a second when it is
# not overloaded.
RETRY_AFTER_S = 1


class Admission:
    """ASGI middleware bounding the requests a process works on and queues (module doc)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        at_once: int,
        queued: int,
        wait_s: float,
        exempt_suffixes: Iterable[str] = ("/live",),
    ) -> None:
        if at_once < 1 or queued < 0 or wait_s <= 0:
            raise ValueError("at_once must be at least 1, queued at least 0, wait_s positive")
        self.app = app
        self.at_once = at_once
        self.queued = queued
        self.wait_s = wait_s
        self.exempt_suffixes = tuple(exempt_suffixes)
        self.admitted = 0  # working or waiting for a turn
        self._turns: anyio.Semaphore | None = None  # made in the running loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith(self.exempt_suffixes):
            await self.app(scope, receive, send)
            return
        if self.admitted >= self.at_once + self.queued:
            await _busy(send, "the server is busy; try again shortly")
            return
        if self._turns is None:
            self._turns = anyio.Semaphore(self.at_once)
        self.admitted += 1
        try:
            turn = False
            with anyio.move_on_after(self.wait_s):
                await self._turns.acquire()
                turn = True
            if not turn:
                await _busy(send, "the server could not take this request in time; try again")
                return
            try:
                handed_on = await _unless_gone(scope, receive)
                if handed_on is None:
                    return  # nobody is waiting for the answer: do nothing
                await self.app(scope, handed_on, send)
            finally:
                self._turns.release()
        finally:
            self.admitted -= 1


async def _busy(send: Send, message: str) -> None:
    body = json.dumps(error_body("unavailable", message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_S).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _unless_gone(scope: Scope, receive: Receive) -> Receive | None:
    """``receive`` for the application, or None when the request is a write whose client has
    disconnected while it waited. The messages read to find out are handed on unchanged."""
    if scope["method"] not in WRITES:
        return receive
    early: list[Message] = []
    while True:
        # Only what has already arrived: in a cancelled scope, receive() returns a message that
        # is there and is cancelled where it would wait for one.
        with anyio.CancelScope() as now:
            now.cancel()
            message = await receive()
        if now.cancelled_caught:
            break
        if message["type"] == "http.disconnect":
            return None
        # A body that has arrived, the whole of it or a part: the client may have gone since,
        # which the next message says.
        early.append(message)

    async def replayed() -> Message:
        if early:
            return early.pop(0)
        return await receive()

    return replayed
