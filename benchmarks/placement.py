"""Placing an agreed meeting: the server CPU of an answer that agrees a meeting on site and
places it into a large published schedule, on SQLite and PostgreSQL, this tree against a
baseline (``main`` by default) side by side in one run.

A generated fair (``scheduling.generator``, sized to ``--published``) is scheduled once first
come, first served; ``--published`` of the meetings it placed are imported into a fresh database as
agreed meetings and published where it put them. Others it placed are then asked
for one at a time (a delegation's request, not timed) and agreed on site by the organiser
(``negotiation.agree_on_site``: the answer that agrees, then the placement); the CPU of that
call is timed with ``time.process_time``. On SQLite the database works in the same process, so
its CPU is counted; on PostgreSQL only the server's own (the client of the database). The first
``--warm-up`` answers are not counted: each process builds its caches once.

Each (size, database, code) runs in a child process whose ``PYTHONPATH`` is the source tree
measured: this tree's ``src``, or the baseline's, extracted with ``git archive``.

    .venv/bin/python benchmarks/placement.py --published 600 6000 --placements 40
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _service(name: str, *modules: str) -> Callable[..., Any]:
    """A service function from the first module that has it: the services were split by use
    case, and the baseline may have them in the module they came from."""
    for module in modules:
        with contextlib.suppress(ImportError):
            found = getattr(importlib.import_module(f"sidelines.services.{module}"), name, None)
            if found is not None:
                return found  # type: ignore[no-any-return]
    raise ImportError(name)


# The parts of an answer that agrees and places a meeting (``--split``): the module and the
# name each is called by, so that a wrapper put there times every call. The agreement is the
# answer less its placement; the placement's read is its plan less the search.
SPLIT_PARTS = (
    ("answer", "negotiation", "agree_on_site"),
    ("placement", "negotiation", "place_agreed"),
    ("plan", "placing", "_plan_placement"),
    ("search", "placing", "replan"),
    ("booking", "placing", "_book_placement"),
)


def _timed_parts(spent: dict[str, float]) -> None:
    """Wrap each part of ``SPLIT_PARTS`` the tree measured has, adding its CPU to ``spent``."""
    for part, module_name, name in SPLIT_PARTS:
        try:
            module = importlib.import_module(f"sidelines.services.{module_name}")
        except ImportError:
            continue
        found = getattr(module, name, None)
        if found is None:
            continue

        def timed(*args: Any, _part: str = part, _call: Any = found, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return _call(*args, **kwargs)
            finally:
                spent[_part] = spent.get(_part, 0.0) + time.process_time() - started

        setattr(module, name, timed)


def _split_ms(spent: dict[str, float], answers: int) -> dict[str, float]:
    """The mean CPU per answer (ms) of each part; the agreement, the placement's read and its
    rest (sessions, retries, the view) worked out from the parts around them."""
    mean = {part: 1000 * value / answers for part, value in spent.items()}
    return {
        "agreement": mean.get("answer", 0.0) - mean.get("placement", 0.0),
        "placement read": mean.get("plan", 0.0) - mean.get("search", 0.0),
        "search": mean.get("search", 0.0),
        "booking": mean.get("booking", 0.0),
        "placement's rest": mean.get("placement", 0.0)
        - mean.get("plan", 0.0)
        - mean.get("booking", 0.0),
        "answer": mean.get("answer", 0.0),
    }


# --- the child: one size, one database, one source tree ---------------------------------------


def measure(
    published: int,
    database: str,
    placements: int,
    warm_up: int,
    seed: int,
    profile: str | None,
    split: bool = False,
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from api_load import fresh_database
    from sidelines.domain import MeetingId
    from sidelines.scheduling import build_problem
    from sidelines.scheduling.baselines import first_come_first_served
    from sidelines.scheduling.generator import GeneratorSpec, generate_event
    from sidelines.services import events, negotiation
    from sidelines.services.actors import Actor, Role
    from sidelines.services.clock import now
    from sidelines.storage.db import Database
    from sidelines.storage.tables import MeetingRow, SolveRunRow, UserRow

    publish = _service("publish", "solves", "scheduling")
    # Sized so that about twice ``published`` are placed: the rest are agreed one by one.
    spec = GeneratorSpec(
        principals=max(60, published // 5),
        requests=published * 3,
        spaces=max(20, published // 20),
        days=3,
        locked=max(1, published // 1000),
    )
    event = generate_event(spec, seed)
    # First come, first served: a valid schedule in a second, whatever the machine's load (the
    # heuristic's time limit could end its construction early on a busy machine).
    placed = first_come_first_served(build_problem(event))
    rng = random.Random(seed)
    held = sorted(placed)
    rng.shuffle(held)
    chosen = set(held[:published])
    pairs = [
        m
        for m in event.meetings
        if m.id in placed and m.id not in chosen and m.locked is None and len(m.principals) == 2
    ]
    rng.shuffle(pairs)
    if len(chosen) < published or len(pairs) < warm_up + placements:
        raise SystemExit(f"the generated fair holds {len(placed)} meetings: too few")
    meetings = tuple(
        replace(m, after=tuple(a for a in m.after if a in chosen))
        for m in event.meetings
        if m.id in chosen
    )
    stored = replace(event, meetings=meetings)
    party_of = {p.id: p.party for p in event.principals}

    with contextlib.ExitStack() as stack:
        if database == "sqlite":
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{folder}/placement.sqlite3"
        else:
            url = stack.enter_context(fresh_database("postgresql"))
        db = Database(url)
        db.upgrade()

        def users(session: Session, delegates: bool) -> dict[str, int]:
            made = {}
            for name, role, party in (
                [(f"delegate-{p.id}", "delegate", p.id) for p in event.parties]
                if delegates
                else [("organiser", "organiser", None)]
            ):
                row = UserRow(
                    username=name,
                    password_hash="not a hash: this account never logs in",
                    role=role,
                    event_id=None if party is None else event.id,
                    party_id=party,
                    created_at=now(),
                )
                session.add(row)
                session.flush()
                made[name] = row.id
            return made

        organiser_id = db.write(lambda session: users(session, delegates=False))["organiser"]
        organiser = Actor(Role.ORGANISER, organiser_id, "organiser")
        events.import_event(db, organiser, stored)
        ids = db.write(lambda session: users(session, delegates=True))

        def solved_run(session: Session) -> int:
            problem = build_problem(stored)
            rows = session.scalars(
                select(MeetingRow)
                .where(MeetingRow.event_id == stored.id)
                .order_by(MeetingRow.created_at, MeetingRow.id)
            ).all()
            by_id: dict[MeetingId, int] = {
                m.id: row.id for m, row in zip(stored.meetings, rows, strict=True)
            }
            assignments = [
                {
                    "meeting_id": by_id[m.id],
                    "starts_at": problem.grid.start_of(placed[m.id].start_slot).isoformat(),
                    "space_id": placed[m.id].space,
                }
                for m in stored.meetings
            ]
            run = SolveRunRow(
                event_id=stored.id,
                status="done",
                requested_by=organiser.user_id,
                time_limit_s=0,
                started_at=now(),
                finished_at=now(),
                progress={},
                result={"assignments": assignments, "onsite_changes_applied": 0},
            )
            session.add(run)
            session.flush()
            return run.id

        publish(db, organiser, stored.id, db.write(solved_run))

        profiler = cProfile.Profile(time.process_time) if profile else None
        spent: dict[str, float] = {}
        if split:
            _timed_parts(spent)
        cpu_ms: list[float] = []
        wall_ms: list[float] = []
        outcomes = {"placed": 0, "waits": 0}
        for meeting in pairs[: warm_up + placements]:
            asking, asked = (party_of[p] for p in meeting.principals)
            if asking == asked:
                continue
            delegate = Actor(
                Role.DELEGATE, ids[f"delegate-{asking}"], f"delegate-{asking}", event.id, asking
            )
            request = negotiation.create_request(
                db,
                delegate,
                event.id,
                [asked],
                negotiation.Terms(format=meeting.format, duration_min=meeting.duration_min),
            )
            if profiler is not None and warm_up == 0:
                profiler.enable()
            cpu, wall = time.process_time(), time.perf_counter()
            _, placement = negotiation.agree_on_site(db, organiser, event.id, request.id)
            if profiler is not None:
                profiler.disable()
            spent_cpu = (time.process_time() - cpu) * 1000
            spent_wall = (time.perf_counter() - wall) * 1000
            if warm_up > 0:
                warm_up -= 1
                spent.clear()  # the warm-up's calls are not counted
                continue
            cpu_ms.append(spent_cpu)
            wall_ms.append(spent_wall)
            outcomes["placed" if placement is not None and placement.placed else "waits"] += 1
        with db.reading() as session:
            scheduled = len(
                session.scalars(
                    select(MeetingRow.id).where(
                        MeetingRow.event_id == event.id, MeetingRow.starts_at.is_not(None)
                    )
                ).all()
            )
        db.dispose()
    if profiler is not None and profile:
        profiler.dump_stats(profile)
    found = {"cpu_ms": cpu_ms, "wall_ms": wall_ms, "scheduled": scheduled, **outcomes}
    if split:
        found["split_ms"] = _split_ms(spent, len(cpu_ms))
    print(json.dumps(found))


# --- the parent: every size, database and tree, one table ---------------------------------------


@contextlib.contextmanager
def source_tree(ref: str) -> Iterator[Path]:
    """``src`` of ``ref`` (a git revision), extracted into a temporary folder."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        yield Path(folder) / "src"


def run_child(src: Path, published: int, database: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--database", database]
    command += ["--published", str(published), "--placements", str(args.placements)]
    command += ["--warm-up", str(args.warm_up), "--seed", str(args.seed)]
    if args.profile:
        command += ["--profile", f"{args.profile}-{published}-{database}-{src.parent.name}.prof"]
    if args.split:
        command += ["--split"]
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{HERE}"}
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=int, nargs="+", default=[600, 6000])
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--placements", type=int, default=40)
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline", default="main", help="a git revision; 'none': skip it")
    parser.add_argument("--tree", help="a git revision to measure instead of the working tree")
    parser.add_argument(
        "--profile", help="a path prefix: each child writes its timed calls' cProfile stats there"
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="also print each answer's CPU by part: agreement, placement read, search, booking",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(
            args.published[0],
            args.database,
            args.placements,
            args.warm_up,
            args.seed,
            args.profile,
            args.split,
        )
        return

    print(f"load average at the start: {os.getloadavg()[0]:.1f}")
    print()
    print(
        "| published | database | code | CPU p50 (ms) | CPU p90 (ms) | wall p50 (ms) "
        "| placed | waits |"
    )
    print("|---:|---|---|---:|---:|---:|---:|---:|")
    splits: list[tuple[int, str, dict[str, float]]] = []
    with contextlib.ExitStack() as stack:
        trees = [("this tree", REPO / "src")]
        if args.tree:
            trees = [(args.tree, stack.enter_context(source_tree(args.tree)))]
        if args.baseline != "none":
            trees.insert(0, (args.baseline, stack.enter_context(source_tree(args.baseline))))
        for published in args.published:
            for database in args.databases.split(","):
                for name, src in trees:
                    found = run_child(src, published, database, args)
                    print(
                        f"| {published} | {database} | {name} "
                        f"| {statistics.median(found['cpu_ms']):.1f} "
                        f"| {_percentile(found['cpu_ms'], 0.9):.1f} "
                        f"| {statistics.median(found['wall_ms']):.1f} "
                        f"| {found['placed']} | {found['waits']} |",
                        flush=True,
                    )
                    if "split_ms" in found:
                        splits.append((published, name, found["split_ms"]))
    if splits:
        parts = list(splits[0][2])
        print()
        print("| published | code | " + " | ".join(f"{part} (ms)" for part in parts) + " |")
        print("|---:|---|" + "---:|" * len(parts))
        for published, name, split in splits:
            cells = " | ".join(f"{split[part]:.1f}" for part in parts)
            print(f"| {published} | {name} | {cells} |")
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
