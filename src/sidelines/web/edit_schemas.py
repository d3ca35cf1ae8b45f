"""What the API reads and writes for the organiser's edits of the schedule (``routes/edits``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictBool, StrictInt

from sidelines.web.bounds import DB_ID_MAX, DbId, Instant
from sidelines.web.schemas import Public, Strict

# The schedule version the organiser saw (``version`` of the places, of the last edit, of the
# schedule): where a later version changed a meeting the edit changes, it is refused with 409
# ``changed_since`` and nothing is written. Left out, the edit applies to the schedule as it is.
SeenVersion = Annotated[StrictInt | None, Field(ge=1, le=DB_ID_MAX)]


class MoveCreate(Strict):
    """Where the meeting goes: a start on the event's grid and a space (null: no room, in a
    corridor or as a contact at a programme session where its format allows). ``override``
    accepts leaving a preferred window; ``push`` moves the meetings in the way."""

    starts_at: Instant
    space_id: str | None = Field(default=None, min_length=1, max_length=64)
    override: StrictBool = False
    push: StrictBool = False
    seen_version: SeenVersion = None


class SwapCreate(Strict):
    other_id: DbId
    override: StrictBool = False
    seen_version: SeenVersion = None


class EditCreate(Strict):
    """A lock, unlock or unplace: the body is optional."""

    seen_version: SeenVersion = None


class AlternativeCreate(Strict):
    """The alternative chosen, as the engine offered it: its kind, start and space."""

    kind: str = Field(min_length=1, max_length=16)
    starts_at: Instant
    space_id: str | None = Field(default=None, min_length=1, max_length=64)
    seen_version: SeenVersion = None


class ChangePublic(Public):
    """A meeting whose place the edit changed: ``[starts_at, ends_at, space_id]`` before and
    after (null: no place)."""

    meeting_id: int
    before: list[Any] | None
    after: list[Any] | None


class EditPublic(Public):
    edit: str
    meeting_id: int
    version: int
    changes: list[ChangePublic]
    locked: bool


class PlacePublic(Public):
    starts_at: datetime
    ends_at: datetime
    space_id: str | None
    fits: bool
    rule: str | None
    reason: str | None
    preferred: bool
    current: bool
    makes_room: bool


class PlacesPublic(Public):
    """Every place of the grid for one meeting: ``fits``, or the rule it would break there;
    ``makes_room`` where only meetings that may move are in its way (a move with ``push``)."""

    meeting_id: int
    version: int
    duration_min: int
    locked: bool
    places: list[PlacePublic]


class BreachPublic(BaseModel):
    rule: str
    message: str
    meetings: list[int]


class EditRefusedDetail(BaseModel):
    code: str  # rule_broken | preference_broken | place_taken | conflict
    message: str
    field: str
    violations: list[BreachPublic] = []
    pushes: list[ChangePublic] = []


class EditRefusedPublic(BaseModel):
    """An edit refused, nothing written: each rule it would break, and for a place taken the
    meetings that would move (send ``push`` to move them)."""

    error: EditRefusedDetail
