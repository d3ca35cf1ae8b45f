"""What the API reads and writes for the preview of a solve and its publication
(``routes/schedule``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from sidelines.web.bounds import DbId
from sidelines.web.schemas import Public, Strict, from_pairs

# More than an event holds: a bound on what one request may name.
MAX_KEPT_OUT = 10_000


class PublishCreate(Strict):
    """The organiser's confirmation: ``confirm`` is the ``digest`` of the preview it was shown
    (``GET .../preview`` with the same ``keep_out``); when what would be published differs from
    that preview, nothing is written and the answer is 409 ``preview_changed`` with the new
    digest and counts. ``keep_out`` names meetings that stay as published."""

    confirm: str = Field(min_length=1, max_length=64)
    keep_out: list[DbId] = Field(default_factory=list, max_length=MAX_KEPT_OUT)


class PreviewItemPublic(Public):
    """A meeting publishing would change. ``before``/``after`` are ``[starts_at, ends_at,
    space_id]`` (UTC; null: not placed); ``was``/``now`` the same in the event's local time with
    the space by name; ``delegations`` the party ids told of it."""

    meeting_id: int
    kind: str
    label: str
    before: list[Any] | None
    after: list[Any] | None
    was: str | None
    now: str | None
    delegations: list[str]


class DelegationPublic(Public):
    party_id: str
    name: str


class TotalsPublic(Public):
    """The solve's weight and breaks and the published meetings it changes (``moves``), each
    with its change against the published version (null before any is published)."""

    weight: int
    breaks: int
    moves: int
    weight_change: int | None
    breaks_change: int | None
    moves_change: int | None
    principals_affected: int  # principals whose published meetings move or are left out


class RulePublic(Public):
    rule: str
    message: str


class PreviewPublic(Public):
    """What publishing the solve would change against published version ``version``.
    ``stale`` says that the solve planned against an older version (solve again for a plan
    against this one); ``conflicts`` the rules the schedule with ``keep_out`` would break
    (publishing it is refused); ``summary`` the totals the organiser confirms, and ``digest``
    what it sends to confirm them."""

    run_id: int
    version: int
    planned_against: int | None
    stale: bool
    keep_out: list[int]
    added: list[PreviewItemPublic]
    moved: list[PreviewItemPublic]
    left_out: list[PreviewItemPublic]
    delegations: Annotated[list[DelegationPublic], from_pairs("party_id", "name")]
    counts: dict[str, int]
    totals: TotalsPublic
    conflicts: list[RulePublic]
    summary: str
    digest: str
