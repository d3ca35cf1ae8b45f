"""The published schedule's versions, and what each one changed: the organiser's view of the
change notices that publishing sent to the delegations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from sidelines.domain import Event
from sidelines.i18n import N_, _
from sidelines.i18n.words import words
from sidelines.services import notice_text
from sidelines.services.actors import Actor
from sidelines.services.errors import Forbidden
from sidelines.services.events import domain_event, event_row
from sidelines.storage.db import Database
from sidelines.storage.tables import NoticeRow, ScheduleVersionRow


@dataclass(frozen=True)
class Change:
    meeting_id: int
    kind: str  # placed | moved | unplaced
    before: list[Any] | None
    after: list[Any] | None
    parties: tuple[str, ...]
    summary: str = ""  # the change in words, naming every side (``notice_text``)


@dataclass(frozen=True)
class VersionView:
    number: int
    published_at: datetime
    reason: str
    changes: list[Change]
    said: str = ""  # the reason in words, in the reader's language (``reason_words``)


# Why a version was published, as the services store it (ids and all), and how it reads.
_SOLVE = re.compile(r"solve \d+")
_AGREED = re.compile(r"meeting (?P<meeting>\d+) agreed")
_OUTCOME = re.compile(r"meeting (?P<meeting>\d+) (?P<status>[a-z_]+)")
_EDIT = re.compile(r"(?P<edit>[a-z_]+) of meeting (?P<meeting>\d+)")
_ONSITE = re.compile(r"on-site change \d+ \((?P<kind>[a-z_]+)\)")
EDITS = {
    "move": N_("%(meeting)s moved by the organiser"),
    "swap": N_("%(meeting)s swapped by the organiser"),
    "place": N_("%(meeting)s placed by the organiser"),
    "unplace": N_("%(meeting)s taken off the schedule by the organiser"),
    "lock": N_("%(meeting)s locked in place by the organiser"),
    "unlock": N_("%(meeting)s unlocked by the organiser"),
    "alternative": N_("%(meeting)s placed by the organiser on an alternative offered"),
}
ONSITE = {
    "departure": N_("a delegation leaves early"),
    "overrun": N_("a programme session runs over"),
    "closure": N_("a room is closed"),
}


def reason_words(event: Event, labels: dict[int, notice_text.MeetingLabel], reason: str) -> str:
    """A version's stored reason ("solve 7102", "move of meeting 62") in words, the meeting by
    its format and sides; a reason of another shape as it is."""
    if _SOLVE.fullmatch(reason):
        return _("a new solve")
    if reason == "attendance":  # the door's sweep: no-shows marked, their time offered
        return _("attendance: no-shows and the time they freed")

    def label(found: re.Match[str]) -> str:
        known = labels.get(int(found["meeting"]))
        return notice_text.meeting_label(event, known, None) if known else _("a meeting")

    if found := _AGREED.fullmatch(reason):
        return _("%(meeting)s agreed and placed") % {"meeting": label(found)}
    if found := _OUTCOME.fullmatch(reason):
        return _("%(meeting)s: %(status)s") % {
            "meeting": label(found),
            "status": words(found["status"]),
        }
    if found := _EDIT.fullmatch(reason):
        said = EDITS.get(found["edit"])
        return _(said) % {"meeting": label(found)} if said else reason
    if found := _ONSITE.fullmatch(reason):
        kind = ONSITE.get(found["kind"])
        return _("on-site change: %(kind)s") % {"kind": _(kind)} if kind else reason
    return reason


def _reason_meetings(reasons: list[str]) -> list[int]:
    found = (re.search(r"meeting (\d+)", reason) for reason in reasons)
    return [int(f.group(1)) for f in found if f is not None]


def schedule_versions(db: Database, actor: Actor, event_id: str) -> list[VersionView]:
    """Every published version, newest first, with the meetings it placed, moved or took out
    and the delegations told of each (bookings only: time, place, parties)."""
    if not actor.is_organiser:
        raise Forbidden("only the organiser can see every change of the schedule")
    with db.reading() as session:
        event_row(session, event_id)
        versions = session.scalars(
            select(ScheduleVersionRow)
            .where(ScheduleVersionRow.event_id == event_id)
            .order_by(ScheduleVersionRow.number.desc())
        ).all()
        told: dict[tuple[int, int], list[NoticeRow]] = {}
        for notice in session.scalars(
            select(NoticeRow)
            .where(NoticeRow.event_id == event_id)
            .order_by(NoticeRow.created_at, NoticeRow.id)
        ):
            told.setdefault((notice.version, notice.meeting_id), []).append(notice)
        event = domain_event(session, event_id)
        reasons = notice_text.labels_of(
            session, _reason_meetings([version.reason for version in versions])
        )
        said = dict(
            zip(
                told,
                notice_text.summaries(
                    event,
                    notice_text.labels_of(session, [meeting_id for _, meeting_id in told]),
                    [(m, n[0].kind, n[0].before, n[0].after) for (_, m), n in told.items()],
                    viewer=None,
                ),
                strict=True,
            )
        )
        return [
            VersionView(
                version.number,
                version.published_at,
                version.reason,
                [
                    Change(
                        meeting_id,
                        notices[0].kind,
                        notices[0].before,
                        notices[0].after,
                        tuple(sorted(n.party_id for n in notices)),
                        said[(number, meeting_id)],
                    )
                    for (number, meeting_id), notices in sorted(told.items())
                    if number == version.number
                ],
                reason_words(event, reasons, version.reason),
            )
            for version in versions
        ]
