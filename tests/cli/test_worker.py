"""``sidelines worker`` and ``sidelines serve`` as their own processes, killed with SIGKILL
in the middle of their work: every message is still delivered, at least once."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import select

from sidelines.cli.worker import WORKER_NICE
from sidelines.domain import MeetingFormat
from sidelines.services import messages, negotiation
from sidelines.services.accounts import hash_token
from sidelines.services.clock import now
from sidelines.services.messages import Preferences
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditAudienceRow, AuditRow, OutboxRow, TokenRow
from tests.receivers import LOOPBACK, LOOPBACK_ENV, free_port, smtp_receiver, webhook_receiver
from tests.services.world import World, make_world

PARTIES = [f"P{i:02}" for i in range(8)]
COMMAND = [sys.executable, "-c", "from sidelines.cli.main import main; main()"]
# These tests kill processes mid-work; what they check is recovery, not priority. A worker
# lowered as by default (SCHED_IDLE, nice 10) waits behind every other test process on a busy
# machine, and a round that takes a second there took ten. The priority test keeps the default.
AT_OUR_PRIORITY = {
    "SIDELINES_WORKER_NICE": "0",
    "SIDELINES_WORKER_IDLE": "false",
    "SIDELINES_WORKER_IDLE_DELIVERY": "false",
}


def start(arguments: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*COMMAND, *arguments],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def running(arguments: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = start(arguments, env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def wait_until(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.05)


def outbox(db: Database) -> dict[str, str]:
    with db.reading() as session:
        return dict(session.execute(select(OutboxRow.key, OutboxRow.status)).all())


def tokens(db: Database, world: World) -> dict[str, str]:
    issued = {party: secrets.token_urlsafe(24) for party in world.delegates}
    with db.writing() as session:
        for party, token in issued.items():
            user_id = world.delegates[party].user_id
            assert user_id is not None
            session.add(TokenRow(user_id=user_id, token_hash=hash_token(token), created_at=now()))
    return issued


def listening_world(db: Database, hook_url: str) -> World:
    world = make_world(db, "ev", PARTIES)
    for party, actor in world.delegates.items():
        messages.set_preferences(db, actor, Preferences(email=f"{party.lower()}@example.org"))
        messages.add_webhook(db, actor, "ev", hook_url, allowed=LOOPBACK)
    return world


def worker_arguments(db: Database) -> list[str]:
    return ["worker", "--database", db.url, "--lease", "1", "--tick", "0.05", "--backoff", "0.1"]


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_loses_no_message(database: Database) -> None:
    with smtp_receiver() as smtp, webhook_receiver(delay_s=0.1) as hooks:
        world = listening_world(database, hooks.url)
        for i, party in enumerate(PARTIES):
            for other in PARTIES[i + 1 :]:
                negotiation.create_request(database, world.delegates[party], "ev", [other], Terms())
        written = outbox(database)
        assert len(written) == 2 * 28  # an e-mail and a webhook post for each invitee
        env = {"SIDELINES_SMTP_PORT": str(smtp.port), **LOOPBACK_ENV, **AT_OUR_PRIORITY}

        with running(worker_arguments(database), env) as first:
            wait_until(lambda: len(hooks.keys()) >= 3)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        received_before = len(smtp.keys()) + len(hooks.keys())
        assert received_before > 0
        assert set(outbox(database).values()) == {"pending"}  # killed before it marked any

        with running(worker_arguments(database), env):
            wait_until(lambda: set(outbox(database).values()) == {"sent"})

        got = Counter(smtp.keys()) + Counter(hooks.keys())
        assert set(got) == set(written)
        assert max(got.values()) <= 2  # repeats only of what the first worker had sent


@pytest.mark.slow
def test_a_server_killed_mid_request_writes_each_change_with_all_its_messages(
    database: Database,
) -> None:
    with smtp_receiver() as smtp, webhook_receiver() as hooks:
        world = listening_world(database, hooks.url)
        issued = tokens(database, world)
        port = free_port()
        serve = ["serve", "--no-worker", "--database", database.url, "--port", str(port)]
        pairs = [(a, b) for i, a in enumerate(PARTIES) for b in PARTIES[i + 1 :]] * 4

        def ask(pair: tuple[str, str]) -> int:
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/api/events/ev/requests",
                    json={"invitees": [pair[1]]},
                    headers={"Authorization": f"Bearer {issued[pair[0]]}"},
                    timeout=30,
                )
            except httpx.HTTPError:
                return 0  # the server died under this request
            return answer.status_code

        with running(serve, {}) as server:
            wait_until(lambda: _healthy(port))
            with ThreadPoolExecutor(max_workers=4) as pool:
                answers = pool.map(ask, pairs)
                wait_until(lambda: _requests_sent(database) >= 5)
                server.send_signal(signal.SIGKILL)
                statuses = list(answers)
        assert 5 <= _requests_sent(database) < len(pairs)
        assert statuses.count(201) <= _requests_sent(database)

        # Each committed request wrote its messages with it, none without it.
        with database.reading() as session:
            invitees = session.execute(
                select(AuditRow.id, AuditAudienceRow.party_id)
                .join(AuditAudienceRow, AuditAudienceRow.entry_id == AuditRow.id)
                .where(
                    AuditRow.action == "request.sent",
                    AuditAudienceRow.party_id != AuditRow.actor_party,
                )
            ).all()
        written = outbox(database)
        assert len(written) == 2 * len(invitees)

        env = {"SIDELINES_SMTP_PORT": str(smtp.port), **LOOPBACK_ENV, **AT_OUR_PRIORITY}
        with running(worker_arguments(database), env):
            wait_until(lambda: set(outbox(database).values()) == {"sent"})
        assert set(smtp.keys()) | set(hooks.keys()) == set(written)


@pytest.mark.slow
def test_a_server_killed_mid_delivery_loses_no_message(database: Database) -> None:
    """``serve`` killed while its worker sends: the worker ends once its batch is recorded,
    and the server started again delivers the rest."""
    with smtp_receiver() as smtp, webhook_receiver(delay_s=0.1) as hooks:
        world = listening_world(database, hooks.url)
        for party in PARTIES:
            for other in PARTIES:
                if other != party:
                    # Each pair asks both ways, in two formats: a request back in the format
                    # of one still open is refused (answer that one instead).
                    back = Terms(format=MeetingFormat.BILATERAL_EXPANDED, duration_min=60)
                    negotiation.create_request(
                        database,
                        world.delegates[party],
                        "ev",
                        [other],
                        Terms() if party < other else back,
                    )
        written = outbox(database)
        assert len(written) == 2 * 56  # more than a batch: some wait while the first is sent
        env = {"SIDELINES_SMTP_PORT": str(smtp.port), **LOOPBACK_ENV, **AT_OUR_PRIORITY}
        serve = ["serve", "--database", database.url, "--port", str(free_port())]

        with running(serve, env) as server:
            wait_until(lambda: len(hooks.keys()) >= 3)
            [worker] = _children(server.pid)
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=30)
            wait_until(lambda: _gone(worker), timeout_s=60)
        assert "pending" in outbox(database).values()

        serve = ["serve", "--database", database.url, "--port", str(free_port())]
        with running(serve, env):
            wait_until(lambda: set(outbox(database).values()) == {"sent"})

        got = Counter(smtp.keys()) + Counter(hooks.keys())
        assert set(got) == set(written)
        assert max(got.values()) <= 2


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _requests_sent(db: Database) -> int:
    with db.reading() as session:
        return len(
            session.scalars(select(AuditRow.id).where(AuditRow.action == "request.sent")).all()
        )


def _children(pid: int) -> list[int]:
    found = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True)
    return [int(line) for line in found.stdout.split()]


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.split() == ["State:", "Z", "(zombie)"] for line in status)
    except FileNotFoundError:
        return True


@pytest.mark.slow
def test_serve_starts_a_worker_below_its_priority_that_ends_when_the_server_is_killed(
    database: Database,
) -> None:
    with smtp_receiver() as smtp, webhook_receiver() as hooks:
        world = listening_world(database, hooks.url)
        negotiation.create_request(database, world.delegates["P00"], "ev", ["P01"], Terms())
        port = free_port()
        serve = ["serve", "--database", database.url, "--port", str(port)]

        with running(serve, {"SIDELINES_SMTP_PORT": str(smtp.port), **LOOPBACK_ENV}) as server:
            wait_until(lambda: set(outbox(database).values()) == {"sent"})
            [worker] = _children(server.pid)
            # The web process keeps the priority it was started with; the worker yields to it.
            ours = os.getpriority(os.PRIO_PROCESS, 0)
            assert os.getpriority(os.PRIO_PROCESS, server.pid) == ours
            assert os.getpriority(os.PRIO_PROCESS, worker) == min(19, ours + WORKER_NICE)
            assert (os.sched_getscheduler(server.pid), os.sched_getscheduler(worker)) == (
                os.SCHED_OTHER,
                os.SCHED_IDLE,
            )
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=30)
            wait_until(lambda: _gone(worker), timeout_s=30)

        assert sorted(smtp.keys() + hooks.keys()) == sorted(outbox(database))
