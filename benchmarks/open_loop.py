"""The open-loop mode of ``load.py``: requests arrive at a fixed rate whatever the answers.

A closed loop of N clients slows its arrivals to the server's pace; a venue's delegations do
not. Here each arrival is its own task, started on time (one every 1/rate s), with the closed
loop's mix: agenda reads 55 %, requests sent 20 %, inbox reads 12 %, answers 12 % (to a
request seen in that delegation's inbox; an inbox read when none is known), and the organiser
reading the schedule and placing an agreed-on-site meeting, 0.5 % each. Each request is given
up by its client after ``--timeout`` s, closing its connection, as a client with a total
timeout does. Afterwards the database says what the server did that no client was told of.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import NullPool, create_engine, select
from sqlalchemy.orm import Session

from api_load import free_port, fresh_database, seed, start_server
from load import CLIENT_ERRORS, Http, Response, Usage, http_clients, log_in, percentile
from sidelines.storage.db import normalise_url
from sidelines.storage.tables import AuditRow, RequestRow

ANSWERS = ("accept", "accept", "soft_decline", "defer")
# Connections per httpx pool (see load.CLIENTS_PER_POOL): enough pools that an arrival never
# waits for a connection of its own client, up to rate times timeout requests in flight.
CONNECTIONS_PER_POOL = 50
# What a client waits for at most before it must have an answer, a refusal included.
PROMPT_S = 1.0
# Actions of the audit log that an answer writes (``request.<answer>``).
ANSWER_ACTIONS = tuple(f"request.{what}" for what in set(ANSWERS))


@dataclass
class OpenTally:
    """What the arrivals saw."""

    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    prompt: int = 0  # answered (2xx, or 503 with Retry-After) within PROMPT_S
    # Answers that came later than PROMPT_S, by kind and status ("answer 200"), to say which.
    late: Counter[str] = field(default_factory=Counter)
    offered: int = 0
    created: set[int] = field(default_factory=set)
    # (request id, answering party) of answers acknowledged, refused 503 and timed out.
    answered: set[tuple[int, str]] = field(default_factory=set)
    refused_answers: set[tuple[int, str]] = field(default_factory=set)
    lost_answers: set[tuple[int, str]] = field(default_factory=set)
    # 2xx answers by kind: what the server spent its work on, to compare two phases' mixes.
    completed: Counter[str] = field(default_factory=Counter)

    def completed_mix(self) -> str:
        """Each kind's share of the 2xx answers, for a table's cell."""
        total = max(sum(self.completed.values()), 1)
        shares = (f"{k} {100 * n / total:.0f} %" for k, n in sorted(self.completed.items()))
        return ", ".join(shares) or "–"

    def other_outcomes(self, shown: tuple[str, ...]) -> str:
        """The outcomes not among ``shown``, with their counts, for a table's cell."""
        others = (f"{k}: {v}" for k, v in sorted(self.outcomes.items()) if k not in shown)
        return ", ".join(others) or "–"

    def served(self) -> int:
        """Answers that were neither a refusal (503) nor given up: 2xx and the API's 4xx."""
        return sum(
            n for k, n in self.outcomes.items() if k == "2xx" or (k.isdigit() and k.startswith("4"))
        )

    def prompt_percent(self) -> float:
        """Arrivals answered (2xx, or 503 with Retry-After) within ``PROMPT_S``, in percent."""
        return 100 * self.prompt / max(self.offered, 1)

    async def call(
        self,
        http: Http,
        kind: str,
        method: str,
        path: str,
        timeout_s: float,
        **kwargs: object,
    ) -> Response | None:
        """One request, given up after ``timeout_s`` (None then, or on a broken connection)."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout_s):
                response = await http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except TimeoutError:
            self.outcomes["timeout"] += 1
            return None
        except CLIENT_ERRORS as error:
            self.outcomes[f"error {type(error).__name__}"] += 1
            return None
        took = time.perf_counter() - started
        self.latencies_ms.setdefault(kind, []).append(took * 1000)
        status = response.status_code
        retry = status == 503 and "retry-after" in response.headers
        if 200 <= status < 300:
            self.outcomes["2xx"] += 1
            self.completed[kind] += 1
        elif retry:
            self.outcomes["503 with Retry-After"] += 1
        else:
            self.outcomes[f"{status}"] += 1
        if took <= PROMPT_S and (200 <= status < 300 or retry):
            self.prompt += 1
        elif took > PROMPT_S:
            self.late[f"{kind} {status}"] += 1
        return response


@dataclass
class Arrivals:
    """The delegations' logins and what each has seen in its inbox, to answer."""

    prefix: str
    organiser: dict[str, str]
    delegates: dict[str, dict[str, str]]
    timeout_s: float
    received: dict[str, list[int]] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    async def one(self, http: Http, tally: OpenTally) -> None:
        step = self.rng.random()
        if step >= 0.99:
            await self._organiser(http, tally, schedule=step < 0.995)
            return
        party = self.rng.choice(list(self.delegates))
        headers = self.delegates[party]
        if step < 0.55:
            await tally.call(
                http, "agenda", "GET", f"{self.prefix}/agenda", self.timeout_s, headers=headers
            )
        elif step < 0.75:
            await self._send(http, tally, party, headers)
        elif step < 0.87 or not self.received.get(party):
            await self._inbox(http, tally, party, headers)
        else:
            await self._answer(http, tally, party, headers)

    async def _send(
        self, http: Http, tally: OpenTally, party: str, headers: dict[str, str]
    ) -> None:
        other = self.rng.choice([p for p in self.delegates if p != party])
        body = {"invitees": [other], "proposal": {"format": "b2b", "duration_min": 30}}
        key = {"Idempotency-Key": uuid.uuid4().hex}
        made = await tally.call(
            http,
            "send",
            "POST",
            f"{self.prefix}/requests",
            self.timeout_s,
            json=body,
            headers=headers | key,
        )
        if made is not None and made.status_code == 201:
            tally.created.add(made.json()["id"])

    async def _inbox(
        self, http: Http, tally: OpenTally, party: str, headers: dict[str, str]
    ) -> None:
        inbox = await tally.call(
            http,
            "inbox",
            "GET",
            f"{self.prefix}/requests",
            self.timeout_s,
            params={"box": "received", "state": "sent", "limit": 20},
            headers=headers,
        )
        if inbox is not None and inbox.status_code == 200:
            self.received[party] = [item["id"] for item in inbox.json()["items"]]

    async def _answer(
        self, http: Http, tally: OpenTally, party: str, headers: dict[str, str]
    ) -> None:
        request_id = self.received[party].pop(self.rng.randrange(len(self.received[party])))
        what = self.rng.choice(ANSWERS)
        body = {"answer": what} | ({"reason": "scheduling conflict"} if "decline" in what else {})
        answered = await tally.call(
            http,
            "answer",
            "POST",
            f"{self.prefix}/requests/{request_id}/answers",
            self.timeout_s,
            json=body,
            headers=headers,
        )
        if answered is None:
            tally.lost_answers.add((request_id, party))
        elif answered.status_code == 200:
            tally.answered.add((request_id, party))
        elif answered.status_code == 503:
            tally.refused_answers.add((request_id, party))

    async def _organiser(self, http: Http, tally: OpenTally, schedule: bool) -> None:
        if schedule or not tally.created:
            await tally.call(
                http,
                "schedule",
                "GET",
                f"{self.prefix}/schedule",
                self.timeout_s,
                headers=self.organiser,
            )
            return
        request_id = self.rng.choice(sorted(tally.created)[-50:])
        await tally.call(
            http,
            "place",
            "POST",
            f"{self.prefix}/requests/{request_id}/agreed-on-site",
            self.timeout_s,
            headers=self.organiser,
        )


async def offer(
    pools: list[Http], arrivals: Arrivals, rate: float, seconds: float
) -> tuple[OpenTally, float]:
    """Start one arrival every 1/rate s for ``seconds``, then wait for the last to end; the
    tally and the seconds the arrivals took to start (more than ``seconds`` when the client
    itself fell behind)."""
    tally = OpenTally()
    tasks: set[asyncio.Task[None]] = set()
    started = time.monotonic()
    count = int(rate * seconds)
    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(arrivals.one(pools[i % len(pools)], tally))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        tally.offered += 1
    offered_in = time.monotonic() - started
    if tasks:
        await asyncio.wait(tasks)
    return tally, offered_in


@contextlib.asynccontextmanager
async def open_clients(
    kind: str, base: str, rate: float, timeout_s: float
) -> AsyncIterator[list[Http]]:
    """Connections for arrivals at ``rate``: the light client opens one per request in
    flight; httpx gets pools enough for ``rate`` times ``timeout_s`` requests in flight."""
    if kind == "raw":
        async with http_clients(kind, base, 1) as light:
            yield light
        return
    count = max(1, math.ceil(rate * timeout_s / CONNECTIONS_PER_POOL))
    limits = httpx.Limits(
        max_connections=CONNECTIONS_PER_POOL, max_keepalive_connections=CONNECTIONS_PER_POOL
    )
    async with contextlib.AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout_s + 5)
            )
            for _ in range(count)
        ]


def already_made(url: str, event_id: str) -> set[int]:
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    with Session(engine) as session:
        ids = set(session.scalars(select(RequestRow.id).where(RequestRow.event_id == event_id)))
    engine.dispose()
    return ids


def untold(url: str, event_id: str, before: set[int], tally: OpenTally) -> tuple[int, int, int]:
    """(requests created that no client was told of, answers applied after their client's
    timeout, answers applied although refused with 503)."""
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    with Session(engine) as session:
        made = set(session.scalars(select(RequestRow.id).where(RequestRow.event_id == event_id)))
        applied = set(
            session.execute(
                select(AuditRow.subject_id, AuditRow.actor_party).where(
                    AuditRow.event_id == event_id,
                    AuditRow.subject_type == "request",
                    AuditRow.action.in_(ANSWER_ACTIONS),
                )
            ).all()
        )
    engine.dispose()
    created_untold = len(made - before - tally.created)
    # An answer has one audit entry per request and party, and a party's inbox can list a
    # request again while an answer to it is in flight: a pair also answered with success, or
    # (for a refusal) also given up by its client, says nothing about the refused or lost one.
    lost = tally.lost_answers - tally.answered
    refused_only = tally.refused_answers - tally.answered - tally.lost_answers
    late = sum(1 for rid, party in lost if (str(rid), party) in applied)
    refused = sum(1 for rid, party in refused_only if (str(rid), party) in applied)
    return created_untold, late, refused


@contextlib.contextmanager
def environment(settings: dict[str, str]) -> Iterator[None]:
    """``settings`` in this process's environment (and so the server's) for a while."""
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# The server as it was before admission bounded its work: every request queued, none refused.
UNBOUNDED = "SIDELINES_QUEUED=100000,SIDELINES_QUEUE_WAIT_S=3600,SIDELINES_REQUEST_DEADLINE_S=3600"


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``NAME:KEY=VALUE,...``, or ``unbounded`` (admission's bounds out of reach)."""
    if text == "unbounded":
        text = f"unbounded:{UNBOUNDED}"
    name, _, pairs = text.partition(":")
    settings = dict(pair.split("=", 1) for pair in pairs.split(",") if pair)
    return name or "as configured", settings


async def drive_rates(
    base: str,
    event_id: str,
    parties: list[str],
    rates: list[float],
    args: argparse.Namespace,
    usage: Usage,
) -> list[tuple[float, OpenTally, float, Usage]]:
    prefix = f"/api/events/{event_id}"
    results = []
    async with open_clients(args.client, base, max(rates), args.timeout) as pools:
        logins = await log_in(pools[0], parties)
        arrivals = Arrivals(
            prefix, logins[0], dict(zip(parties, logins[1:], strict=True)), args.timeout
        )
        for rate in rates:
            meter = Usage(usage.url, usage.server_pid)
            meter.start()
            tally, offered_in = await offer(pools, arrivals, rate, args.seconds)
            meter.stop()
            results.append((rate, tally, offered_in, meter))
            # The next rate starts on a server that has finished this one's work.
            await asyncio.sleep(args.timeout)
    return results


def run_variant(
    name: str, database: str, settings: dict[str, str], args: argparse.Namespace
) -> list[str]:
    workers = args.pg_workers if database == "postgresql" else args.sqlite_workers
    rates = [float(rate) for rate in args.rate.split(",")]
    rows = []
    with fresh_database(database) as url, environment(settings):
        event_id, parties = seed(url, args.parties or 200, args.seed)
        before = already_made(url, event_id)
        port = free_port()
        log = f"{args.server_log}-{database}-{name}.log" if args.server_log else None
        server = start_server(url, port, workers, None if log is None else Path(log))
        try:
            results = asyncio.run(
                drive_rates(
                    f"http://127.0.0.1:{port}",
                    event_id,
                    parties,
                    rates,
                    args,
                    Usage(url, server.pid),
                )
            )
        finally:
            server.terminate()
            server.wait(30)
        whole = OpenTally()
        for _, tally, _, _ in results:
            whole.created |= tally.created
            whole.lost_answers |= tally.lost_answers
            whole.refused_answers |= tally.refused_answers
            whole.answered |= tally.answered
        created_untold, late, refused_applied = untold(url, event_id, before, whole)
        for rate, tally, offered_in, meter in results:
            rows.append(row(f"{database}, {name}", rate, tally, offered_in, args, meter))
        # The database is read once, after every rate: its counts are of the whole run.
        rows.append(
            f"| {database}, {name} | check (all rates) | created, no client told: "
            f"{created_untold}; answers applied after the client's timeout: {late} (of "
            f"{len(whole.lost_answers)} timed out); answers applied though refused 503: "
            f"{refused_applied} (of {len(whole.refused_answers)}) | | | | | | | | | |"
        )
    return rows


def row(
    label: str,
    rate: float,
    tally: OpenTally,
    offered_in: float,
    args: argparse.Namespace,
    meter: Usage,
) -> str:
    everything = [ms for values in tally.latencies_ms.values() for ms in values]
    p50, p95, p99 = (percentile(everything, q) for q in (50, 95, 99))
    seconds = args.seconds
    ok = tally.outcomes["2xx"]
    refused = tally.outcomes["503 with Retry-After"]
    timeouts = tally.outcomes["timeout"]
    others = tally.other_outcomes(("2xx", "503 with Retry-After", "timeout"))
    kinds = "; ".join(
        f"{kind} p99 {percentile(values, 99):.0f}"
        for kind, values in sorted(tally.latencies_ms.items())
    )
    late = ", ".join(f"{k}: {v}" for k, v in sorted(tally.late.items())) or "none"
    kinds += f"; later than {PROMPT_S:.0f} s: {late}"
    return (
        f"| {label} | {rate:.0f}/s ({tally.offered / offered_in:.0f}/s offered) | "
        f"{ok / seconds:.0f}/s | {p50:.0f} | {p95:.0f} | {p99:.0f} | {refused} | {timeouts} "
        f"| {tally.prompt_percent():.1f} % | {others} | "
        f"{kinds}; {meter.summary(sum(tally.outcomes.values()), tally.served())} |"
    )


def open_loop_main(args: argparse.Namespace) -> None:
    header = [
        "| server | arrivals | 2xx answers | p50 (ms) | p95 (ms) | p99 (ms) | 503 with "
        "Retry-After | client timeouts | answered within 1 s | other | per kind (ms), CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    print_variants(args, header, run_variant)


def print_variants(
    args: argparse.Namespace,
    header: list[str],
    run: Callable[[str, str, dict[str, str], argparse.Namespace], list[str]],
) -> None:
    """``run`` each ``--variant`` on each database in turn, then the table of their rows."""
    variants = [parse_variant(text) for text in args.variant] or [("as configured", {})]
    rows = list(header)
    print(f"load average before: {load_average()}", flush=True)
    for database in args.databases.split(","):
        for name, settings in variants:
            rows += run(name, database, settings, args)
            print(f"load average after {database}, {name}: {load_average()}", flush=True)
    print("\n".join(rows))


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes, as ``uptime`` gives it."""
    return "/".join(f"{value:.1f}" for value in os.getloadavg())
