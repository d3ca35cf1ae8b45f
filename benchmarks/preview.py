"""The preview of a solve that changes thousands of published meetings: how long the service
takes to compute it, the API to answer it, and the Solve and confirmation pages to render it.

A generated fair (``scheduling.generator``) is imported into a database, solved once with the
heuristic and published. A second finished solve is then written that changes ``--changes``
of the published meetings: a third left out, the rest moved to another published meeting's
place (a constructed result: the preview compares placements and does not re-check rules, so
this measures the preview, not a solver). Each figure is the wall time of ``--repeats``
requests through the ASGI application in this process (no network), as the organiser.

    python benchmarks/preview.py --principals 1000 --requests 7000 --changes 3000 --repeats 5
    python benchmarks/preview.py --database postgresql://postgres@127.0.0.1:5432/bench ...
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.scheduling import SolveOptions, Strategy, solve
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.services import accounts, event_problem, events, preview, solves
from sidelines.services.actors import Actor, Role
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, SolveRunRow
from sidelines.web.app import create_app

PASSWORD = "benchmark-organiser-password"


def timed(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and maximum wall time of ``action`` in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def published_event(db: Database, args: argparse.Namespace) -> tuple[Actor, str, int]:
    """The generated event imported, solved and published; the organiser, the event and the
    number of published meetings."""
    spec = GeneratorSpec(principals=args.principals, requests=args.requests, spaces=args.spaces)
    event = generate_event(spec, args.seed)
    user_id = accounts.create_user(db, "organiser", PASSWORD, Role.ORGANISER)
    organiser = Actor(Role.ORGANISER, user_id, "organiser")
    event_id = events.import_event(db, organiser, replace(event, id="bench"))
    with db.reading() as session:
        problem, _ = event_problem.event_problem(session, event_id, lock_scheduled=False)
    result = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=args.solve_time))
    first = write_run(db, organiser, event_id, solves.result_data(problem, result))
    solves.publish(db, organiser, event_id, first)
    return organiser, event_id, len(result.schedule)


def write_run(db: Database, organiser: Actor, event_id: str, result: Mapping[str, Any]) -> int:
    def work(session: Session) -> int:
        now = datetime.now(UTC)
        row = SolveRunRow(
            event_id=event_id,
            status="done",
            requested_by=organiser.user_id,
            time_limit_s=1,
            started_at=now,
            finished_at=now,
            progress={},
            result={**result, "onsite_changes_applied": 0},
        )
        session.add(row)
        session.flush()
        return row.id

    return db.write(work)


def changing_run(db: Database, organiser: Actor, event_id: str, changes: int) -> int:
    """A finished solve that leaves out a third of ``changes`` published meetings and moves
    the others, each to the place of the next one published with the same duration."""
    with db.reading() as session:
        placed = [
            (r.id, r.starts_at, r.space_id, r.duration_min)
            for r in session.scalars(
                select(MeetingRow)
                .where(MeetingRow.event_id == event_id, MeetingRow.starts_at.is_not(None))
                .order_by(MeetingRow.id)
            )
            if r.starts_at is not None
        ]
    assignments = {
        meeting_id: {"meeting_id": meeting_id, "starts_at": start.isoformat(), "space_id": space}
        for meeting_id, start, space, _ in placed
    }
    changed = placed[:changes]
    left_out = changed[: changes // 3]
    moved = changed[changes // 3 :]
    for meeting_id, *_ in left_out:
        del assignments[meeting_id]
    by_duration: dict[int, list[tuple[int, datetime, str | None, int]]] = {}
    for item in moved:
        by_duration.setdefault(item[3], []).append(item)
    for group in by_duration.values():
        for (meeting_id, *_), (_, start, space, _) in zip(
            group, group[1:] + group[:1], strict=True
        ):
            assignments[meeting_id] = {
                "meeting_id": meeting_id,
                "starts_at": start.isoformat(),
                "space_id": space,
            }
    result = {
        "status": "feasible",
        "objective": {"weight_scheduled": 0, "breaks": 0},
        "assignments": sorted(assignments.values(), key=lambda a: int(str(a["meeting_id"]))),
        "left_out": [],
        "reason": "",
    }
    return write_run(db, organiser, event_id, result)


def logged_in(client: TestClient) -> None:
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    answer = client.post(
        "/login",
        data={"username": "organiser", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=7000)
    parser.add_argument("--spaces", type=int, default=150)
    parser.add_argument("--changes", type=int, default=3000)
    parser.add_argument("--solve-time", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.database or f"sqlite:///{Path(folder) / 'preview.sqlite3'}")
        db.upgrade()
        organiser, event_id, published = published_event(db, args)
        run_id = changing_run(db, organiser, event_id, min(args.changes, published))
        view = preview.preview(db, organiser, event_id, run_id)
        client = TestClient(create_app(db))
        token = client.post(
            "/api/auth/token", json={"username": "organiser", "password": PASSWORD}
        ).json()["token"]
        api = {"Authorization": f"Bearer {token}"}
        pages = TestClient(create_app(db))
        logged_in(pages)
        base = f"/events/{event_id}/solves/{run_id}"

        def get(client: TestClient, path: str, headers: dict[str, str] | None = None) -> None:
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, answer.text[:500]

        rows = [
            ("service: preview()", lambda: preview.preview(db, organiser, event_id, run_id)),
            ("API: GET .../preview", lambda: get(client, f"/api{base}/preview", api)),
            ("page: the Solve page", lambda: get(pages, base)),
            ("page: the confirmation", lambda: get(pages, f"{base}/confirm")),
        ]
        print(f"{db.dialect}, {published} published meetings, {view.summary}")
        print(f"{'what':<26}{'median ms':>10}{'max ms':>10}")
        for name, action in rows:
            median, worst = timed(action, args.repeats)
            print(f"{name:<26}{median:>10.0f}{worst:>10.0f}")
        db.dispose()


if __name__ == "__main__":
    main()
