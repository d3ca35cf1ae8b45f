"""The server's CPU per request, by kind of request, with nothing else served meanwhile.

Seeds the load event of ``load.py`` (``--parties`` delegations, a published schedule) in a fresh
PostgreSQL database, serves it with one worker (``sidelines serve --workers 1``) and sends, a few
at a time (``--clients``), ``--requests`` requests of one kind after another: a health check (what
the web layer costs a request that does no work), an agenda read, an inbox read (received requests
waiting for an answer, 20 to a page), a send (a new request to a delegation it has not asked yet,
with an ``Idempotency-Key``), the organiser's read of the whole published schedule while nothing
changes, and the organiser's step of ``load.py`` (the schedule read, then one of the requests sent
agreed on site and placed). Each kind runs once unmeasured first. Printed: the server's CPU per
request of each kind (its processes' user and system time, the job worker's included), PostgreSQL's
(the CPU of the database's own server processes, those connected to the benchmark's database), and
the answers' statuses; then, per kind, what the database did per request by its own statistics
(``pg_stat_database``, ``pg_stat_user_tables``): transactions, rows read by index and by sequential
scan, and the tables scanned whole.

A closed loop on a shared machine swings with the neighbours' load: its served rate follows the
share of the cores the server gets, and its refusals' share with it. The CPU per request of one
kind at a time is the steadier figure to compare two trees by.

    .venv/bin/python benchmarks/request_costs.py
    .venv/bin/python benchmarks/request_costs.py --baseline base/src --rounds 2

With ``--baseline`` (the ``src`` folder of another tree, e.g. a ``git archive`` of a commit), the
trees take turns, each on a database of its own, the order reversed every round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import NullPool, create_engine, text

import raw_http
from api_load import free_port, fresh_database, process_cpu_seconds, start_server, tree_pids
from load import login, own_backends_cpu
from sidelines.storage.db import normalise_url

KINDS = ("health", "agenda", "inbox", "send", "schedule", "place")


class Sender:
    """Sends one kind of request for a few delegations, each send to a party not asked yet."""

    def __init__(
        self,
        http: raw_http.Client,
        prefix: str,
        logins: list[dict[str, str]],
        organiser: dict[str, str],
    ) -> None:
        self.http = http
        self.prefix = prefix
        self.logins = logins
        self.organiser = organiser
        self.sent = 0
        self.created: list[int] = []  # by the sends, for the organiser to place
        self.placed = 0

    async def one(self, kind: str, index: int, parties: list[str]) -> int:
        headers = self.logins[index % len(self.logins)]
        if kind == "health":
            response = await self.http.request("GET", "/api/health")
        elif kind == "agenda":
            response = await self.http.request("GET", f"{self.prefix}/agenda", headers=headers)
        elif kind == "schedule":
            response = await self.http.request(
                "GET", f"{self.prefix}/schedule", headers=self.organiser
            )
        elif kind == "place":
            # As the organiser of ``load.py`` does; a request placed twice (more places than
            # sends) is refused 409, as there.
            await self.http.request("GET", f"{self.prefix}/schedule", headers=self.organiser)
            request_id = self.created[self.placed % len(self.created)]
            self.placed += 1
            response = await self.http.request(
                "POST",
                f"{self.prefix}/requests/{request_id}/agreed-on-site",
                headers=self.organiser,
            )
        elif kind == "inbox":
            query = {"box": "received", "state": "sent", "limit": 20}
            response = await self.http.request(
                "GET", f"{self.prefix}/requests", params=query, headers=headers
            )
        else:
            # Requester ``index % len(logins)``, invitee the next party it has not asked: a
            # second open request to the same party would be refused.
            self.sent += 1
            invitee = parties[(len(self.logins) + self.sent // len(self.logins)) % len(parties)]
            body = {"invitees": [invitee], "proposal": {"format": "b2b", "duration_min": 30}}
            key = {"Idempotency-Key": uuid.uuid4().hex}
            response = await self.http.request(
                "POST", f"{self.prefix}/requests", json=body, headers=headers | key
            )
            if response.status_code == 201:
                self.created.append(response.json()["id"])
        return response.status_code

    async def run(self, kind: str, count: int, clients: int, parties: list[str]) -> Counter[int]:
        statuses: Counter[int] = Counter()
        gate = asyncio.Semaphore(clients)

        async def gated(index: int) -> None:
            async with gate:
                statuses[await self.one(kind, index, parties)] += 1

        await asyncio.gather(*(gated(i) for i in range(count)))
        return statuses


def server_cpu(pid: int) -> float:
    return sum(process_cpu_seconds(p) for p in tree_pids(pid))


# PostgreSQL's backends send their statistics at most once a second while busy and within ten
# seconds once idle (PostgreSQL 15's PGSTAT_IDLE_INTERVAL): read them after this long.
STATS_SETTLE_S = 11.0


class DatabaseMeter:
    """The CPU of the PostgreSQL processes serving one database, and its statistics."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(normalise_url(url), poolclass=NullPool)

    def cpu(self) -> float:
        return sum(own_backends_cpu(self.url).values())

    def stats(self) -> Counter[str]:
        with self.engine.connect() as connection:
            database = connection.execute(
                text(
                    "SELECT xact_commit + xact_rollback, tup_returned, tup_fetched"
                    " FROM pg_stat_database WHERE datname = current_database()"
                )
            ).one()
            tables = connection.execute(
                text(
                    "SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0),"
                    " coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables"
                )
            ).all()
        counts: Counter[str] = Counter(
            {"transactions": database[0], "returned": database[1], "fetched": database[2]}
        )
        for name, seq_scan, seq_rows, idx_scan, idx_rows in tables:
            counts["seq scans"] += seq_scan
            counts["seq rows"] += seq_rows
            counts["index scans"] += idx_scan
            counts["index rows"] += idx_rows
            counts[f"seq scans of {name}"] += seq_scan
            counts[f"index rows of {name}"] += idx_rows
        return counts

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass
class Cost:
    server_ms: float
    database_ms: float
    statuses: Counter[int]
    stats: dict[str, float]


async def measure(
    port: int,
    event_id: str,
    parties: list[str],
    pid: int,
    meter: DatabaseMeter,
    args: argparse.Namespace,
) -> dict[str, Cost]:
    async with raw_http.Client(f"http://127.0.0.1:{port}") as http:
        logins = [await login(http, f"delegate-{p}") for p in parties[: args.delegations]]
        organiser = await login(http, "organiser")
        sender = Sender(http, f"/api/events/{event_id}", logins, organiser)
        costs = {}
        for kind in KINDS:
            await sender.run(kind, args.requests // 4, args.clients, parties)  # warm-up
            await asyncio.sleep(STATS_SETTLE_S if args.stats else 0.0)
            before = (server_cpu(pid), meter.cpu(), meter.stats() if args.stats else Counter())
            statuses = await sender.run(kind, args.requests, args.clients, parties)
            server, database = server_cpu(pid), meter.cpu()
            await asyncio.sleep(STATS_SETTLE_S if args.stats else 0.0)
            stats = (meter.stats() if args.stats else Counter()) - before[2]
            costs[kind] = Cost(
                1000 * (server - before[0]) / args.requests,
                1000 * (database - before[1]) / args.requests,
                statuses,
                {name: n / args.requests for name, n in stats.items()},
            )
        return costs


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def seed_by(src: Path, url: str, parties: int, seed_value: int) -> tuple[str, list[str]]:
    """``api_load.seed`` run by the tree measured: its own migrations build the database, so
    that a baseline whose tables differ from this tree's serves a database it can write."""
    code = (
        "import json, sys; from api_load import seed; "
        "print(json.dumps(seed(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))"
    )
    path = os.pathsep.join([str(src), str(Path(__file__).resolve().parent)])
    done = subprocess.run(
        [sys.executable, "-c", code, url, str(parties), str(seed_value)],
        env=os.environ | {"PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=True,
    )
    event_id, names = json.loads(done.stdout.splitlines()[-1])
    return event_id, names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parties", type=int, default=200)
    parser.add_argument("--delegations", type=int, default=16, help="delegations sending")
    parser.add_argument("--requests", type=int, default=600, help="per kind")
    parser.add_argument("--clients", type=int, default=4, help="requests in flight at once")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--stats",
        action="store_true",
        help="also the database's statistics per request (waits for them before and after "
        "each kind)",
    )
    parser.add_argument(
        "--baseline", type=Path, help="the src folder of another tree, taking turns with this one"
    )
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent / "src"
    trees = [("this", here)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    print(
        "| round | tree | load before → after | "
        + " | ".join(f"{kind}: server / PostgreSQL" for kind in KINDS)
        + " | statuses |"
    )
    print("|---|---|---|" + "---:|" * len(KINDS) + "---|")
    details = []
    for round_index in range(args.rounds):
        for name, src in trees if round_index % 2 == 0 else trees[::-1]:
            os.environ["PYTHONPATH"] = str(src)
            started = load_average()
            with fresh_database("postgresql") as url:
                # Seeded and served by the tree measured.
                event_id, parties = seed_by(src, url, args.parties, args.seed)
                port = free_port()
                server = start_server(url, port, 1)
                meter = DatabaseMeter(url)
                try:
                    costs = asyncio.run(measure(port, event_id, parties, server.pid, meter, args))
                finally:
                    server.terminate()
                    server.wait(30)
                    meter.dispose()
            cells = " | ".join(
                f"{costs[kind].server_ms:.2f} / {costs[kind].database_ms:.2f} ms" for kind in KINDS
            )
            statuses = "; ".join(
                f"{kind} " + ", ".join(f"{s}: {n}" for s, n in sorted(costs[kind].statuses.items()))
                for kind in KINDS
            )
            details += [
                f"{round_index + 1} {name} {kind}: "
                + ", ".join(
                    f"{stat} {value:.2f}"
                    for stat, value in sorted(costs[kind].stats.items())
                    if value >= 0.01
                )
                for kind in KINDS
                if args.stats
            ]
            print(
                f"| {round_index + 1} | {name} | {started} → {load_average()} | {cells} "
                f"| {statuses} |",
                flush=True,
            )
    if details:
        print("\nThe database's statistics per request:\n" + "\n".join(details))


if __name__ == "__main__":
    main()
