"""The published schedule's versions, and what each one changed: the organiser's view of the
change notices that publishing sent to the delegations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

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
        said = dict(
            zip(
                told,
                notice_text.summaries(
                    domain_event(session, event_id),
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
            )
            for version in versions
        ]
