"""Admission under overload: past the work a process may take on, or past a request's wait, a
503 with Retry-After at once; a write whose client has gone is never started."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import anyio
import anyio.abc
import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sidelines.services.clock import now
from sidelines.storage.db import Database
from sidelines.storage.tables import RequestRow, UserRow
from sidelines.web.access_log import refused_unstarted
from sidelines.web.admission import RETRY_AFTER_S, Admission
from sidelines.web.app import create_app
from tests.web.helpers import LIMA, Lima, lima_api, request_body, row_counts, url


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

    async def hold(self) -> str:
        """A route of a real application that holds its turn until released."""
        await self.release.wait()
        return "released"


def client(app: ASGIApp) -> httpx.AsyncClient:
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


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Paced(Held):
    """``Held``, with each request taking ``took_s`` by ``clock`` however long it really takes."""

    def __init__(self, clock: Clock, took_s: float) -> None:
        super().__init__()
        self.clock = clock
        self.took_s = took_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.clock.now += self.took_s
        await super().__call__(scope, receive, send)


def test_a_request_that_could_not_start_within_the_wait_is_refused_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    inner = Paced(clock, took_s=100)
    # Queued, the new request would wait 30 s before its refusal; expected to wait 100, it is
    # refused on arrival.
    app = Admission(inner, at_once=1, queued=10, wait_s=30, clock=clock)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            await _one_served_then_one_working(http, group, inner, answers)
            started = time.monotonic()
            refused = await http.get("/new")
            took = time.monotonic() - started
            inner.release.set()
        assert took < 10
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == str(RETRY_AFTER_S)
        assert refused.json()["error"]["code"] == "unavailable"

    with caplog.at_level("WARNING", logger="sidelines.admission"):
        run(test)

    assert [a.status_code for a in answers] == [200, 200]
    assert inner.started == ["GET /quick", "GET /slow"]
    assert app.counts == {"served": 2, "at once": 1}
    assert [r.getMessage() for r in caplog.records] == [
        "admission: since the last report served 1, refused 1 at once, 0 after waiting "
        "30.00 s, 0 at their deadline, dropped 0 whose client had gone; recent service time "
        "100000 ms"
    ]


def test_a_request_expected_to_start_within_the_wait_is_served() -> None:
    clock = Clock()
    inner = Paced(clock, took_s=1)
    app = Admission(inner, at_once=1, queued=10, wait_s=30, clock=clock)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            await _one_served_then_one_working(http, group, inner, answers)
            group.start_soon(lambda: _get(http, "/next", answers))
            while app.admitted < 2:
                await anyio.sleep(0.01)
            inner.release.set()

    run(test)

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert inner.started == ["GET /quick", "GET /slow", "GET /next"]
    assert app.counts == {"served": 3}


def test_the_expected_wait_grows_with_the_requests_ahead() -> None:
    clock = Clock()
    inner = Paced(clock, took_s=10)
    # One working and one waiting: a third would wait 10 s, a fourth 20, a fifth 30 (> 25).
    app = Admission(inner, at_once=1, queued=10, wait_s=25, clock=clock)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            answers.append(await http.get("/quick"))
            for n in range(1, 4):
                group.start_soon(lambda n=n: _get(http, f"/r{n}", answers))
                while app.admitted < n:
                    await anyio.sleep(0.01)
            answers.append(await http.get("/refused"))
            inner.release.set()

    run(test)

    assert [a.status_code for a in answers] == [200, 503, 200, 200, 200]
    assert app.counts == {"served": 4, "at once": 1}


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


async def _one_served_then_one_working(
    http: httpx.AsyncClient, group: anyio.abc.TaskGroup, inner: Held, answers: list[httpx.Response]
) -> None:
    """A quick request served (which sets the service time), then one that works on."""
    answers.append(await http.get("/quick"))
    group.start_soon(lambda: _get(http, "/slow", answers))
    while len(inner.started) < 2:
        await anyio.sleep(0.01)


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


def test_a_deadline_no_shorter_than_the_wait_is_required() -> None:
    with pytest.raises(ValueError, match="deadline_s"):
        Admission(Held(), at_once=1, queued=1, wait_s=1, deadline_s=0.5)


# --- the write guard: the first write transaction of a request, and only it ----------------


class Writer:
    """An application that, after ``pause_s``, writes ``rows`` accounts in as many write
    transactions (in a thread, as the routes do), then answers."""

    def __init__(self, database: Database, pause_s: float = 0, rows: int = 1) -> None:
        self.database = database
        self.pause_s = pause_s
        self.rows = rows

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # the body
        await anyio.sleep(self.pause_s)
        for i in range(self.rows):
            await anyio.to_thread.run_sync(self._write, f"{scope['path'].strip('/')}-{i}")
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"written"})

    def _write(self, username: str) -> None:
        def add(session: Session) -> None:
            session.add(
                UserRow(
                    username=username,
                    password_hash="-",
                    role="organiser",
                    event_id=None,
                    party_id=None,
                    created_at=now(),
                )
            )

        self.database.write(add)


def accounts(database: Database) -> list[str]:
    with database.reading() as session:
        return sorted(session.scalars(select(UserRow.username)))


def test_a_write_past_its_deadline_is_refused_before_it_begins(database: Database) -> None:
    app = Admission(Writer(database, pause_s=0.4), at_once=1, queued=0, wait_s=0.1, deadline_s=0.3)

    async def test() -> httpx.Response:
        async with client(app) as http:
            return await http.post("/late", content=b"{}")

    answers: list[httpx.Response] = []
    run(lambda: _into(answers, test()))

    [late] = answers
    assert late.status_code == 503
    assert late.headers["retry-after"] == str(RETRY_AFTER_S)
    assert "in time" in late.json()["error"]["message"]
    assert accounts(database) == []


def test_a_write_begun_in_time_finishes_past_its_deadline(database: Database) -> None:
    writer = Writer(database, rows=2)
    original = writer._write

    def slow_write(username: str) -> None:
        original(username)
        time.sleep(0.3)  # the second transaction begins past the deadline

    writer._write = slow_write  # type: ignore[method-assign]
    app = Admission(writer, at_once=1, queued=0, wait_s=0.1, deadline_s=0.2)

    async def test() -> httpx.Response:
        async with client(app) as http:
            return await http.post("/begun", content=b"{}")

    answers: list[httpx.Response] = []
    run(lambda: _into(answers, test()))

    assert [a.status_code for a in answers] == [201]
    assert accounts(database) == ["begun-0", "begun-1"]


def test_a_write_whose_client_left_while_it_read_is_not_begun(database: Database) -> None:
    app = Admission(Writer(database, pause_s=0.2), at_once=1, queued=0, wait_s=5)
    sent: list[Message] = []
    left = anyio.Event()

    async def receive() -> Message:
        if not left.is_set():
            left.set()
            return {"type": "http.request", "body": b"{}", "more_body": False}
        await anyio.sleep(0.05)  # the client goes while the application is busy
        return {"type": "http.disconnect"}

    run(lambda: app(scope("POST"), receive, sent_to(sent)))

    assert accounts(database) == []
    # The refusal goes nowhere (the server drops what is sent to a client that has gone).
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [503]


# --- the whole application: a saturated worker, a client gone while queued, normal traffic ---


def held_api(database: Database, *, queued: int, wait_s: float) -> tuple[Admission, Lima, Held]:
    """The Lima API behind admission of one request at a time, with a route that holds the
    one turn until released."""
    api = lima_api(database)
    inner = Held()
    fastapi_app = create_app(database)
    fastapi_app.add_api_route("/api/hold", inner.hold)
    # The held request is not answered at its deadline: it holds its turn for as long as the
    # test needs.
    admission = Admission(fastapi_app, at_once=1, queued=queued, wait_s=wait_s, deadline_s=60)
    return admission, api, inner


def test_a_saturated_worker_answers_503_with_retry_after_within_the_deadline(
    database: Database,
) -> None:
    app, api, inner = held_api(database, queued=1, wait_s=0.3)
    held: list[httpx.Response] = []
    refused: list[httpx.Response] = []
    took: list[float] = []

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            group.start_soon(lambda: _get(http, "/api/hold", held))
            while app.admitted < 1:
                await anyio.sleep(0.01)
            started = time.monotonic()
            refused.append(
                await http.post(url("/requests"), json=request_body("USA"), headers=api.as_("RUS"))
            )
            took.append(time.monotonic() - started)
            inner.release.set()

    run(test)

    assert 0.3 <= took[0] < 1
    assert [a.status_code for a in held] == [200]
    assert [a.status_code for a in refused] == [503]
    assert refused[0].headers["retry-after"] == str(RETRY_AFTER_S)
    assert refused[0].json()["error"]["code"] == "unavailable"
    assert row_counts(database, RequestRow) == {"meeting_requests": 0}


def test_a_request_whose_client_disconnected_while_queued_writes_nothing(
    database: Database,
) -> None:
    app, api, inner = held_api(database, queued=1, wait_s=30)
    sent: list[Message] = []
    body = json.dumps(request_body("USA")).encode()
    client_left = anyio.Event()

    async def receive() -> Message:
        if not client_left.is_set():
            await client_left.wait()
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            group.start_soon(lambda: _get(http, "/api/hold", []))
            while app.admitted < 1:
                await anyio.sleep(0.01)
            group.start_soon(
                app, api_scope("POST", url("/requests"), api.as_("RUS")), receive, sent_to(sent)
            )
            while app.admitted < 2:
                await anyio.sleep(0.01)
            client_left.set()  # the body arrived, then the client went, while it queued
            await anyio.sleep(0.05)
            inner.release.set()

    run(test)

    assert sent == []
    assert row_counts(database, RequestRow) == {"meeting_requests": 0}


def test_normal_traffic_passes_admission_unchanged(database: Database) -> None:
    api = lima_api(database)
    fastapi_app = create_app(database)
    # As the server process adds it (web.main): inside the application's own error handling.
    fastapi_app.add_middleware(Admission, at_once=2, queued=4, wait_s=0.5, deadline_s=60)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(fastapi_app) as http:
            answers.append(
                await http.post(url("/requests"), json=request_body("USA"), headers=api.as_("RUS"))
            )
            answers.append(await http.get(url("/agenda"), headers=api.as_("RUS")))

    run(test)

    assert [a.status_code for a in answers] == [201, 200]
    assert row_counts(database, RequestRow) == {"meeting_requests": 1}


def test_a_route_that_writes_past_its_deadline_is_answered_503_not_500(
    database: Database,
) -> None:
    fastapi_app = create_app(database)
    writer = Writer(database)

    def slow_then_write() -> str:
        time.sleep(0.3)  # past the deadline before the first write
        writer._write("late")
        return "written"

    fastapi_app.add_api_route("/api/slow-write", slow_then_write, methods=["POST"])
    fastapi_app.add_middleware(Admission, at_once=1, queued=0, wait_s=0.1, deadline_s=0.2)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(fastapi_app) as http:
            answers.append(await http.post("/api/slow-write"))

    run(test)

    [late] = answers
    assert late.status_code == 503
    assert late.headers["retry-after"] == str(RETRY_AFTER_S)
    assert late.json()["error"]["code"] == "unavailable"
    assert accounts(database) == []


def api_scope(method: str, path: str, headers: dict[str, str]) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"content-type", b"application/json"),
            *((k.lower().encode(), v.encode()) for k, v in headers.items()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }


async def _into(answers: list[httpx.Response], call: Awaitable[httpx.Response]) -> None:
    answers.append(await call)


def test_a_request_working_past_its_time_to_answer_while_others_wait_is_answered_503() -> None:
    inner = Held()
    app = Admission(inner, at_once=1, queued=1, wait_s=5, deadline_s=5, answer_s=0.3)
    sent: list[tuple[float, Message]] = []
    waiting: list[Message] = []
    started = time.monotonic()

    async def send(message: Message) -> None:
        sent.append((time.monotonic() - started, message))
        inner.release.set()  # the request's own answer, sent after this, goes nowhere

    request = {"type": "http.request", "body": b"", "more_body": False}

    async def test() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(app, scope("GET"), messages(request), send)
            while app.admitted < 1:
                await anyio.sleep(0.01)
            group.start_soon(app, scope("GET"), messages(request), sent_to(waiting))

    run(test)

    [(answered_after_s, start), (_, body)] = sent
    assert 0.3 <= answered_after_s < 1
    assert start["status"] == 503
    assert (b"retry-after", str(RETRY_AFTER_S).encode()) in start["headers"]
    assert b"in time" in body["body"]
    assert [m.get("status") for m in waiting if m["type"] == "http.response.start"] == [200]
    assert app.counts == {"past its deadline": 1, "served": 1}


# SQLite has one writer at a time, and no lock to wait for by row.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_first_write_waits_for_a_lock_only_until_its_deadline(database: Database) -> None:
    api = lima_api(database)
    fastapi_app = create_app(database)
    app = Admission(fastapi_app, at_once=1, queued=0, wait_s=0.1, deadline_s=5, answer_s=0.5)
    answers: list[httpx.Response] = []
    took: list[float] = []

    async def test() -> None:
        async with client(app) as http:
            started = time.monotonic()
            answers.append(
                await http.post(url("/requests"), json=request_body("USA"), headers=api.as_("RUS"))
            )
            took.append(time.monotonic() - started)

    # The event's row locked as a change of the whole event locks it: every insert that names
    # the event waits for it.
    with database.engine.connect() as holder, holder.begin():
        # Without the deadline the request would wait for the lock until PostgreSQL ends this
        # transaction, 3 s on: served then, it fails the test rather than hangs it.
        holder.execute(text("SET LOCAL idle_in_transaction_session_timeout = 3000"))
        holder.execute(text("SELECT id FROM events WHERE id = :id FOR UPDATE"), {"id": LIMA})
        run(test)

    [refused] = answers
    assert took[0] < 2
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == str(RETRY_AFTER_S)
    assert "in time" in refused.json()["error"]["message"]
    assert row_counts(database, RequestRow) == {"meeting_requests": 0}


@pytest.mark.parametrize(
    ("path", "behind"),
    [
        ("/export", 0),  # nobody waits behind it: an export may take seconds on an idle server
        ("/api/auth/token", 1),  # a login hashes its password before it writes
    ],
)
def test_a_request_is_left_to_work_past_its_time_to_answer(path: str, behind: int) -> None:
    inner = Held()
    app = Admission(inner, at_once=1, queued=1, wait_s=5, deadline_s=5, answer_s=0.2)
    answers: list[httpx.Response] = []

    async def test() -> None:
        async with client(app) as http, anyio.create_task_group() as group:
            group.start_soon(lambda: _get(http, path, answers))
            while app.admitted < 1:
                await anyio.sleep(0.01)
            for _ in range(behind):
                group.start_soon(lambda: _get(http, path, answers))
            await anyio.sleep(0.5)  # past the time to answer
            inner.release.set()

    run(test)

    assert [a.status_code for a in answers] == [200] * (1 + behind)
    assert app.counts == {"served": 1 + behind}


def test_a_request_refused_before_it_started_is_marked_for_the_access_log() -> None:
    inner = Held()
    app = Admission(inner, at_once=1, queued=0, wait_s=5)
    marked: dict[str, list[tuple[int, bool]]] = {"/working": [], "/refused": []}

    def recorder(path: str) -> Send:
        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                marked[path].append((message["status"], refused_unstarted.get()))

        return send

    async def request(path: str) -> None:
        get: Scope = {"type": "http", "method": "GET", "path": path, "headers": []}
        await app(get, messages({"type": "http.request", "body": b""}), recorder(path))

    async def test() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(request, "/working")
            while not inner.started:
                await anyio.sleep(0.01)
            await request("/refused")
            # The mark stays with the refused answer, not with the task that sent it.
            assert refused_unstarted.get() is False
            inner.release.set()

    run(test)

    assert marked == {"/working": [(200, False)], "/refused": [(503, True)]}
    assert app.counts == Counter({"at once": 1, "served": 1})
