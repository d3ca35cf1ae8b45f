"""The JSON API under load: agenda reads, request writes and answers, on PostgreSQL and SQLite.

Seeds a generated partnering event (delegate logins, agreed meetings, a published schedule) in a
fresh database, starts ``sidelines serve`` in a subprocess on loopback, and drives it with
concurrent asyncio + httpx clients for a bounded time per phase. Prints throughput, latency
percentiles and errors per database and phase; then checks that every acknowledged write is in
the database and that no principal or space is booked twice.

    .venv/bin/python benchmarks/api_load.py --clients 32 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from argon2 import PasswordHasher
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.pool import NullPool

from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.services import events
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.storage.db import Database, normalise_url
from sidelines.storage.tables import (
    PrincipalBookingRow,
    RequestRow,
    SpaceBookingRow,
    UserRow,
)

PASSWORD = "load-test-password"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    # What wrk measured itself (count, p50, p95, p99 in ms): it keeps no list of latencies.
    summary: tuple[int, float, float, float] | None = None
    # CPU seconds of the server's processes and of PostgreSQL's during the phase.
    cpu: tuple[float, float] = (0.0, 0.0)

    def record(self, started: float, status: int, ok: tuple[int, ...]) -> None:
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        if status not in ok:
            self.errors[str(status)] = self.errors.get(str(status), 0) + 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, parties: int, seed_value: int) -> tuple[str, list[str]]:
    """A generated event with agreed meetings scheduled and published; delegate logins."""
    db = Database(url)
    db.upgrade()
    event = generate_event(
        GeneratorSpec(principals=parties, requests=parties * 3, spaces=max(4, parties // 5)),
        seed_value,
    )
    password_hash = PasswordHasher().hash(PASSWORD)

    def users(session: Session) -> int:
        row = UserRow(
            username="organiser",
            password_hash=password_hash,
            role="organiser",
            event_id=None,
            party_id=None,
            created_at=now(),
        )
        session.add(row)
        session.flush()
        return row.id

    organiser = Actor(Role.ORGANISER, db.write(users), "organiser")
    events.import_event(db, organiser, event)

    def delegates(session: Session) -> None:
        for party in event.parties:
            session.add(
                UserRow(
                    username=f"delegate-{party.id}",
                    password_hash=password_hash,
                    role="delegate",
                    event_id=event.id,
                    party_id=party.id,
                    created_at=now(),
                )
            )

    db.write(delegates)
    # Imported here: the placement benchmark runs this module against older trees too, whose
    # solves lived elsewhere, and needs only its database helpers.
    from sidelines.services import solves

    run = solves.start_solve(db, organiser, event.id, time_limit_s=5)
    run = solves.wait_for_run(db, run.id, timeout_s=120)
    solves.publish(db, organiser, event.id, run.id)
    db.dispose()
    return event.id, [party.id for party in event.parties]


def start_server(
    url: str, port: int, workers: int, log: Path | None = None, timeout_s: float = 240
) -> subprocess.Popen[bytes]:
    """``sidelines serve`` on loopback, once it answers; its output goes to ``log`` if given
    (appended, so that a restarted server adds to the same file), else nowhere."""
    sidelines = Path(sys.executable).with_name("sidelines")
    command = [str(sidelines), "serve", "--database", url, "--port", str(port)]
    command += ["--workers", str(workers)]
    env = {**os.environ, "SIDELINES_DATABASE_URL": url}
    if log is None:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    else:
        with log.open("ab") as output:  # the child keeps its own copy of the file
            process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    # Four workers importing everything on a shared machine (load 15-20) took over a minute.
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the server did not come up")


async def drive(
    base: str,
    event_id: str,
    parties: list[str],
    clients: int,
    seconds: float,
    reader: str,
    meter: CpuMeter,
) -> tuple[list[Phase], set[int], set[int]]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        tokens: dict[str, str] = {}
        for party in parties[:clients]:
            response = await http.post(
                "/api/auth/token", json={"username": f"delegate-{party}", "password": PASSWORD}
            )
            response.raise_for_status()
            tokens[party] = response.json()["token"]
        logged_in = list(tokens)
        created: set[int] = set()
        accepted: set[int] = set()
        prefix = f"/api/events/{event_id}"

        async def timed(phase: Phase, client_loop: object) -> None:
            started = time.perf_counter()
            assert callable(client_loop)
            await asyncio.gather(*(client_loop(party) for party in logged_in))
            phase.seconds = time.perf_counter() - started

        reads = Phase("agenda reads")

        async def read_loop(party: str) -> None:
            headers = {"Authorization": f"Bearer {tokens[party]}"}
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                t = time.perf_counter()
                response = await http.get(f"{prefix}/agenda", headers=headers)
                reads.record(t, response.status_code, (200,))

        writes = Phase("request writes")

        async def write_loop(party: str) -> None:
            headers = {"Authorization": f"Bearer {tokens[party]}"}
            rng = random.Random(party)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                other = rng.choice([p for p in logged_in if p != party])
                body = {"invitees": [other], "proposal": {"format": "b2b", "duration_min": 30}}
                key = {"Idempotency-Key": uuid.uuid4().hex}
                t = time.perf_counter()
                response = await http.post(f"{prefix}/requests", json=body, headers=headers | key)
                writes.record(t, response.status_code, (201,))
                if response.status_code == 201:
                    created.add(response.json()["id"])

        answers = Phase("answers (accept)")

        async def answer_loop(party: str) -> None:
            headers = {"Authorization": f"Bearer {tokens[party]}"}
            end = time.monotonic() + seconds
            response = await http.get(
                f"{prefix}/requests",
                params={"box": "received", "state": "sent", "limit": 100},
                headers=headers,
            )
            for item in response.json()["items"]:
                if time.monotonic() >= end:
                    break
                t = time.perf_counter()
                answer = await http.post(
                    f"{prefix}/requests/{item['id']}/answers",
                    json={"answer": "accept"},
                    headers=headers,
                )
                answers.record(t, answer.status_code, (200,))
                if answer.status_code == 200:
                    accepted.add(item["id"])

        async def measured(phase: Phase, run: Any) -> None:
            before = meter.read()
            await run
            after = meter.read()
            phase.cpu = (after[0] - before[0], after[1] - before[1])

        if reader == "wrk":
            reads.name = "agenda reads (wrk)"
            target = base + f"{prefix}/agenda"
            # Two seconds first, not counted: each worker process parses the event, opens its
            # connections and builds the agendas once; the figures are for the steady state.
            warm_up = Phase("warm-up")
            await asyncio.to_thread(
                read_with_wrk, warm_up, target, list(tokens.values()), clients, 2
            )
            wrk = asyncio.to_thread(
                read_with_wrk, reads, target, list(tokens.values()), clients, seconds
            )
            await measured(reads, wrk)
        else:
            await measured(reads, timed(reads, read_loop))
        await measured(writes, timed(writes, write_loop))
        await measured(answers, timed(answers, answer_loop))
        return [reads, writes, answers], created, accepted


# wrk's Lua hooks: each request carries the token of the next delegation in turn, so the
# server's per-delegation caches see many readers; at the end, the figures as one line.
WRK_SCRIPT = """
tokens = {%s}
local i = 0
function setup(thread)
  thread:set("first", math.random(#tokens))
end
function request()
  i = i + 1
  local token = tokens[((first or 0) + i) %% #tokens + 1]
  return wrk.format("GET", nil, {["Authorization"] = "Bearer " .. token})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%f %%f %%f\\n", summary.requests,
    summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def read_with_wrk(
    phase: Phase, target: str, tokens: list[str], clients: int, seconds: float
) -> None:
    """Agenda reads driven by wrk, a load generator written in C: Python clients cost about as
    much CPU as the server they load, and here they share its two cores."""
    quoted = ", ".join(f'"{token}"' for token in tokens)
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % quoted)
        script.flush()
        command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds:.0f}s", "-s", script.name, target]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    [line] = [line for line in output.splitlines() if line.startswith("RESULT ")]
    requests, duration_us, status_errors, socket_errors, p50, p95, p99 = line.split()[1:]
    phase.seconds = int(duration_us) / 1e6
    phase.summary = (int(requests), float(p50), float(p95), float(p99))
    if int(status_errors):
        phase.errors["non-2xx"] = int(status_errors)
    if int(socket_errors):
        phase.errors["socket"] = int(socket_errors)


def verify(url: str, event_id: str, created: set[int], accepted: set[int]) -> tuple[int, int, int]:
    """(acknowledged writes missing, acknowledged acceptances not accepted, double bookings)."""
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    with Session(engine) as session:
        states = dict(
            session.execute(
                select(RequestRow.id, RequestRow.state).where(RequestRow.event_id == event_id)
            ).all()
        )
        doubles = 0
        for table, column in ((PrincipalBookingRow, "principal_id"), (SpaceBookingRow, "space_id")):
            a, b = aliased(table), aliased(table)
            doubles += len(
                session.execute(
                    select(a.id).where(
                        a.event_id == event_id,
                        b.event_id == event_id,
                        getattr(a, column) == getattr(b, column),
                        a.id < b.id,
                        a.starts_at < b.ends_at,
                        b.starts_at < a.ends_at,
                    )
                ).all()
            )
    engine.dispose()
    missing = len(created - set(states))
    not_accepted = sum(1 for i in accepted if states.get(i) != "accepted")
    return missing, not_accepted, doubles


TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def schedstat(pid: int) -> dict[int, tuple[int, int]]:
    """Each thread's time on a core and time waiting for one (ns), from /proc/PID/task."""
    stats = {}
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError, ValueError):
                running, waiting, _ = (task / "schedstat").read_text().split()
                stats[int(task.name)] = (int(running), int(waiting))
    return stats


def since(before: dict[int, tuple[int, int]], after: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """Time on a core and waiting, summed over the threads, between two ``schedstat`` reads (a
    thread started meanwhile counts from 0; one that ended meanwhile is lost)."""
    running = sum(a[0] - before.get(t, (0, 0))[0] for t, a in after.items())
    waiting = sum(a[1] - before.get(t, (0, 0))[1] for t, a in after.items())
    return running, waiting


def tree_pids(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            pids += tree_pids(int(child))
    return pids


def database_pids() -> list[int]:
    """PostgreSQL's server processes (their CPU is the database's share of the work)."""
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


@dataclass
class CpuMeter:
    """CPU seconds spent by the server's processes and by PostgreSQL's, between two readings:
    on a shared machine, CPU per request is a steadier figure than requests per second."""

    server: int

    def read(self) -> tuple[float, float]:
        server = sum(process_cpu_seconds(p) for p in tree_pids(self.server))
        database = sum(process_cpu_seconds(p) for p in database_pids())
        return server, database


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run_one(name: str, url: str, workers: int, args: argparse.Namespace) -> list[str]:
    event_id, parties = seed(url, args.parties, args.seed)
    port = free_port()
    server = start_server(url, port, workers)
    try:
        phases, created, accepted = asyncio.run(
            drive(
                f"http://127.0.0.1:{port}",
                event_id,
                parties,
                args.clients,
                args.seconds,
                args.reader,
                CpuMeter(server.pid),
            )
        )
    finally:
        server.terminate()
        server.wait(30)
    missing, not_accepted, doubles = verify(url, event_id, created, accepted)
    rows = []
    for phase in phases:
        if phase.summary is not None:
            count, p50, p95, p99 = phase.summary
        else:
            count = len(phase.latencies_ms)
            p50, p95, p99 = (percentile(phase.latencies_ms, q) for q in (50, 95, 99))
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(phase.errors.items())) or "0"
        server_ms, database_ms = (1000 * cpu / max(count, 1) for cpu in phase.cpu)
        database_cell = f"{database_ms:.2f}" if name == "postgresql" else "–"
        rows.append(
            f"| {name} ({workers} worker{'s' if workers > 1 else ''}) | {phase.name} | {count} "
            f"| {count / phase.seconds:.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} "
            f"| {server_ms:.2f} | {database_cell} | {errors} |"
        )
    rows.append(
        f"| {name} | check | acknowledged writes missing: {missing}; acknowledged acceptances "
        f"not accepted: {not_accepted}; double bookings: {doubles} | | | | | | | |"
    )
    return rows


@contextmanager
def fresh_database(name: str, keep: bool = False) -> Iterator[str]:
    """The URL of a new, empty database (``postgresql`` on the server the tests use, or a
    ``sqlite`` file), dropped afterwards unless ``keep`` (PostgreSQL)."""
    if name != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/load.sqlite3"
        return
    admin_url = os.environ.get("SIDELINES_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    admin = create_engine(
        normalise_url(admin_url), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    database = f"sidelines_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield admin.url.set(database=database).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase")
    parser.add_argument("--parties", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--pg-workers", type=int, default=4)
    parser.add_argument("--sqlite-workers", type=int, default=1)
    parser.add_argument(
        "--reader",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="who drives the agenda reads: wrk (if installed) or the Python clients",
    )
    args = parser.parse_args()
    rows = [
        "| database | phase | requests | per second | p50 (ms) | p95 (ms) | p99 (ms) "
        "| server CPU (ms/request) | PostgreSQL CPU (ms/request) | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in args.databases.split(","):
        workers = args.pg_workers if name == "postgresql" else args.sqlite_workers
        with fresh_database(name) as url:
            rows += run_one(name, url, workers, args)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
