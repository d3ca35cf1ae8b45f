"""Change notices in words: which meeting (its format and counterpart, by name) and where it
went, old → new, in the event's local time with spaces by name.

"Bilateral with Russia moved from Sun 08:30 to Sun 10:15, Bilateral room 2". A delegation's
notice names its own meeting's counterpart only (the sides of a meeting know of each other);
the organiser, who sees every booking, reads both sides ("Bilateral, China and Russia").

A placement is stored as ``[starts_at, ends_at, space_id]`` (ISO 8601 instants in UTC), the
form of ``NoticeRow.before``/``after`` and of the schedule versions' snapshots.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.domain import Event, Meeting, PartyId, PrincipalId, SpaceId
from sidelines.i18n import DEFAULT, N_, _, current, format_instant, format_span, speaking
from sidelines.services.places import session_of_contact, session_phrase
from sidelines.services.venue_time import dated_span
from sidelines.storage.tables import MeetingPrincipalRow, MeetingRow

# How a format reads in a sentence. A protocol office says "bilateral" for the restricted
# format, the usual one; the expanded one is named as such.
# Each is translated where it is shown: the pages read in their reader's language (sidelines.i18n),
# the API and the command line in English.
FORMAT_LABELS = {
    "bilateral_restricted": N_("Bilateral"),
    "bilateral_expanded": N_("Expanded bilateral"),
    "trilateral": N_("Trilateral"),
    "pull_aside": N_("Pull-aside"),
    "courtesy_call": N_("Courtesy call"),
    "brief_contact": N_("Brief contact"),
    "meal_conversation": N_("Conversation at a meal"),
    "b2b": N_("Meeting"),
}

# How a meeting left the schedule, by the notice's kind, each with the place it left.
LEFT_THE_SCHEDULE = {
    "no_show": N_("%(meeting)s marked a no-show (was %(when)s, %(where)s)"),
    "released": N_("%(meeting)s released, not confirmed in time (was %(when)s, %(where)s)"),
    "cancelled": N_("%(meeting)s cancelled (was %(when)s, %(where)s)"),
    "not_held": N_("%(meeting)s not held (was %(when)s, %(where)s)"),
    "unplaced": N_("%(meeting)s taken out of the schedule (was %(when)s, %(where)s)"),
}

# A change reported at the venue, as its delegations and the venue's staff read it
# (``onsite_change``): the session, principal or space by name, times on the venue's clock.
ONSITE_CHANGES = {
    "overrun": N_("%(session)s runs over, until %(end)s"),
    "departure": N_("%(who)s leaves early, at %(at)s"),
    "closure": N_("%(space)s is closed %(span)s"),
}
# A day and a time as the pages write them: "Sun 20 Nov 09:30".
DAY_TIME_FORMAT = "%a %d %b %H:%M"

# Weekday and time: an event lasts days, not weeks, so the weekday tells the day.
TIME_FORMAT = "%a %H:%M"
TIME_OF_DAY = "%H:%M"
NO_ROOM = N_("no room")


@dataclass(frozen=True)
class MeetingLabel:
    """What a notice needs of a meeting to name it and its place: its format, its sides'
    party ids and its principals (a contact at a programme session is placed by them)."""

    format: str
    parties: tuple[str, ...]
    principals: tuple[str, ...] = ()


def format_label(meeting_format: str) -> str:
    known = FORMAT_LABELS.get(meeting_format)
    return _(known) if known is not None else meeting_format.replace("_", " ").capitalize()


def meeting_label(event: Event, label: MeetingLabel, viewer: str | None) -> str:
    """The meeting as ``viewer`` (a party id) names it: the format with the other sides; for
    the organiser (``viewer`` None), the format with every side."""
    names = [party_name(event, party) for party in label.parties if party != viewer]
    joined = listed(sorted(names))
    said = format_label(label.format)
    if not joined:
        return said
    if viewer is None:
        return _("%(format)s, %(parties)s") % {"format": said, "parties": joined}
    return _("%(format)s with %(parties)s") % {"format": said, "parties": joined}


def engine_named(event: Event, meeting: Meeting) -> Meeting:
    """A stored meeting as the engine's sentences name it (a rule's message, an explanation):
    by its title, else as the organiser's pages do, by its format and its sides ("Bilateral,
    Russia and United States"), never by its row number. In English, as every sentence of the
    engine is; a page says the sentence in its reader's language (``service_texts``)."""
    if meeting.title:
        return meeting
    label = MeetingLabel(str(meeting.format), tuple(event.parties_of(meeting)))
    if current() == DEFAULT:
        return replace(meeting, title=meeting_label(event, label, None))
    with speaking(DEFAULT):
        return replace(meeting, title=meeting_label(event, label, None))


def engine_names(event: Event, labels: Iterable[MeetingLabel]) -> dict[str, str]:
    """How the engine's sentences name each of these meetings in English, by its format and
    sides (``engine_named``), and how that name reads in the language of the moment: for a
    page to say those sentences in its reader's language (``service_texts.translate``). None
    in English."""
    if current() == DEFAULT:
        return {}
    names = {}
    for label in labels:
        organisers = MeetingLabel(label.format, label.parties)
        with speaking(DEFAULT):
            english = meeting_label(event, organisers, None)
        names[english] = meeting_label(event, organisers, None)
    return names


def party_name(event: Event, party: str) -> str:
    known = event.party_by_id.get(PartyId(party))
    return known.name if known is not None else party


def listed(names: Sequence[str]) -> str:
    """Names in a sentence: "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def when(event: Event, placement: Sequence[Any]) -> str:
    """The start of a stored placement in the event's local time."""
    return format_instant(datetime.fromisoformat(placement[0]), event.zone, TIME_FORMAT)


def onsite_change(
    event: Event,
    kind: str,
    starts_at: datetime,
    ends_at: datetime | None,
    *,
    session_id: str | None = None,
    principal_id: str | None = None,
    party_id: str | None = None,
    space_id: str | None = None,
) -> str:
    """A change reported at the venue in a sentence: "Leaders' retreat runs over, until Sun 20
    Nov 12:30", "Vladimir Putin leaves early, at Sun 20 Nov 15:00", "Room 2 is closed Sun 20
    Nov 14:00–15:00"; the zone beside a time the clocks go back through ("01:30 PST")."""
    if kind == "overrun" and ends_at is not None:
        found = [s for s in event.programme if s.id == session_id]
        title = found[0].title if found else str(session_id)
        return _(ONSITE_CHANGES["overrun"]) % {"session": title, "end": _day_time(event, ends_at)}
    if kind == "departure":
        principal = event.principal_by_id.get(PrincipalId(principal_id or ""))
        who = principal.name if principal is not None else party_name(event, party_id or "")
        return _(ONSITE_CHANGES["departure"]) % {"who": who, "at": _day_time(event, starts_at)}
    assert ends_at is not None
    space = event.space_by_id.get(SpaceId(space_id or ""))
    return _(ONSITE_CHANGES["closure"]) % {
        "space": space.name if space is not None else str(space_id),
        "span": format_span(starts_at, ends_at, event.zone, DAY_TIME_FORMAT, TIME_OF_DAY),
    }


def _day_time(event: Event, instant: datetime) -> str:
    """``instant`` as the pages write it, with its zone where the clock reads it twice."""
    said = format_instant(instant, event.zone, DAY_TIME_FORMAT)
    local = instant.astimezone(event.zone)
    twin = local.replace(fold=1 - local.fold)
    if twin.utcoffset() != local.utcoffset():
        said += f" {local:%Z}"
    return said


def _old_and_new(event: Event, before: Sequence[Any], after: Sequence[Any]) -> tuple[str, str]:
    """The starts of a move on the venue's clock; each with its zone where the two read the
    same and are not (the hour lived twice when the clocks go back: "01:30 PDT", "01:30 PST")."""
    old, new = when(event, before), when(event, after)
    first, second = (datetime.fromisoformat(p[0]) for p in (before, after))
    # Told apart as instants: on the venue's clock the two compare equal (PEP 495).
    if old == new and first != second:
        return (
            f"{old} {first.astimezone(event.zone):%Z}",
            f"{new} {second.astimezone(event.zone):%Z}",
        )
    return old, new


def where(event: Event, placement: Sequence[Any], label: MeetingLabel | None = None) -> str:
    """The space of a stored placement by name (its id when the event no longer has it); with
    the meeting's ``label``, a brief contact in no room says at which programme session it is
    held, as its agenda does (``places.meeting_place``)."""
    space_id = placement[2]
    if space_id is None:
        if label is not None and placement[0] is not None and placement[1] is not None:
            found = session_of_contact(
                event,
                label.format,
                datetime.fromisoformat(placement[0]),
                datetime.fromisoformat(placement[1]),
                label.principals,
            )
            if found is not None:
                phrase = session_phrase(*found)
                # Mid-sentence: "placed on Sun 09:30, at the start of Leaders' retreat".
                return phrase[0].lower() + phrase[1:]
        return _(NO_ROOM)
    space = event.space_by_id.get(SpaceId(space_id))
    return space.name if space is not None else str(space_id)


def describe(
    event: Event,
    kind: str,
    label: str,
    before: Sequence[Any] | None,
    after: Sequence[Any] | None,
    meeting: MeetingLabel | None = None,
) -> str:
    """One change in a sentence. ``kind`` is placed, moved or unplaced (``new_version``), what
    attendance made of it (a no-show, time offered after one, an offer released), or what a
    side recorded of a placed meeting that did not happen (cancelled, not held)."""

    def place(placement: Sequence[Any]) -> str:
        return where(event, placement, meeting)

    if kind == "placed" and after is not None:
        said = _("%(meeting)s placed on %(when)s, %(where)s")
        return said % {"meeting": label, "when": when(event, after), "where": place(after)}
    if kind == "offered" and after is not None:
        said = _(
            "%(meeting)s offered %(when)s, %(where)s, in time a no-show freed: "
            "confirm it to keep it"
        )
        return said % {"meeting": label, "when": when(event, after), "where": place(after)}
    left = LEFT_THE_SCHEDULE.get(kind)
    if left is not None and before is not None:
        said = _(left)
        return said % {"meeting": label, "when": when(event, before), "where": place(before)}
    if before is not None and after is not None:
        old, new = _old_and_new(event, before, after)
        if before[2] == after[2]:
            # Same room: say it once, after the new time.
            said = _("%(meeting)s moved from %(old)s to %(new)s, %(where)s")
            return said % {"meeting": label, "old": old, "new": new, "where": place(after)}
        said = _("%(meeting)s moved from %(old)s, %(old_where)s to %(new)s, %(where)s")
        return said % {
            "meeting": label,
            "old": old,
            "old_where": place(before),
            "new": new,
            "where": place(after),
        }
    return f"{label} {kind}"


def labels_of(session: Session, meeting_ids: Iterable[int]) -> dict[int, MeetingLabel]:
    """The format and sides of each meeting, in two queries whatever their number."""
    ids = sorted(set(meeting_ids))
    if not ids:
        return {}
    formats = dict(
        session.execute(
            select(MeetingRow.id, MeetingRow.format).where(MeetingRow.id.in_(ids))
        ).all()
    )
    sides: dict[int, set[str]] = {}
    principals: dict[int, set[str]] = {}
    for meeting_id, party, principal in session.execute(
        select(
            MeetingPrincipalRow.meeting_id,
            MeetingPrincipalRow.party_id,
            MeetingPrincipalRow.principal_id,
        ).where(MeetingPrincipalRow.meeting_id.in_(ids))
    ):
        sides.setdefault(meeting_id, set()).add(party)
        principals.setdefault(meeting_id, set()).add(principal)
    return {
        meeting_id: MeetingLabel(
            meeting_format,
            tuple(sorted(sides.get(meeting_id, ()))),
            tuple(sorted(principals.get(meeting_id, ()))),
        )
        for meeting_id, meeting_format in formats.items()
    }


@dataclass(frozen=True)
class Wording:
    """What it takes to say meetings and their places as the organiser's pages do, in the
    language of the moment whenever it is asked: a meeting by its title, else by its format
    and every side; a place in venue time ("Sat 19 Nov 2016 10:00–10:30") with its space
    by name."""

    event: Event
    labels: Mapping[int, MeetingLabel]
    titles: Mapping[int, str]

    def name(self, meeting_id: int) -> str:
        title = self.titles.get(meeting_id)
        if title:
            return title
        label = self.labels.get(meeting_id)
        if label is None:
            return _("Meeting %(id)s") % {"id": meeting_id}
        return meeting_label(self.event, label, None)

    def place(self, meeting_id: int, placement: Sequence[Any]) -> str:
        start, end = (datetime.fromisoformat(placement[0]), datetime.fromisoformat(placement[1]))
        span = dated_span(start, end, self.event, weekday=True)
        return f"{span}, {where(self.event, placement, self.labels.get(meeting_id))}"


def wording(session: Session, event: Event, meeting_ids: Iterable[int]) -> Wording:
    """The ``Wording`` of these meetings of ``event``, in three queries whatever their number."""
    ids = sorted(set(meeting_ids))
    rows = session.execute(select(MeetingRow.id, MeetingRow.terms).where(MeetingRow.id.in_(ids)))
    titles = {meeting_id: str(terms["title"]) for meeting_id, terms in rows if terms.get("title")}
    return Wording(event, labels_of(session, ids), titles)


def summaries(
    event: Event,
    labels: Mapping[int, MeetingLabel],
    changes: Iterable[tuple[int, str, Sequence[Any] | None, Sequence[Any] | None]],
    viewer: str | None,
) -> list[str]:
    """Each ``(meeting_id, kind, before, after)`` in a sentence as ``viewer`` reads it."""
    said = []
    for meeting_id, kind, before, after in changes:
        known = labels.get(meeting_id)
        label = (
            meeting_label(event, known, viewer)
            if known is not None
            else _("Meeting %(id)s") % {"id": meeting_id}
        )
        said.append(describe(event, kind, label, before, after, known))
    return said
