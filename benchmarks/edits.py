"""The organiser's manual edits on a large published schedule: move, swap and lock through the
service, each with its rule check, timed in the server's CPU (``time.process_time``).

A generated fair (``scheduling.generator``) is solved once with the heuristic; ``--published``
of the meetings it placed are imported into a fresh database as agreed meetings and published
where the solve put them (a subset of a valid schedule is valid). Then ``--edits`` of each kind
run one after another through ``services.edits``, as the API would call them:

- move: a random meeting to a random place where ``meeting_places`` says it fits (the places
  of its day are read first, and timed apart);
- swap: a random meeting with another of the same length and room need at the same time (they
  trade rooms); the engine's rules refuse some pairs (a room that does not fit the other), and
  a refusal is an answer too, so both count;
- lock: a random meeting locked where it is.

On SQLite (the default, a file in a temporary directory) the database works in the same
process, so its CPU is counted; on PostgreSQL (``--database``) only the client's is.

    .venv/bin/python benchmarks/edits.py --published 3000 --edits 50
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.domain import Event, MeetingId
from sidelines.scheduling import SolveOptions, Strategy, build_problem, solve
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.services import edits, event_problem, events, solves
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.services.edits import Target
from sidelines.services.errors import ServiceError
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, SolveRunRow, UserRow


@dataclass
class Timings:
    cpu_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)

    def time(self, call: Callable[[], object]) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            call()
        except ServiceError as error:
            self.refused[error.code] = self.refused.get(error.code, 0) + 1
        self.cpu_ms.append((time.process_time() - cpu) * 1000)
        self.wall_ms.append((time.perf_counter() - wall) * 1000)


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seed(db: Database, args: argparse.Namespace) -> tuple[str, Actor]:
    """The generated event in ``db`` with ``--published`` meetings published; the organiser."""
    spec = GeneratorSpec(
        principals=args.principals,
        requests=args.requests,
        spaces=args.spaces,
        days=args.days,
        locked=max(1, args.principals // 200),
        precedences=5,
    )
    event = generate_event(spec, args.seed)
    placed = solve(
        build_problem(event), SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=10.0)
    ).schedule
    rng = random.Random(args.seed)
    kept = sorted(placed)
    rng.shuffle(kept)
    chosen = set(kept[: args.published])
    meetings = tuple(
        replace(m, after=tuple(a for a in m.after if a in chosen))
        for m in event.meetings
        if m.id in chosen
    )
    event = replace(event, meetings=meetings)
    db.upgrade()

    def organiser_row(session: Session) -> int:
        row = UserRow(
            username="organiser",
            password_hash="not a hash: this account never logs in",
            role=str(Role.ORGANISER),
            event_id=None,
            party_id=None,
            created_at=now(),
        )
        session.add(row)
        session.flush()
        return row.id

    organiser = Actor(Role.ORGANISER, db.write(organiser_row), "organiser")
    events.import_event(db, organiser, event)
    run_id = db.write(lambda session: _solved_run(session, event, organiser, placed))
    solves.publish(db, organiser, event.id, run_id)
    return event.id, organiser


def _solved_run(
    session: Session, event: Event, organiser: Actor, placed: dict[MeetingId, object]
) -> int:
    """A finished solve whose result is the heuristic's placements (by meeting row id)."""
    problem = build_problem(event)
    rows = session.scalars(
        select(MeetingRow)
        .where(MeetingRow.event_id == event.id)
        .order_by(MeetingRow.created_at, MeetingRow.id)
    ).all()
    # The import adds the meetings in the event's order.
    by_id = {m.id: row.id for m, row in zip(event.meetings, rows, strict=True)}
    assignments = []
    for meeting in event.meetings:
        assignment = placed[meeting.id]
        assignments.append(
            {
                "meeting_id": by_id[meeting.id],
                "starts_at": problem.grid.start_of(assignment.start_slot).isoformat(),  # type: ignore[attr-defined]
                "space_id": assignment.space,  # type: ignore[attr-defined]
            }
        )
    run = SolveRunRow(
        event_id=event.id,
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


def scheduled(db: Database, event_id: str) -> list[MeetingRow]:
    with db.reading() as session:
        return list(
            session.scalars(
                select(MeetingRow).where(
                    MeetingRow.event_id == event_id, MeetingRow.starts_at.is_not(None)
                )
            )
        )


def _places(
    db: Database,
    organiser: Actor,
    event_id: str,
    meeting_id: int,
    day: date,
    found: list[edits.PlacesView],
) -> None:
    found.append(edits.meeting_places(db, organiser, event_id, meeting_id, day))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=500)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--spaces", type=int, default=150)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--published", type=int, default=3000)
    parser.add_argument("--edits", type=int, default=50, help="of each kind")
    parser.add_argument("--database", help="a PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'edits.db'}"
        db = Database(url)
        event_id, organiser = seed(db, args)
        rows = scheduled(db, event_id)
        rng = random.Random(args.seed)
        print(
            f"{len(rows)} meetings published, {args.edits} edits of each kind, {url.split(':')[0]}"
        )

        with db.reading() as session:
            build = Timings()
            for _ in range(5):
                build.time(lambda: event_problem.onsite_problem(session, event_id))

        reads, moves = Timings(), Timings()
        for row in rng.sample(rows, args.edits):
            with db.reading() as session:
                current = session.get(MeetingRow, row.id)
                assert current is not None
                assert current.starts_at is not None
                day = current.starts_at.astimezone(
                    events.domain_event(session, event_id).zone
                ).date()
            found: list[edits.PlacesView] = []
            reads.time(partial(_places, db, organiser, event_id, row.id, day, found))
            fitting = [p for p in found[0].places if p.fits and not p.current]
            if not fitting:
                continue
            there = rng.choice(fitting)
            target = Target(there.starts_at, there.space_id)
            moves.time(partial(edits.move, db, organiser, event_id, row.id, target, override=True))

        swaps = Timings()
        rows = scheduled(db, event_id)
        for row in rng.sample(rows, args.edits):
            # Two meetings at the same time trade rooms (what an organiser swaps most); where
            # there is none, any other of the same length.
            alike = [
                other
                for other in rows
                if other.id != row.id
                and other.duration_min == row.duration_min
                and (other.space_id is None) == (row.space_id is None)
            ]
            peers = [other for other in alike if other.starts_at == row.starts_at] or alike
            other = rng.choice(peers)
            swaps.time(
                partial(edits.swap, db, organiser, event_id, row.id, other.id, override=True)
            )

        locks = Timings()
        rows = scheduled(db, event_id)
        for row in rng.sample(rows, args.edits):
            locks.time(partial(edits.lock, db, organiser, event_id, row.id, locked=True))
        db.dispose()

    print()
    print("| call | n | refused | CPU p50 (ms) | CPU p95 (ms) | CPU max (ms) | wall p95 (ms) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, timings in (
        ("problem build (`onsite_problem`)", build),
        ("places of a meeting (one day)", reads),
        ("move", moves),
        ("swap", swaps),
        ("lock", locks),
    ):
        refused = ", ".join(f"{n} {code}" for code, n in sorted(timings.refused.items())) or "0"
        print(
            f"| {name} | {len(timings.cpu_ms)} | {refused} "
            f"| {statistics.median(timings.cpu_ms):.0f} | {_percentile(timings.cpu_ms, 0.95):.0f} "
            f"| {max(timings.cpu_ms):.0f} | {_percentile(timings.wall_ms, 0.95):.0f} |"
        )


if __name__ == "__main__":
    main()
