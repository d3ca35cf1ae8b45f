"""Putting a meeting into time and space, with the database as the judge of double booking."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sidelines.domain import Event, PressPlan, SpaceId
from sidelines.domain.negotiation import MeetingStatus
from sidelines.services.clock import now
from sidelines.services.errors import Conflict
from sidelines.storage.tables import (
    MeetingPrincipalRow,
    MeetingRow,
    PrincipalBookingRow,
    SpaceBookingRow,
)


def book(
    session: Session, event: Event, meeting: MeetingRow, start: datetime, space_id: str | None
) -> None:
    """Place ``meeting`` at ``start`` in ``space_id``. Raises Conflict when a principal or the
    space is already taken: the database refuses the rows, whatever any other writer does."""
    end = start + timedelta(minutes=meeting.duration_min)
    principals = session.scalars(
        select(MeetingPrincipalRow.principal_id).where(MeetingPrincipalRow.meeting_id == meeting.id)
    ).all()
    try:
        with session.begin_nested():
            for principal_id in principals:
                session.add(
                    PrincipalBookingRow(
                        event_id=meeting.event_id,
                        meeting_id=meeting.id,
                        principal_id=principal_id,
                        starts_at=start,
                        ends_at=end,
                    )
                )
            if space_id is not None:
                turnover = timedelta(minutes=event.space_by_id[SpaceId(space_id)].turnover_min)
                if (meeting.terms or {}).get("press", PressPlan.NONE) != PressPlan.NONE:
                    # The press leaves before the space turns over (press_out_buffer_respected).
                    turnover += timedelta(minutes=event.policy.press_buffer_min)
                session.add(
                    SpaceBookingRow(
                        event_id=meeting.event_id,
                        meeting_id=meeting.id,
                        space_id=space_id,
                        starts_at=start,
                        ends_at=end + turnover,
                    )
                )
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"meeting {meeting.id} cannot be placed at {start.isoformat()}: a principal or the "
            "space is already booked then"
        ) from None
    meeting.starts_at = start
    meeting.ends_at = end
    meeting.space_id = space_id
    meeting.status = str(MeetingStatus.SCHEDULED)
    meeting.updated_at = now()


def unbook(session: Session, meeting: MeetingRow) -> None:
    session.execute(delete(PrincipalBookingRow).where(PrincipalBookingRow.meeting_id == meeting.id))
    session.execute(delete(SpaceBookingRow).where(SpaceBookingRow.meeting_id == meeting.id))
    meeting.starts_at = None
    meeting.ends_at = None
    meeting.space_id = None
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status = str(MeetingStatus.AGREED)
    meeting.updated_at = now()
