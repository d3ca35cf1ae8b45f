"""The overload mode of ``load.py``: offered twice the rate it sustains, what does the server do?

Issue 14's target: "Offered twice the rate it sustains, the server still completes at least
90 % of that sustainable rate, and answers every request (2xx, or 503 with Retry-After) within
1 s". Per database and ``--variant``, on one server and one event:

1. **Sustainable rate**: the closed loop of ``--clients`` clients for ``--seconds``; the rate
   the server sustains is its throughput of 2xx answers per second (each client sends its next
   request when it has its answer, so the server sets the pace).
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
from dataclasses import dataclass
from pathlib import Path

from api_load import free_port, fresh_database, seed, start_server, verify
from load import Tally, Usage, audit_gaps, closed_loop, http_clients, log_in
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
    closed: Tally
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
        return served(self.closed) / self.closed_usage.seconds


def served(tally: Tally) -> int:
    """The closed loop's 2xx answers (its statuses are counted as "<kind> <status>")."""
    return sum(n for key, n in tally.statuses.items() if key.rsplit(" ", 1)[1].startswith("2"))


async def drive_overload(
    base: str, event_id: str, parties: list[str], args: argparse.Namespace, usage: Usage
) -> Phases:
    prefix = f"/api/events/{event_id}"
    clients = args.clients
    async with http_clients(args.client, base, clients) as pools:
        logins = await log_in(pools[0], parties)
        closed = Tally()
        closed_usage = Usage(usage.url, usage.server_pid)
        await closed_loop(
            pools, closed, prefix, parties, logins[:clients], args.seconds, closed_usage
        )
        closed_load = load_average()
    sustainable = served(closed) / closed_usage.seconds
    print(f"closed loop: {sustainable:.1f} 2xx answers/s (load average {closed_load})", flush=True)
    await asyncio.sleep(args.timeout)
    rate = 2 * sustainable
    async with open_clients(args.client, base, rate, args.timeout) as pools:
        arrivals = Arrivals(
            prefix, logins[0], dict(zip(parties, logins[1:], strict=True)), args.timeout
        )
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
        missing, lost, doubles = verify(
            url, event_id, closed.created | tally.created, closed.accepted
        )
        gaps = audit_gaps(url, event_id, closed.changes)
        created_untold, late, refused_applied = untold(
            url, event_id, before | closed.created, tally
        )
    return [
        summary_row(f"{database}, {name}", phases),
        f"| {database}, {name} | checks | acknowledged writes missing: {missing}; acceptances "
        f"lost: {lost}; double bookings: {doubles}; audit gaps (closed loop): {gaps}; open loop: "
        f"created, no client told: {created_untold}; answers applied after the client's "
        f"timeout: {late} (of {len(tally.lost_answers)}); applied though refused 503: "
        f"{refused_applied} (of {len(tally.refused_answers)}) | | | | | | | | |",
    ]


def summary_row(label: str, phases: Phases) -> str:
    tally = phases.open
    seconds = phases.open_usage.seconds
    completed = tally.outcomes["2xx"] / seconds
    everything = [ms for values in tally.latencies_ms.values() for ms in values]
    closed_all = [ms for values in phases.closed.latencies_ms.values() for ms in values]
    others = tally.other_outcomes(("2xx", "503 with Retry-After"))
    closed_503 = sum(n for key, n in phases.closed.statuses.items() if key.endswith(" 503"))
    return (
        f"| {label} | {phases.sustainable:.1f}/s (p99 {percentile(closed_all, 99):.0f} ms, "
        f"{closed_503} 503; load {phases.closed_load}) | {phases.rate:.0f}/s "
        f"({tally.offered / phases.offered_in:.0f}/s offered) | {completed:.1f}/s | "
        f"**{100 * completed / phases.sustainable:.0f} %** | "
        f"**{tally.prompt_percent():.1f} %** | "
        f"{percentile(everything, 99):.0f} | {tally.outcomes['503 with Retry-After']} | "
        f"{others} | load {phases.open_load}; closed loop: "
        f"{phases.closed_usage.summary(len(closed_all))}; open loop: "
        f"{phases.open_usage.summary(sum(tally.outcomes.values()))} |"
    )


def overload_main(args: argparse.Namespace) -> None:
    header = [
        "| server | sustainable (closed loop) | offered | completed | completed / sustainable "
        "| answered within 1 s | p99 (ms) | 503 with Retry-After | other | load, CPU |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    print_variants(args, header, run_variant)
