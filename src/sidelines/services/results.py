"""What each delegation asked for and got: requested, received, accepted, placed, held, no-shows,
left out (with the engine's reason), and how much of its own priorities were met; for the
organiser the same across delegations, with fairness (who got least of what it asked).

Each reader gets only what it may read elsewhere. A delegation reads its own line, its own
meetings' reasons and its own priorities. The organiser reads the meetings (bookings, outcomes,
no-shows) of every delegation; the request counts only where the event's policy is
``everything``; the priorities never, since they are private to each side (DESIGN.md §2). Its
fairness measure is therefore the share placed of what a delegation asked: its requests where
it may read them, else its agreed meetings.

Every read is a fixed number of queries, whatever the number of delegations and meetings.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sidelines.domain.negotiation import MeetingStatus, RequestState
from sidelines.formats.csv_text import csv_text
from sidelines.i18n import N_, service_texts
from sidelines.services import notice_text
from sidelines.services.actors import Actor
from sidelines.services.attendance import sweep_if_due
from sidelines.services.errors import not_found
from sidelines.services.events import domain_event, event_row
from sidelines.services.visibility import organiser_sees_everything, takes_part
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    MeetingPrincipalRow,
    MeetingRow,
    NoShowRow,
    RequestPartyRow,
    RequestRow,
    SolveRunRow,
)

HELD = (MeetingStatus.HELD, MeetingStatus.HELD_AS_DOWNGRADED)
# A meeting that has (or had) its time: scheduled, held, or placed and then missed.
PLACED = (MeetingStatus.SCHEDULED, *HELD)
# The priority the engine gives a side that named none (``negotiation``).
DEFAULT_PRIORITY = 5
# Marked for the catalogs: the pages show it in the reader's language (the ``said`` filter).
WAITING_REASON = N_("agreed after the last solve: it waits for the next one, or a place on site")


@dataclass(frozen=True)
class LeftOut:
    meeting_id: int
    label: str  # the format and the counterpart, as the reader names it
    reason: str


@dataclass
class DelegationResult:
    """One delegation's line. The request counts and the priorities are None where the reader
    may not read them."""

    party: str
    name: str
    requested: int | None = None
    received: int | None = None
    accepted: int | None = None
    agreed: int = 0
    placed: int = 0
    placed_asked: int = 0  # of the meetings placed, those of the requests it sent
    held: int = 0
    no_show_absent: int = 0  # meetings it missed
    no_show_other: int = 0  # meetings the other side missed
    left_out: list[LeftOut] = field(default_factory=list)
    priority_asked: int | None = None  # the sum of its priorities on the requests it sent
    priority_met: int | None = None  # the part of it whose meetings were placed

    @property
    def asked(self) -> int:
        """What it asked for: its requests where the reader reads them, else its meetings."""
        return self.requested if self.requested is not None else self.agreed

    @property
    def share(self) -> float | None:
        """The share of what it asked that was placed (None: it asked nothing). Counted over
        its requests, only the meetings of its own requests count as placed: a meeting another
        delegation asked of it served the other's request, not one of its own."""
        if not self.asked:
            return None
        placed = self.placed_asked if self.requested is not None else self.placed
        return placed / self.asked

    @property
    def priorities_share(self) -> float | None:
        if not self.priority_asked or self.priority_met is None:
            return None
        return self.priority_met / self.priority_asked


@dataclass(frozen=True)
class ResultsView:
    event_id: str
    event_name: str
    viewer: str | None  # the delegation reading, None for the organiser
    requests_shown: bool
    lines: list[DelegationResult]

    @property
    def least_served(self) -> list[DelegationResult]:
        """Fairness: the delegations that asked something, least served first."""
        asked = [line for line in self.lines if line.share is not None]
        return sorted(asked, key=lambda line: (line.share, -line.asked, line.party))


def results(db: Database, actor: Actor, event_id: str, *, at: datetime) -> ResultsView:
    """The report as ``actor`` may read it (after any no-show due at ``at``)."""
    party = actor.acts_for(event_id)
    if not takes_part(actor, event_id):
        raise not_found("event", event_id)
    sweep_if_due(db, event_id, at)
    with db.reading() as session:
        row = event_row(session, event_id)
        event = domain_event(session, event_id)
        requests_shown = party is not None or organiser_sees_everything(session, event_id)
        parties = [p.id for p in event.parties] if party is None else [party]
        lines = {p: DelegationResult(p, notice_text.party_name(event, p)) for p in sorted(parties)}
        if requests_shown:
            _count_requests(session, event_id, party, lines)
        labels, waiting = _count_meetings(session, event_id, party, lines)
        reasons = _left_out_reasons(session, event_id)
        # The engine's reasons in the reader's language, the meetings they name too.
        names = notice_text.engine_names(event, labels.values())
        for line in lines.values():
            line.left_out = [
                LeftOut(
                    meeting_id,
                    notice_text.meeting_label(event, labels[meeting_id], party),
                    service_texts.translate(reasons.get(meeting_id, WAITING_REASON), names),
                )
                for meeting_id in sorted(waiting.get(line.party, ()))
            ]
        if party is not None:
            _priorities(session, event_id, party, lines[party])
        return ResultsView(event_id, row.name, party, requests_shown, list(lines.values()))


def _count_requests(
    session: Session, event_id: str, party: str | None, lines: dict[str, DelegationResult]
) -> None:
    """Requests sent, received and accepted per delegation (drafts are nobody's business)."""
    sent = RequestRow.state != str(RequestState.DRAFT)
    query = (
        select(
            RequestPartyRow.party_id,
            RequestPartyRow.role,
            func.count(),
            func.sum(case((RequestRow.state == str(RequestState.ACCEPTED), 1), else_=0)),
        )
        .join(RequestRow, RequestRow.id == RequestPartyRow.request_id)
        .where(RequestRow.event_id == event_id, sent)
        .group_by(RequestPartyRow.party_id, RequestPartyRow.role)
    )
    if party is not None:
        query = query.where(RequestPartyRow.party_id == party)
    for each in lines.values():
        each.requested, each.received, each.accepted = 0, 0, 0
    for who, role, count, accepted in session.execute(query):
        line = lines.get(who)
        if line is None:
            continue
        if role == "requester":
            line.requested = count
        else:
            line.received = count
        line.accepted = (line.accepted or 0) + int(accepted or 0)


def _count_meetings(
    session: Session, event_id: str, party: str | None, lines: dict[str, DelegationResult]
) -> tuple[dict[int, notice_text.MeetingLabel], dict[str, list[int]]]:
    """Meetings agreed, placed, held and missed per delegation; the labels of the meetings and
    the meetings left out (agreed, with no time) of each."""
    # The side that sent the meeting's request (none for a meeting imported as agreed).
    requester = (
        select(RequestPartyRow.request_id, RequestPartyRow.party_id)
        .where(RequestPartyRow.role == "requester")
        .subquery()
    )
    query = (
        select(
            MeetingPrincipalRow.party_id,
            MeetingRow.id,
            MeetingRow.status,
            MeetingRow.format,
            MeetingRow.starts_at,
            requester.c.party_id,
        )
        .join(MeetingRow, MeetingRow.id == MeetingPrincipalRow.meeting_id)
        .outerjoin(requester, requester.c.request_id == MeetingRow.request_id)
        .where(MeetingRow.event_id == event_id, MeetingRow.status != str(MeetingStatus.CANCELLED))
    )
    if party is not None:
        mine = select(MeetingPrincipalRow.meeting_id).where(MeetingPrincipalRow.party_id == party)
        query = query.where(MeetingRow.id.in_(mine))
    sides: dict[int, set[str]] = defaultdict(set)
    facts: dict[int, tuple[str, str, datetime | None, str | None]] = {}
    for who, meeting_id, status, meeting_format, starts_at, asker in session.execute(query):
        sides[meeting_id].add(who)
        facts[meeting_id] = (status, meeting_format, starts_at, asker)
    absent: dict[int, list[str]] = dict(
        session.execute(
            select(NoShowRow.meeting_id, NoShowRow.absent).where(
                NoShowRow.event_id == event_id, NoShowRow.meeting_id.in_(list(facts))
            )
        ).all()
    )
    labels = {}
    waiting: dict[str, list[int]] = defaultdict(list)
    for meeting_id, (status, meeting_format, starts_at, asker) in facts.items():
        labels[meeting_id] = notice_text.MeetingLabel(
            meeting_format, tuple(sorted(sides[meeting_id]))
        )
        for who in sides[meeting_id]:
            line = lines.get(who)
            if line is None:
                continue
            line.agreed += 1
            if meeting_id in absent:
                line.placed += 1
                line.placed_asked += who == asker
                if who in absent[meeting_id]:
                    line.no_show_absent += 1
                else:
                    line.no_show_other += 1
            elif status in PLACED:
                line.placed += 1
                line.placed_asked += who == asker
                line.held += status in HELD
            elif status == MeetingStatus.AGREED and starts_at is None:
                waiting[who].append(meeting_id)
    return labels, waiting


def _left_out_reasons(session: Session, event_id: str) -> dict[int, str]:
    """The engine's reason for each meeting the last finished solve left out."""
    result = session.scalars(
        select(SolveRunRow.result)
        .where(SolveRunRow.event_id == event_id, SolveRunRow.status.in_(["done", "published"]))
        .order_by(SolveRunRow.id.desc())
        .limit(1)
    ).first()
    return {
        int(item["meeting_id"]): str(item["reason"]) for item in (result or {}).get("left_out", [])
    }


def _priorities(session: Session, event_id: str, party: str, line: DelegationResult) -> None:
    """Of the priorities the delegation gave the requests it sent, the part whose meeting has
    (or had) its time. Its own priorities only: nobody else reads them."""
    rows = session.execute(
        select(RequestPartyRow.priority, MeetingRow.status, MeetingRow.id)
        .join(RequestRow, RequestRow.id == RequestPartyRow.request_id)
        .outerjoin(MeetingRow, MeetingRow.request_id == RequestRow.id)
        .where(
            RequestRow.event_id == event_id,
            RequestRow.state != str(RequestState.DRAFT),
            RequestPartyRow.party_id == party,
            RequestPartyRow.role == "requester",
        )
    ).all()
    missed = set(
        session.scalars(select(NoShowRow.meeting_id).where(NoShowRow.event_id == event_id))
    )
    asked = met = 0
    for priority, status, meeting_id in rows:
        weight = priority or DEFAULT_PRIORITY
        asked += weight
        if status in PLACED or meeting_id in missed:
            met += weight
    line.priority_asked, line.priority_met = asked, met


CSV_COLUMNS = (
    "party",
    "name",
    "requested",
    "received",
    "accepted",
    "agreed",
    "placed",
    "held",
    "no_show_absent",
    "no_show_other",
    "left_out",
    "share_placed",
    "priority_asked",
    "priority_met",
)


def as_csv(view: ResultsView) -> str:
    """The report as CSV, one line per delegation, empty where the reader may not read."""
    return csv_text(CSV_COLUMNS, (_csv_line(line) for line in view.lines))


def _csv_line(line: DelegationResult) -> list[object]:
    share = line.share
    return [
        line.party,
        line.name,
        _blank(line.requested),
        _blank(line.received),
        _blank(line.accepted),
        line.agreed,
        line.placed,
        line.held,
        line.no_show_absent,
        line.no_show_other,
        len(line.left_out),
        f"{share:.2f}" if share is not None else "",
        _blank(line.priority_asked),
        _blank(line.priority_met),
    ]


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)
