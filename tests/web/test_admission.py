"""Admission under overload: past the work a process may take on, or past a request's wait, a
503 with Retry-After at once; a write whose client has gone is never started."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from sidelines.web.admission import RETRY_AFTER_S, Admission


class Held:
    """An application whose requests work until released, counting those started."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.release = anyio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.started.append(f"{scope['method']} {scope['path']}")
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if scope["path"] != "/quick":
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body or b"done"})


def client(app: Admission) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def run(test: Callable[[], Awaitable[object]]) -> None:
    """Runs ``test`` in an event loop of its own thread: the page tests' browser, when this
    process holds one, keeps a loop running in the main thread."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(anyio.run, test).result()


def test_past_the_queue_a_request_is_refused_at_once_with_retry_after() -> None:
    inner = Held()
    app = Admission(inner, at_once=1, queued=1, wait_s=30)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            group.start_soon(lambda: _get(http, "/working", answers))
            group.start_soon(lambda: _get(http, "/waiting", answers))
            while app.admitted < 2:
                await anyio.sleep(0.01)
            started = time.monotonic()
            refused = await http.get("/refused")
            took = time.monotonic() - started
            inner.release.set()
        assert took < 1
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == str(RETRY_AFTER_S)
        assert refused.json()["error"]["code"] == "unavailable"

    run(test)

    assert [a.status_code for a in answers] == [200, 200]
    assert inner.started == ["GET /working", "GET /waiting"]


def test_a_request_that_waits_past_its_deadline_is_refused_and_never_started() -> None:
    inner = Held()
    app = Admission(inner, at_once=1, queued=5, wait_s=0.2)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            group.start_soon(lambda: _get(http, "/working", answers))
            while not inner.started:
                await anyio.sleep(0.01)
            started = time.monotonic()
            late = await http.get("/late")
            took = time.monotonic() - started
            inner.release.set()
        assert 0.2 <= took < 1
        assert late.status_code == 503
        assert late.headers["retry-after"] == str(RETRY_AFTER_S)

    run(test)

    assert inner.started == ["GET /working"]
    assert app.admitted == 0


def test_within_the_bounds_every_request_is_served_in_turn() -> None:
    inner = Held()
    inner.release.set()
    app = Admission(inner, at_once=1, queued=3, wait_s=5)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            for i in range(4):
                group.start_soon(lambda i=i: _get(http, f"/r{i}", answers))

    run(test)

    assert sorted(a.status_code for a in answers) == [200] * 4
    assert sorted(inner.started) == [f"GET /r{i}" for i in range(4)]


def test_live_streams_are_not_counted() -> None:
    inner = Held()
    app = Admission(inner, at_once=1, queued=0, wait_s=5)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            group.start_soon(lambda: _get(http, "/api/events/x/live", answers))
            while not inner.started:
                await anyio.sleep(0.01)
            answers.append(await http.get("/quick"))
            inner.release.set()

    run(test)

    assert [a.status_code for a in answers] == [200, 200]


async def _get(http: httpx.AsyncClient, path: str, into: list[httpx.Response]) -> None:
    into.append(await http.get(path))


def scope(method: str) -> Scope:
    return {"type": "http", "method": method, "path": "/api/events/x/requests", "headers": []}


def messages(*queued: Message) -> Receive:
    """A receive() that hands out ``queued`` and then waits, as a server's does."""
    left = list(queued)

    async def receive() -> Message:
        if left:
            return left.pop(0)
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    return receive


def sent_to(into: list[Message]) -> Send:
    async def send(message: Message) -> None:
        into.append(message)

    return send


@pytest.mark.parametrize(
    "arrived",
    [
        [{"type": "http.disconnect"}],
        [{"type": "http.request", "body": b"{}", "more_body": False}, {"type": "http.disconnect"}],
    ],
)
def test_a_write_whose_client_has_gone_is_not_started(arrived: list[Message]) -> None:
    inner = Held()
    inner.release.set()
    app = Admission(inner, at_once=1, queued=0, wait_s=5)
    sent: list[Message] = []

    run(lambda: app(scope("POST"), messages(*arrived), sent_to(sent)))

    assert inner.started == []
    assert sent == []


def test_a_write_whose_client_waits_gets_its_body_whole() -> None:
    inner = Held()
    inner.release.set()
    app = Admission(inner, at_once=1, queued=0, wait_s=5)
    sent: list[Message] = []
    body = [
        {"type": "http.request", "body": b'{"a"', "more_body": True},
        {"type": "http.request", "body": b": 1}", "more_body": False},
    ]

    run(lambda: app(scope("POST"), messages(*body), sent_to(sent)))

    assert inner.started == ["POST /api/events/x/requests"]
    assert [m.get("status", m.get("body")) for m in sent] == [200, b'{"a": 1}']


def test_bounds_that_admit_nothing_are_refused() -> None:
    with pytest.raises(ValueError, match="at_once"):
        Admission(Held(), at_once=0, queued=1, wait_s=1)
