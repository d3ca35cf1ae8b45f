"""What the API answers about the schedule's changes: meetings moved, placements, alternatives,
and why a meeting is not on the schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sidelines.web.bounds import PathId
from sidelines.web.schemas import Public, RequestPublic


class FactPublic(Public):
    kind: str  # window, absent, unavailable, programme, meeting, no_room, rooms, policy, ...
    text: str


class ExplanationPublic(Public):
    meeting_id: PathId
    scheduled: bool
    summary: str
    facts: list[FactPublic]
    text: str  # the summary and the facts in one sentence


class MovedPublic(Public):
    """A meeting that moves: ``[starts_at, ends_at, space_id]`` before and after (null: it
    loses its place)."""

    meeting_id: PathId
    before: list[Any]
    after: list[Any] | None


class AlternativePublic(Public):
    """A way to hold a meeting that fits nowhere as agreed, for the organiser to decide."""

    kind: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    format: str | None
    duration_min: int
    moves: list[MovedPublic]


class PlacementPublic(Public):
    meeting_id: PathId
    placed: bool
    starts_at: datetime | None
    ends_at: datetime | None
    space_id: str | None
    version: int | None
    moved: list[MovedPublic]
    reason: str | None
    alternatives: list[AlternativePublic]


class OnSiteAgreementPublic(Public):
    request: RequestPublic
    placement: PlacementPublic | None
