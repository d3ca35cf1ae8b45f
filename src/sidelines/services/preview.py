"""The preview of a finished solve against the published version: what publishing it would add,
move and leave out, who would be told, and what it costs and gains.

It reads the same plan that ``solves.publish`` writes (``solves.publication``), so the
counts shown are the notices publishing then sends. Its ``digest`` is what the organiser
confirms: publishing with a digest that no longer matches is refused.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidelines.domain import Event
from sidelines.i18n import _
from sidelines.scheduling import score, validate
from sidelines.services import notice_text, schedule_diff
from sidelines.services.actors import Actor
from sidelines.services.events import domain_event
from sidelines.services.solves import Publication, combined, publication, require_organiser
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingPrincipalRow

# The preview's words for the notice kinds.
KIND_NAMES = {
    schedule_diff.PLACED: "added",
    schedule_diff.MOVED: "moved",
    schedule_diff.UNPLACED: "left_out",
}


@dataclass(frozen=True)
class PreviewItem:
    """One meeting publishing would change. ``before``/``after`` are stored placements
    (``[starts_at, ends_at, space_id]``, UTC); ``was``/``now`` say them in the event's local
    time with the space by name."""

    meeting_id: int
    kind: str  # added | moved | left_out
    label: str
    before: list[Any] | None
    after: list[Any] | None
    was: str | None
    now: str | None
    delegations: tuple[str, ...]  # party ids told of it


@dataclass(frozen=True)
class Totals:
    """The solve's objective terms, and their change against the published version (None
    before any version is published)."""

    weight: int
    breaks: int
    moves: int
    weight_change: int | None
    breaks_change: int | None
    moves_change: int | None
    # The principals whose published meetings move or are left out: a move of a leaders'
    # meeting touches two diaries, a trilateral's three.
    principals_affected: int = 0


@dataclass(frozen=True)
class Rule:
    rule: str
    message: str


@dataclass(frozen=True)
class PreviewView:
    """What publishing solve ``run_id`` would change; ``digest`` is what the organiser sends
    to confirm exactly this (``solves.publish``)."""

    run_id: int
    version: int  # the published version it is compared with; 0 before any
    planned_against: int | None  # the version the solve planned against
    keep_out: tuple[int, ...]
    added: list[PreviewItem]
    moved: list[PreviewItem]
    left_out: list[PreviewItem]
    delegations: list[tuple[str, str]]  # (party id, name) of each delegation told
    totals: Totals
    conflicts: list[Rule]  # rules the schedule with ``keep_out``, or stale, would break
    digest: str

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "moved": len(self.moved),
            "left_out": len(self.left_out),
            "delegations": len(self.delegations),
        }

    @property
    def summary(self) -> str:
        """The totals the organiser confirms, in words."""
        return schedule_diff.summary(self.counts)

    @property
    def stale(self) -> bool:
        """The solve planned against another version than the one it would replace."""
        return self.planned_against is not None and self.planned_against != self.version


def preview(
    db: Database, actor: Actor, event_id: str, run_id: int, *, keep_out: Collection[int] = ()
) -> PreviewView:
    """What publishing solve ``run_id`` would change, keeping the meetings in ``keep_out`` as
    published. Only the organiser previews (it sees every booking)."""
    require_organiser(actor)
    with db.reading() as session:
        plan = publication(session, event_id, run_id, keep_out)
        return _preview_of(session, event_id, plan)


def _preview_of(session: Session, event_id: str, plan: Publication) -> PreviewView:
    event = domain_event(session, event_id)
    labels = notice_text.labels_of(session, [c.meeting_id for c in plan.changes])
    items: dict[str, list[PreviewItem]] = {name: [] for name in KIND_NAMES.values()}
    for change in plan.changes:
        known = labels.get(change.meeting_id)
        label = (
            notice_text.meeting_label(event, known, None)
            if known is not None
            else _("Meeting %(id)s") % {"id": change.meeting_id}
        )
        items[KIND_NAMES[change.kind]].append(
            PreviewItem(
                change.meeting_id,
                KIND_NAMES[change.kind],
                label,
                change.before,
                change.after,
                _said(event, change.before, known),
                _said(event, change.after, known),
                plan.notified.get(change.meeting_id, ()),
            )
        )
    told = sorted({party for parties in plan.notified.values() for party in parties})
    conflicts: list[Rule] = []
    objective: dict[str, int] = plan.run_result.get("objective") or {}
    if plan.checked:
        # The solve's own terms no longer hold for the schedule with meetings kept out, or
        # edited since the solve was planned: what publishing would break is shown first.
        problem, schedule = combined(session, event_id, plan)
        conflicts = [Rule(v.rule, v.message) for v in validate(problem, schedule)]
        objective = score(problem, schedule).as_dict()
    published = plan.run_result.get("published") or {}
    moves = len(items["moved"]) + len(items["left_out"])
    return PreviewView(
        run_id=plan.run_id,
        version=plan.version,
        planned_against=published.get("version"),
        keep_out=plan.keep_out,
        added=items["added"],
        moved=items["moved"],
        left_out=items["left_out"],
        delegations=[(party, notice_text.party_name(event, party)) for party in told],
        totals=replace(
            _totals(objective, published.get("objective") if plan.version else None, moves),
            principals_affected=_principals_of(
                session, [item.meeting_id for item in (*items["moved"], *items["left_out"])]
            ),
        ),
        conflicts=conflicts,
        digest=plan.digest,
    )


def _principals_of(session: Session, meeting_ids: list[int]) -> int:
    if not meeting_ids:
        return 0
    return (
        session.scalar(
            select(func.count(func.distinct(MeetingPrincipalRow.principal_id))).where(
                MeetingPrincipalRow.meeting_id.in_(meeting_ids)
            )
        )
        or 0
    )


def _said(
    event: Event, placement: list[Any] | None, meeting: notice_text.MeetingLabel | None
) -> str | None:
    if placement is None:
        return None
    return f"{notice_text.when(event, placement)}, {notice_text.where(event, placement, meeting)}"


def _totals(objective: dict[str, int], published: dict[str, int] | None, moves: int) -> Totals:
    weight = objective.get("weight_scheduled", 0)
    breaks = objective.get("breaks", 0)
    if published is None:
        return Totals(weight, breaks, moves, None, None, None)
    # The published version moves nothing against itself: the change in moves is the moves.
    return Totals(
        weight,
        breaks,
        moves,
        weight - published.get("weight_scheduled", 0),
        breaks - published.get("breaks", 0),
        moves,
    )
