"""Agenda reads while the worker process solves a large event, against the same reads without.

Seeds a generated event (by default 3,000 principals and 20,000 agreed meetings) in a fresh
PostgreSQL database, with a token for the organiser and for ``--readers`` delegations, and
serves it with ``sidelines serve --workers 4`` (which starts the worker that runs batch solves).
Then, for each ``--worker-nice`` value (the worker process's CPU priority, ``sidelines worker
--nice`` and ``--idle``), on a server started anew: agenda reads arrive at ``--rate`` per second for
``--seconds`` with no solve, then a solve is started through the API, and once the worker has
claimed it the same reads run for ``--seconds`` more while it solves. Printed side by side: the
reads' p50/p95/p99 in each phase, and where the CPU went (the web workers, the solving worker,
PostgreSQL, everything else on the machine).

    .venv/bin/python benchmarks/solve_reads.py                       # 3,000 x 20,000, 30 s each
    .venv/bin/python benchmarks/solve_reads.py --principals 300 --requests 2000 --seconds 10

The seeding writes the meetings in batches with the revision trigger off (a minute or less for
20,000 meetings, where one by one took about 6): see ``one_revision_for_the_import``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import select, text

from api_load import (
    database_pids,
    free_port,
    fresh_database,
    percentile,
    process_cpu_seconds,
    start_server,
    tree_pids,
)
from load import machine_busy_seconds
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.services import events
from sidelines.services.accounts import hash_token
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.storage.db import Database
from sidelines.storage.tables import EventRow, PartyRow, TokenRow, UserRow

REQUESTS_PER_SPACE = 40  # as benchmarks/generated.py
CONNECTIONS = 25  # per httpx pool
TIMEOUT_S = 10.0  # a read's client gives up after this; counted as an error


def seed(url: str, args: argparse.Namespace) -> tuple[str, str, list[str]]:
    """The event imported (its meetings agreed, not yet scheduled); its id, the organiser's
    token and the readers' tokens."""
    spec = GeneratorSpec(
        principals=args.principals,
        requests=args.requests,
        spaces=max(2, args.requests // REQUESTS_PER_SPACE),
        locked=max(1, args.principals // 200),
        precedences=max(1, args.requests // 1000),
    )
    event = generate_event(spec, args.seed)
    db = Database(url)
    db.upgrade()
    with one_revision_for_the_import(db, event.id):
        events.import_event(db, Actor(Role.ORGANISER, channel="cli"), event)
    db.dispose()
    return logins(url, args)


@contextlib.contextmanager
def one_revision_for_the_import(db: Database, event_id: str) -> Iterator[None]:
    """The import with the meetings' revision trigger off, and one revision for all of them.

    Seeding only. Each meeting written raises its event's revision (``storage/revisions.py``):
    on PostgreSQL that is an update of the one event row per meeting, and 20,000 of them in one
    transaction leave 20,000 versions of that row, each update slower than the last (the import
    of 20,000 meetings took about 6 minutes). The benchmark owns its database and nothing reads
    it meanwhile: the trigger is off for the import, and afterwards the event's revision is
    raised once and given to every meeting, which is what a reader can tell apart anyway."""
    with db.writing() as session:
        session.execute(text("ALTER TABLE meetings DISABLE TRIGGER meetings_stamp_revision"))
    try:
        yield
    finally:
        with db.writing() as session:
            revision = session.scalar(
                text(
                    "UPDATE events SET revision = revision + 1 WHERE id = :event RETURNING revision"
                ),
                {"event": event_id},
            )
            session.execute(
                text("UPDATE meetings SET revision = :revision WHERE event_id = :event"),
                {"revision": revision, "event": event_id},
            )
            session.execute(text("ALTER TABLE meetings ENABLE TRIGGER meetings_stamp_revision"))


def logins(url: str, args: argparse.Namespace) -> tuple[str, str, list[str]]:
    """The event's id, a fresh token for its organiser and for ``--readers`` delegations."""
    db = Database(url)
    tokens = {}
    with db.writing() as session:
        event_id = session.scalars(select(EventRow.id)).one()
        parties = session.scalars(
            select(PartyRow.id).where(PartyRow.event_id == event_id).order_by(PartyRow.id)
        ).all()[: args.readers]
        suffix = secrets.token_hex(3)  # a database kept from an earlier run has its accounts
        for party in [None, *parties]:
            user = UserRow(
                username=f"delegate-{party}-{suffix}" if party else f"organiser-{suffix}",
                password_hash="no password: this account logs in by token only",
                role=str(Role.DELEGATE if party else Role.ORGANISER),
                event_id=event_id if party else None,
                party_id=party,
                created_at=now(),
            )
            session.add(user)
            session.flush()
            token = secrets.token_urlsafe(24)
            session.add(TokenRow(user_id=user.id, token_hash=hash_token(token), created_at=now()))
            tokens[party] = token
    db.dispose()
    organiser = tokens.pop(None)
    return event_id, organiser, list(tokens.values())


@dataclass
class Reads:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    # CPU seconds: web workers, the worker process, PostgreSQL, the rest of the machine.
    cpu: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    seconds: float = 0.0
    solve: str = ""


class Meter:
    """CPU seconds of the web workers, of the worker process, of PostgreSQL and of the rest."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def read(self) -> tuple[float, float, float, float]:
        web = worker = 0.0
        for pid in tree_pids(self.server_pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"\0worker\0" in command:
                worker += process_cpu_seconds(pid)
            else:
                web += process_cpu_seconds(pid)
        database = sum(process_cpu_seconds(p) for p in database_pids())
        machine = machine_busy_seconds()
        return web, worker, database, machine - web - worker - database


async def read_agendas(
    pools: list[httpx.AsyncClient],
    path: str,
    tokens: list[str],
    rate: float,
    seconds: float,
    into: Reads,
) -> None:
    """One agenda read every 1/rate s (open loop), each with the next reader's token."""

    async def one(http: httpx.AsyncClient, token: str) -> None:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(TIMEOUT_S):
                response = await http.get(path, headers={"Authorization": f"Bearer {token}"})
        except (httpx.HTTPError, TimeoutError):
            into.errors += 1
            return
        into.latencies_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            into.errors += 1

    tasks = set()
    start = time.monotonic()
    for i in range(int(rate * seconds)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(pools[i % len(pools)], tokens[i % len(tokens)]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    into.seconds = time.monotonic() - start


async def measure(
    base: str,
    event_id: str,
    organiser: str,
    tokens: list[str],
    args: argparse.Namespace,
    meter: Meter,
) -> list[Reads]:
    prefix = f"/api/events/{event_id}"
    as_organiser = {"Authorization": f"Bearer {organiser}"}
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with contextlib.AsyncExitStack() as stack:
        # Pools small enough that a backlog of reads does not make each answer's bookkeeping
        # slow (see load.CLIENTS_PER_POOL), and enough of them for rate x timeout in flight.
        pools = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT_S + 5)
            )
            for _ in range(max(1, math.ceil(args.rate * TIMEOUT_S / CONNECTIONS)))
        ]
        http = pools[0]
        # Each web worker builds its agendas once: not counted.
        await read_agendas(pools, f"{prefix}/agenda", tokens, args.rate, 3, Reads("warm-up"))
        quiet, solving = Reads("without a solve"), Reads("during the solve")
        before = meter.read()
        await read_agendas(pools, f"{prefix}/agenda", tokens, args.rate, args.seconds, quiet)
        quiet.cpu = _minus(meter.read(), before)
        started = await http.post(
            f"{prefix}/solves", json={"time_limit_s": args.solve_seconds}, headers=as_organiser
        )
        started.raise_for_status()
        run = started.json()
        deadline = time.monotonic() + 600
        # Reads start once the worker has the solve in hand (building its problem included).
        while run["progress"].get("phase") in ("queued", None) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            run = (await http.get(f"{prefix}/solves/{run['id']}", headers=as_organiser)).json()
        before = meter.read()
        await read_agendas(pools, f"{prefix}/agenda", tokens, args.rate, args.seconds, solving)
        solving.cpu = _minus(meter.read(), before)
        run = (await http.get(f"{prefix}/solves/{run['id']}", headers=as_organiser)).json()
        solving.solve = f"solve {run['status']}, phase {run['progress'].get('phase')} at the end"
        # The next server starts with no solve running.
        while run["status"] == "running" and time.monotonic() < deadline:
            await asyncio.sleep(1)
            run = (await http.get(f"{prefix}/solves/{run['id']}", headers=as_organiser)).json()
    return [quiet, solving]


def _minus(
    after: tuple[float, float, float, float], before: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    return (
        after[0] - before[0],
        after[1] - before[1],
        after[2] - before[2],
        after[3] - before[3],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--readers", type=int, default=200, help="delegations reading")
    parser.add_argument("--rate", type=float, default=100.0, help="agenda reads per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="per phase")
    parser.add_argument("--solve-seconds", type=float, default=30.0, help="the solve's limit")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--worker-nice",
        default="10,idle",
        help="the worker process's priorities, comma-separated, each on a server started anew: "
        "a niceness (0-19, the default policy; 10 is the worker's priority before SCHED_IDLE), "
        "or idle (niceness 10 and SCHED_IDLE, as the worker runs by default)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-log", metavar="PREFIX")
    parser.add_argument(
        "--database",
        help="a PostgreSQL database kept from an earlier run (--keep), seeded already",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the seeded database and print its URL"
    )
    args = parser.parse_args()
    rows = [
        "| worker nice | reads | count | per second | p50 (ms) | p95 (ms) | p99 (ms) | errors "
        "| CPU s: web workers / worker / PostgreSQL / rest | solve |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    with contextlib.ExitStack() as stack:
        if args.database:
            url = args.database
            event_id, organiser, tokens = logins(url, args)
        else:
            url = stack.enter_context(fresh_database("postgresql", keep=args.keep))
            started = time.monotonic()
            event_id, organiser, tokens = seed(url, args)
            print(f"seeded {url} in {time.monotonic() - started:.0f} s", flush=True)
        for nice in args.worker_nice.split(","):
            idle = nice == "idle"
            os.environ["SIDELINES_WORKER_NICE"] = "10" if idle else nice
            os.environ["SIDELINES_WORKER_IDLE"] = "1" if idle else "0"
            port = free_port()
            log = Path(f"{args.server_log}-nice{nice}.log") if args.server_log else None
            server = start_server(url, port, args.workers, log)
            try:
                phases = asyncio.run(
                    measure(
                        f"http://127.0.0.1:{port}",
                        event_id,
                        organiser,
                        tokens,
                        args,
                        Meter(server.pid),
                    )
                )
            finally:
                server.terminate()
                server.wait(60)
            for reads in phases:
                p50, p95, p99 = (percentile(reads.latencies_ms, q) for q in (50, 95, 99))
                cpu = " / ".join(f"{c:.0f}" for c in reads.cpu)
                rows.append(
                    f"| {nice} | {reads.name} | {len(reads.latencies_ms)} "
                    f"| {len(reads.latencies_ms) / reads.seconds:.0f} | {p50:.1f} | {p95:.1f} "
                    f"| {p99:.1f} | {reads.errors} | {cpu} | {reads.solve} |"
                )
            quiet, solving = phases
            ratio = percentile(solving.latencies_ms, 99) / percentile(quiet.latencies_ms, 99)
            rows.append(f"| {nice} | p99 during / without | | | | | **{ratio:.2f}** | | | |")
            print(
                f"load average after {nice}: {os.getloadavg()[0]:.1f}; p99 ratio {ratio:.2f}",
                flush=True,
            )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
