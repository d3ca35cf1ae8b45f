"""Where a placed meeting is held, in words every reader understands.

A meeting booked in a space is held there. A brief contact held in no room at the start or end
of a programme session (DESIGN.md section 3; ``scheduling/rules/session_contact.py``) is held
*at that session*: the bookings store it with no space, and its place is derived here, once, for
the agenda, the calendar feed, the pages and the public record, as "At the start of Leaders'
retreat, session I, Lima Convention Center".

The derivation follows the engine's own (``rules.placement.contact_at``): a meeting of a format
that may be held at a session, in no space, lying wholly within a session that all its principals
attend, is a contact at it; at the session's start when it sits nearer the opening than the
close, else at its end. A principal attending a session cannot be anywhere else during it, so no
other reading of such a booking is possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sidelines.domain import (
    Event,
    MeetingFormat,
    PrincipalId,
    ProgrammeSession,
    SessionEdge,
    SpaceId,
)
from sidelines.domain.formats import defaults_for
from sidelines.i18n import _


@dataclass(frozen=True, slots=True)
class MeetingPlace:
    """A meeting's place: a space (``space_id``), a programme session's edge (``session_id``
    and ``edge``), or neither (a corridor). ``text`` says it in words; ``location`` is what a
    calendar's LOCATION field holds."""

    text: str
    location: str | None
    space_id: str | None = None
    session_id: str | None = None
    edge: SessionEdge | None = None


def session_of_contact(
    event: Event,
    meeting_format: str,
    starts_at: datetime,
    ends_at: datetime,
    principals: Iterable[str],
) -> tuple[ProgrammeSession, SessionEdge] | None:
    """The programme session a meeting held in no space at ``[starts_at, ends_at)`` is a
    contact at, and at which edge; None when it is not one."""
    try:
        at_session = defaults_for(MeetingFormat(meeting_format)).at_session
    except ValueError:
        return None
    if not at_session:
        return None
    who = {PrincipalId(p) for p in principals}
    if not who:
        return None
    for session in event.programme:
        span = session.span
        if span.start <= starts_at and ends_at <= span.end and who <= session.attendees:
            nearer_start = starts_at - span.start <= span.end - ends_at
            return session, SessionEdge.START if nearer_start else SessionEdge.END
    return None


def session_phrase(session: ProgrammeSession, edge: SessionEdge) -> str:
    """ "At the start of Leaders' retreat, session I, Lima Convention Center"."""
    where = f", {session.venue}" if session.venue else ""
    said = _("At the start of %(session)s") if edge == "start" else _("At the end of %(session)s")
    return (said % {"session": session.title}) + where


def meeting_place(
    event: Event,
    meeting_format: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    space_id: str | None,
    principals: Iterable[str],
) -> MeetingPlace | None:
    """Where a meeting is held; None while it has no time."""
    if starts_at is None or ends_at is None:
        return None
    if space_id is not None:
        space = event.space_by_id.get(SpaceId(space_id))
        name = space.name if space is not None else space_id
        return MeetingPlace(name, name, space_id=space_id)
    found = session_of_contact(event, meeting_format, starts_at, ends_at, principals)
    if found is None:
        return MeetingPlace(_("no room: where the principals are"), None)
    session, edge = found
    phrase = session_phrase(session, edge)
    return MeetingPlace(phrase, phrase, session_id=session.id, edge=edge)


__all__ = ["MeetingPlace", "meeting_place", "session_of_contact", "session_phrase"]
