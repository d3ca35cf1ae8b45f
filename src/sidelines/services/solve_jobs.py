"""Batch solves run by worker processes: a solve started with ``queue=True`` waits in the
database, phase "queued", until a worker claims it, runs it and records the result exactly as a
solve run in the web process would (progress, heartbeat, result, publishing).

Claiming is safe with any number of workers on any number of hosts: on PostgreSQL the claim
locks the row (``FOR UPDATE SKIP LOCKED``), so two workers never take the same solve; SQLite's
writers run one at a time. A worker killed mid-solve leaves the run "running" with its host and
pid: the next solve started for the event finds it stopped (``scheduling.start_solve``), as for a
killed web process.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.services.clock import now
from sidelines.services.solves import QUEUED, run_solve, solving_process
from sidelines.services.stable_solves import StabilityChoice
from sidelines.storage.db import Database
from sidelines.storage.tables import SolveRunRow


@dataclass(frozen=True, slots=True)
class ClaimedSolve:
    run_id: int
    event_id: str
    time_limit_s: float
    choice: StabilityChoice


def claim_solve(db: Database) -> ClaimedSolve | None:
    """Take the oldest queued solve for this process, or None when none waits."""

    def work(session: Session) -> ClaimedSolve | None:
        waiting = session.scalars(
            select(SolveRunRow)
            .where(SolveRunRow.status == "running")
            .order_by(SolveRunRow.started_at)
            .with_for_update(skip_locked=True)
        )
        for row in waiting:
            if row.progress.get("phase") != QUEUED:
                continue  # running in some process already
            choice = StabilityChoice.from_dict(row.progress.get("choice", {}))
            row.progress = {
                "heartbeat": now().isoformat(),
                "phase": "starting",
                **solving_process(),
            }
            return ClaimedSolve(row.id, row.event_id, row.time_limit_s, choice)
        return None

    return db.write(work)


def run_claimed(db: Database, claimed: ClaimedSolve) -> None:
    """Run a claimed solve to its end in this thread, recording it as a web process would."""
    run_solve(db, claimed.run_id, claimed.event_id, claimed.time_limit_s, claimed.choice)


def run_queued_solve(db: Database) -> bool:
    """Claim one queued solve and run it to its end in this thread. Whether there was one."""
    claimed = claim_solve(db)
    if claimed is None:
        return False
    run_claimed(db, claimed)
    return True


__all__ = ["ClaimedSolve", "claim_solve", "run_claimed", "run_queued_solve"]
