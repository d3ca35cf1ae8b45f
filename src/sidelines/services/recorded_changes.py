"""Changes reported at the venue, as stored and as the engine's changes.

An organiser at the venue reports what the published schedule must absorb: a
principal, or a whole party, leaving earlier; a programme session running over; a space taken
away for a span. Each is a row of ``onsite_changes`` (``services.onsite_changes`` records it and
re-plans around it). Every problem built for the event afterwards has the recorded changes
applied (``with_changes``): a batch solve, an on-site placement or an explanation never puts a
meeting where a reported change forbids it.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sidelines.domain import Event, PartyId, PrincipalId, SpaceId, TimeSpan
from sidelines.scheduling.onsite import (
    Change,
    EarlierDeparture,
    SessionOverrun,
    SpaceUnavailable,
)
from sidelines.scheduling.problem import Problem
from sidelines.storage.keyset import last_of
from sidelines.storage.tables import OnsiteChangeRow


class ChangeKind(StrEnum):
    DEPARTURE = "departure"  # a principal or a party leaves at ``starts_at``
    OVERRUN = "overrun"  # a programme session runs on from ``starts_at`` to ``ends_at``
    CLOSURE = "closure"  # a space cannot be used from ``starts_at`` to ``ends_at``


def engine_change(event: Event, row: OnsiteChangeRow) -> Change:
    """The engine's change for a recorded one."""
    kind = ChangeKind(row.kind)
    if kind is ChangeKind.DEPARTURE:
        return EarlierDeparture(
            row.starts_at,
            party=PartyId(row.party_id) if row.party_id is not None else None,
            principal=PrincipalId(row.principal_id) if row.principal_id is not None else None,
        )
    assert row.ends_at is not None
    span = TimeSpan(row.starts_at, row.ends_at)
    if kind is ChangeKind.OVERRUN:
        [programme_session] = [s for s in event.programme if s.id == row.session_id]
        return SessionOverrun(tuple(sorted(programme_session.attendees)), span)
    assert row.space_id is not None
    return SpaceUnavailable(SpaceId(row.space_id), span)


def recorded(session: Session, event_id: str) -> list[OnsiteChangeRow]:
    """The event's recorded changes, in the order they were reported."""
    return list(
        session.scalars(
            select(OnsiteChangeRow)
            .where(OnsiteChangeRow.event_id == event_id)
            .order_by(OnsiteChangeRow.reported_at, OnsiteChangeRow.id)
        )
    )


def with_changes(session: Session, event: Event, problem: Problem) -> Problem:
    """``problem`` (built from ``event``) with every change recorded for the event applied.
    Each change only takes time away, so their order does not matter."""
    for row in recorded(session, event.id):
        problem = engine_change(event, row).apply(problem)
    return problem


def latest_change(session: Session, event_id: str) -> int:
    """The id of the event's last recorded change (0: none): a re-plan computed before a
    change was recorded is stale once this moves on."""
    reported = select(OnsiteChangeRow).where(OnsiteChangeRow.event_id == event_id)
    return last_of(session, reported, OnsiteChangeRow.reported_at, OnsiteChangeRow.id) or 0


# ``latest_change`` as a column (null: none) of a statement that reads other things besides,
# for the event bound as ``event_id``: the hot paths of a placement read it that way rather
# than with a statement of its own.
LATEST_CHANGE = (
    select(OnsiteChangeRow.id)
    .where(OnsiteChangeRow.event_id == bindparam("event_id"))
    .order_by(OnsiteChangeRow.reported_at.desc(), OnsiteChangeRow.id.desc())
    .limit(1)
    .scalar_subquery()
)


__all__ = [
    "LATEST_CHANGE",
    "ChangeKind",
    "engine_change",
    "latest_change",
    "recorded",
    "with_changes",
]
