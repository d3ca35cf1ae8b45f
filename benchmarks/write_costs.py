"""What each kind of request of the load mix costs the server: SQL statements, transactions and
CPU milliseconds, for this tree and a baseline commit side by side.

Each tree runs in a child process of its own (its ``src`` first on the path), started at the same
moment as the other's, against a fresh PostgreSQL database seeded as ``api_load.py`` seeds it (a
published schedule, one login per delegation). The child builds the application as ``serve``
does (``web.main.app_from_settings``) and calls it in-process through Starlette's test client,
so that what is measured is the server's work alone, without sockets or a client competing for
the cores: CPU is the process's own (all threads), statements and transactions are counted on
the engine. Each kind is run ``--rounds`` times after a warm-up, round-robin over the
delegations; an answer answers a request sent to that delegation in the send phase.

    PYTHONPATH=src .venv/bin/python benchmarks/write_costs.py --baseline main --rounds 200
    PYTHONPATH=src .venv/bin/python benchmarks/write_costs.py --profile send --rounds 300
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The mix of benchmarks/load.py; "answer" is split by answer, as each costs differently.
KINDS = ("agenda", "inbox", "send", "accept", "soft_decline", "defer", "schedule")


class Counter:
    """Statements and transactions an engine runs, counted by its events."""

    def __init__(self) -> None:
        self.statements = 0
        self.transactions = 0
        self.shown = 0  # statements still to print (``--show``)

    def attach(self, engine: Any) -> None:
        from sqlalchemy import event

        def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
            self.statements += 1
            if self.shown:
                self.shown -= 1
                print(" ".join(sql.split())[:160], file=sys.stderr)

        def begin(*_args: Any) -> None:
            self.transactions += 1

        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "begin", begin)


# Requests per batch: the CPU per request of the cheapest batch is also reported, the figure
# least raised by neighbours competing for the cores and their caches.
BATCH = 10


@contextmanager
def measured(counter: Counter, into: dict[str, float], rounds: int) -> Iterator[None]:
    statements, transactions = counter.statements, counter.transactions
    cpu = time.process_time()
    yield
    into["cpu_ms"] = (time.process_time() - cpu) * 1000 / rounds
    into["statements"] = (counter.statements - statements) / rounds
    into["transactions"] = (counter.transactions - transactions) / rounds


def profile_routes(profile: cProfile.Profile, profiling: list[bool]) -> None:
    """Profile the routes' own work: FastAPI runs each plain route function in a worker
    thread, where a profiler enabled in this one would not see it."""
    import fastapi.routing

    original = fastapi.routing.run_in_threadpool

    async def run(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not profiling[0]:
            return await original(func, *args, **kwargs)

        def profiled(*args: Any, **kwargs: Any) -> Any:
            profile.enable()
            try:
                return func(*args, **kwargs)
            finally:
                profile.disable()

        return await original(profiled, *args, **kwargs)

    fastapi.routing.run_in_threadpool = run  # type: ignore[assignment]


def child(args: argparse.Namespace) -> None:
    """Seed, serve in-process, measure each kind; print one JSON line."""
    sys.path.insert(0, str(HERE))
    from fastapi.testclient import TestClient

    from api_load import PASSWORD, fresh_database, seed

    with fresh_database("postgresql") as url:
        event_id, parties = seed(url, args.parties, args.seed)
        os.environ["SIDELINES_DATABASE_URL"] = url
        os.environ.setdefault("SIDELINES_SECRET_KEY", "write-costs-" + uuid.uuid4().hex)
        from sidelines.web.main import app_from_settings

        app = app_from_settings()
        # The route runs in a worker thread: its own CPU time, not the wall clock that waits
        # for the database.
        profile = cProfile.Profile(time.thread_time)
        profiling = [False]
        if args.profile:
            profile_routes(profile, profiling)
        counter = Counter()
        counter.attach(app.state.db.engine)
        prefix = f"/api/events/{event_id}"
        results: dict[str, dict[str, float]] = {}
        with TestClient(app) as http:

            def login(username: str) -> dict[str, str]:
                body = {"username": username, "password": PASSWORD}
                response = http.post("/api/auth/token", json=body)
                response.raise_for_status()
                return {"Authorization": f"Bearer {response.json()['token']}"}

            organiser = login("organiser")
            heads = {party: login(f"delegate-{party}") for party in parties}
            # Each delegation sends to the next: an answer later finds its own inbox filled.
            order = [(p, parties[(i + 1) % len(parties)]) for i, p in enumerate(parties)]
            sent: dict[str, list[int]] = {p: [] for p in parties}
            formats = ("b2b", "bilateral", "pull_aside", "courtesy_call")

            def send(i: int) -> None:
                party, invitee = order[i % len(order)]
                # A fresh format or invitee each time: the duplicate check must not refuse.
                other = parties[(parties.index(party) + 1 + i // len(order)) % len(parties)]
                if other == party:
                    other = invitee
                body = {
                    "invitees": [other],
                    "proposal": {"format": formats[0], "duration_min": 30},
                }
                key = {"Idempotency-Key": uuid.uuid4().hex}
                made = http.post(f"{prefix}/requests", json=body, headers=heads[party] | key)
                assert made.status_code == 201, made.text
                sent[other].append(made.json()["id"])

            def agenda(i: int) -> None:
                party = parties[i % len(parties)]
                got = http.get(f"{prefix}/agenda", headers=heads[party])
                assert got.status_code == 200, got.text

            def inbox(i: int) -> None:
                party = parties[i % len(parties)]
                params = {"box": "received", "state": "sent", "limit": 20}
                got = http.get(f"{prefix}/requests", params=params, headers=heads[party])
                assert got.status_code == 200, got.text

            def schedule(_i: int) -> None:
                got = http.get(f"{prefix}/schedule", headers=organiser)
                assert got.status_code == 200, got.text

            def answering(what: str) -> Callable[[int], None]:
                def answer(i: int) -> None:
                    for offset in range(len(parties)):
                        party = parties[(i + offset) % len(parties)]
                        if sent[party]:
                            break
                    request_id = sent[party].pop()
                    body = {"answer": what} | (
                        {"reason": "scheduling conflict"} if "decline" in what else {}
                    )
                    done = http.post(
                        f"{prefix}/requests/{request_id}/answers", json=body, headers=heads[party]
                    )
                    assert done.status_code == 200, done.text

                return answer

            actions: dict[str, Callable[[int], None]] = {
                "agenda": agenda,
                "inbox": inbox,
                "send": send,
                "accept": answering("accept"),
                "soft_decline": answering("soft_decline"),
                "defer": answering("defer"),
                "schedule": schedule,
            }
            # Enough requests for every answer phase, sent before any is measured but the sends.
            warm = min(args.rounds, 20)
            for kind in KINDS:
                act = actions[kind]
                if kind == "send":
                    for i in range(warm):
                        act(i)
                    # The three answer phases each answer warm + rounds of these.
                    rounds = 3 * (warm + args.rounds)
                else:
                    for i in range(warm):
                        act(i + 7)
                    rounds = args.rounds
                results[kind] = {}
                profiling[0] = args.profile == kind
                if args.show == kind:
                    print(f"--- the statements of one {kind}", file=sys.stderr)
                    counter.shown = 10**6
                    act(warm)
                    counter.shown = 0
                    warm += 1
                batches: list[float] = []
                with measured(counter, results[kind], rounds):
                    for start in range(0, rounds, BATCH):
                        cpu = time.process_time()
                        for i in range(start, min(start + BATCH, rounds)):
                            act(warm + i)
                        batches.append((time.process_time() - cpu) / (i + 1 - start))
                results[kind]["best_ms"] = 1000 * min(batches)
                profiling[0] = False
                if args.profile == kind:
                    stats = pstats.Stats(profile, stream=sys.stderr)
                    stats.sort_stats("cumulative").print_stats(45)
                    stats.sort_stats("tottime").print_stats(30)
        app.state.db.dispose()
    print(json.dumps(results))


def tree_of(ref: str, into: Path) -> Path:
    """The ``src`` folder of ``ref``, exported from this repository."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def run_children(trees: dict[str, Path], args: argparse.Namespace) -> dict[str, Any]:
    """One child per tree, all started at once."""
    command = [sys.executable, __file__, "--child", "--rounds", str(args.rounds)]
    command += ["--parties", str(args.parties), "--seed", str(args.seed)]
    if args.profile:
        command += ["--profile", args.profile]
    if args.show:
        command += ["--show", args.show]
    processes = {
        name: subprocess.Popen(
            command,
            env={**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{HERE}"},
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, src in trees.items()
    }
    results = {}
    for name, process in processes.items():
        out, _ = process.communicate()
        if process.returncode:
            raise SystemExit(f"{name}: the child failed ({process.returncode})")
        results[name] = json.loads(out.strip().splitlines()[-1])
    return results


def table(results: dict[str, Any]) -> str:
    names = list(results)
    head = f"{'kind':<13}" + "".join(
        f"{n + ' stmts':>18}{n + ' tx':>14}{n + ' CPU ms':>18}{n + ' best batch':>22}"
        for n in names
    )
    if len(names) == 2:
        head += f"{'CPU ratio':>11}{'best ratio':>12}"
    lines = [head]
    for kind in KINDS:
        cells = [results[n][kind] for n in names]
        line = f"{kind:<13}" + "".join(
            f"{c['statements']:>18.1f}{c['transactions']:>14.1f}{c['cpu_ms']:>18.2f}"
            f"{c.get('best_ms', float('nan')):>22.2f}"
            for c in cells
        )
        if len(names) == 2:
            line += f"{cells[1]['cpu_ms'] / cells[0]['cpu_ms']:>11.2f}"
            line += f"{cells[1]['best_ms'] / cells[0]['best_ms']:>12.2f}"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a commit to measure beside this tree, e.g. main")
    parser.add_argument("--rounds", type=int, default=100, help="requests per kind measured")
    parser.add_argument("--parties", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", choices=KINDS, help="cProfile this kind (to stderr)")
    parser.add_argument("--show", choices=KINDS, help="print one request's statements")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        trees: dict[str, Path] = {}
        if args.baseline:
            trees[args.baseline] = tree_of(args.baseline, Path(folder))
        trees["this tree"] = ROOT / "src"
        started = os.getloadavg()
        results = run_children(trees, args)
    print(f"load average before: {started[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
    sends = 3 * (min(args.rounds, 20) + args.rounds)
    print(f"{args.rounds} requests of each kind (send: {sends}), {args.parties} parties")
    print(table(results))


if __name__ == "__main__":
    main()
