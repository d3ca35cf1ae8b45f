"""A long mixed load on the served API, then a check of the database: nothing lost, nothing twice.

Seeds a generated partnering event as ``api_load.py`` does (a published schedule, one login per
delegation and one for the organiser), starts ``sidelines serve`` and runs ``--clients``
concurrent clients for ``--seconds``: each delegation in turn reads its agenda, sends requests,
answers what it received (accept, counter, soft-decline) and lists its inbox; one client is the
organiser, reading the schedule and placing agreed-on-site meetings. Afterwards the database is
checked: every acknowledged request is there, every acknowledged acceptance still holds, no
principal or space is booked twice, and every acknowledged change has its audit entry.

An answer of 4xx is a refusal the API meant (a request answered twice, a meeting that fits
nowhere); errors are 5xx and broken connections.

With ``--rate`` the load is an open loop instead: requests arrive at that rate whatever the
server's answers (as a venue's delegations do, not ``--clients`` waiting on each other), with
the same mix, each given up by its client after ``--timeout`` seconds. It counts answers,
refusals (503 with and without Retry-After), client timeouts and answers within a second, and
afterwards what the server did that no client was told of: requests created whose client had
timed out or was refused, and answers applied after their client's timeout.

    .venv/bin/python benchmarks/load.py --seconds 300 --clients 200
    .venv/bin/python benchmarks/load.py --seconds 30 --databases sqlite --server-log server
    .venv/bin/python benchmarks/load.py --databases postgresql --seconds 60 --rate 150
    .venv/bin/python benchmarks/load.py --databases postgresql --seconds 60 --rate 150,300 \
        --variant unbounded --variant bounded:
    .venv/bin/python benchmarks/load.py --databases postgresql --seconds 30 --overload \
        --variant main:PYTHONPATH=../main/src --variant this:

With ``--overload`` it first finds the rate the server sustains, as the throughput (2xx answers
per second) of the closed loop, then offers twice that rate open loop to the same server, and
reports the share of the sustainable rate still completed and the share of requests answered
(2xx, or 503 with Retry-After) within a second (``overload.py``). ``--client httpx`` runs the
clients on httpx instead of the light client (``raw_http.py``), to compare their CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import NullPool, create_engine, func, select, text
from sqlalchemy.orm import Session

import raw_http
from api_load import (
    PASSWORD,
    database_pids,
    free_port,
    fresh_database,
    process_cpu_seconds,
    seed,
    start_server,
    tree_pids,
    verify,
)
from api_load import percentile as quantile
from sidelines.storage.db import normalise_url
from sidelines.storage.tables import AuditRow

ANSWERS = ("accept", "accept", "soft_decline", "defer")


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile of ``values``; of one value, that value (none: nan)."""
    return quantile(values, q) if len(values) > 1 else (values[0] if values else float("nan"))


# The load generator's client: the light one (``raw_http``) by default, httpx for comparison.
Http = httpx.AsyncClient | raw_http.Client
Response = httpx.Response | raw_http.Response
CLIENT_ERRORS = (httpx.HTTPError, raw_http.HTTPError)


@contextlib.asynccontextmanager
async def http_clients(kind: str, base: str, clients: int) -> AsyncIterator[list[Http]]:
    """The clients' connections: one light client (it opens a connection per request in
    flight), or httpx pools of ``CLIENTS_PER_POOL`` + 1 connections for ``clients``."""
    if kind == "raw":
        async with raw_http.Client(base) as light:
            yield [light]
        return
    size = CLIENTS_PER_POOL + 1
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base, limits=limits, timeout=60)
            )
            for _ in range(math.ceil(clients / CLIENTS_PER_POOL))
        ]


@dataclass
class Tally:
    """What the clients saw, and what the server acknowledged."""

    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    # The same, of the answers served (all but the 503s): what a client waited for its work.
    served_ms: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    created: set[int] = field(default_factory=set)
    accepted: set[int] = field(default_factory=set)
    # Acknowledged changes per request: each must have its own audit entry.
    changes: Counter[int] = field(default_factory=Counter)

    async def call(
        self, http: Http, kind: str, method: str, path: str, **kwargs: object
    ) -> Response | None:
        started = time.perf_counter()
        try:
            response = await http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except CLIENT_ERRORS as error:
            self.errors[f"{kind}: {type(error).__name__}"] += 1
            return None
        took_ms = (time.perf_counter() - started) * 1000
        self.latencies_ms.setdefault(kind, []).append(took_ms)
        if response.status_code != 503:
            self.served_ms.setdefault(kind, []).append(took_ms)
        self.statuses[f"{kind} {response.status_code}"] += 1
        if response.status_code >= 500:
            self.errors[f"{kind}: {response.status_code}"] += 1
        if response.status_code == 503 and "retry-after" in response.headers:
            # A client that honours the refusal comes back after the pause asked for (jittered,
            # so that the refused do not return in step), instead of asking again at once.
            pause = float(response.headers["retry-after"])
            await asyncio.sleep(random.uniform(0.5, 1.5) * pause)
        return response


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent on anything but idling, so far."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_backends_cpu(url: str) -> dict[int, float]:
    """The CPU so far of each PostgreSQL process connected to the database at ``url`` (a
    server's pooled connections stay open): on a PostgreSQL server shared with other work, the
    database's share of one benchmark alone. Empty for SQLite."""
    if not url.startswith("postgresql"):
        return {}
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    with engine.connect() as connection:
        pids = connection.execute(
            text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        cpu = {p: process_cpu_seconds(p) for p in pids}
    engine.dispose()
    return cpu


class Usage:
    """Where the machine's CPU went while the clients ran (the server's processes, PostgreSQL's,
    the clients' own and everything else), and the most connections the server held at once
    (sampled each second; PostgreSQL only)."""

    def __init__(self, url: str, server_pid: int) -> None:
        self.url = url
        self.server_pid = server_pid
        self.peak_connections = 0
        self.seconds = self.server = self.database = self.clients = self.rest = 0.0
        # Of ``database``, the processes serving this database alone (``own_backends_cpu``).
        self.own_database = 0.0
        self._own_before: dict[int, float] = {}
        self._before: tuple[dict[int, float], dict[int, float], float, float] = ({}, {}, 0, 0)
        self._started = 0.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _readings(self) -> tuple[dict[int, float], dict[int, float], float, float]:
        return (
            {p: process_cpu_seconds(p) for p in tree_pids(self.server_pid)},
            {p: process_cpu_seconds(p) for p in database_pids()},
            process_cpu_seconds(os.getpid()),
            machine_busy_seconds(),
        )

    def start(self) -> None:
        self._own_before = own_backends_cpu(self.url)
        self._before = self._readings()
        self._started = time.monotonic()
        if self.url.startswith("postgresql"):
            self._sampler.start()

    def stop(self) -> None:
        server, database, clients, machine = self._readings()
        own = own_backends_cpu(self.url)
        self.own_database = sum(cpu - self._own_before.get(p, 0.0) for p, cpu in own.items())
        before = self._before
        self.seconds = time.monotonic() - self._started
        # Per process, so that one that ended meanwhile (a connection of the run before) does
        # not count against the others; what it spent before it ended is not counted.
        self.server = sum(cpu - before[0].get(p, 0.0) for p, cpu in server.items())
        self.database = sum(cpu - before[1].get(p, 0.0) for p, cpu in database.items())
        self.clients = clients - before[2]
        self.rest = machine - before[3] - self.server - self.database - self.clients
        self._stop.set()
        if self._sampler.is_alive():
            self._sampler.join()

    def _sample(self) -> None:
        engine = create_engine(normalise_url(self.url), poolclass=NullPool)
        query = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with engine.connect() as connection:
            while not self._stop.wait(1.0):
                held = connection.execute(query).scalar_one()
                self.peak_connections = max(self.peak_connections, held)
                connection.rollback()  # a fresh snapshot of pg_stat_activity each time
        engine.dispose()

    def summary(self, requests: int = 0, served: int = 0) -> str:
        """The shares of CPU; per request (all of them, refusals included) when ``requests``,
        and per request served (neither refused nor timed out: what a refusal costs is small
        and the refused share varies) when ``served``, the steadier figure on a busy machine."""
        cores = os.cpu_count() or 1
        shares = (
            f"CPU seconds in {self.seconds:.0f} s on {cores} cores: server {self.server:.0f}, "
            f"PostgreSQL {self.database:.0f}, clients {self.clients:.0f}, rest of the machine "
            f"{self.rest:.0f}"
        )
        if requests:
            shares += (
                f"; per request: server {1000 * self.server / requests:.1f} ms, clients "
                f"{1000 * self.clients / requests:.2f} ms"
            )
        if served:
            shares += f"; server per request served: {1000 * self.server / served:.1f} ms"
        if served and self.url.startswith("postgresql"):
            shares += (
                f"; this database's PostgreSQL processes {self.own_database:.1f} s, "
                f"{1000 * self.own_database / served:.1f} ms per request served"
            )
        if self.url.startswith("postgresql"):
            shares += f"; most connections held at once: {self.peak_connections}"
        return shares


async def login(http: Http, username: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD}
    response = await http.post("/api/auth/token", json=body)
    # Refused while busy (a server of few threads hashes few passwords at once, slowly on a busy
    # machine): again after the pause the server asks for, for up to about two minutes.
    for _ in range(120):
        if response.status_code != 503 or "retry-after" not in response.headers:
            break
        await asyncio.sleep(float(response.headers["retry-after"]))
        response = await http.post("/api/auth/token", json=body)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def log_in(http: Http, parties: list[str]) -> list[dict[str, str]]:
    """The organiser's headers, then each delegation's. Logging in hashes a password with
    Argon2 (a sixth of a second of CPU): done first, a few at a time, and not measured."""
    gate = asyncio.Semaphore(4)

    async def gated(username: str) -> dict[str, str]:
        async with gate:
            return await login(http, username)

    return await asyncio.gather(
        gated("organiser"), *(gated(f"delegate-{party}") for party in parties)
    )


async def delegation(
    http: Http,
    tally: Tally,
    prefix: str,
    party: str,
    others: list[str],
    headers: dict[str, str],
    end: float,
) -> None:
    rng = random.Random(party)
    while time.monotonic() < end:
        step = rng.random()
        if step < 0.55:
            await tally.call(http, "agenda", "GET", f"{prefix}/agenda", headers=headers)
        elif step < 0.75:
            body = {
                "invitees": [rng.choice(others)],
                "proposal": {"format": "b2b", "duration_min": 30},
            }
            key = {"Idempotency-Key": uuid.uuid4().hex}
            made = await tally.call(
                http, "send", "POST", f"{prefix}/requests", json=body, headers=headers | key
            )
            if made is not None and made.status_code == 201:
                tally.created.add(made.json()["id"])
                tally.changes[made.json()["id"]] += 1
        else:
            inbox = await tally.call(
                http,
                "inbox",
                "GET",
                f"{prefix}/requests",
                params={"box": "received", "state": "sent", "limit": 20},
                headers=headers,
            )
            if inbox is None or inbox.status_code != 200 or not inbox.json()["items"]:
                continue
            request_id = rng.choice(inbox.json()["items"])["id"]
            what = rng.choice(ANSWERS)
            body = {"answer": what} | (
                {"reason": "scheduling conflict"} if "decline" in what else {}
            )
            answered = await tally.call(
                http,
                "answer",
                "POST",
                f"{prefix}/requests/{request_id}/answers",
                json=body,
                headers=headers,
            )
            if answered is not None and answered.status_code == 200:
                tally.changes[request_id] += 1
                if answered.json()["state"] == "accepted":
                    tally.accepted.add(request_id)


async def organiser(
    http: Http, tally: Tally, prefix: str, headers: dict[str, str], end: float
) -> None:
    rng = random.Random(0)
    while time.monotonic() < end:
        await tally.call(http, "schedule", "GET", f"{prefix}/schedule", headers=headers)
        if not tally.created:
            await asyncio.sleep(0.1)
            continue
        request_id = rng.choice(sorted(tally.created)[-50:])
        placed = await tally.call(
            http, "place", "POST", f"{prefix}/requests/{request_id}/agreed-on-site", headers=headers
        )
        if placed is not None and placed.status_code == 200:
            tally.changes[request_id] += 1
            tally.accepted.add(request_id)


# Clients per httpx connection pool. Handing a connection out costs a pool time in proportion to
# its connections and waiting requests (httpcore's ``_assign_requests_to_connections``): one pool
# of 200 took 44 % of the clients' CPU, itself a quarter of the machine's, taken from the server.
CLIENTS_PER_POOL = 20


async def drive(
    base: str,
    event_id: str,
    parties: list[str],
    clients: int,
    seconds: float,
    usage: Usage,
    client: str = "raw",
) -> Tally:
    tally = Tally()
    prefix = f"/api/events/{event_id}"
    async with http_clients(client, base, clients) as pools:
        logins = await log_in(pools[0], parties[: clients - 1])
        await closed_loop(pools, tally, prefix, parties, logins, seconds, usage)
    return tally


async def closed_loop(
    pools: list[Http],
    tally: Tally,
    prefix: str,
    parties: list[str],
    logins: list[dict[str, str]],
    seconds: float,
    usage: Usage,
) -> None:
    """The organiser (``logins[0]``) and one client per further login, for ``seconds``."""
    end = time.monotonic() + seconds
    delegations = [
        delegation(
            pools[i % len(pools)], tally, prefix, party, [p for p in parties if p != party], h, end
        )
        for i, (party, h) in enumerate(zip(parties, logins[1:], strict=False), start=1)
    ]
    usage.start()
    await asyncio.gather(organiser(pools[0], tally, prefix, logins[0], end), *delegations)
    usage.stop()


# The organiser's kinds of request; every other kind is a delegation's.
ORGANISER_KINDS = ("schedule", "place")


def refused_shares(statuses: Counter[str]) -> str:
    """The share of the organiser's requests and of the delegations' answered 503: a server
    that sheds load fairly refuses the one organiser no more than the many delegations."""
    shares = []
    for who, theirs in (("organiser", True), ("delegations", False)):
        mine = {k: n for k, n in statuses.items() if (k.split()[0] in ORGANISER_KINDS) == theirs}
        total = sum(mine.values())
        refused = sum(n for k, n in mine.items() if k.endswith(" 503"))
        shares.append(f"{who} {refused} of {total} ({100 * refused / max(total, 1):.0f} %)")
    return "refused 503: " + ", ".join(shares)


def served(statuses: Counter[str]) -> int:
    """Answers other than 503 (``statuses`` as "kind status": counts)."""
    return sum(n for key, n in statuses.items() if not key.endswith(" 503"))


def audit_gaps(url: str, event_id: str, changes: Counter[int]) -> int:
    """Acknowledged changes of a request beyond the audit entries about it."""
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    with Session(engine) as session:
        entries = dict(
            session.execute(
                select(AuditRow.subject_id, func.count())
                .where(AuditRow.event_id == event_id, AuditRow.subject_type == "request")
                .group_by(AuditRow.subject_id)
            ).all()
        )
    engine.dispose()
    return sum(max(0, n - entries.get(str(request_id), 0)) for request_id, n in changes.items())


def run_one(name: str, url: str, workers: int, args: argparse.Namespace) -> list[str]:
    event_id, parties = seed(url, args.parties or args.clients, args.seed)
    port = free_port()
    log = Path(f"{args.server_log}-{name}.log") if args.server_log else None
    server = start_server(url, port, workers, log)
    usage = Usage(url, server.pid)
    try:
        tally = asyncio.run(
            drive(
                f"http://127.0.0.1:{port}",
                event_id,
                parties,
                args.clients,
                args.seconds,
                usage,
                args.client,
            )
        )
    finally:
        server.terminate()
        server.wait(30)
    elapsed = args.seconds
    missing, not_accepted, doubles = verify(url, event_id, tally.created, tally.accepted)
    gaps = audit_gaps(url, event_id, tally.changes)
    everything = [ms for values in tally.latencies_ms.values() for ms in values]
    label = f"{name} ({workers} worker{'s' if workers > 1 else ''})"
    rows = []
    for kind, values in [*sorted(tally.latencies_ms.items()), ("all", everything)]:
        p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
        rows.append(
            f"| {label} | {kind} | {len(values)} | {len(values) / elapsed:.0f} "
            f"| {p50:.1f} | {p95:.1f} | {p99:.1f} |"
        )
    served_all = [ms for values in tally.served_ms.values() for ms in values]
    p50, p95, p99 = (percentile(served_all, q) for q in (50, 95, 99))
    kinds = "; ".join(
        f"{kind} p99 {percentile(values, 99):.0f}"
        for kind, values in sorted(tally.served_ms.items())
    )
    rows.append(
        f"| {label} | served (not 503; {kinds}) | {len(served_all)} "
        f"| {len(served_all) / elapsed:.0f} | {p50:.1f} | {p95:.1f} | {p99:.1f} |"
    )
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(tally.errors.items())) or "0"
    refusals = ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items()) if " 4" in k and v)
    rows.append(
        f"| {label} | check | {args.seconds:.0f} s, {args.clients} clients; errors: {errors}; "
        f"refusals: {refusals or 0}; acknowledged writes missing: {missing}; acknowledged "
        f"acceptances lost: {not_accepted}; double bookings: {doubles}; audit gaps: {gaps}; "
        f"{refused_shares(tally.statuses)}; "
        f"{usage.summary(len(everything), served(tally.statuses))} | | | | |"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument(
        "--parties", type=int, help="delegations in the event (default: --clients, or 200)"
    )
    parser.add_argument(
        "--rate",
        help="open loop: requests arriving per second; several, comma-separated, run in turn "
        "against the same server",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="open loop: the client's timeout (s)"
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:KEY=VALUE,...",
        help="open loop: a server started with these environment variables, on a fresh "
        "database; repeated, the variants run one after the other in one run",
    )
    parser.add_argument(
        "--overload",
        action="store_true",
        help="find the rate the server sustains (a closed loop of --clients), then offer twice "
        "it in an open loop; per database and --variant",
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="the load generator's HTTP client: raw asyncio streams (light) or httpx",
    )
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--pg-workers", type=int, default=4)
    parser.add_argument("--sqlite-workers", type=int, default=1)
    parser.add_argument(
        "--server-log", help="keep the server's output in PREFIX-<database>.log", metavar="PREFIX"
    )
    parser.add_argument(
        "--pool-size", type=int, help="the server's connections per worker (sidelines serve)"
    )
    args = parser.parse_args()
    if args.pool_size:
        os.environ["SIDELINES_POOL_SIZE"] = str(args.pool_size)
    if args.overload:
        from overload import overload_main  # it imports this module

        overload_main(args)
        return
    if args.rate:
        from open_loop import open_loop_main  # it imports this module

        open_loop_main(args)
        return
    rows = [
        "| database | operation | requests | per second | p50 (ms) | p95 (ms) | p99 (ms) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    for name in args.databases.split(","):
        workers = args.pg_workers if name == "postgresql" else args.sqlite_workers
        with fresh_database(name) as url:
            rows += run_one(name, url, workers, args)
        print(f"load average after {name}: {os.getloadavg()[0]:.1f}", flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
