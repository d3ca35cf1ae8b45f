"""Printed sheets: what protocol officers and the venue's staff carry when the Wi-Fi fails.

- a delegation's **run-sheet** for a day: its meetings (time, counterparts by name, format,
  place, host, press plan, topics) and the programme sessions its principals attend;
- a **door sheet** for a space and a day: what is held there, in order, with the names;
- the organiser's **day overview**: every space across, the day's time down.

Each carries the schedule version it was printed from (number and publish time) and a check
code; ``check`` says whether that version is still the current one and what changed since on
that sheet. A change reported at the venue that moves no meeting makes no version, yet a sheet
shows it (a session running over on a run-sheet, a room closed on its door sheet): the code also
counts those on the sheet when it was printed, and the check tells of those reported since.

A sheet holds only what its reader may see (DESIGN.md §2): a delegation its own meetings with
their terms; an organiser who sees bookings only the bookings (time, place,
format, sides and principals), one who sees everything the terms and topics too. The version
a delegation is shown is the last one that changed its own meetings, as on its grid, so that
nobody learns from a number that others' meetings moved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.domain import Event, PrincipalId, SpaceId, TimeSpan
from sidelines.i18n import _
from sidelines.i18n.words import words
from sidelines.services import notice_text
from sidelines.services.actors import Actor, Role
from sidelines.services.errors import Forbidden, Invalid, NotFound, not_found
from sidelines.services.events import domain_event
from sidelines.services.places import meeting_place
from sidelines.services.recorded_changes import ChangeKind, as_on_site, recorded
from sidelines.services.schedule_versions import current_version
from sidelines.services.versions import OwnVersions, own_versions, shown_version
from sidelines.services.visibility import organiser_sees_everything
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    MeetingPrincipalRow,
    MeetingRow,
    NoticeRow,
    OnsiteChangeRow,
    ScheduleVersionRow,
    UserRow,
)

# The overview's rows: a quarter of an hour (or the event's grain, if coarser), as on the grid.
STEP_MIN = 15
NO_ROOM = "no room"


class SheetKind(StrEnum):
    RUN_SHEET = "run-sheet"
    DOOR_SHEET = "door-sheet"
    OVERVIEW = "overview"


_LETTERS = {SheetKind.RUN_SHEET: "r", SheetKind.DOOR_SHEET: "d", SheetKind.OVERVIEW: "o"}
# "r3-20161120-RUS": kind, version, day, and the delegation or space (ids may hold dashes).
# "r3.1-20161120-RUS": after a dot, the changes reported on site the sheet showed (none: no dot).
_CODE = re.compile(
    r"(?P<kind>[rdo])(?P<version>\d{1,9})(?:\.(?P<onsite>\d{1,9}))?-(?P<day>\d{8})"
    r"(?:-(?P<subject>.+))?"
)


@dataclass(frozen=True)
class SheetRef:
    """Which sheet, of which version: what its check code says."""

    kind: SheetKind
    day: date
    version: int
    subject: str | None = None  # the delegation's party id, or the space's id
    onsite: int = 0  # how many changes reported on site the sheet showed (``_onsite_on``)

    @property
    def code(self) -> str:
        tail = f"-{self.subject}" if self.subject else ""
        seen = f".{self.onsite}" if self.onsite else ""
        return f"{_LETTERS[self.kind]}{self.version}{seen}-{self.day:%Y%m%d}{tail}"


def parse_code(code: str) -> SheetRef:
    """The sheet a check code names; Invalid (field ``code``) for anything else."""
    found = _CODE.fullmatch(code)
    if found is None:
        raise Invalid(f"not a sheet's check code: {code!r}", "code")
    kind = next(k for k, letter in _LETTERS.items() if letter == found["kind"])
    try:
        day = datetime.strptime(found["day"], "%Y%m%d").date()
    except ValueError:
        raise Invalid(f"not a sheet's check code: {code!r}", "code") from None
    subject = found["subject"]
    if (kind is SheetKind.OVERVIEW) != (subject is None):
        raise Invalid(f"not a sheet's check code: {code!r}", "code")
    onsite = int(found["onsite"]) if found["onsite"] else 0
    return SheetRef(kind, day, int(found["version"]), subject, onsite)


@dataclass(frozen=True)
class VersionStamp:
    """The published version a sheet shows; number 0 while nothing is published."""

    number: int
    published_at: datetime | None


@dataclass(frozen=True)
class SheetMeeting:
    """One meeting on a sheet. ``press`` and ``topics`` are None where the reader may not see
    them, and ``host`` also where no host side was agreed."""

    meeting_id: int
    starts_at: datetime
    ends_at: datetime
    title: str  # the format with the other sides, by name, as the reader names it
    format: str
    status: str  # the machine value (``held_as_downgraded``): sheets say it through ``words``
    place: str
    space_id: str | None
    people: tuple[str, ...]  # "Barack Obama, President (United States)", counterparts first
    host: str | None
    press: str | None
    topics: tuple[str, ...] | None


@dataclass(frozen=True)
class SheetLine:
    """A line of a run-sheet: a meeting, or a programme session the delegation attends."""

    starts_at: datetime
    ends_at: datetime
    title: str
    place: str
    meeting: SheetMeeting | None = None


@dataclass(frozen=True)
class RunSheet:
    event: Event
    party: str
    party_name: str
    day: date
    version: VersionStamp
    lines: tuple[SheetLine, ...]
    ref: SheetRef


@dataclass(frozen=True)
class DoorSheet:
    event: Event
    space_id: str
    space_name: str
    day: date
    version: VersionStamp
    meetings: tuple[SheetMeeting, ...]
    ref: SheetRef
    # When the space is closed on site that day (``onsite_changes.report_closure``), in order:
    # the staff at the door turn people away then.
    closed: tuple[TimeSpan, ...] = ()


@dataclass(frozen=True)
class OverviewCell:
    starts: tuple[str, ...]  # titles of the meetings that begin in this step
    continues: bool  # a meeting begun earlier still runs


@dataclass(frozen=True)
class OverviewRow:
    starts_at: datetime
    programme: tuple[str, ...]  # sessions that begin in this step
    cells: tuple[OverviewCell, ...]


@dataclass(frozen=True)
class Overview:
    event: Event
    day: date
    version: VersionStamp
    columns: tuple[str, ...]  # space names, then "no room"
    rows: tuple[OverviewRow, ...]
    ref: SheetRef


@dataclass(frozen=True)
class Currency:
    """Whether a printed sheet is still current: ``latest`` is the newest version the reader
    may know of, ``changes`` what changed on that sheet since, in words."""

    ref: SheetRef
    latest: VersionStamp
    changes: tuple[str, ...]
    # Whether anything on the sheet changed since: all a reader without an account learns.
    changed: bool
    # The changes reported on site since it was printed that the sheet shows, in words; and
    # whether there are any (a reader without an account learns only that).
    onsite: tuple[str, ...] = ()
    changed_on_site: bool = False

    @property
    def current(self) -> bool:
        return self.latest.number == self.ref.version and not self.changed_on_site


# --- who reads, which version ------------------------------------------------------------------


def reader_named(db: Database, username: str) -> Actor:
    """The account ``username`` reading sheets from the console: an organiser, or a member of
    a delegation reading its own."""
    with db.reading() as session:
        user = session.scalars(select(UserRow).where(UserRow.username == username)).first()
        if user is None:
            raise Invalid(f"no account {username!r}", "user")
        return Actor(
            Role(user.role),
            user.id,
            user.username,
            event_id=user.event_id,
            party_id=user.party_id,
            channel="cli",
        )


def _stamp(row: ScheduleVersionRow | None) -> VersionStamp:
    return VersionStamp(0, None) if row is None else VersionStamp(row.number, row.published_at)


def _version_for(session: Session, actor: Actor, event_id: str) -> VersionStamp:
    return _versions_for(session, actor, event_id)[0]


def _versions_for(
    session: Session, actor: Actor, event_id: str
) -> tuple[VersionStamp, OwnVersions | None]:
    """The version the reader's sheets show and, for a delegation, its own numbering of the
    versions (``versions``): the stamp is then in that numbering."""
    return _versions_of(session, event_id, actor.acts_for(event_id))


def _versions_of(
    session: Session, event_id: str, party: str | None
) -> tuple[VersionStamp, OwnVersions | None]:
    """The version the sheets of ``party`` (None: the event's own sheets) show, and that
    delegation's numbering of the versions."""
    latest = current_version(session, event_id)
    if party is None or latest is None:
        return _stamp(latest), None
    own = own_versions(session, event_id, party)
    shown = shown_version(session, event_id, own)
    return VersionStamp(own.ordinal(shown.number), shown.published_at), own


def _organiser_full(session: Session, actor: Actor, event_id: str) -> bool:
    """Whether an organiser sees the sides' terms; Forbidden for anyone not an organiser."""
    if not actor.is_organiser:
        raise Forbidden("door sheets, the day overview and others' run-sheets are the organiser's")
    return organiser_sees_everything(session, event_id)


def _day_of(event: Event, day: date) -> tuple[datetime, datetime]:
    if day not in event.days:
        raise Invalid(f"{day.isoformat()} is not a day of the event", "day")
    start = datetime.combine(day, datetime.min.time(), event.zone)
    return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), event.zone)


def _local_day(event: Event, instant: datetime) -> date:
    return instant.astimezone(event.zone).date()


# --- the meetings on a sheet ------------------------------------------------------------------


def _person(event: Event, principal: str) -> str:
    known = event.principal_by_id.get(PrincipalId(principal))
    if known is None:
        return principal
    name = f"{known.name}, {known.title}" if known.title else known.name
    return f"{name} ({notice_text.party_name(event, known.party)})"


def _sheet_meetings(
    session: Session,
    event: Event,
    day: date,
    *,
    viewer: str | None,
    full: bool,
    party: str | None = None,
    space_id: str | None = None,
) -> list[SheetMeeting]:
    """The day's placed meetings (of ``party``, or in ``space_id``) as ``viewer`` names them."""
    start, end = _day_of(event, day)
    query = select(MeetingRow).where(
        MeetingRow.event_id == event.id,
        MeetingRow.starts_at.is_not(None),
        MeetingRow.starts_at >= start,
        MeetingRow.starts_at < end,
    )
    if party is not None:
        query = query.where(
            MeetingRow.id.in_(
                select(MeetingPrincipalRow.meeting_id).where(MeetingPrincipalRow.party_id == party)
            )
        )
    if space_id is not None:
        query = query.where(MeetingRow.space_id == space_id)
    rows = session.scalars(query.order_by(MeetingRow.starts_at, MeetingRow.id)).all()
    links: dict[int, list[MeetingPrincipalRow]] = {}
    for link in session.scalars(
        select(MeetingPrincipalRow).where(MeetingPrincipalRow.meeting_id.in_([r.id for r in rows]))
    ):
        links.setdefault(link.meeting_id, []).append(link)
    found = []
    for row in rows:
        assert row.starts_at is not None
        assert row.ends_at is not None
        own = links.get(row.id, [])
        sides = tuple(sorted({link.party_id for link in own}))
        principals = sorted(own, key=lambda link: (link.party_id == viewer, link.party_id))
        place = meeting_place(
            event,
            row.format,
            row.starts_at,
            row.ends_at,
            row.space_id,
            (link.principal_id for link in own),
        )
        host = row.terms.get("host")
        found.append(
            SheetMeeting(
                meeting_id=row.id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                title=notice_text.meeting_label(
                    event, notice_text.MeetingLabel(row.format, sides), viewer
                ),
                format=notice_text.format_label(row.format),
                status=row.status,
                place=place.text if place is not None else "",
                space_id=row.space_id,
                people=tuple(_person(event, link.principal_id) for link in principals),
                host=notice_text.party_name(event, host) if full and host else None,
                press=words(row.terms.get("press", "none")) if full else None,
                topics=tuple(row.topics) if full else None,
            )
        )
    return found


# --- the sheets --------------------------------------------------------------------------------


def run_sheet(db: Database, actor: Actor, event_id: str, party: str, day: date) -> RunSheet:
    """A delegation's day, for the delegation itself or the organiser (who reads it as it
    reads bookings, or everything, by the event's policy)."""
    with db.reading() as session:
        event = domain_event(session, event_id)
        own = actor.acts_for(event_id)
        if own is not None:
            if own != party:
                raise not_found("delegation", party)
            full = True
        else:
            full = _organiser_full(session, actor, event_id)
        if party not in event.party_by_id:
            raise not_found("delegation", party)
        version = _version_for(session, actor, event_id)
        meetings = _sheet_meetings(session, event, day, viewer=party, full=full, party=party)
        principals = {p.id for p in event.principals if p.party == party}
        # The programme as it runs on site: a session reported to run over ends later.
        lines = [
            SheetLine(s.span.start, s.span.end, s.title, s.venue)
            for s in as_on_site(session, event).programme
            if s.attendees & principals and _local_day(event, s.span.start) == day
        ]
        lines += [SheetLine(m.starts_at, m.ends_at, m.title, m.place, m) for m in meetings]
        lines.sort(key=lambda line: (line.starts_at, line.meeting is not None))
        ref = SheetRef(SheetKind.RUN_SHEET, day, version.number, party)
        return RunSheet(
            event,
            party,
            notice_text.party_name(event, party),
            day,
            version,
            tuple(lines),
            replace(ref, onsite=len(_onsite_on(session, event, ref))),
        )


def door_sheet(db: Database, actor: Actor, event_id: str, space_id: str, day: date) -> DoorSheet:
    """What a space holds on a day, in order, for the organiser and the space's staff."""
    with db.reading() as session:
        return _door_sheet(session, actor, event_id, space_id, day)


def door_sheets(db: Database, actor: Actor, event_id: str, day: date) -> list[DoorSheet]:
    """Every space's door sheet for the day, in the event's order of spaces, in one read."""
    with db.reading() as session:
        event = domain_event(session, event_id)
        return [_door_sheet(session, actor, event_id, space.id, day) for space in event.spaces]


def _door_sheet(
    session: Session, actor: Actor, event_id: str, space_id: str, day: date
) -> DoorSheet:
    full = _organiser_full(session, actor, event_id)
    event = domain_event(session, event_id)
    space = event.space_by_id.get(SpaceId(space_id))
    if space is None:
        raise Invalid(f"no space {space_id!r} at this event", "space")
    version = _version_for(session, actor, event_id)
    ref = SheetRef(SheetKind.DOOR_SHEET, day, version.number, space.id)
    onsite = _onsite_on(session, event, ref)
    return DoorSheet(
        event,
        space.id,
        space.name,
        day,
        version,
        tuple(_sheet_meetings(session, event, day, viewer=None, full=full, space_id=space_id)),
        replace(ref, onsite=len(onsite)),
        tuple(sorted((_closure(row) for row in onsite), key=lambda span: (span.start, span.end))),
    )


def overview(db: Database, actor: Actor, event_id: str, day: date) -> Overview:
    """The organiser's day: spaces across (and "no room"), steps of the day down, from the
    first thing that day to the last."""
    with db.reading() as session:
        full = _organiser_full(session, actor, event_id)
        event = domain_event(session, event_id)
        version = _version_for(session, actor, event_id)
        meetings = _sheet_meetings(session, event, day, viewer=None, full=full)
    sessions = [s for s in event.programme if _local_day(event, s.span.start) == day]
    columns: list[str | None] = [*(s.id for s in event.spaces), None]
    step = timedelta(minutes=max(STEP_MIN, event.grain_min))
    spans = [(m.starts_at, m.ends_at) for m in meetings] + [
        (s.span.start, s.span.end) for s in sessions
    ]
    rows: list[OverviewRow] = []
    if spans:
        # Stepped in UTC: adding to a local time counts on the wall clock, which skips the hour
        # lived twice when the clocks go back (and the meetings in it with it).
        first = event.local(day, event.day_start).astimezone(UTC)
        # Begin on a step of the day's grid, so that rows read 08:00, 08:15, ...
        at = first + step * ((min(start for start, _ in spans) - first) // step)
        last = max(end for _, end in spans)
        while at < last:
            end = at + step
            cells = []
            for column in columns:
                here = [m for m in meetings if m.space_id == column]
                starts = tuple(m.title for m in here if at <= m.starts_at < end)
                runs = any(m.starts_at < at < m.ends_at for m in here)
                cells.append(OverviewCell(starts, runs and not starts))
            rows.append(
                OverviewRow(
                    at,
                    tuple(s.title for s in sessions if at <= s.span.start < end),
                    tuple(cells),
                )
            )
            at = end
    return Overview(
        event,
        day,
        version,
        (*(s.name for s in event.spaces), NO_ROOM),
        tuple(rows),
        SheetRef(SheetKind.OVERVIEW, day, version.number),
    )


# --- is it still current? ----------------------------------------------------------------------


def _on_sheet(ref: SheetRef, event: Event, placement: Sequence[Any] | None) -> bool:
    if placement is None or placement[0] is None:
        return False
    if _local_day(event, datetime.fromisoformat(placement[0])) != ref.day:
        return False
    return ref.kind is not SheetKind.DOOR_SHEET or placement[2] == ref.subject


def check(db: Database, actor: Actor, event_id: str, ref: SheetRef) -> Currency:
    """Whether the sheet ``ref`` names is still current for this reader, and what changed on
    it since its version: the reader must be one who may read the sheet."""
    with db.reading() as session:
        event = domain_event(session, event_id)
        _day_of(event, ref.day)
        party = actor.acts_for(event_id)
        if party is not None:
            if ref.kind is not SheetKind.RUN_SHEET or ref.subject != party:
                raise not_found("sheet", ref.code)
        else:
            _organiser_full(session, actor, event_id)
        latest, own = _versions_for(session, actor, event_id)
        notices = _changes_on(session, event, ref, latest, own)
        if notices is None:
            raise NotFound(f"no schedule version {ref.version} of this sheet", "code")
        viewer = ref.subject if ref.kind is SheetKind.RUN_SHEET else None
        said = notice_text.summaries(
            event,
            notice_text.labels_of(session, [n.meeting_id for n in notices]),
            [(n.meeting_id, n.kind, n.before, n.after) for n in notices],
            viewer=viewer,
        )
        onsite = _onsite_on(session, event, ref)[ref.onsite :]
        return Currency(
            ref,
            latest,
            tuple(
                _("Version %(number)s: %(change)s")
                % {"number": n.version if own is None else own.ordinal(n.version), "change": text}
                for n, text in zip(notices, said, strict=True)
            ),
            bool(notices) or bool(onsite),
            tuple(_onsite_words(event, row) for row in onsite),
            bool(onsite),
        )


def public_check(db: Database, event_id: str, ref: SheetRef) -> Currency:
    """Whether the sheet ``ref`` names is still current, for anyone holding its sealed link
    (``sheet_links``): the latest version of that sheet's numbering and when it was
    published, and whether anything on the sheet changed, never what. ``NotFound`` ("no such
    sheet") if the event, the day, the sheet's delegation or space or its version is gone."""
    gone = NotFound("no such sheet")
    with db.reading() as session:
        try:
            event = domain_event(session, event_id)
            _day_of(event, ref.day)
        except (NotFound, Invalid):
            raise gone from None
        party = ref.subject if ref.kind is SheetKind.RUN_SHEET else None
        if party is not None and party not in event.party_by_id:
            raise gone
        if ref.kind is SheetKind.DOOR_SHEET and SpaceId(ref.subject or "") not in event.space_by_id:
            raise gone
        latest, own = _versions_of(session, event_id, party)
        notices = _changes_on(session, event, ref, latest, own)
        if notices is None:
            raise gone
        onsite = bool(_onsite_on(session, event, ref)[ref.onsite :])
        return Currency(ref, latest, (), bool(notices) or onsite, changed_on_site=onsite)


def _changes_on(
    session: Session, event: Event, ref: SheetRef, latest: VersionStamp, own: OwnVersions | None
) -> list[NoticeRow] | None:
    """The change notices of what is on sheet ``ref`` since its version, one per version and
    meeting, in order; None if the sheet's version is not one the reader was shown."""
    # A delegation's code counts its own versions: the event's number of that version.
    since = ref.version if own is None else own.number(ref.version)
    if since is None or ref.version > latest.number:
        return None
    query = select(NoticeRow).where(NoticeRow.event_id == event.id, NoticeRow.version > since)
    if ref.kind is SheetKind.RUN_SHEET:
        query = query.where(NoticeRow.party_id == ref.subject)
    notices: dict[tuple[int, int], NoticeRow] = {}
    for notice in session.scalars(query.order_by(NoticeRow.version, NoticeRow.id)):
        if _on_sheet(ref, event, notice.before) or _on_sheet(ref, event, notice.after):
            notices.setdefault((notice.version, notice.meeting_id), notice)
    return list(notices.values())


# --- what changed on site ----------------------------------------------------------------------


def _onsite_on(session: Session, event: Event, ref: SheetRef) -> list[OnsiteChangeRow]:
    """The changes reported on site that sheet ``ref`` shows, in the order they were reported
    (they are never taken back, so a count tells which a printed sheet showed): on a run-sheet
    the overruns of the day's sessions its delegation attends, on a door sheet the closures of
    its space that day. The overview shows neither."""
    start, end = _day_of(event, ref.day)
    if ref.kind is SheetKind.RUN_SHEET:
        principals = {p.id for p in event.principals if p.party == ref.subject}
        sessions = {
            s.id
            for s in event.programme
            if s.attendees & principals and _local_day(event, s.span.start) == ref.day
        }
        return [
            row
            for row in recorded(session, event.id)
            if row.kind == ChangeKind.OVERRUN and row.session_id in sessions
        ]
    if ref.kind is SheetKind.DOOR_SHEET:
        return [
            row
            for row in recorded(session, event.id)
            if row.kind == ChangeKind.CLOSURE
            and row.space_id == ref.subject
            and _closure(row).overlaps(TimeSpan(start, end))
        ]
    return []


def _closure(row: OnsiteChangeRow) -> TimeSpan:
    assert row.ends_at is not None
    return TimeSpan(row.starts_at, row.ends_at)


def _onsite_words(event: Event, row: OnsiteChangeRow) -> str:
    return notice_text.onsite_change(
        event,
        row.kind,
        row.starts_at,
        row.ends_at,
        session_id=row.session_id,
        principal_id=row.principal_id,
        party_id=row.party_id,
        space_id=row.space_id,
    )
