"""Check-in at a meeting (a side, or the organiser's scan at the door), refills of the time a
no-show frees, and the sweep that marks no-shows and expires requests, on demand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from sidelines.services import attendance, request_expiry
from sidelines.services.clock import now
from sidelines.web.attendance_schemas import (
    AttendancePublic,
    CheckInCreate,
    ScanCreate,
    SweepPublic,
)
from sidelines.web.deps import DbDep, UserDep
from sidelines.web.errors import fields_in

router = APIRouter(prefix="/api/events/{event_id}", tags=["attendance"])


@router.get("/meetings/{meeting_id}/attendance")
def get_attendance(event_id: str, meeting_id: int, db: DbDep, actor: UserDep) -> AttendancePublic:
    """Who checked in, the door code, and whether it was a no-show or a refill (its sides and
    the organiser)."""
    return AttendancePublic.model_validate(
        attendance.attendance(db, actor, event_id, meeting_id, at=now())
    )


@router.post("/meetings/{meeting_id}/check-in")
def check_in(
    event_id: str,
    meeting_id: int,
    db: DbDep,
    actor: UserDep,
    body: Annotated[CheckInCreate | None, Body()] = None,
) -> AttendancePublic:
    """A side arrived: a delegation for itself, the organiser naming the side."""
    with fields_in("body"):
        view = attendance.check_in(
            db,
            actor,
            event_id,
            meeting_id,
            party=body.party if body is not None else None,
            channel="api",
            at=now(),
        )
    return AttendancePublic.model_validate(view)


@router.post("/check-ins/scan")
def scan(event_id: str, body: ScanCreate, db: DbDep, actor: UserDep) -> AttendancePublic:
    """The organiser's scan at the door: the code printed for the meeting, and the side."""
    with fields_in("body"):
        view = attendance.check_in_by_code(db, actor, event_id, body.code, body.party, at=now())
    return AttendancePublic.model_validate(view)


@router.post("/meetings/{meeting_id}/confirm")
def confirm(event_id: str, meeting_id: int, db: DbDep, actor: UserDep) -> AttendancePublic:
    """A side confirms a meeting offered in time a no-show freed."""
    return AttendancePublic.model_validate(
        attendance.confirm_refill(db, actor, event_id, meeting_id, at=now())
    )


@router.post("/attendance/sweep")
def sweep(event_id: str, db: DbDep, actor: UserDep) -> SweepPublic:
    """Mark the no-shows due now, offer the time they free, release unconfirmed offers, and
    remind or expire unanswered requests (the organiser's)."""
    at = now()
    view = attendance.sweep(db, event_id, at, actor)
    request_expiry.sweep_requests(db, event_id, at, actor)
    return SweepPublic.model_validate(view)
