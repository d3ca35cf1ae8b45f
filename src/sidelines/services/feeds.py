"""Private calendar feeds: one secret, revocable URL per delegation that calendar programs
subscribe to.

The URL carries a random token; only its SHA-256 is stored (like API tokens), so the database
alone yields no working feed. Issuing a feed for a delegation revokes the one it had: a URL that
leaked is shut off by issuing a new one. A revoked or unknown token reads as "not found".

The calendar holds the delegation's meetings that have a time and the programme sessions its
principals attend. Each meeting keeps one UID for life; its SEQUENCE is the meeting's
``calendar_sequence``, which the database raises on every change a calendar shows (see
``storage/sequences.py``). A cancelled (or not held) meeting stays in the feed with
``STATUS:CANCELLED`` at the time it last had, so subscribed calendars strike it out instead of
silently dropping it. Topics, notes and priorities stay out: a feed URL is handed to calendar
services outside the delegation's control, so it carries only what a calendar shows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sidelines.domain.ids import PrincipalId
from sidelines.domain.negotiation import MeetingStatus
from sidelines.formats.ical import CalendarEntry, calendar_to_ical
from sidelines.services import notice_text
from sidelines.services.accounts import hash_token
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Forbidden, NotFound, not_found
from sidelines.services.events import domain_event, event_row
from sidelines.services.places import meeting_place
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    CalendarFeedRow,
    MeetingPrincipalRow,
    MeetingRow,
    PartyRow,
    ScheduleVersionRow,
)

# Meetings that had a time and lost it for good: shown struck out, at their last time.
ENDED_WITHOUT_MEETING = tuple(str(s) for s in MeetingStatus.did_not_happen())


@dataclass(frozen=True, slots=True)
class IssuedFeed:
    """A new feed. ``token`` is shown once, to build the URL; it cannot be read back later."""

    event_id: str
    party_id: str
    token: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FeedState:
    """Whether a delegation has a working feed, and since when (never the token)."""

    event_id: str
    party_id: str
    active: bool
    created_at: datetime | None


def _check_manager(session: Session, actor: Actor, event_id: str, party_id: str) -> None:
    """Members of the delegation and the organiser manage its feed; nobody else."""
    event_row(session, event_id)
    if actor.acts_for(event_id) != party_id and not actor.is_organiser:
        raise Forbidden("a delegation's calendar feed is managed by its members or the organiser")
    if session.get(PartyRow, (event_id, party_id)) is None:
        raise not_found("party", party_id)


def _active(session: Session, event_id: str, party_id: str) -> list[CalendarFeedRow]:
    return list(
        session.scalars(
            select(CalendarFeedRow).where(
                CalendarFeedRow.event_id == event_id,
                CalendarFeedRow.party_id == party_id,
                CalendarFeedRow.revoked_at.is_(None),
            )
        )
    )


def issue_feed(db: Database, actor: Actor, event_id: str, party_id: str) -> IssuedFeed:
    """A new feed for ``party_id``; the delegation's previous feed, if any, stops working."""
    token = secrets.token_urlsafe(32)

    def work(session: Session) -> IssuedFeed:
        _check_manager(session, actor, event_id, party_id)
        at = now()
        for old in _active(session, event_id, party_id):
            old.revoked_at = at
        session.add(
            CalendarFeedRow(
                event_id=event_id,
                party_id=party_id,
                token_hash=hash_token(token),
                created_by=actor.user_id,
                created_at=at,
            )
        )
        return IssuedFeed(event_id, party_id, token, at)

    return db.write(work)


def revoke_feed(db: Database, actor: Actor, event_id: str, party_id: str) -> FeedState:
    """Stop the delegation's feed; its URL answers "not found" from now on."""

    def work(session: Session) -> FeedState:
        _check_manager(session, actor, event_id, party_id)
        for old in _active(session, event_id, party_id):
            old.revoked_at = now()
        return FeedState(event_id, party_id, False, None)

    return db.write(work)


def feed_state(db: Database, actor: Actor, event_id: str, party_id: str) -> FeedState:
    with db.reading() as session:
        _check_manager(session, actor, event_id, party_id)
        active = _active(session, event_id, party_id)
    if not active:
        return FeedState(event_id, party_id, False, None)
    return FeedState(event_id, party_id, True, max(row.created_at for row in active))


def feed_calendar(db: Database, token: str) -> bytes:
    """The iCalendar file behind a feed token. Raises NotFound for a revoked or unknown one."""
    with db.reading() as session:
        feed = session.scalar(
            select(CalendarFeedRow).where(CalendarFeedRow.token_hash == hash_token(token))
        )
        if feed is None or feed.revoked_at is not None:
            raise NotFound("no such calendar feed")
        entries = _meeting_entries(session, feed.event_id, feed.party_id)
        entries += _programme_entries(session, feed.event_id, feed.party_id)
        event = event_row(session, feed.event_id)
        party = session.get(PartyRow, (feed.event_id, feed.party_id))
        name = f"{event.name} – {party.name if party else feed.party_id}"
    # DTSTAMP is when the calendar's information was last revised (RFC 5545 §3.8.7.2, for a
    # calendar without METHOD): the latest change of the delegation's own meetings, not the
    # time of the request, so that the file (and its ETag) stays the same until they change.
    stamp = max((e.last_modified for e in entries if e.last_modified), default=event.created_at)
    ordered = sorted(entries, key=lambda entry: (entry.start, entry.uid))
    return calendar_to_ical(name, ordered, stamp=stamp)


def meeting_uid(event_id: str, meeting_id: int) -> str:
    return f"meeting-{meeting_id}@{event_id}.sidelines"


def _meeting_entries(session: Session, event_id: str, party_id: str) -> list[CalendarEntry]:
    rows = session.scalars(
        select(MeetingRow).where(
            MeetingRow.event_id == event_id,
            MeetingRow.id.in_(
                select(MeetingPrincipalRow.meeting_id).where(
                    MeetingPrincipalRow.party_id == party_id
                )
            ),
            or_(MeetingRow.starts_at.is_not(None), MeetingRow.status.in_(ENDED_WITHOUT_MEETING)),
        )
    ).all()
    last_times = _last_published_times(
        session, event_id, {row.id for row in rows if row.starts_at is None}
    )
    event = domain_event(session, event_id)
    sides: dict[int, set[str]] = {}
    principals: dict[int, list[str]] = {}
    for link in session.scalars(
        select(MeetingPrincipalRow).where(
            MeetingPrincipalRow.meeting_id.in_([row.id for row in rows])
        )
    ):
        sides.setdefault(link.meeting_id, set()).add(link.party_id)
        principals.setdefault(link.meeting_id, []).append(link.principal_id)
    entries = []
    for row in rows:
        start, end, space_id = row.starts_at, row.ends_at, row.space_id
        if start is None or end is None:
            if row.id not in last_times:
                continue  # cancelled before it was ever placed: never was in a calendar
            start, end, space_id = last_times[row.id]
        # Named as the agenda names it ("Meeting with Embr Inc."), not by its machine format.
        label = notice_text.MeetingLabel(row.format, tuple(sorted(sides.get(row.id, set()))))
        summary = notice_text.meeting_label(event, label, party_id)
        place = meeting_place(event, row.format, start, end, space_id, principals.get(row.id, []))
        # A contact at a programme session says where in the description too: some calendar
        # programs show only one of the two fields.
        at_session = place is not None and place.session_id is not None
        # Who of the delegation goes, where it has more than one person to send (a company
        # with two people at a fair meets at two tables at once).
        own = [
            event.principal_by_id[PrincipalId(principal)].name
            for principal in principals.get(row.id, [])
            if event.party_of_principal[PrincipalId(principal)] == party_id
        ]
        several = sum(p.party == party_id for p in event.principals) > 1
        description = f"{summary}. {place.text}." if place and at_session else None
        if several and own:
            who = ", ".join(own)
            description = f"{description} {who}." if description else f"{who}."
        entries.append(
            CalendarEntry(
                uid=meeting_uid(event_id, row.id),
                start=start,
                end=end,
                summary=summary,
                location=place.location if place is not None else None,
                description=description,
                sequence=row.calendar_sequence,
                status="CANCELLED" if row.status in ENDED_WITHOUT_MEETING else "CONFIRMED",
                last_modified=row.updated_at,
            )
        )
    return entries


def _last_published_times(
    session: Session, event_id: str, meeting_ids: set[int]
) -> dict[int, tuple[datetime, datetime, str | None]]:
    """Where each meeting last stood in a published schedule, newest version first. A
    cancellation takes a meeting out of its bookings but not out of the versions."""
    found: dict[int, tuple[datetime, datetime, str | None]] = {}
    if not meeting_ids:
        return found
    versions = session.scalars(
        select(ScheduleVersionRow.snapshot)
        .where(ScheduleVersionRow.event_id == event_id)
        .order_by(ScheduleVersionRow.number.desc())
    )
    for snapshot in versions:
        for meeting_id in meeting_ids - set(found):
            placed = snapshot.get(str(meeting_id))
            if placed is not None and placed[0] is not None and placed[1] is not None:
                start, end, space_id = placed
                found[meeting_id] = (
                    datetime.fromisoformat(start),
                    datetime.fromisoformat(end),
                    space_id,
                )
        if len(found) == len(meeting_ids):
            break
    return found


def _programme_entries(session: Session, event_id: str, party_id: str) -> list[CalendarEntry]:
    event = domain_event(session, event_id)
    own = {principal.id for principal in event.principals if principal.party == party_id}
    return [
        CalendarEntry(
            uid=f"programme-{programme_session.id}@{event_id}.sidelines",
            start=programme_session.span.start,
            end=programme_session.span.end,
            summary=programme_session.title,
            location=programme_session.venue or None,
            status="CONFIRMED",
        )
        for programme_session in event.programme
        if programme_session.attendees & own
    ]
