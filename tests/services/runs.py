"""A finished solve written as ``services.solves.run_solve`` writes one, with the schedule
a test chooses: what a solver could have found, without waiting for one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidelines.services.recorded_changes import latest_change
from sidelines.storage.db import Database
from sidelines.storage.tables import ScheduleVersionRow, SolveRunRow


def finished_run(
    db: Database, event_id: str, user_id: int, placed: dict[int, tuple[datetime, str | None]]
) -> int:
    """A finished solve of ``event_id`` that places each meeting at (start, space); its id."""

    def work(session: Session) -> int:
        started = datetime.now(UTC)
        row = SolveRunRow(
            event_id=event_id,
            status="done",
            requested_by=user_id,
            time_limit_s=1,
            started_at=started,
            finished_at=started,
            progress={},
            result={
                "status": "feasible",
                "objective": {"weight_scheduled": len(placed), "breaks": 0},
                "assignments": [
                    assignment(meeting_id, start, space)
                    for meeting_id, (start, space) in sorted(placed.items())
                ],
                "left_out": [],
                "reason": "",
                "onsite_changes_applied": latest_change(session, event_id),
                # Planned against the version published now, as ``run_solve`` records it.
                "published": {"version": _version(session, event_id), "objective": None},
            },
        )
        session.add(row)
        session.flush()
        return row.id

    return db.write(work)


def _version(session: Session, event_id: str) -> int:
    number = session.scalar(
        select(func.max(ScheduleVersionRow.number)).where(ScheduleVersionRow.event_id == event_id)
    )
    return number or 0


def assignment(meeting_id: int, start: datetime, space: str | None) -> dict[str, Any]:
    return {"meeting_id": meeting_id, "starts_at": start.isoformat(), "space_id": space}
