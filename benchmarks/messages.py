"""Messages for an event's publish: how long until every one is delivered, and what the
delivery costs the agenda reads meanwhile.

A generated fair (``scheduling.generator``) is imported; each party gets a delegation login
with an e-mail address and a webhook, all to receivers on 127.0.0.1 (an aiosmtpd SMTP server
and an HTTP server, in this process). The fair is solved with the heuristic and published:
the publish writes a change notice per side of each placed meeting and, in the same
transaction, an e-mail and a webhook post for each. One ``sidelines worker`` process
delivers them. Meanwhile a thread reads delegations' agendas through the service and the
figures compare their p99 with the same reads before the publish.

    python benchmarks/messages.py --principals 120 --requests 300
    python benchmarks/messages.py --database postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select

from sidelines.scheduling import SolveOptions, Strategy, solve
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.services import accounts, event_problem, events, meetings, messages, solves
from sidelines.services.actors import Actor, Role
from sidelines.services.messages import Preferences
from sidelines.storage.db import Database
from sidelines.storage.tables import OutboxRow

# The receivers are the tests' own (``tests/receivers.py``), and the solve is written as the
# preview benchmark writes it: both are found from the repository's root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.preview import write_run
from tests.receivers import smtp_receiver, webhook_receiver

PASSWORD = "benchmark-password-of-every-login"


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[98] if len(times) > 2 else max(times)


def read_agendas(db: Database, readers: list[Actor], stop: threading.Event) -> list[float]:
    """Agenda reads, one delegation after another, until ``stop``; each one's ms."""
    times: list[float] = []
    i = 0
    while not stop.is_set():
        started = time.perf_counter()
        meetings.agenda(db, readers[i % len(readers)], "bench")
        times.append((time.perf_counter() - started) * 1000)
        i += 1
    return times


def counted(db: Database, status: str | None = None) -> int:
    with db.reading() as session:
        query = select(func.count()).select_from(OutboxRow)
        if status is not None:
            query = query.where(OutboxRow.status == status)
        return session.scalar(query) or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=120)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--spaces", type=int, default=40)
    parser.add_argument("--solve-time", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument(
        "--no-listeners",
        action="store_true",
        help="no addresses or webhooks: the publish alone, for comparison",
    )
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="sidelines-messages-")
    url = args.database or f"sqlite:///{folder}/bench.sqlite3"
    db = Database(url)
    db.upgrade()

    event = replace(
        generate_event(
            GeneratorSpec(principals=args.principals, requests=args.requests, spaces=args.spaces),
            args.seed,
        ),
        id="bench",
    )
    organiser_id = accounts.create_user(db, "organiser", PASSWORD, Role.ORGANISER)
    organiser = Actor(Role.ORGANISER, organiser_id, "organiser")
    events.import_event(db, organiser, event)

    with smtp_receiver() as smtp, webhook_receiver() as hooks:
        readers = []
        for party in event.parties:
            name = f"bench.{party.id}"
            user_id = accounts.create_user(
                db, name, PASSWORD, Role.DELEGATE, event_id="bench", party_id=party.id
            )
            actor = Actor(Role.DELEGATE, user_id, name, "bench", party.id)
            if not args.no_listeners:
                address = f"{party.id.lower()}@example.org"
                messages.set_preferences(db, actor, Preferences(email=address, kinds=("placed",)))
                messages.add_webhook(db, actor, "bench", hooks.url, ("placed",))
            readers.append(actor)

        with db.reading() as session:
            problem, _ = event_problem.event_problem(session, "bench", lock_scheduled=False)
        result = solve(
            problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=args.solve_time)
        )
        run = write_run(db, organiser, "bench", solves.result_data(problem, result))

        stop = threading.Event()
        idle: list[float] = []
        reader = threading.Thread(target=lambda: idle.extend(read_agendas(db, readers, stop)))
        reader.start()
        time.sleep(3)
        stop.set()
        reader.join()

        env = {**os.environ, "SIDELINES_SMTP_PORT": str(smtp.port)}
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from sidelines.cli.main import main; main()",
                "worker",
                "--database",
                url,
                "--tick",
                "0.2",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(2)  # the worker has started and found nothing to do
            started = time.perf_counter()
            solves.publish(db, organiser, "bench", run)
            published = time.perf_counter() - started
            # Agenda reads while the worker delivers, from when the publish has returned: the
            # publish itself runs in this process and would hold its interpreter lock.
            stop = threading.Event()
            busy: list[float] = []
            reader = threading.Thread(target=lambda: busy.extend(read_agendas(db, readers, stop)))
            reader.start()
            total = counted(db)
            while counted(db, "sent") < total and time.perf_counter() - started < args.timeout:
                time.sleep(0.05)
            delivered = time.perf_counter() - started
            stop.set()
            reader.join()
            # The same reads once everything is delivered: the publish changed every agenda, so
            # this, not the one before it, is the state the reads during delivery compare with.
            stop = threading.Event()
            after: list[float] = []
            reader = threading.Thread(target=lambda: after.extend(read_agendas(db, readers, stop)))
            reader.start()
            time.sleep(3)
            stop.set()
            reader.join()
        finally:
            worker.terminate()
            worker.wait(timeout=30)

    got = Counter(smtp.keys()) + Counter(hooks.keys())
    sent = counted(db, "sent")
    print(
        f"{db.engine.dialect.name}, {len(result.schedule)} meetings published, "
        f"{len(readers)} delegations, "
        + (
            "without listeners"
            if args.no_listeners
            else "each with an e-mail address and a webhook"
        )
    )
    print(f"{'what':<44}{'value':>12}")
    rows = [
        ("notifications written by the publish", f"{total}"),
        ("delivered (outbox rows sent)", f"{sent}"),
        ("e-mails received by the SMTP server", f"{len(smtp.keys())}"),
        ("posts received by the webhook receiver", f"{len(hooks.keys())}"),
        ("received more than once", f"{sum(1 for c in got.values() if c > 1)}"),
        ("publish (with the outbox) s", f"{published:.2f}"),
        ("publish to the last delivery s", f"{delivered:.2f}"),
        ("deliveries per second", f"{sent / delivered:.0f}"),
        ("agenda read p99 ms, before the publish", f"{p99(idle):.1f}"),
        ("agenda read p99 ms, while delivering", f"{p99(busy):.1f}"),
        ("agenda read p99 ms, once all are delivered", f"{p99(after):.1f}"),
    ]
    for name, value in rows:
        print(f"{name:<44}{value:>12}")
    db.dispose()
    if sent < total:
        raise SystemExit(f"only {sent} of {total} delivered within {args.timeout:.0f} s")


if __name__ == "__main__":
    main()
