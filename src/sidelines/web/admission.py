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
``REPORT_EVERY_S`` seconds, with the recent service time, while refusals go on; a request
refused before it started (on arrival, or after waiting) has no access log line of its own
(``web.access_log``).

Each request also has a time to answer, ``answer_s`` after it arrived (within a second): at
that time, if other requests wait for a turn behind it, a request that has begun neither its
answer nor a write is answered 503 with ``Retry-After`` at once, whatever it is doing (reading,
computing), and whatever it answers later goes nowhere; a request that nobody waits behind is
left to work (an export, a report, a solve's preview may take seconds on an idle server). Its
first write may wait for a lock (a placement holding the schedule's) only until that time
(PostgreSQL's ``lock_timeout``): past it the transaction fails with nothing written and the
request is answered 503. And each request has a deadline, ``deadline_s`` after it arrived, for
its first write: a write whose client has gone, or whose deadline has passed, is not started
(``storage.db.write_guard``, checked before the write transaction begins) and the request is
answered 503 (the client, if still there, may send it again: nothing was written). Once a
request has begun writing, or begun its answer, it is left to finish: a half-done request is
worse than a late one (an answer that agrees commits the agreement, then books the meeting in
a second transaction; stopped between them, the agreement would wait for the next placement).
A request whose client has gone while it waited for its turn is not started at all. Logins,
which hash a password before they write, keep a longer time to answer.

Live streams are left out: they hold their connection for as long as a page stays open and
wait on the event loop, not on a database connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sidelines.storage.db import write_guard
from sidelines.web.access_log import refused_unstarted
from sidelines.web.errors import BUSY_RETRY_AFTER_S, error_body
from sidelines.web.route_cpu import RouteCpu, pool_threads_cpu_s, spent_since

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A refused request may come back soon: the queue drains in well under a second when it is
# not overloaded.
RETRY_AFTER_S = BUSY_RETRY_AFTER_S
# How much one request's service time moves the estimate: about the last ten requests count.
SERVICE_WEIGHT = 0.2
REPORT_EVERY_S = 10.0
# A login hashes its password (Argon2, a sixth of a second of CPU, longer on a busy machine)
# before it writes; refused at the one-second deadline, it would be hashed again from the
# start, and under load no login would get through. Logins keep a longer deadline.
LOGIN_PATHS = ("/api/auth/token", "/login")
LOGIN_ANSWER_S = 5.0
# A request working past its time to answer with nobody waiting behind it is looked at again
# this much later.
RECHECK_S = 0.1
# A first write that begins past the time to answer may still wait this long for a lock: a
# lock that is free at once is taken, one held by another change refuses the request.
LOCK_WAIT_FLOOR_S = 0.05

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
        answer_s: float | None = None,
        exempt_suffixes: Iterable[str] = ("/live",),
        login_paths: Iterable[str] = LOGIN_PATHS,
        clock: Callable[[], float] = time.monotonic,
        cpu: RouteCpu | None = None,
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
        # By when a request is answered while others wait (``answer_s``), at most its deadline.
        self.answer_s = deadline_s if answer_s is None else min(answer_s, deadline_s)
        self.exempt_suffixes = tuple(exempt_suffixes)
        self.login_paths = frozenset(login_paths)
        self.clock = clock
        # Each admitted request's CPU in the thread pool, by route (``web.route_cpu``).
        self.cpu = cpu
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

    def _served(self, took_s: float, *, late: bool = False) -> None:
        if not late:  # a request answered 503 at its deadline is counted as refused
            self.counts["served"] += 1
        if self.service_s is None:
            self.service_s = took_s
        else:
            self.service_s += SERVICE_WEIGHT * (took_s - self.service_s)

    def _refused(self, reason: str) -> None:
        self.counts[reason] += 1
        if self.cpu is not None:
            self.cpu.refused += 1
        now = self.clock()
        if now < self._report_at:
            return
        self._report_at = now + REPORT_EVERY_S
        since = self.counts - self._reported
        self._reported = self.counts.copy()
        service_ms = 1000 * (self.service_s or 0.0)
        log.warning(
            "admission: since the last report served %d, refused %d at once, %d after "
            "waiting %.2f s, %d at their deadline, dropped %d whose client had gone; recent "
            "service time %.0f ms",
            since["served"],
            since["at once"],
            since["after waiting"],
            self.wait_s,
            since["past its deadline"],
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
            await _busy_unstarted(send, BUSY)
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
                await _busy_unstarted(send, LATE)
                return
            began = self.clock()
            try:
                handed_on = await _unless_gone(receive)
                if handed_on is None:
                    self._refused("client gone")
                    return  # nobody is waiting for the answer: do nothing
                answer_s = self.answer_s
                if scope["path"] in self.login_paths:
                    answer_s = max(answer_s, min(LOGIN_ANSWER_S, self.deadline_s))
                watch = _Watch(
                    handed_on,
                    send,
                    deadline=arrived + self.deadline_s,
                    answer_by=arrived + answer_s,
                    others_wait=lambda: self.admitted > self.at_once,
                )
                threads_cpu = pool_threads_cpu_s() if self.cpu is not None else {}
                await self._run(scope, watch, writes=scope["method"] in WRITES)
                if self.cpu is not None:
                    self.cpu.add(_kind(scope), spent_since(threads_cpu))
                if watch.refused:
                    self._refused("past its deadline")
                self._served(self.clock() - began, late=watch.refused)
            finally:
                self._turns.release()
        finally:
            self.admitted -= 1

    async def _run(self, scope: Scope, watch: _Watch, *, writes: bool) -> None:
        """Run the request under its deadline (module doc)."""
        # A timer of the loop rather than a task: a task per request would cost more than the
        # rest of admission, and the deadline is rarely reached.
        watch.arm(watch.answer_by - time.monotonic())
        try:
            if writes:
                async with watch.watching() as receive:
                    await self._guarded(scope, receive, watch)
            else:
                await self._guarded(scope, watch.passed_on, watch)
        finally:
            watch.disarm()
            if watch.refusal is not None:
                await watch.refusal  # the 503 is sent before the request ends

    async def _guarded(self, scope: Scope, receive: Receive, watch: _Watch) -> None:
        """The application, its writes checked by ``watch`` (``storage.db.write_guard``)."""
        token = write_guard.set(watch.check)
        try:
            await self.app(scope, receive, watch.send)
        except Abandoned as refused:
            if not watch.answering and not watch.refused:
                await _busy(watch.client_send, _refusal(str(refused)))
        finally:
            write_guard.reset(token)


class _Watch:
    """What a request's client is doing while the application works, and the request's
    deadlines: the messages from the server go through here, so that a disconnect is seen as
    soon as it arrives, and once it was answered 503 the application's answer goes nowhere."""

    def __init__(
        self,
        receive: Receive,
        send: Send,
        *,
        deadline: float,
        answer_by: float,
        others_wait: Callable[[], bool],
    ) -> None:
        self.passed_on = receive
        self.client_send = send
        self.deadline = deadline  # for the first write to begin
        self.answer_by = answer_by  # for the answer, while other requests wait
        self.others_wait = others_wait
        self._timer: asyncio.TimerHandle | None = None
        self.gone = False
        self.answering = False  # the response has begun
        self.writing = False  # a write transaction has begun
        self.refused = False  # answered 503 at the deadline: the application's answer is dropped
        # ``writing`` is set in the request's thread, ``refused`` in the event loop: whichever
        # comes first holds, never both.
        self._decided = threading.Lock()
        self.refusal: asyncio.Task[None] | None = None  # the 503 sent at the deadline

    @asynccontextmanager
    async def watching(self) -> AsyncIterator[Receive]:
        """The ``receive`` of a write request, its client's messages read ahead as they come,
        so that a disconnect is seen as soon as it arrives."""
        to_app, from_client = anyio.create_memory_object_stream[Message](
            max_buffer_size=float("inf")
        )

        async def pump() -> None:
            with to_app:
                while not self.gone:
                    message = await self.passed_on()
                    if message["type"] == "http.disconnect":
                        self.gone = True
                    to_app.send_nowait(message)

        async with from_client, anyio.create_task_group() as tasks:
            tasks.start_soon(pump)
            try:
                yield from_client.receive
            finally:
                tasks.cancel_scope.cancel()

    async def send(self, message: Message) -> None:
        if self.refused:
            return  # the client has its 503 already
        if message["type"] == "http.response.start":
            self.answering = True
        await self.client_send(message)

    def arm(self, after_s: float) -> None:
        """Look at the request again in ``after_s`` (``expire``). A timer of the loop rather
        than a task: a task per request would cost more than the rest of admission."""
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(max(0.0, after_s), self.expire)

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def expire(self) -> None:
        """Past ``answer_by``, answer 503 unless the answer or a write has begun; a request
        that nobody waits behind is left to work, and looked at again a little later."""
        with self._decided:
            if self.writing or self.answering:
                return
            if not self.others_wait():
                self.arm(RECHECK_S)
                return
            self.refused = True
        self.refusal = asyncio.get_running_loop().create_task(
            _busy(self.client_send, PAST_DEADLINE)
        )

    def check(self) -> float | None:
        """The write guard: runs in the request's thread before each write transaction. The
        first may wait for a lock until the time to answer; later ones, begun once something
        was written, as long as they must (``storage.db.write_guard``)."""
        with self._decided:
            if self.writing or self.answering:
                return None
            if self.refused:
                raise Abandoned("the server could not answer this request in time; try again")
            if self.gone:
                raise Abandoned("the client has gone; nothing was written")
            at = time.monotonic()
            if at > self.deadline:
                raise Abandoned("the server could not start this request in time; try again")
            self.writing = True
            return max(self.answer_by - at, LOCK_WAIT_FLOOR_S)


def _kind(scope: Scope) -> str:
    """The request's method and route (its path's template), once the application ran."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return f"{scope['method']} {path if isinstance(path, str) else 'unrouted'}"


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
PAST_DEADLINE = _refusal("the server could not answer this request in time; try again")


async def _busy(send: Send, refusal: tuple[Message, Message]) -> None:
    start, body = refusal
    # Copies: the server and the middleware inside may add to what they are sent.
    await send({**start, "headers": list(start["headers"])})
    await send(dict(body))


async def _busy_unstarted(send: Send, refusal: tuple[Message, Message]) -> None:
    """``_busy`` for a request refused before it started: counted, reported, and left out of
    the access log (``web.access_log``)."""
    mark = refused_unstarted.set(True)
    try:
        await _busy(send, refusal)
    finally:
        refused_unstarted.reset(mark)


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
