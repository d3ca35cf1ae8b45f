"""The overload mode of ``load.py``: offered twice the rate it sustains, what does the server do?

Issue 14's target: "Offered twice the rate it sustains, the server still completes at least
90 % of that sustainable rate, and answers every request (2xx, or 503 with Retry-After) within
1 s". Per database and ``--variant``, on one server and one event:

1. **Sustainable rate**: a closed loop of ``--clients`` clients for ``--seconds``, with the
   open loop's mix (so that the two phases ask for the same work); the rate the server sustains
   is its throughput of 2xx answers per second (each client sends its next request when it has
   its answer, so the server sets the pace; after a 503 with Retry-After it waits the pause
   asked for, jittered, as a well-behaved client does, instead of asking again at once).
2. A pause of ``--timeout`` s, so that the closed loop's work is over.
3. **Twice that rate**, open loop (``open_loop.py``, the same mix), for ``--seconds``: completed
   2xx answers per second as a share of the sustainable rate, and the share of requests
   answered (2xx, or 503 with Retry-After) within a second.

Afterwards the database is checked as after the closed loop: acknowledged writes missing,
acceptances lost, double bookings, audit gaps; and what no client was told of.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api_load import free_port, fresh_database, seed, start_server, verify
from load import Http, Response, Usage, audit_gaps, log_in
from open_loop import (
    Arrivals,
    OpenTally,
    already_made,
    environment,
    load_average,
    offer,
    open_clients,
    percentile,
    print_variants,
    untold,
)


@dataclass
class Phases:
    closed: OpenTally
    closed_usage: Usage
    closed_load: str
    open: OpenTally
    open_usage: Usage
    open_load: str
    rate: float
    offered_in: float

    @property
    def sustainable(self) -> float:
        """2xx answers per second of the closed loop."""
        return self.closed.outcomes["2xx"] / self.closed_usage.seconds


class Recording:
    """A client's connection that keeps its last answer, to see whether it was a refusal."""

    def __init__(self, http: Http) -> None:
        self.http = http
        self.last: Response | None = None

    async def request(self, method: str, path: str, **kwargs: Any) -> Response:
        self.last = None
        self.last = await self.http.request(method, path, **kwargs)
        return self.last


async def closed_loop(
    pools: list[Http], arrivals: Arrivals, clients: int, seconds: float, usage: Usage
) -> OpenTally:
    """``clients`` clients, each sending the open loop's next arrival when it has its answer,
    for ``seconds``."""
    tally = OpenTally()
    end = time.monotonic() + seconds

    async def client(http: Recording, rng: random.Random) -> None:
        while time.monotonic() < end:
            tally.offered += 1
            await arrivals.one(http, tally)  # type: ignore[arg-type]
            refused = http.last
            if refused is not None and refused.status_code == 503:
                pause = float(refused.headers.get("retry-after", 1))
                await asyncio.sleep(rng.uniform(0.5, 1.5) * pause)

    usage.start()
    await asyncio.gather(
        *(client(Recording(pools[i % len(pools)]), random.Random(i)) for i in range(clients))
    )
    usage.stop()
    return tally


async def drive_overload(
    base: str, event_id: str, parties: list[str], args: argparse.Namespace, usage: Usage
) -> Phases:
    prefix = f"/api/events/{event_id}"
    async with open_clients(args.client, base, args.clients / args.timeout, args.timeout) as pools:
        logins = await log_in(pools[0], parties)
        arrivals = Arrivals(
            prefix, logins[0], dict(zip(parties, logins[1:], strict=True)), args.timeout
        )
        closed_usage = Usage(usage.url, usage.server_pid)
        closed = await closed_loop(pools, arrivals, args.clients, args.seconds, closed_usage)
        closed_load = load_average()
    sustainable = closed.outcomes["2xx"] / closed_usage.seconds
    print(f"closed loop: {sustainable:.1f} 2xx answers/s (load average {closed_load})", flush=True)
    await asyncio.sleep(args.timeout)
    rate = 2 * sustainable
    async with open_clients(args.client, base, rate, args.timeout) as pools:
        open_usage = Usage(usage.url, usage.server_pid)
        open_usage.start()
        tally, offered_in = await offer(pools, arrivals, rate, args.seconds)
        open_usage.stop()
    return Phases(
        closed, closed_usage, closed_load, tally, open_usage, load_average(), rate, offered_in
    )


def run_variant(
    name: str, database: str, settings: dict[str, str], args: argparse.Namespace
) -> list[str]:
    workers = args.pg_workers if database == "postgresql" else args.sqlite_workers
    with fresh_database(database) as url, environment(settings):
        event_id, parties = seed(url, args.parties or 200, args.seed)
        before = already_made(url, event_id)
        port = free_port()
        log = f"{args.server_log}-{database}-{name}.log" if args.server_log else None
        server = start_server(url, port, workers, None if log is None else Path(log))
        try:
            phases = asyncio.run(
                drive_overload(
                    f"http://127.0.0.1:{port}", event_id, parties, args, Usage(url, server.pid)
                )
            )
        finally:
            server.terminate()
            server.wait(30)
        closed, tally = phases.closed, phases.open
        created = closed.created | tally.created
        missing, _, doubles = verify(url, event_id, created, set())
        # Each acknowledged send and answer is a change with its own audit entry.
        changes = Counter(created) + Counter(rid for rid, _ in closed.answered | tally.answered)
        gaps = audit_gaps(url, event_id, changes)
        both = OpenTally(created=created)
        both.lost_answers = closed.lost_answers | tally.lost_answers
        both.refused_answers = closed.refused_answers | tally.refused_answers
        both.answered = closed.answered | tally.answered
        created_untold, late, refused_applied = untold(url, event_id, before, both)
    return [
        summary_row(f"{database}, {name}", phases),
        f"| {database}, {name} | checks | acknowledged writes missing: {missing}; double "
        f"bookings: {doubles}; audit gaps: {gaps}; created, no client told: {created_untold}; "
        f"answers applied after the client's timeout: {late} (of {len(both.lost_answers)}); "
        f"applied though refused 503: {refused_applied} (of {len(both.refused_answers)}) "
        f"| | | | | | | | |",
    ]


def summary_row(label: str, phases: Phases) -> str:
    tally = phases.open
    seconds = phases.open_usage.seconds
    completed = tally.outcomes["2xx"] / seconds
    everything = [ms for values in tally.latencies_ms.values() for ms in values]
    closed_all = [ms for values in phases.closed.latencies_ms.values() for ms in values]
    closed_503 = phases.closed.outcomes["503 with Retry-After"]
    closed_cpu = phases.closed_usage.summary(
        sum(phases.closed.outcomes.values()), phases.closed.served()
    )
    others = tally.other_outcomes(("2xx", "503 with Retry-After"))
    late = ", ".join(f"{k}: {v}" for k, v in sorted(tally.late.items())) or "none"
    return (
        f"| {label} | {phases.sustainable:.1f}/s (p99 {percentile(closed_all, 99):.0f} ms, "
        f"{closed_503} 503; load {phases.closed_load}) | {phases.rate:.0f}/s "
        f"({tally.offered / phases.offered_in:.0f}/s offered) | {completed:.1f}/s | "
        f"**{100 * completed / phases.sustainable:.0f} %** | "
        f"**{tally.prompt_percent():.1f} %** | "
        f"{percentile(everything, 99):.0f} | {tally.outcomes['503 with Retry-After']} | "
        f"{others}; later than 1 s: {late} | load {phases.open_load}; closed loop: "
        f"{closed_cpu}; open loop: "
        f"{phases.open_usage.summary(sum(tally.outcomes.values()), tally.served())}; "
        f"2xx by kind, closed loop: {phases.closed.completed_mix()}; open loop: "
        f"{tally.completed_mix()} |"
    )


def overload_main(args: argparse.Namespace) -> None:
    header = [
        "| server | sustainable (closed loop) | offered | completed | completed / sustainable "
        "| answered within 1 s | p99 (ms) | 503 with Retry-After | other | load, CPU |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    print_variants(args, header, run_variant)
