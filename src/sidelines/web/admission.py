"""Admission: how much work a server process takes on, and what it refuses at once.

A process serves ``at_once`` requests together (as many as it holds database connections) and
lets at most ``queued`` more wait for a turn, each for at most ``wait_s``. A request that could
not start within ``wait_s`` is answered 503 with ``Retry-After`` at once, before it does any
work: under overload the process keeps answering the requests it can serve in time instead of
serving, late, requests whose clients have given up. Whether it could start in time is judged
on arrival by the expected wait, the requests ahead of it times the recent service time over
``at_once`` (Little's law: with every turn taken, one ends every ``service / at_once`` s on
average), so that a refusal costs the client nothing but the round trip instead of the whole
wait; a request let in that still waits past ``wait_s`` (a burst of slow ones ahead) is refused
then, without running. The count ``queued`` stays as a hard bound while the service time is
unknown (the first requests of a process).

What was refused is counted (``Admission.counts``) and logged at most every
``REPORT_EVERY_S`` seconds, with the recent service time, while refusals go on.

Each request also has a deadline, ``deadline_s`` after it arrived, for its first write: a write
whose client has gone, or whose deadline has passed, is not started (``storage.db.write_guard``,
checked before the write transaction begins) and the request is answered 503 (the client, if
still there, may send it again: nothing was written). Once a request has begun writing, or
begun its answer, it is left to finish: a half-done request is worse than a late one (an
answer that agrees commits the agreement, then books the meeting in a second transaction;
stopped between them, the agreement would wait for the next placement). A request whose client
has gone while it waited for its turn is not started at all.

Live streams are left out: they hold their connection for as long as a page stays open and
wait on the event loop, not on a database connection.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sidelines.storage.db import write_guard
from sidelines.web.errors import error_body

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A refused request may come back soon: the queue drains in well under a second when it is
# not overloaded.
RETRY_AFTER_S = 1
# How much one request's service time moves the estimate: about the last ten requests count.
SERVICE_WEIGHT = 0.2
REPORT_EVERY_S = 10.0

log = logging.getLogger("sidelines.admission")


class Abandoned(Exception):
    """A write refused before it began: its client has gone, or its deadline has passed."""


class Admission:
    """ASGI middleware bounding the requests a process works on and queues (module doc)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        at_once: int,
        queued: int,
        wait_s: float,
        deadline_s: float | None = None,
        exempt_suffixes: Iterable[str] = ("/live",),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        deadline_s = wait_s if deadline_s is None else deadline_s
        if at_once < 1 or queued < 0 or wait_s <= 0 or deadline_s < wait_s:
            raise ValueError(
                "at_once must be at least 1, queued at least 0, wait_s positive and "
                "deadline_s no shorter than wait_s"
            )
        self.app = app
        self.at_once = at_once
        self.queued = queued
        self.wait_s = wait_s
        self.deadline_s = deadline_s
        self.exempt_suffixes = tuple(exempt_suffixes)
        self.clock = clock
        self.admitted = 0  # working or waiting for a turn
        # Seconds from a request's turn to its end, a moving average; None until one ended.
        self.service_s: float | None = None
        # Refusals by reason ("at once", "after waiting", "client gone"), and requests served.
        self.counts: Counter[str] = Counter()
        self._reported = Counter[str]()
        self._report_at = 0.0
        self._turns: anyio.Semaphore | None = None  # made in the running loop

    def expected_wait_s(self) -> float:
        """How long a request arriving now would wait for its turn, by the recent service
        time (0 while a turn is free or the service time is unknown)."""
        ahead = self.admitted - self.at_once
        if ahead < 0 or self.service_s is None:
            return 0.0
        return (ahead + 1) * self.service_s / self.at_once

    def _served(self, took_s: float) -> None:
        self.counts["served"] += 1
        if self.service_s is None:
            self.service_s = took_s
        else:
            self.service_s += SERVICE_WEIGHT * (took_s - self.service_s)

    def _refused(self, reason: str) -> None:
        self.counts[reason] += 1
        now = self.clock()
        if now < self._report_at:
            return
        self._report_at = now + REPORT_EVERY_S
        since = self.counts - self._reported
        self._reported = self.counts.copy()
        service_ms = 1000 * (self.service_s or 0.0)
        log.warning(
            "admission: since the last report served %d, refused %d at once, %d after "
            "waiting %.2f s, dropped %d whose client had gone; recent service time %.0f ms",
            since["served"],
            since["at once"],
            since["after waiting"],
            self.wait_s,
            since["client gone"],
            service_ms,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].endswith(self.exempt_suffixes):
            await self.app(scope, receive, send)
            return
        arrived = time.monotonic()
        full = self.admitted >= self.at_once + self.queued
        if full or self.expected_wait_s() > self.wait_s:
            self._refused("at once")
            await _busy(send, BUSY)
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
                self._refused("after waiting")
                await _busy(send, LATE)
                return
            began = self.clock()
            try:
                handed_on = await _unless_gone(receive)
                if handed_on is None:
                    self._refused("client gone")
                    return  # nobody is waiting for the answer: do nothing
                if scope["method"] in WRITES:
                    await self._write(scope, handed_on, send, arrived + self.deadline_s)
                else:
                    await self.app(scope, handed_on, send)
                self._served(self.clock() - began)
            finally:
                self._turns.release()
        finally:
            self.admitted -= 1

    async def _write(self, scope: Scope, receive: Receive, send: Send, deadline: float) -> None:
        """Run a write request, refusing its first write transaction if by then its client
        has gone or its deadline has passed (module doc)."""
        watch = _Watch(receive, send, deadline)
        async with watch.from_client, anyio.create_task_group() as tasks:
            tasks.start_soon(watch.pump)
            token = write_guard.set(watch.check)
            try:
                await self.app(scope, watch.receive, watch.send)
            except Abandoned as refused:
                if not watch.answering:
                    await _busy(send, _refusal(str(refused)))
            finally:
                write_guard.reset(token)
                tasks.cancel_scope.cancel()


class _Watch:
    """What a write request's client is doing while the application works: the messages from
    the server go through here, so that a disconnect is seen as soon as it arrives."""

    def __init__(self, receive: Receive, send: Send, deadline: float) -> None:
        self._receive = receive
        self._send = send
        self.deadline = deadline
        self.gone = False
        self.answering = False  # the response has begun
        self.writing = False  # a write transaction has begun
        self._to_app, self.from_client = anyio.create_memory_object_stream[Message](
            max_buffer_size=float("inf")
        )

    async def pump(self) -> None:
        with self._to_app:
            while not self.gone:
                message = await self._receive()
                if message["type"] == "http.disconnect":
                    self.gone = True
                self._to_app.send_nowait(message)

    async def receive(self) -> Message:
        return await self.from_client.receive()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.answering = True
        await self._send(message)

    def check(self) -> None:
        """The write guard: runs in the request's thread before each write transaction."""
        if self.writing or self.answering:
            return
        if self.gone:
            raise Abandoned("the client has gone; nothing was written")
        if time.monotonic() > self.deadline:
            raise Abandoned("the server could not start this request in time; try again")
        self.writing = True


def _refusal(message: str) -> tuple[Message, Message]:
    """The two messages of a 503 with ``Retry-After`` saying ``message``, built once: under
    overload most answers are refusals, and each must cost next to nothing."""
    body = json.dumps(error_body("unavailable", message)).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(RETRY_AFTER_S).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


BUSY = _refusal("the server is busy; try again shortly")
LATE = _refusal("the server could not take this request in time; try again")


async def _busy(send: Send, refusal: tuple[Message, Message]) -> None:
    start, body = refusal
    # Copies: the server and the middleware inside may add to what they are sent.
    await send({**start, "headers": list(start["headers"])})
    await send(dict(body))


async def _unless_gone(receive: Receive) -> Receive | None:
    """``receive`` for the application, or None when the client has disconnected while the
    request waited. The messages read to find out are handed on unchanged."""
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
