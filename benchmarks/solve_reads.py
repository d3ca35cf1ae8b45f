"""Agenda reads while the worker process solves a large event, against the same reads without.

Seeds a generated event (by default 3,000 principals and 20,000 agreed meetings) in a fresh
PostgreSQL database, with a token for the organiser and for ``--readers`` delegations, and
serves it with ``sidelines serve --workers 4`` (which starts the worker that runs batch solves).
Then, for each ``--worker-nice`` value (the worker process's CPU priority, ``sidelines worker
--nice`` and ``--idle``), on a server started anew: agenda reads arrive at ``--rate`` per second
in phases of ``--seconds`` that alternate, ``--rounds`` times, without a solve and during one
(a solve is started through the API, and once the worker has claimed it the reads run while it
solves; the next phase waits for its end). The first pair of phases of the first server comes
right after the seeding, as an organiser's first solve after an import does: it is reported
apart from the later ones. Printed side by side: the reads' p50/p95/p99 in each phase, the p99
during / without with a bootstrap interval, where the CPU went (the web workers, the solving
worker, the worker's children, such as the bound's process, PostgreSQL, everything else on the
machine) and what PostgreSQL did besides answering (checkpoint buffers written, analyses and
vacuums of the event's tables).

    .venv/bin/python benchmarks/solve_reads.py                       # 3,000 x 20,000, 30 s each
    .venv/bin/python benchmarks/solve_reads.py --principals 300 --requests 2000 --seconds 10
    .venv/bin/python benchmarks/solve_reads.py --baseline base/src   # another tree, git archive

With ``--baseline``, each tree seeds its own database with its own import (in a subprocess that
imports ``sidelines`` from that tree) and serves it; the trees take turns, each server's first
phases right after its own seeding.

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
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from api_load import (
    database_pids,
    free_port,
    fresh_database,
    percentile,
    process_cpu_seconds,
    schedstat,
    since,
    start_server,
    tree_pids,
)
from load import machine_busy_seconds
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.services import events
from sidelines.services.accounts import hash_token
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.storage.db import Database, normalise_url
from sidelines.storage.tables import EventRow, PartyRow, TokenRow, UserRow

REQUESTS_PER_SPACE = 40  # as benchmarks/generated.py
CONNECTIONS = 25  # per httpx pool
TIMEOUT_S = 10.0  # a read's client gives up after this; counted as an error
ROOT = Path(__file__).resolve().parents[1]
INHERITED_PYTHONPATH = os.environ.get("PYTHONPATH")
TICKS = os.sysconf("SC_CLK_TCK")
CPU_COLUMNS = "web workers / worker / its children / PostgreSQL / rest"


def seed(url: str, args: argparse.Namespace) -> None:
    """The event imported (its meetings agreed, not yet scheduled) by the ``sidelines`` this
    process imports."""
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


def seed_with(src: Path, url: str, args: argparse.Namespace) -> None:
    """``seed`` in a subprocess that imports ``sidelines`` from ``src``: each tree's own import."""
    command = [sys.executable, str(Path(__file__).resolve()), "--seed-into", url]
    command += ["--principals", str(args.principals), "--requests", str(args.requests)]
    command += ["--seed", str(args.seed)]
    subprocess.run(command, env={**os.environ, "PYTHONPATH": python_path(src)}, check=True)


def python_path(src: Path) -> str:
    return os.pathsep.join(
        p for p in (str(src), str(ROOT / "benchmarks"), INHERITED_PYTHONPATH) if p
    )


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


CpuSeconds = tuple[float, float, float, float, float]
# Each thread's (time on a core, time waiting for one) in ns, of the web workers and of
# PostgreSQL's processes (schedstat): how much of a phase's slower reads is a wait for the CPU.
Threads = dict[int, tuple[int, int]]
WaitNs = tuple[int, int]
# Checkpoint buffers written; analyses (auto and manual) and vacuums of the database's tables.
DatabaseWork = tuple[int, int, int]


@dataclass
class Reads:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    cpu: CpuSeconds = (0.0, 0.0, 0.0, 0.0, 0.0)
    database: DatabaseWork = (0, 0, 0)
    waited: WaitNs = (0, 0)
    seconds: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)  # one-minute load average at the start and the end
    solve: str = ""


class Meter:
    """CPU seconds of the web workers, of the worker process, of the worker's children (the
    bound's process of a solve: a subprocess, not named ``worker``), of PostgreSQL and of the
    rest of the machine; and what PostgreSQL did in the background."""

    def __init__(self, server_pid: int, url: str) -> None:
        self.server_pid = server_pid
        self.engine = create_engine(normalise_url(url), poolclass=NullPool)

    def read(self) -> tuple[CpuSeconds, DatabaseWork, tuple[Threads, Threads]]:
        web = worker = children = 0.0
        web_threads: Threads = {}
        for pid in tree_pids(self.server_pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"\0worker\0" in command:
                worker += process_cpu_seconds(pid)
                # The children it has waited for are in its own counters; those alive, in theirs.
                children += waited_children_cpu_seconds(pid)
                children += sum(process_cpu_seconds(p) for p in tree_pids(pid)[1:])
            elif not self._under_worker(pid):
                web += process_cpu_seconds(pid)
                web_threads |= schedstat(pid)
        databases = database_pids()
        database = sum(process_cpu_seconds(p) for p in databases)
        database_threads = {t: s for p in databases for t, s in schedstat(p).items()}
        machine = machine_busy_seconds()
        cpu = (web, worker, children, database, machine - web - worker - children - database)
        return cpu, self._database_work(), (web_threads, database_threads)

    def _under_worker(self, pid: int) -> bool:
        while pid > 1 and pid != self.server_pid:
            try:
                if b"\0worker\0" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return True
                pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError):
                return False
        return False

    def _database_work(self) -> DatabaseWork:
        with self.engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT (SELECT buffers_checkpoint FROM pg_stat_bgwriter), "
                    "coalesce(sum(autoanalyze_count + analyze_count), 0), "
                    "coalesce(sum(autovacuum_count + vacuum_count), 0) FROM pg_stat_user_tables"
                )
            ).one()
        return int(row[0]), int(row[1]), int(row[2])


def waited_children_cpu_seconds(pid: int) -> float:
    """cutime + cstime of one process: the CPU of its children it has waited for."""
    with contextlib.suppress(OSError):
        waited = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[13:15]
        return sum(int(ticks) for ticks in waited) / TICKS
    return 0.0


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
    """``--rounds`` pairs of phases, without a solve and during one."""
    prefix = f"/api/events/{event_id}"
    as_organiser = {"Authorization": f"Bearer {organiser}"}
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    phases = []

    async def phase(reads: Reads) -> None:
        load, before = os.getloadavg()[0], meter.read()
        await read_agendas(pools, f"{prefix}/agenda", tokens, args.rate, args.seconds, reads)
        after = meter.read()
        reads.cpu = _minus(after[0], before[0])
        reads.database = _minus(after[1], before[1])
        reads.waited = (
            since(before[2][0], after[2][0])[1],
            since(before[2][1], after[2][1])[1],
        )
        reads.load = (load, os.getloadavg()[0])
        phases.append(reads)

    async def solve_run(run_id: int) -> dict[str, object]:
        # Polled until it answers: under load a poll may time out like any read.
        while True:
            try:
                answer = await http.get(f"{prefix}/solves/{run_id}", headers=as_organiser)
            except httpx.HTTPError:
                continue
            if answer.status_code == 200:
                return dict(answer.json())
            await asyncio.sleep(1)

    async with contextlib.AsyncExitStack() as stack:
        # Pools small enough that a backlog of reads does not make each answer's bookkeeping
        # slow (see load.CLIENTS_PER_POOL), and enough of them for rate x timeout in flight.
        pools = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=base, limits=limits, timeout=TIMEOUT_S + 5)
            )
            for _ in range(max(1, math.ceil(args.rate * TIMEOUT_S / CONNECTIONS)))
        ]
        # The organiser's requests in a pool of their own, never queued behind the reads.
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=120))
        # Each web worker builds its agendas once: not counted.
        warm = Reads("warm-up")
        await read_agendas(pools, f"{prefix}/agenda", tokens, args.rate, args.warm_up, warm)
        for _ in range(args.rounds):
            await phase(Reads("without"))
            started = await http.post(
                f"{prefix}/solves", json={"time_limit_s": args.solve_seconds}, headers=as_organiser
            )
            started.raise_for_status()
            run = dict(started.json())
            deadline = time.monotonic() + 600
            # Reads start once the worker has the solve in hand (building its problem included).
            while _phase_of(run) in ("queued", None) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                run = await solve_run(int(str(run["id"])))
            solving = Reads("during")
            await phase(solving)
            run = await solve_run(int(str(run["id"])))
            solving.solve = f"{run['status']}, {_phase_of(run)} at the end"
            # The next phase starts with no solve running.
            while run["status"] == "running" and time.monotonic() < deadline:
                await asyncio.sleep(1)
                run = await solve_run(int(str(run["id"])))
    meter.engine.dispose()
    return phases


def _phase_of(run: dict[str, object]) -> object:
    progress = run.get("progress")
    return progress.get("phase") if isinstance(progress, dict) else None


def _minus(after: tuple[float, ...], before: tuple[float, ...]) -> Any:
    return tuple(a - b for a, b in zip(after, before, strict=True))


def ratio_interval(
    during: list[float], without: list[float], draws: int, rng: np.random.Generator
) -> tuple[float, float, float]:
    """p99 during / p99 without, and its 95 % bootstrap interval (each side resampled)."""
    if not during or not without:
        return math.nan, math.nan, math.nan
    ratios = np.sort(_p99_resampled(during, draws, rng) / _p99_resampled(without, draws, rng))
    low, high = ratios[int(0.025 * draws)], ratios[int(0.975 * draws) - 1]
    return percentile(during, 99) / percentile(without, 99), float(low), float(high)


def _p99_resampled(values: list[float], draws: int, rng: np.random.Generator) -> np.ndarray:
    """The p99 of ``draws`` resamples of ``values`` (linear interpolation, as ``percentile``)."""
    array = np.asarray(values)
    chunks = [
        np.percentile(
            array[rng.integers(0, len(array), (min(100, draws - n), len(array)))], 99, axis=1
        )
        for n in range(0, draws, 100)
    ]
    return np.concatenate(chunks)


@dataclass
class Server:
    tree: str
    nice: str
    first: bool  # its database seeded just before it started
    phases: list[Reads]


@contextlib.contextmanager
def idle_cgroup(server_pid: int) -> Iterator[None]:
    """The server's worker process (every thread of it) moved into a cgroup of its own marked
    ``cpu.idle`` (cgroup v1's cpu controller, as mounted here; needs root), and out of its
    session's scheduling group: at the top level of the machine the group then gives way to
    any other task at once, as a SCHED_IDLE task does within its own group."""
    folder = Path(f"/sys/fs/cgroup/cpu/sidelines-bench-{server_pid}")
    deadline = time.monotonic() + 60
    while not (workers := _worker_pids(server_pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    folder.mkdir()
    try:
        (folder / "cpu.idle").write_text("1")
        for pid in workers:
            (folder / "cgroup.procs").write_text(str(pid))
        yield
    finally:
        for pid in (folder / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):
                Path("/sys/fs/cgroup/cpu/cgroup.procs").write_text(pid)
        folder.rmdir()


def _worker_pids(server_pid: int) -> list[int]:
    pids = []
    for pid in tree_pids(server_pid):
        with contextlib.suppress(OSError):
            if b"\0worker\0" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.append(pid)
    return pids


def run_server(
    tree: str, src: Path, url: str, nice: str, first: bool, args: argparse.Namespace
) -> Server:
    idle = nice in ("idle", "cgidle")
    os.environ["SIDELINES_WORKER_NICE"] = "10" if idle else nice
    os.environ["SIDELINES_WORKER_IDLE"] = "1" if idle else "0"
    # The server's processes import ``sidelines`` from ``src``.
    os.environ["PYTHONPATH"] = python_path(src)
    event_id, organiser, tokens = logins(url, args)
    port = free_port()
    log = Path(f"{args.server_log}-{tree}-nice{nice}.log") if args.server_log else None
    server = start_server(url, port, args.workers, log, timeout_s=300)
    try:
        lowered = idle_cgroup(server.pid) if nice == "cgidle" else contextlib.nullcontext()
        with lowered:
            phases = asyncio.run(
                measure(
                    f"http://127.0.0.1:{port}",
                    event_id,
                    organiser,
                    tokens,
                    args,
                    Meter(server.pid, url),
                )
            )
    finally:
        server.terminate()
        server.wait(60)
    return Server(tree, nice, first, phases)


def report(servers: list[Server], args: argparse.Namespace) -> None:
    rng = np.random.default_rng(args.seed)
    rows = [
        f"| code | worker | phase | load | reads | p50 (ms) | p95 (ms) | p99 (ms) | errors "
        f"| CPU s: {CPU_COLUMNS} | wait for a core per read, ms: web / PostgreSQL "
        "| checkpoint buffers / analyses / vacuums | solve |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---|---|---|---|",
    ]
    for server in servers:
        for n, reads in enumerate(server.phases):
            p50, p95, p99 = (percentile(reads.latencies_ms, q) for q in (50, 95, 99))
            per_read = max(1, len(reads.latencies_ms)) * 1e6
            rows.append(
                f"| {server.tree} | {server.nice} | {n // 2 + 1} {reads.name} "
                f"| {reads.load[0]:.1f}–{reads.load[1]:.1f} | {len(reads.latencies_ms)} "
                f"| {p50:.1f} | {p95:.1f} | {p99:.1f} | {reads.errors} "
                f"| {' / '.join(f'{c:.0f}' for c in reads.cpu)} "
                f"| {' / '.join(f'{w / per_read:.2f}' for w in reads.waited)} "
                f"| {' / '.join(str(w) for w in reads.database)} | {reads.solve} |"
            )
    print("\n".join(rows), flush=True)
    rows = [
        "| code | worker | pairs | load | p99 without (ms) | p99 during (ms) | during / without "
        "| 95 % interval |",
        "|---|---|---|---|---:|---:|---:|---|",
    ]
    pooled: dict[str, list[tuple[Reads, Reads]]] = {}
    for server in servers:
        pairs = list(zip(server.phases[::2], server.phases[1::2], strict=True))
        groups = [
            ("1, right after seeding" if server.first and n == 0 else str(n + 1), [pair])
            for n, pair in enumerate(pairs)
        ]
        later = pairs[1:] if server.first else pairs
        pooled.setdefault(server.tree, []).extend(later)
        if len(later) > 1:
            groups.append(("2 on, pooled" if server.first else "all, pooled", later))
        rows += [
            _ratio_row(server.tree, server.nice, name, chosen, args, rng) for name, chosen in groups
        ]
    for tree, pairs in pooled.items():
        if not pairs:  # one round on one server: nothing after the first pair
            continue
        rows.append(
            _ratio_row(tree, "every server", "all but the first after seeding", pairs, args, rng)
        )
    print()
    print("\n".join(rows), flush=True)


def _ratio_row(
    tree: str,
    nice: str,
    name: str,
    pairs: list[tuple[Reads, Reads]],
    args: argparse.Namespace,
    rng: np.random.Generator,
) -> str:
    without = [ms for pair in pairs for ms in pair[0].latencies_ms]
    during = [ms for pair in pairs for ms in pair[1].latencies_ms]
    ratio, low, high = ratio_interval(during, without, args.bootstrap, rng)
    loads = [load for pair in pairs for reads in pair for load in reads.load]
    return (
        f"| {tree} | {nice} | {name} | {min(loads):.1f}–{max(loads):.1f} "
        f"| {percentile(without, 99):.1f} | {percentile(during, 99):.1f} | **{ratio:.2f}** "
        f"| {low:.2f}–{high:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--readers", type=int, default=200, help="delegations reading")
    parser.add_argument("--rate", type=float, default=100.0, help="agenda reads per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="per phase")
    parser.add_argument("--warm-up", type=float, default=5.0, help="seconds of reads not counted")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of phases per server")
    parser.add_argument("--solve-seconds", type=float, default=30.0, help="the solve's limit")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--bootstrap", type=int, default=2000, help="resamples per interval")
    parser.add_argument(
        "--worker-nice",
        default="idle",
        help="the worker process's priorities, comma-separated, each on a server started anew: "
        "a niceness (0-19, the default policy; 10 is the worker's priority before SCHED_IDLE), "
        "or idle (niceness 10 and SCHED_IDLE, as the worker runs by default), or cgidle (idle, "
        "and the worker moved into a cgroup marked cpu.idle; cgroup v1, root)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-log", metavar="PREFIX")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the src folder of another tree (e.g. an export of commit 55e3169): it seeds and "
        "serves a database of its own, the trees taking turns",
    )
    parser.add_argument("--seed-into", help=argparse.SUPPRESS)  # seeding's subprocess
    args = parser.parse_args()
    if args.seed_into:
        seed(args.seed_into, args)
        return
    trees = [("this", ROOT / "src")]
    if args.baseline is not None:
        trees.append(("baseline", args.baseline.resolve()))
    nices = args.worker_nice.split(",")
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    servers = []
    with contextlib.ExitStack() as stack:
        urls = {}
        # Each tree's database seeded just before its first server, so that its first phases
        # meet what an import leaves behind; then the trees take turns, in the order ABBA...
        for tree, src in trees:
            urls[tree] = stack.enter_context(fresh_database("postgresql"))
            started = time.monotonic()
            seed_with(src, urls[tree], args)
            print(f"{tree}: seeded in {time.monotonic() - started:.0f} s", flush=True)
            servers.append(run_server(tree, src, urls[tree], nices[0], True, args))
            report(servers[-1:], args)  # as it comes, in case a later server fails
        for n, nice in enumerate(nices[1:]):
            for tree, src in trees if n % 2 else trees[::-1]:
                servers.append(run_server(tree, src, urls[tree], nice, False, args))
                report(servers[-1:], args)
    report(servers, args)


if __name__ == "__main__":
    main()
