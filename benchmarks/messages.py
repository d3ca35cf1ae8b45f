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
meeting and, in the same transaction, an e-mail and a webhook post for each. The reads are
measured before the publish, while the worker delivers (from once the publish returned and
the readers' new agendas were read once, until the last row is sent) and after everything was
delivered, side by side in one run; after is the baseline (the same agendas as during).

    python benchmarks/messages.py                        # SQLite, then PostgreSQL
    python benchmarks/messages.py --databases sqlite --rate 50
    python benchmarks/messages.py --baseline /tmp/main/src     # another tree's server beside this
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
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
class Phase:
    name: str
    start: float
    end: float
    load: tuple[float, float] = (0.0, 0.0)  # one-minute load average at its start and end
    latencies: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    errors: int = 0


@dataclass
class Run:
    database: str
    tree: str
    phases: list[Phase]
    notifications: int
    delivered: int
    mails: int
    posts: int
    repeats: int
    publish_s: float
    delivery_s: float
    cpu: dict[str, float]


def load() -> float:
    return os.getloadavg()[0]


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


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
        messages.add_webhook(db, actor, EVENT, hook_url, ("placed",))
        names.append(name)
    with db.reading() as session:
        problem, _ = event_problem.event_problem(session, EVENT, lock_scheduled=False)
    result = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=args.solve_time))
    run = write_run(db, organiser, EVENT, solves.result_data(problem, result))
    db.dispose()
    return run, names


def outbox_counts(url: str) -> tuple[int, int]:
    from sidelines.storage.db import Database
    from sidelines.storage.tables import OutboxRow

    db = Database(url, pool_size=1)
    try:
        with db.reading() as session:
            total = session.scalar(select(func.count()).select_from(OutboxRow)) or 0
            sent = (
                session.scalar(
                    select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "sent")
                )
                or 0
            )
        return total, sent
    finally:
        db.dispose()


def requeue(url: str, round_number: int) -> None:
    """Every message due again, as new: a new key (the receivers keep them apart), no attempts."""
    from sqlalchemy import update

    from sidelines.services.clock import now
    from sidelines.storage.db import Database
    from sidelines.storage.tables import OutboxRow

    db = Database(url, pool_size=1)
    try:
        with db.writing() as session:
            session.execute(
                update(OutboxRow).values(
                    key=OutboxRow.key + f"#{round_number}",
                    status="pending",
                    due_at=now(),
                    attempts=0,
                    sent_at=None,
                    claimed_by=None,
                    claimed_until=None,
                )
            )
    finally:
        db.dispose()


def here(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def run_one(
    database: str, url: str, args: argparse.Namespace, folder: Path, tree: str, src: Path
) -> Run:
    """One run on a fresh database, the server (and its worker) running the code in ``src``."""
    from benchmarks.api_load import free_port, process_cpu_seconds, start_server, tree_pids

    # The server's processes import ``sidelines`` from ``src``; everything else is this tree's.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(src), str(ROOT), INHERITED_PYTHONPATH) if p
    )
    received = folder / f"{database}-received.json"
    receivers = subprocess.Popen(
        here("receive", str(received)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.nice(args.receivers_nice),
    )
    assert receivers.stdout is not None
    assert receivers.stdin is not None
    ports = json.loads(receivers.stdout.readline())
    run_id, names = seed(url, args, ports["webhook"])
    os.environ["SIDELINES_SMTP_PORT"] = str(ports["smtp"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = folder / f"{database}-server.log"
    # Starting takes seconds on an idle machine, and minutes have been seen at load 20.
    server = start_server(url, port, 1, log, timeout_s=300)
    reader: subprocess.Popen[str] | None = None
    try:
        [worker] = [p for p in tree_pids(server.pid) if p != server.pid]
        with httpx.Client(base_url=base, timeout=120) as http:

            def token(name: str) -> str:
                answer = http.post("/api/auth/token", json={"username": name, "password": PASSWORD})
                answer.raise_for_status()
                return str(answer.json()["token"])

            organiser = {"Authorization": f"Bearer {token('organiser')}"}
            tokens = [token(name) for name in names[: args.readers]]

            def warm() -> None:
                for t in tokens:
                    http.get(
                        f"/api/events/{EVENT}/agenda", headers={"Authorization": f"Bearer {t}"}
                    ).raise_for_status()

            warm()
            tokens_file = folder / f"{database}-tokens.json"
            tokens_file.write_text(json.dumps(tokens))
            reads = folder / f"{database}-reads.json"
            reader = subprocess.Popen(
                here("read", base, str(tokens_file), str(args.rate), str(reads)),
                stdin=subprocess.PIPE,
                text=True,
            )
            phases: list[Phase] = []

            def phase(name: str, start: float, end: float, load_at_start: float) -> None:
                phases.append(Phase(name, start, end, (load_at_start, load())))

            time.sleep(1)  # the reader has started
            start, at_start = time.monotonic(), load()
            time.sleep(args.seconds)
            phase("before the publish", start, time.monotonic(), at_start)

            preview = http.get(f"/api/events/{EVENT}/solves/{run_id}/preview", headers=organiser)
            preview.raise_for_status()
            cpu_before = {
                "web": process_cpu_seconds(server.pid),
                "worker": process_cpu_seconds(worker),
                "receivers": process_cpu_seconds(receivers.pid),
                "reader": process_cpu_seconds(reader.pid),
            }
            profiles = [
                subprocess.Popen(
                    [
                        args.py_spy,
                        "record",
                        "--pid",
                        str(pid),
                        "--format",
                        "raw",
                        "--rate",
                        "50",
                        # Without it py-spy stops the process at each sample: the reads would wait.
                        "--nonblocking",
                        "--output",
                        str(folder / f"{database}-{name}.txt"),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for name, pid in (("worker", worker), ("web", server.pid))
                if args.py_spy
            ]
            published_at, at_start = time.monotonic(), load()
            http.post(
                f"/api/events/{EVENT}/solves/{run_id}/publish",
                json={"confirm": preview.json()["digest"]},
                headers=organiser,
            ).raise_for_status()
            published = time.monotonic()
            # The readers' first reads after the publish build their new agendas: that is the
            # publish's cost, not the delivery's, and it is read once here before measuring.
            warm()
            start = time.monotonic()
            phase("publish and first reads", published_at, start, at_start)
            at_start = load()
            total, sent = outbox_counts(url)
            while sent < total and time.monotonic() - published_at < args.timeout:
                time.sleep(0.2)
                total, sent = outbox_counts(url)
            delivered = time.monotonic()
            settled = [(total, sent)]
            for profile in profiles:
                profile.send_signal(signal.SIGINT)
                profile.wait(timeout=60)
            phase("while delivering, round 1 (the publish's)", start, delivered, at_start)
            cpu = {
                name: (process_cpu_seconds(pid) - cpu_before[name])
                for name, pid in (
                    ("web", server.pid),
                    ("worker", worker),
                    ("receivers", receivers.pid),
                    ("reader", reader.pid),
                )
            }
            time.sleep(0.5)  # the last marks commit; reads that were under way come back
            start, at_start = time.monotonic(), load()
            time.sleep(args.seconds)
            phase("no delivery, after round 1", start, time.monotonic(), at_start)
            # More rounds of the same deliveries, each after a window without: the same 1,220
            # messages queued again under new keys, so that the reads while delivering and
            # those without alternate and a change in the machine's load meets both.
            for round_number in range(2, args.rounds + 1):
                start, at_start = time.monotonic(), load()
                requeue(url, round_number)
                total, sent = outbox_counts(url)
                while sent < total and time.monotonic() - start < args.timeout:
                    time.sleep(0.2)
                    total, sent = outbox_counts(url)
                settled.append((total, sent))
                phase(f"while delivering, round {round_number}", start, time.monotonic(), at_start)
                time.sleep(0.5)
                start, at_start = time.monotonic(), load()
                time.sleep(args.seconds)
                phase(f"no delivery, after round {round_number}", start, time.monotonic(), at_start)
        assert reader.stdin is not None
        reader.stdin.close()
        reader.wait(timeout=120)
        for at, ms, status, late in json.loads(reads.read_text()):
            for p in phases:
                if p.start <= at < p.end:
                    p.latencies.append(ms)
                    p.late.append(late)
                    p.errors += status != 200
    finally:
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
        phases=phases,
        notifications=sum(t for t, _ in settled),
        delivered=sum(s for _, s in settled),
        mails=len(keys["mail"]),
        posts=len(keys["webhook"]),
        repeats=sum(1 for c in got.values() if c > 1),
        publish_s=published - published_at,
        delivery_s=delivered - published_at,
        cpu=cpu,
    )


def report(run: Run) -> None:
    print(
        f"\n{run.database}, {run.tree}: {run.notifications} notifications in all rounds, "
        f"{run.delivered} delivered in time "
        f"({run.mails} e-mails and {run.posts} webhook posts received in all, {run.repeats} more "
        f"than once); publish {run.publish_s:.2f} s, publish to the last delivery "
        f"{run.delivery_s:.2f} s"
    )
    print(
        "CPU s from the publish to its last delivery: "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in run.cpu.items())
    )
    print(
        f"{'agenda reads':<42}{'load':>13}{'reads':>7}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'max ms':>9}{'errors':>8}{'client late p99':>17}"
    )
    delivering = Phase("while delivering, all rounds", 0, 0)
    idle = Phase("no delivery, all rounds", 0, 0)
    for p in run.phases:
        row(p)
        pooled = delivering if p.name.startswith("while") else idle if p.name[:3] == "no " else None
        if pooled is not None:
            pooled.latencies += p.latencies
            pooled.late += p.late
            pooled.errors += p.errors
    row(delivering)
    row(idle)
    print(
        "p99 while delivering / p99 without, all rounds: "
        f"{percentile(delivering.latencies, 99) / percentile(idle.latencies, 99):.2f}; "
        f"p50: {percentile(delivering.latencies, 50) / percentile(idle.latencies, 50):.2f}"
    )


def summary(runs: list[Run]) -> None:
    """One line per run, in the order they ran: the figures to compare side by side."""
    print(
        "\n| database | code | load | p50 ms with / without | p99 ms with / without "
        "| p99 ratio | publish → last delivery s | delivered / notifications | repeats |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        with_ = [ms for p in run.phases if p.name.startswith("while") for ms in p.latencies]
        without = [ms for p in run.phases if p.name.startswith("no ") for ms in p.latencies]
        loads = [x for p in run.phases for x in p.load]
        print(
            f"| {run.database} | {run.tree} | {min(loads):.1f}–{max(loads):.1f} "
            f"| {percentile(with_, 50):.1f} / {percentile(without, 50):.1f} "
            f"| {percentile(with_, 99):.1f} / {percentile(without, 99):.1f} "
            f"| **{percentile(with_, 99) / percentile(without, 99):.2f}** "
            f"| {run.delivery_s:.2f} | {run.delivered} / {run.notifications} | {run.repeats} |"
        )


def row(p: Phase) -> None:
    values = p.latencies
    load_range = f"{p.load[0]:.1f} → {p.load[1]:.1f}" if p.end else ""
    print(
        f"{p.name:<42}{load_range:>13}{len(values):>7}"
        f"{percentile(values, 50):>9.1f}{percentile(values, 95):>9.1f}"
        f"{percentile(values, 99):>9.1f}{max(values, default=float('nan')):>9.1f}"
        f"{p.errors:>8}{percentile(p.late, 99):>17.1f}"
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
    parser.add_argument("--rate", type=float, default=10.0, help="agenda reads a second")
    parser.add_argument("--readers", type=int, default=30, help="delegations that read")
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="reads measured before and after"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of delivery, each followed by a window without (the first is the publish's)",
    )
    parser.add_argument(
        "--receivers-nice",
        type=int,
        default=0,
        help="niceness of the receivers' process (they stand in for other machines)",
    )
    parser.add_argument(
        "--py-spy",
        help="py-spy's path: the worker and the web process are sampled while delivering "
        "(collapsed stacks in the run's folder)",
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
        help="the src folder of another tree (e.g. an export of main): its server and worker "
        "are measured in the same run, each database alternately with this tree's",
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
                report(runs[-1])
    summary(runs)
    failed = [r for r in runs if r.delivered < r.notifications]
    if failed:
        raise SystemExit(f"not all delivered within {args.timeout:.0f} s: {failed[0].database}")


if __name__ == "__main__":
    main()
