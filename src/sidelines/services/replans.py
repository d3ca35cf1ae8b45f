"""Booking a re-plan: the schedule's lock, and moving published meetings where a re-plan put
them, each booking recorded in the trail."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.domain import Event
from sidelines.scheduling.onsite import (
    Move,
)
from sidelines.scheduling.problem import Problem
from sidelines.services import (
    audit,
)
from sidelines.services.actors import Actor
from sidelines.services.bookings import book, unbook
from sidelines.services.errors import (
    Conflict,
)
from sidelines.storage.tables import (
    EventRow,
    MeetingPrincipalRow,
    MeetingRow,
)


def lock_schedule(session: Session, event_id: str) -> None:
    """Serialise the changes to one event's published schedule: two publishes (or a publish
    and an on-site placement) at once would both read version N and both write N + 1. SQLite
    needs no lock: its writers run one at a time (``BEGIN IMMEDIATE``)."""
    session.scalars(select(EventRow.id).where(EventRow.id == event_id).with_for_update()).all()


def book_and_record(
    session: Session,
    actor: Actor,
    event: Event,
    row: MeetingRow,
    start: datetime,
    space_id: str | None,
    **detail: Any,
) -> None:
    """Book the meeting (the database refuses a double booking) and record it in the trail."""
    book(session, event, row, start, space_id)
    audit.record(
        session,
        actor,
        event.id,
        "meeting.scheduled",
        "meeting",
        row.id,
        meeting_parties(session, row.id),
        **detail,
    )


def rebook_moves(
    session: Session,
    actor: Actor,
    event: Event,
    problem: Problem,
    moves: Collection[Move],
    **detail: Any,
) -> None:
    """Move published meetings where a re-plan of ``problem`` put them: every old booking
    goes before any new one is written, since they may trade places."""
    moving = []
    for move in moves:
        moved_row = session.get(MeetingRow, int(move.meeting))
        assert moved_row is not None
        # Someone moved it since it was read: plan again against the schedule as it is.
        if moved_row.starts_at != problem.grid.start_of(move.before.start_slot) or (
            moved_row.space_id != move.before.space
        ):
            raise Conflict(f"meeting {moved_row.id} moved while the re-plan was computed")
        unbook(session, moved_row)
        moving.append((moved_row, move))
    session.flush()
    for moved_row, move in moving:
        assert move.after is not None
        book_and_record(
            session,
            actor,
            event,
            moved_row,
            problem.grid.start_of(move.after.start_slot),
            move.after.space,
            **detail,
        )


def meeting_parties(session: Session, meeting_id: int) -> list[str]:
    return sorted(
        set(
            session.scalars(
                select(MeetingPrincipalRow.party_id).where(
                    MeetingPrincipalRow.meeting_id == meeting_id
                )
            )
        )
    )
