"""What many pages show: the event as the engine knows it, its days in local time."""

from __future__ import annotations

from datetime import date, datetime, time

from sidelines.domain import Event
from sidelines.i18n import _
from sidelines.services.errors import Invalid
from sidelines.services.events import domain_event
from sidelines.services.recorded_changes import as_on_site
from sidelines.storage.db import Database


def event_of(db: Database, event_id: str) -> Event:
    """The event's description (parties, programme, spaces, policy), never its meetings; "not
    found" for an unknown id."""
    with db.reading() as session:
        return domain_event(session, event_id)


def event_on_site(db: Database, event_id: str) -> Event:
    """``event_of`` as the venue stands now: rooms closed and sessions run over on site
    (``recorded_changes.as_on_site``), for the pages that show the day as it is."""
    with db.reading() as session:
        return as_on_site(session, domain_event(session, event_id))


def chosen_day(event: Event, day: str | None) -> date:
    """The day a page shows: the one asked for, or the event's first."""
    if day is None:
        return event.days[0]
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        raise Invalid(
            _("day must be a date like %(example)s") % {"example": event.days[0].isoformat()}, "day"
        ) from None
    if wanted not in event.days:
        raise Invalid(_("%(day)s is not a day of the event") % {"day": wanted.isoformat()}, "day")
    return wanted


def local_day(event: Event, instant: datetime) -> date:
    return instant.astimezone(event.zone).date()


def local_instant(event: Event, day: str, at: str, field: str) -> datetime:
    """A date and a wall-clock time typed in the event's zone, as an aware instant."""
    try:
        return event.local(date.fromisoformat(day), time.fromisoformat(at))
    except ValueError:
        message = _("give a date and a time like 08:30, got %(day)r %(at)r")
        raise Invalid(message % {"day": day, "at": at}, field) from None
