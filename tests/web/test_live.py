"""The live stream, from a real server in its own process: a change written by another process
reaches the pages it concerns within two seconds, and no other page hears of it."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from sidelines.domain.negotiation import Answer
from sidelines.services import logins, negotiation
from sidelines.services.accounts import TOKEN_CACHE_S, actor_for_token
from sidelines.storage.db import Database
from tests.web.helpers import LIMA, Lima, bearer, lima_api, post_request, url

DEADLINE_S = 2.0
REVOCATION_S = TOKEN_CACHE_S  # as long as other workers may still accept a revoked token
CLOSED = "closed by the server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(database: Database) -> Iterator[str]:
    """``sidelines.web.main`` under uvicorn in a process of its own, on a free port."""
    port = free_port()
    env = {**os.environ, "SIDELINES_DATABASE_URL": database.url}
    command = [sys.executable, "-m", "uvicorn", "sidelines.web.main:app_from_settings"]
    process = subprocess.Popen(
        [*command, "--factory", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Stream:
    """A page's open stream, read by a thread: (arrival time, event name, data) in order."""

    response: httpx.Response
    events: queue.Queue[tuple[float, str, dict[str, Any]]] = field(default_factory=queue.Queue)

    def read(self) -> None:
        name, data = "message", ""
        try:
            for line in self.response.iter_lines():
                if line.startswith("event:"):
                    name = line.partition(":")[2].strip()
                elif line.startswith("data:"):
                    data = line.partition(":")[2].strip()
                elif not line and data:
                    self.events.put((time.monotonic(), name, json.loads(data)))
                    name, data = "message", ""
        except httpx.HTTPError:
            return  # the test closed the stream
        self.events.put((time.monotonic(), CLOSED, {}))  # the server ended it

    def next(self, timeout_s: float) -> tuple[float, str, dict[str, Any]]:
        return self.events.get(timeout=timeout_s)


@contextmanager
def follow(client: httpx.Client, path: str, headers: dict[str, str]) -> Iterator[Stream]:
    with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        threading.Thread(target=stream.read, daemon=True).start()
        _, name, _ = stream.next(timeout_s=10)
        assert name == "ready"
        yield stream


def accept(api: Lima, request_id: int) -> None:
    """The US accepts, written from this process: the server learns of it from the database."""
    usa = actor_for_token(api.database, api.tokens["USA"])
    negotiation.respond(api.database, usa, LIMA, request_id, Answer.ACCEPT)


@pytest.mark.slow
def test_an_answer_reaches_the_requester_within_two_seconds_and_nobody_else(
    database: Database,
) -> None:
    api = lima_api(database, parties=("RUS", "USA", "JPN"))
    request_id = post_request(api, "RUS", "USA")["id"]

    with (
        server(database) as base,
        httpx.Client(base_url=base, timeout=10) as client,
        follow(client, url("/live"), api.as_("RUS")) as russia,
        follow(client, url("/live"), api.as_("JPN")) as japan,
    ):
        # From the answer's commit: the acceptance's own work (agreeing, placing) is not the
        # push's, and on a machine busy with the rest of the suite it can take a second.
        accept(api, request_id)
        answered = time.monotonic()

        arrived, name, data = russia.next(timeout_s=5)
        assert arrived - answered < DEADLINE_S
        assert (name, data) == ("request", {"kind": "request", "id": str(request_id)})
        # Japan's page hears nothing, not even that something happened somewhere.
        with pytest.raises(queue.Empty):
            japan.next(timeout_s=DEADLINE_S)


def test_a_stream_needs_a_login_of_the_event(database: Database) -> None:
    api = lima_api(database, parties=("RUS",))

    anonymous = api.client.get(url("/live"))
    wrong_token = api.client.get(url("/live"), headers=bearer("not-a-token"))

    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "unauthenticated")
    assert wrong_token.status_code == 401


@pytest.mark.slow  # seconds on its own, idle: scripts/test runs it
def test_a_revoked_login_s_stream_ends_within_the_revocation_window(database: Database) -> None:
    api = lima_api(database, parties=("RUS", "USA"))
    organiser = actor_for_token(api.database, api.organiser)

    with (
        server(database) as base,
        httpx.Client(base_url=base, timeout=10) as client,
        follow(client, url("/live"), api.as_("RUS")) as russia,
        follow(client, url("/live"), api.as_("USA")) as usa,
    ):
        # Revoked from this process: the server learns of it only from the database.
        revoked = time.monotonic()
        logins.revoke_login(api.database, organiser, LIMA, "rus")

        # The revocation itself is news to the delegation (its login changed); then it ends.
        _, name, data = russia.next(timeout_s=REVOCATION_S)
        assert (name, data["kind"]) == ("user", "user")
        ended, name, _ = russia.next(timeout_s=REVOCATION_S + 5)
        assert name == CLOSED
        assert ended - revoked < REVOCATION_S
        # The other delegation's stream stays open.
        with pytest.raises(queue.Empty):
            usa.next(timeout_s=1)
