"""Changes reported at the venue, as stored and as the engine's changes.

An organiser at the venue reports what the published schedule must absorb: a
principal, or a whole party, leaving earlier; a programme session running over; a space taken
away for a span. Each is a row of ``onsite_changes`` (``services.onsite_changes`` records it and
re-plans around it). Every problem built for the event afterwards has the recorded changes
applied (``with_changes``): a batch solve, an on-site placement or an explanation never puts a
meeting where a reported change forbids it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sidelines.domain import Event, PartyId, PrincipalId, SessionId, SpaceId, TimeSpan
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


def as_on_site(session: Session, event: Event) -> Event:
    """``event`` as the venue stands now, for the pages that show it: each space closed on site
    is closed for that span (its opening hours lose it), and each programme session reported to
    run over ends where the furthest report says. Departures change no page of the event."""
    closures: dict[SpaceId, list[TimeSpan]] = {}
    ends: dict[SessionId, datetime] = {}
    for row in recorded(session, event.id):
        if row.ends_at is None:
            continue
        if row.kind == ChangeKind.CLOSURE and row.space_id is not None:
            closures.setdefault(SpaceId(row.space_id), []).append(
                TimeSpan(row.starts_at, row.ends_at)
            )
        elif row.kind == ChangeKind.OVERRUN and row.session_id is not None:
            key = SessionId(row.session_id)
            ends[key] = max(ends.get(key, row.ends_at), row.ends_at)
    if not closures and not ends:
        return event
    spaces = tuple(
        replace(space, opening_hours=_without(space.opening_hours or event.day_spans, closed))
        if (closed := closures.get(space.id))
        else space
        for space in event.spaces
    )
    programme = tuple(
        replace(s, span=TimeSpan(s.span.start, ends[s.id]))
        if s.id in ends and ends[s.id] > s.span.end
        else s
        for s in event.programme
    )
    return replace(event, spaces=spaces, programme=programme)


def _without(spans: tuple[TimeSpan, ...], taken: list[TimeSpan]) -> tuple[TimeSpan, ...]:
    """What is left of ``spans`` once every span of ``taken`` is cut out of them."""
    left = list(spans)
    for cut in taken:
        pieces: list[TimeSpan] = []
        for span in left:
            if not span.overlaps(cut):
                pieces.append(span)
                continue
            if span.start < cut.start:
                pieces.append(TimeSpan(span.start, cut.start))
            if cut.end < span.end:
                pieces.append(TimeSpan(cut.end, span.end))
        left = pieces
    return tuple(left)


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
    "as_on_site",
    "engine_change",
    "latest_change",
    "recorded",
    "with_changes",
]
