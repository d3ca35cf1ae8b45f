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

With ``--server-log``, each web worker is asked for its CPU by route at each phase's start and
end (``SIGUSR1``, ``web.route_cpu``), and the run prints, per phase, each route's requests and
its thread CPU per request, and the event loops' CPU per request arrived: which kind of
request costs more in which phase.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api_load import free_port, fresh_database, seed, start_server, tree_pids, verify
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


def reporting_workers(server_pid: int) -> list[int]:
    """The server's processes that log their CPU by route on ``SIGUSR1`` (its web workers,
    when their code has ``web.route_cpu``): those that catch the signal. Any other would be
    ended by it (the solve worker, the resource tracker, a baseline's web workers)."""
    workers = []
    for pid in tree_pids(server_pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        caught = next((line for line in status.splitlines() if line.startswith("SigCgt:")), "")
        if caught and int(caught.split()[1], 16) >> (signal.SIGUSR1 - 1) & 1:
            workers.append(pid)
    return workers


def mark_cpu(server_pid: int) -> None:
    """Ask every web worker to log its CPU by route so far (``web.route_cpu``)."""
    for pid in reporting_workers(server_pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGUSR1)


ROUTE_CPU = "route cpu "
LOOP, PROCESS = "loop_thread_s", "process_s"


@dataclass
class RouteCpuPhases:
    """Each route's requests and pool CPU seconds in the closed and the open loop, and the
    event loops' and the processes' CPU seconds (``route_cpu_by_phase``)."""

    closed: dict[str, tuple[int, float]]
    open: dict[str, tuple[int, float]]
    loop: tuple[float, float]
    process: tuple[float, float]
    # Per worker and phase: requests run, requests refused, the event loop's CPU seconds.
    points: list[tuple[int, int, float]]

    def loop_split(self) -> tuple[float, float] | None:
        """The event loop's CPU per request run and per refusal (ms), fitted by least
        squares (no constant) to every worker's phases; None when they cannot tell the two
        apart (the workers' phases all refused in the same proportion)."""
        ss_run = sum(run * run for run, _, _ in self.points)
        ss_refused = sum(refused * refused for _, refused, _ in self.points)
        ss_both = sum(run * refused for run, refused, _ in self.points)
        on_run = sum(run * cpu for run, _, cpu in self.points)
        on_refused = sum(refused * cpu for _, refused, cpu in self.points)
        det = ss_run * ss_refused - ss_both * ss_both
        if det <= 1e-9 * ss_run * ss_refused:
            return None
        per_run = (on_run * ss_refused - on_refused * ss_both) / det
        per_refusal = (on_refused * ss_run - on_run * ss_both) / det
        return 1000 * per_run, 1000 * per_refusal

    def rows(self) -> list[str]:
        rows = [
            "| route | requests, closed / open | pool CPU per request, closed / open (ms) |",
            "|---|---:|---:|",
        ]
        for kind in sorted(self.closed.keys() | self.open.keys()):
            pair = [phase.get(kind, (0, 0.0)) for phase in (self.closed, self.open)]
            if not pair[0][0] and not pair[1][0]:
                continue
            per = [f"{1000 * cpu / n:.2f}" if n else "–" for n, cpu in pair]
            rows.append(f"| {kind} | {pair[0][0]} / {pair[1][0]} | {per[0]} / {per[1]} |")
        runs = [sum(n for n, _ in phase.values()) for phase in (self.closed, self.open)]
        pools = [sum(cpu for _, cpu in phase.values()) for phase in (self.closed, self.open)]
        for name, (closed, opened) in (
            ("the routes' pool threads", pools),
            ("the event loops (HTTP, middleware, refusals)", self.loop),
            ("the web processes", self.process),
        ):
            rows.append(
                f"| {name}, CPU-s (per request run, ms) | | {closed:.1f} / {opened:.1f} "
                f"({1000 * closed / max(runs[0], 1):.2f} / {1000 * opened / max(runs[1], 1):.2f}) |"
            )
        return rows

    def at_open_mix(self) -> tuple[float, float]:
        """The closed loop's CPU per request run (ms), at its own mix of routes and at the
        open loop's: each route at its closed-loop cost, the event loop's per request as in the
        closed loop. Their ratio is what the closed loop would have sustained with the open
        loop's mix, as a share of what it did sustain, on a server bound by its CPU."""
        run_closed = max(sum(n for n, _ in self.closed.values()), 1)
        run_open = max(sum(n for n, _ in self.open.values()), 1)
        loop = self.loop[0] / run_closed
        own = sum(cpu for _, cpu in self.closed.values()) / run_closed
        weighted = 0.0
        for kind, (n, cpu) in self.open.items():
            closed_n, closed_cpu = self.closed.get(kind, (0, 0.0))
            # A route the closed loop never ran is costed as the open loop ran it.
            weighted += n * (closed_cpu / closed_n if closed_n else cpu / max(n, 1))
        return 1000 * (own + loop), 1000 * (weighted / run_open + loop)


def route_cpu_by_phase(log: Path) -> RouteCpuPhases:
    """From the workers' reports (four each: the closed loop's start and end, the open
    loop's), what each phase cost by route."""
    reports: dict[int, list[dict[str, Any]]] = {}
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith(ROUTE_CPU):
            report = json.loads(line.removeprefix(ROUTE_CPU))
            reports.setdefault(report["pid"], []).append(report)
    routes: list[dict[str, tuple[int, float]]] = [{}, {}]
    loop, process = [0.0, 0.0], [0.0, 0.0]
    points = []
    for marks in reports.values():
        if len(marks) != 4:
            continue  # a worker that was replaced meanwhile: its phases cannot be told apart
        for phase, (start, end) in enumerate(((marks[0], marks[1]), (marks[2], marks[3]))):
            loop[phase] += end[LOOP] - start[LOOP]
            run = sum(n for n, _ in end["routes"].values())
            run -= sum(n for n, _ in start["routes"].values())
            refused = end.get("refused", 0) - start.get("refused", 0)
            points.append((run, refused, end[LOOP] - start[LOOP]))
            process[phase] += end[PROCESS] - start[PROCESS]
            for kind, (count, cpu) in end["routes"].items():
                was_count, was_cpu = start["routes"].get(kind, (0, 0.0))
                n, total = routes[phase].get(kind, (0, 0.0))
                routes[phase][kind] = (n + count - was_count, total + cpu - was_cpu)
    return RouteCpuPhases(
        routes[0], routes[1], (loop[0], loop[1]), (process[0], process[1]), points
    )


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
        mark_cpu(usage.server_pid)
        closed = await closed_loop(pools, arrivals, args.clients, args.seconds, closed_usage)
        mark_cpu(usage.server_pid)
        closed_load = load_average()
    sustainable = closed.outcomes["2xx"] / closed_usage.seconds
    print(f"closed loop: {sustainable:.1f} 2xx answers/s (load average {closed_load})", flush=True)
    await asyncio.sleep(args.timeout)
    rate = 2 * sustainable
    async with open_clients(args.client, base, rate, args.timeout) as pools:
        open_usage = Usage(usage.url, usage.server_pid)
        open_usage.start()
        mark_cpu(usage.server_pid)
        tally, offered_in = await offer(pools, arrivals, rate, args.seconds)
        mark_cpu(usage.server_pid)
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
    by_route = None if log is None else route_cpu_by_phase(Path(log))
    if by_route is not None and by_route.closed and by_route.open:
        print_route_cpu(by_route, phases)
    return [
        summary_row(f"{database}, {name}", phases),
        f"| {database}, {name} | checks | acknowledged writes missing: {missing}; double "
        f"bookings: {doubles}; audit gaps: {gaps}; created, no client told: {created_untold}; "
        f"answers applied after the client's timeout: {late} (of {len(both.lost_answers)}); "
        f"applied though refused 503: {refused_applied} (of {len(both.refused_answers)}) "
        f"| | | | | | | | |",
    ]


def print_route_cpu(by_route: RouteCpuPhases, phases: Phases) -> None:
    """Each route's CPU in each phase, and the target's ratio beside the same ratio with the
    sustainable rate taken at the open loop's mix of routes (``RouteCpuPhases.at_open_mix``)."""
    own_mix, open_mix = by_route.at_open_mix()
    completed = phases.open.outcomes["2xx"] / phases.open_usage.seconds
    at_open_mix = phases.sustainable * own_mix / open_mix
    print("\n".join(by_route.rows()))
    split = by_route.loop_split()
    if split is not None:
        print(
            f"the event loops' CPU per request run / per refusal, fitted over the workers' "
            f"phases: {split[0]:.2f} / {split[1]:.2f} ms",
            flush=True,
        )
    print(
        f"closed loop's CPU per request run at its own mix / at the open loop's: {own_mix:.2f} "
        f"/ {open_mix:.2f} ms; sustainable {phases.sustainable:.1f}/s, at the open loop's mix "
        f"{at_open_mix:.1f}/s; completed {completed:.1f}/s: "
        f"{100 * completed / phases.sustainable:.0f} % of the first, "
        f"{100 * completed / at_open_mix:.0f} % of the second",
        flush=True,
    )


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
