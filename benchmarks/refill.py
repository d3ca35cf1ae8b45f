"""A no-show's freed time offered to the meetings that wait: how long after the no-show is
marked the offer is made (the target: within a second), on a large published fair.

The fair of ``edits.py`` is seeded (a generated event, ``--published`` meetings published where
the heuristic put them); ``--waiting`` more of its meetings are added agreed and unplaced. Then,
``--trials`` times, one side of a published meeting checks in at its start (the organiser's scan)
and the attendance sweep runs ten minutes later: it marks the no-show and offers the freed time
through the on-site placement, in one transaction. Prints, per trial and in sum, the sweep's
wall time and ``refill_ms`` (from the marking to the offer written).

    .venv/bin/python benchmarks/refill.py --published 3000 --waiting 300 --trials 10
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from edits import _percentile, seed
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.services import attendance
from sidelines.services.clock import now
from sidelines.services.events import add_agreed_meeting, domain_event
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingPrincipalRow, MeetingRow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=500)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--spaces", type=int, default=150)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--published", type=int, default=3000)
    parser.add_argument("--waiting", type=int, default=300)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.database or f"sqlite:///{Path(folder) / 'refill.sqlite3'}")
        event_id, organiser = seed(db, args)
        generated = generate_event(
            GeneratorSpec(
                principals=args.principals,
                requests=args.requests,
                spaces=args.spaces,
                days=args.days,
                locked=max(1, args.principals // 200),
                precedences=5,
            ),
            args.seed,
        )

        def add_waiting(session):  # type: ignore[no-untyped-def]
            event = domain_event(session, event_id)
            rng = random.Random(args.seed)
            pool = [m for m in generated.meetings if not m.after and m.locked is None]
            for meeting in rng.sample(pool, min(args.waiting, len(pool))):
                add_agreed_meeting(session, event, meeting, now())

        db.write(add_waiting)
        with db.reading() as session:
            rows = session.execute(db_select_published(event_id)).all()
        rng = random.Random(args.seed + 1)
        trials = sorted(rng.sample(rows, args.trials), key=lambda r: r[1])
        sweep_ms, refill_ms, offered = [], [], 0
        print(f"{'meeting':>8} {'sweep ms':>9} {'refill ms':>10} {'offered':>8}")
        for meeting_id, start, party in trials:
            attendance.check_in_by_code(
                db, organiser, event_id, attendance.door_code(event_id, meeting_id), party, at=start
            )
            began = time.perf_counter()
            view = attendance.sweep(db, event_id, start + timedelta(minutes=10), organiser)
            sweep_ms.append((time.perf_counter() - began) * 1000)
            refill_ms.append(view.refill_ms or 0.0)
            offered += len(view.offered)
            row = f"{meeting_id:>8} {sweep_ms[-1]:>9.0f} {refill_ms[-1]:>10.0f}"
            print(f"{row} {len(view.offered):>8}")
        print(
            f"sweep ms: median {statistics.median(sweep_ms):.0f}, max {max(sweep_ms):.0f}; "
            f"refill ms: median {statistics.median(refill_ms):.0f}, "
            f"p90 {_percentile(refill_ms, 0.9):.0f}, max {max(refill_ms):.0f}; "
            f"meetings offered: {offered} in {len(trials)} no-shows"
        )
        db.dispose()


def db_select_published(event_id: str):  # type: ignore[no-untyped-def]
    """(meeting, start, one side) of every published meeting, from an hour after the first."""
    from sqlalchemy import func, select

    return (
        select(MeetingRow.id, MeetingRow.starts_at, func.min(MeetingPrincipalRow.party_id))
        .join(MeetingPrincipalRow, MeetingPrincipalRow.meeting_id == MeetingRow.id)
        .where(MeetingRow.event_id == event_id, MeetingRow.starts_at.is_not(None))
        .group_by(MeetingRow.id, MeetingRow.starts_at)
        .order_by(MeetingRow.id)
    )


if __name__ == "__main__":
    main()
