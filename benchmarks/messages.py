"""Messages for an event's publish: how long until every one is delivered, and what the
delivery costs the agenda reads meanwhile.

Each part runs as it would in production, in a process of its own:

- the server: ``sidelines serve`` (one web process) with the ``sidelines worker`` it starts;
- the receivers: an aiosmtpd SMTP server and an HTTP server for webhooks (``tests/receivers``),
  standing in for the mail server and the delegations' systems;
- the reader: a client that reads delegations' agendas over HTTP at a fixed rate (open loop:
  each read is sent at its time whether or not the ones before it were answered, and its
  latency counts from that time, so a stalled server is not hidden by a client that waits).

A generated fair (``scheduling.generator``) is imported; each party gets a delegation login
with an e-mail address and a webhook. Its solve (the heuristic) is written as a finished run,
then published through the API: the publish writes a change notice per side of each placed
meeting and, in the same transaction, an e-mail and a webhook post for each. The clock runs
from the start of the publish to its last message marked sent (the target: 60 s).

Then what delivering costs the reads: many short windows, with delivery (``--chunk`` of the
publish's messages queued again under new keys, the window lasting until they are sent) and
without (``--window`` seconds), alternately (on-off, off-on, ...) so that a change in the
machine's load meets both sides alike. The reads of each side are pooled; beside the ratio of
their p99s is a 95 % bootstrap interval (whole cycles resampled) and the web process's wait
for a core per read (``run_delay`` from /proc/PID/task/*/schedstat), a steadier figure than a
p99 that one late wake-up decides. Every key queued must be received once.

    python benchmarks/messages.py                        # SQLite, then PostgreSQL
    python benchmarks/messages.py --databases sqlite --cycles 40 --busy 2
    python benchmarks/messages.py --baseline base/src    # another tree's server beside this
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
# The receivers are the tests' own, the solve is written as the preview benchmark writes it,
# the server is started and measured as the load benchmark does: found from the repository.
sys.path.insert(0, str(ROOT))

PASSWORD = "benchmark-password-of-every-login"
EVENT = "bench"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/bench_messages"
INHERITED_PYTHONPATH = os.environ.get("PYTHONPATH")


# --- the receivers' process ------------------------------------------------------------------


def lower_group(niceness: int) -> None:
    """The calling process lowered by ``niceness``, and its scheduling group (autogroup) with
    it where Linux has them: a process in a session of its own competes as a group, and a
    niceness inside the group does not weigh it against other groups."""
    os.nice(niceness)
    with contextlib.suppress(OSError):
        Path("/proc/self/autogroup").write_text(str(niceness))


def receive(out: Path) -> None:
    """Run both receivers until standard input closes; then write the keys they received."""
    from tests.receivers import smtp_receiver, webhook_receiver

    with smtp_receiver() as smtp, webhook_receiver() as hooks:
        print(json.dumps({"smtp": smtp.port, "webhook": hooks.url}), flush=True)
        sys.stdin.read()
        out.write_text(json.dumps({"mail": smtp.keys(), "webhook": hooks.keys()}))


# --- the reader's process --------------------------------------------------------------------


def read(base: str, tokens: list[str], rate: float, out: Path) -> None:
    """Read agendas at ``rate`` a second, one delegation after another, until standard input
    closes; then write (when sent, ms, status) of each read, times on the machine's monotonic
    clock (the same in every process)."""
    # The reader stands in for browsers elsewhere: a little ahead of the server in the queue for
    # the CPU, so that its own waits for it are not counted as the server's (it needs root).
    with contextlib.suppress(PermissionError):
        os.nice(-5)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    reads: list[tuple[float, float, int, float]] = []

    async def one(http: httpx.AsyncClient, at: float, token: str) -> None:
        late = (time.monotonic() - at) * 1000  # how far behind its time the client sent it
        try:
            response = await http.get(
                f"/api/events/{EVENT}/agenda", headers={"Authorization": f"Bearer {token}"}
            )
            status = response.status_code
        except httpx.HTTPError:
            status = 0
        reads.append((at, (time.monotonic() - at) * 1000, status, late))

    async def run() -> None:
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
            start = time.monotonic()
            pending: set[asyncio.Task[None]] = set()
            i = 0
            while not done.is_set():
                at = start + i / rate
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                task = asyncio.create_task(one(http, at, tokens[i % len(tokens)]))
                pending.add(task)
                task.add_done_callback(pending.discard)
                i += 1
            if pending:
                await asyncio.wait(pending)

    asyncio.run(run())
    out.write_text(json.dumps(reads))


# --- the benchmark ---------------------------------------------------------------------------


@dataclass
class Window:
    """A stretch of the run: the publish's round, or one window with (``on``) or without
    (``off``) delivery in a cycle of the two."""

    kind: str
    cycle: int
    start: float
    end: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)  # one-minute load average at its start and end
    delay_ns: int = 0  # the web process's wait for a core in the window (schedstat run_delay)
    cpu_ns: int = 0  # the web process's time on a core in the window
    # The same two for the database's server processes (PostgreSQL: those of this database).
    db_delay_ns: int = 0
    db_cpu_ns: int = 0
    latencies: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    errors: int = 0


@dataclass
class Run:
    database: str
    tree: str
    windows: list[Window]
    expected: int  # distinct keys queued in all (the publish's and every cycle's)
    delivered: int  # of those, received at least once
    repeats: int  # keys received more than once
    publish_notifications: int
    publish_s: float
    delivery_s: float  # from the start of the publish to its last message marked sent
    cpu: dict[str, float]
    busy: int


def load() -> float:
    return os.getloadavg()[0]


def p(values: list[float] | np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def fresh_postgres(url: str) -> None:
    """Drop and make anew the benchmark's own database (never the tests')."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed(url: str, args: argparse.Namespace, hook_url: str) -> tuple[int, list[str]]:
    """The fair, its delegations (each with an address and a webhook for ``placed``) and a
    finished solve; the run's id and the delegations' login names."""
    from benchmarks.preview import write_run
    from tests.receivers import LOOPBACK

    from sidelines.scheduling import SolveOptions, Strategy, solve
    from sidelines.scheduling.generator import GeneratorSpec, generate_event
    from sidelines.services import accounts, event_problem, events, messages, solves
    from sidelines.services.actors import Actor, Role
    from sidelines.services.messages import Preferences
    from sidelines.storage.db import Database

    db = Database(url)
    db.upgrade()
    spec = GeneratorSpec(principals=args.principals, requests=args.requests, spaces=args.spaces)
    event = replace(generate_event(spec, args.seed), id=EVENT)
    organiser_id = accounts.create_user(db, "organiser", PASSWORD, Role.ORGANISER)
    organiser = Actor(Role.ORGANISER, organiser_id, "organiser")
    events.import_event(db, organiser, event)
    names = []
    for party in event.parties:
        name = f"bench.{party.id}"
        user_id = accounts.create_user(
            db, name, PASSWORD, Role.DELEGATE, event_id=EVENT, party_id=party.id
        )
        actor = Actor(Role.DELEGATE, user_id, name, EVENT, party.id)
        address = f"{party.id.lower()}@example.org"
        messages.set_preferences(db, actor, Preferences(email=address, kinds=("placed",)))
        messages.add_webhook(db, actor, EVENT, hook_url, ("placed",), allowed=LOOPBACK)
        names.append(name)
    with db.reading() as session:
        problem, _ = event_problem.event_problem(session, EVENT, lock_scheduled=False)
    result = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=args.solve_time))
    run = write_run(db, organiser, EVENT, solves.result_data(problem, result))
    db.dispose()
    return run, names


class Outbox:
    """The benchmark's own look at the outbox, on one connection kept for the run: the same
    cheap query every 0.1 s in every window, with delivery or without, so that the
    benchmark's own work is alike on both sides."""

    def __init__(self, url: str) -> None:
        from sidelines.storage.db import Database

        self.db = Database(url, pool_size=1)

    def keys(self) -> list[str]:
        from sidelines.storage.tables import OutboxRow

        with self.db.reading() as session:
            return list(session.scalars(select(OutboxRow.key)))

    def unsent(self) -> int:
        from sidelines.storage.tables import OutboxRow

        with self.db.reading() as session:
            count = select(func.count()).select_from(OutboxRow).where(OutboxRow.status != "sent")
            return session.scalar(count) or 0

    def ids(self) -> list[int]:
        from sidelines.storage.tables import OutboxRow

        with self.db.reading() as session:
            return sorted(session.scalars(select(OutboxRow.id)))

    def requeue(self, ids: list[int], tag: str) -> list[str]:
        """These rows due again, as new: a new key (the receivers keep them apart), no
        attempts; their new keys."""
        from sqlalchemy import update

        from sidelines.services.clock import now
        from sidelines.storage.tables import OutboxRow

        with self.db.writing() as session:
            return list(
                session.scalars(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(ids))
                    .values(
                        key=OutboxRow.key + tag,
                        status="pending",
                        due_at=now(),
                        attempts=0,
                        sent_at=None,
                        claimed_by=None,
                        claimed_until=None,
                    )
                    .returning(OutboxRow.key)
                    .execution_options(synchronize_session=False)
                )
            )

    def wait(self, seconds: float | None, timeout: float) -> bool:
        """Poll until everything is sent (``seconds`` None) or for ``seconds``; whether all was
        sent in time."""
        started = time.monotonic()
        while True:
            unsent = self.unsent()
            elapsed = time.monotonic() - started
            if seconds is None and unsent == 0:
                return True
            if seconds is not None and elapsed >= seconds:
                return unsent == 0
            if elapsed >= timeout:
                return False
            time.sleep(0.1)

    def backends(self) -> list[int]:
        """The PostgreSQL server processes connected to this database (the web's, the
        worker's, this poll's), not other databases' on a shared server; none on SQLite."""
        from sqlalchemy import text

        if not self.db.url.startswith("postgresql"):
            return []
        with self.db.reading() as session:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            return list(session.scalars(text(query)))

    def close(self) -> None:
        self.db.dispose()


def here(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def busy_loops(count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` processes that only spin, each in a session (and so a scheduling group) of its
    own, as other people's work on a shared machine would be."""
    return [
        subprocess.Popen([sys.executable, "-c", "while 1: pass"], start_new_session=True)
        for _ in range(count)
    ]


def run_one(
    database: str, url: str, args: argparse.Namespace, folder: Path, tree: str, src: Path
) -> Run:
    """One run on a fresh database, the server (and its worker) running the code in ``src``."""
    from benchmarks.api_load import (
        free_port,
        process_cpu_seconds,
        schedstat,
        since,
        start_server,
        tree_pids,
    )
    from tests.receivers import LOOPBACK_ENV

    # The server's processes import ``sidelines`` from ``src``; everything else is this tree's.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        x for x in (str(src), str(ROOT), INHERITED_PYTHONPATH) if x
    )
    # Settings for this tree's server only (e.g. the same src as the baseline, set otherwise).
    for setting in args.env:
        name, _, value = setting.partition("=")
        if tree == "this tree":
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    received = folder / f"{database}-received.json"
    receivers = subprocess.Popen(
        here("receive", str(received)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: lower_group(args.receivers_nice),
        # The receivers and the reader stand in for other machines: each in a session, and so
        # a scheduling group, of its own, not sharing the server's group's share of the cores.
        start_new_session=True,
    )
    assert receivers.stdout is not None
    assert receivers.stdin is not None
    ports = json.loads(receivers.stdout.readline())
    run_id, names = seed(url, args, ports["webhook"])
    os.environ["SIDELINES_SMTP_PORT"] = str(ports["smtp"])
    # The webhook receiver listens on the loopback: the server's worker is allowed to post there.
    os.environ.update(LOOPBACK_ENV)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / f"{database}-server.log"
    # Starting takes seconds on an idle machine, and minutes have been seen at load 20.
    server = start_server(url, port, 1, log, timeout_s=300)
    outbox = Outbox(url)
    busy = busy_loops(args.busy)
    reader: subprocess.Popen[str] | None = None
    windows: list[Window] = []
    try:
        [worker] = [x for x in tree_pids(server.pid) if x != server.pid]
        with httpx.Client(base_url=base, timeout=120) as http:

            def token(name: str) -> str:
                answer = http.post("/api/auth/token", json={"username": name, "password": PASSWORD})
                answer.raise_for_status()
                return str(answer.json()["token"])

            organiser = {"Authorization": f"Bearer {token('organiser')}"}
            tokens = [token(name) for name in names[: args.readers]]

            def warm() -> None:
                for t in tokens:
                    headers = {"Authorization": f"Bearer {t}"}
                    # On a busy machine the server may ask to come back (503, Retry-After).
                    while (
                        answer := http.get(f"/api/events/{EVENT}/agenda", headers=headers)
                    ).status_code == 503:
                        time.sleep(0.2)
                    answer.raise_for_status()

            warm()
            tokens_file = folder / f"{database}-tokens.json"
            tokens_file.write_text(json.dumps(tokens))
            reads = folder / f"{database}-reads.json"
            reader = subprocess.Popen(
                here("read", base, str(tokens_file), str(args.rate), str(reads)),
                stdin=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            web = server.pid

            def window(kind: str, cycle: int, measure: Any) -> Any:
                at = Window(kind, cycle, time.monotonic(), load=(load(), 0.0))
                backends = outbox.backends()
                stats = schedstat(web)
                db_stats = {t: x for pid in backends for t, x in schedstat(pid).items()}
                outcome = measure()
                at.end = time.monotonic()
                at.cpu_ns, at.delay_ns = since(stats, schedstat(web))
                at.db_cpu_ns, at.db_delay_ns = since(
                    db_stats, {t: x for pid in backends for t, x in schedstat(pid).items()}
                )
                at.load = (at.load[0], load())
                windows.append(at)
                return outcome

            time.sleep(2)  # the reader has started
            preview = http.get(f"/api/events/{EVENT}/solves/{run_id}/preview", headers=organiser)
            preview.raise_for_status()
            cpu_before = {
                "web": process_cpu_seconds(web),
                "worker": process_cpu_seconds(worker),
                "receivers": process_cpu_seconds(receivers.pid),
                "reader": process_cpu_seconds(reader.pid),
            }
            while True:  # the clock runs from the attempt the server admits (not a 503)
                published_at = time.monotonic()
                answer = http.post(
                    f"/api/events/{EVENT}/solves/{run_id}/publish",
                    json={"confirm": preview.json()["digest"]},
                    headers=organiser,
                )
                if answer.status_code != 503:
                    break
                time.sleep(0.5)
            answer.raise_for_status()
            published = time.monotonic()
            # The readers' first reads after the publish build their new agendas: that is the
            # publish's cost, not the delivery's, and it is read once here before measuring.
            warm()
            window("publish", 0, lambda: outbox.wait(None, args.timeout))
            delivered_at = windows[-1].end
            cpu = {
                name: (process_cpu_seconds(pid) - cpu_before[name])
                for name, pid in (
                    ("web", web),
                    ("worker", worker),
                    ("receivers", receivers.pid),
                    ("reader", reader.pid),
                )
            }
            expected = outbox.keys()
            publish_notifications = len(expected)
            ids = outbox.ids()
            # Short windows with and without delivery, alternately (on-off, then off-on, ...),
            # so that a change in the machine's load meets both sides alike. In a window with,
            # ``--chunk`` of the publish's messages are queued again under new keys and the
            # window lasts until they are all sent; a window without lasts ``--window`` s.
            time.sleep(args.gap)
            for cycle in range(args.cycles):
                for kind in ("on", "off") if cycle % 2 == 0 else ("off", "on"):
                    if kind == "on":
                        first = cycle * args.chunk % len(ids)
                        chunk = (ids + ids)[first : first + args.chunk]

                        def deliver(chunk: list[int] = chunk, cycle: int = cycle) -> bool:
                            expected.extend(outbox.requeue(chunk, f"#{cycle}"))
                            return outbox.wait(None, args.timeout)

                        window("on", cycle, deliver)
                    else:
                        window("off", cycle, lambda: outbox.wait(args.window, args.timeout))
                    # Not measured: the last marks commit, reads under way come back.
                    time.sleep(args.gap)
        assert reader.stdin is not None
        reader.stdin.close()
        reader.wait(timeout=120)
        for at, ms, status, late in json.loads(reads.read_text()):
            for w in windows:
                if w.start <= at < w.end:
                    # A read refused or failed is counted as such, not as a fast answer.
                    if status == 200:
                        w.latencies.append(ms)
                        w.late.append(late)
                    w.errors += status != 200
    finally:
        for loop in busy:
            loop.kill()
            loop.wait()
        outbox.close()
        if reader is not None and reader.poll() is None:
            reader.kill()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        receivers.stdin.close()
        receivers.wait(timeout=60)
    keys = json.loads(received.read_text())
    got = Counter(keys["mail"]) + Counter(keys["webhook"])
    return Run(
        database=database,
        tree=tree,
        windows=windows,
        expected=len(set(expected)),
        delivered=len(set(expected) & set(got)),
        repeats=sum(1 for c in got.values() if c > 1),
        publish_notifications=publish_notifications,
        publish_s=published - published_at,
        delivery_s=delivered_at - published_at,
        cpu=cpu,
        busy=args.busy,
    )


@dataclass
class Sides:
    """The reads with and without delivery, by cycle, and what the web process waited."""

    on: list[np.ndarray]
    off: list[np.ndarray]
    delay_on_ms: float  # the web's wait for a core per read, with delivery
    delay_off_ms: float
    cpu_on_ms: float  # the web's time on a core per read
    cpu_off_ms: float

    @classmethod
    def of(cls, run: Run) -> Sides:
        def side(kind: str) -> tuple[list[np.ndarray], float, float]:
            ws = [w for w in run.windows if w.kind == kind]
            cycles = sorted({w.cycle for w in ws})
            by_cycle = [
                np.array([x for w in ws if w.cycle == c for x in w.latencies]) for c in cycles
            ]
            reads = max(1, sum(len(w.latencies) for w in ws))
            return (
                by_cycle,
                sum(w.delay_ns for w in ws) / reads / 1e6,
                sum(w.cpu_ns for w in ws) / reads / 1e6,
            )

        on, delay_on, cpu_on = side("on")
        off, delay_off, cpu_off = side("off")
        return cls(on, off, delay_on, delay_off, cpu_on, cpu_off)

    def ratio(self, q: float = 99) -> float:
        return p(np.concatenate(self.on), q) / p(np.concatenate(self.off), q)

    def interval(self, samples: int = 2000, q: float = 99) -> tuple[float, float]:
        """A 95 % bootstrap interval of the ratio of the p99s, resampling whole cycles (a
        window with and one without, side by side in time): a stall that slows several reads
        of one window stays one draw, and the pairing keeps the load they shared."""
        rng = np.random.default_rng(1)
        n = len(self.on)
        ratios = []
        for _ in range(samples):
            pick = rng.integers(0, n, n)
            on = np.concatenate([self.on[i] for i in pick])
            off = np.concatenate([self.off[i] for i in pick])
            ratios.append(p(on, q) / p(off, q))
        low, high = np.percentile(ratios, [2.5, 97.5])
        return float(low), float(high)


def report(run: Run, deadline: float) -> None:
    on_time = "within" if run.delivery_s <= deadline else "NOT within"
    print(
        f"\n{run.database}, {run.tree}, {run.busy} busy process(es) beside: the publish's "
        f"{run.publish_notifications} notifications all sent {run.delivery_s:.2f} s after the "
        f"publish began ({on_time} {deadline:.0f} s; the publish itself {run.publish_s:.2f} s); "
        f"{run.delivered} of {run.expected} keys queued in all received, {run.repeats} more "
        "than once"
    )
    print(
        "CPU s from the publish to its last delivery: "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in run.cpu.items())
    )
    print(
        f"{'reads':<22}{'windows':>8}{'load':>13}{'reads':>7}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}{'late p99':>10}{'wait/read ms':>14}{'CPU/read ms':>13}"
        f"{'db wait/read':>14}{'db CPU/read':>13}"
    )
    for kind, name in (
        ("publish", "the publish's round"),
        ("on", "with delivery"),
        ("off", "without delivery"),
    ):
        ws = [w for w in run.windows if w.kind == kind]
        values = [x for w in ws for x in w.latencies]
        loads = [x for w in ws for x in w.load]
        reads = max(1, len(values))
        print(
            f"{name:<22}{len(ws):>8}{min(loads):>6.1f}–{max(loads):<6.1f}{len(values):>7}"
            f"{p(values, 50):>9.1f}{p(values, 99):>9.1f}{max(values, default=float('nan')):>9.1f}"
            f"{sum(w.errors for w in ws):>8}{p([x for w in ws for x in w.late], 99):>10.1f}"
            f"{sum(w.delay_ns for w in ws) / reads / 1e6:>14.2f}"
            f"{sum(w.cpu_ns for w in ws) / reads / 1e6:>13.2f}"
            f"{sum(w.db_delay_ns for w in ws) / reads / 1e6:>14.2f}"
            f"{sum(w.db_cpu_ns for w in ws) / reads / 1e6:>13.2f}"
        )
    sides = Sides.of(run)
    low, high = sides.interval()
    print(
        f"p99 with / without delivery: {sides.ratio():.2f} (95 % interval {low:.2f}–{high:.2f}); "
        f"p50: {sides.ratio(50):.2f}; the web's wait for a core per read: "
        f"{sides.delay_on_ms / max(sides.delay_off_ms, 1e-9):.2f}"
    )


def summary(runs: list[Run], deadline: float) -> None:
    """One line per run, in the order they ran: the figures to compare side by side."""
    print(
        "\n| database | code | busy | load | reads with / without | p50 ms with / without "
        "| p99 ms with / without | **p99 ratio** (95 % interval) | web's wait for a core per "
        "read, ms with / without | publish → last delivery s | all received once |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for run in runs:
        sides = Sides.of(run)
        on, off = np.concatenate(sides.on), np.concatenate(sides.off)
        low, high = sides.interval()
        loads = [x for w in run.windows for x in w.load]
        once = run.delivered == run.expected and run.repeats == 0
        print(
            f"| {run.database} | {run.tree} | {run.busy} | {min(loads):.1f}–{max(loads):.1f} "
            f"| {len(on):,} / {len(off):,} | {p(on, 50):.1f} / {p(off, 50):.1f} "
            f"| {p(on, 99):.1f} / {p(off, 99):.1f} "
            f"| **{sides.ratio():.2f}** ({low:.2f}–{high:.2f}) "
            f"| {sides.delay_on_ms:.2f} / {sides.delay_off_ms:.2f} "
            f"| {run.delivery_s:.1f}{'' if run.delivery_s <= deadline else ' (late)'} "
            f"| {'yes' if once else 'NO'} ({run.delivered:,} / {run.expected:,}) |"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "receive":
        receive(Path(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "read":
        _, _, base, tokens, rate, out = sys.argv
        read(base, json.loads(Path(tokens).read_text()), float(rate), Path(out))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--principals", type=int, default=120)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--spaces", type=int, default=40)
    parser.add_argument("--solve-time", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--deadline", type=float, default=60.0, help="the target, seconds")
    parser.add_argument("--rate", type=float, default=40.0, help="agenda reads a second")
    parser.add_argument("--readers", type=int, default=30, help="delegations that read")
    parser.add_argument(
        "--cycles", type=int, default=24, help="cycles of a window with delivery and one without"
    )
    parser.add_argument(
        "--chunk", type=int, default=300, help="messages queued again in a window with delivery"
    )
    parser.add_argument(
        "--window", type=float, default=2.5, help="seconds of a window without delivery"
    )
    parser.add_argument("--gap", type=float, default=0.5, help="seconds left out after each window")
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        help="processes that only spin, each in a scheduling group of its own, beside the run",
    )
    parser.add_argument(
        "--receivers-nice",
        type=int,
        default=0,
        help="niceness of the receivers' process and of its scheduling group (they stand in "
        "for other machines; 19 gives them only the cores' spare time)",
    )
    parser.add_argument(
        "--databases",
        nargs="+",
        default=["sqlite", POSTGRES],
        help="sqlite and/or PostgreSQL URLs of scratch databases (dropped and made anew)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the src folder of another tree (e.g. an export of an older commit): its server "
        "and worker are measured in the same run, each database alternately with this tree's",
    )
    parser.add_argument(
        "--env",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="environment of this tree's server only (not the baseline's)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of each tree per database, in the order this, baseline, baseline, this, ...",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sidelines-messages-"))
    print(f"files in {folder}")
    trees = [("this tree", ROOT / "src")]
    if args.baseline is not None:
        trees.append(("baseline", args.baseline.resolve()))
    runs = []
    for database in args.databases:
        for i in range(args.repeat):
            # ABBA: a load that rises or falls through the run meets both trees alike.
            for tree, src in trees if i % 2 == 0 else trees[::-1]:
                if database == "sqlite":
                    url = f"sqlite:///{folder}/bench-{len(runs)}.sqlite3"
                else:
                    url = database
                    fresh_postgres(url)
                name = "sqlite" if database == "sqlite" else "postgresql"
                files = folder / str(len(runs))
                files.mkdir()
                runs.append(run_one(name, url, args, files, tree, src))
                report(runs[-1], args.deadline)
    summary(runs, args.deadline)
    failed = [
        r for r in runs if r.delivered < r.expected or r.repeats or r.delivery_s > args.deadline
    ]
    if failed:
        raise SystemExit(
            f"{failed[0].database}, {failed[0].tree}: not every message delivered once within "
            f"{args.deadline:.0f} s of the publish"
        )


if __name__ == "__main__":
    main()
