"""The organiser's edits of the published schedule, one meeting at a time, and the places a
meeting could take on the grid. Each edit is checked by the engine's rules at once; one that
breaks a rule is refused (409) with every rule named, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sidelines.services import edits
from sidelines.services.actors import Actor
from sidelines.services.edits import EditView, Target
from sidelines.services.idempotency import Once
from sidelines.web.bounds import PathId
from sidelines.web.deps import DbDep, IdempotencyKey, UserDep
from sidelines.web.edit_schemas import (
    AlternativeCreate,
    EditCreate,
    EditPublic,
    EditRefusedPublic,
    MoveCreate,
    PlacesPublic,
    SwapCreate,
)
from sidelines.web.idempotent import answer_once

router = APIRouter(prefix="/api/events/{event_id}/meetings/{meeting_id}", tags=["schedule"])
REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": EditRefusedPublic, "description": "The edit breaks a rule; nothing written."}
}


def _once(
    actor: Actor,
    key: str | None,
    path: str,
    body: BaseModel | None,
    edit: Callable[[Once[EditView] | None], EditView],
) -> JSONResponse:
    """Run one edit once per ``Idempotency-Key``, its bad fields named from the body."""

    def body_of(view: EditView) -> dict[str, Any]:
        return EditPublic.model_validate(view).model_dump(mode="json")

    data = body.model_dump(mode="json") if body else None
    return answer_once(actor, key, path, data, 200, body_of, edit)


def _path(event_id: str, meeting_id: PathId, action: str) -> str:
    return f"/api/events/{event_id}/meetings/{meeting_id}/{action}"


@router.get("/places")
def places(
    event_id: str, meeting_id: PathId, db: DbDep, actor: UserDep, day: date | None = None
) -> PlacesPublic:
    """Every start and space of the grid (of one day, if given) for the meeting: where it fits,
    and where not, the rule it would break there."""
    return PlacesPublic.model_validate(edits.meeting_places(db, actor, event_id, meeting_id, day))


def _to_target(
    event_id: str,
    meeting_id: PathId,
    body: MoveCreate,
    db: DbDep,
    actor: UserDep,
    key: str | None,
    action: str,
    edit: Callable[..., EditView],
) -> JSONResponse:
    """A move or a placement at the body's target: the two take the same body and options."""
    target = Target(body.starts_at, body.space_id)
    return _once(
        actor,
        key,
        _path(event_id, meeting_id, action),
        body,
        lambda kept: edit(
            db,
            actor,
            event_id,
            meeting_id,
            target,
            override=body.override,
            push_others=body.push,
            once=kept,
            seen_version=body.seen_version,
        ),
    )


@router.post("/move", response_model=EditPublic, responses=REFUSED)
def move(
    event_id: str,
    meeting_id: PathId,
    body: MoveCreate,
    db: DbDep,
    actor: UserDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Move a scheduled meeting; where the place is taken by meetings that can move, the answer
    says where they would go, and ``push`` moves them."""
    return _to_target(event_id, meeting_id, body, db, actor, key, "move", edits.move)


@router.post("/place", response_model=EditPublic, responses=REFUSED)
def place(
    event_id: str,
    meeting_id: PathId,
    body: MoveCreate,
    db: DbDep,
    actor: UserDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Place a waiting (agreed, unplaced) meeting at a chosen time and space."""
    return _to_target(event_id, meeting_id, body, db, actor, key, "place", edits.place)


@router.post("/swap", response_model=EditPublic, responses=REFUSED)
def swap(
    event_id: str,
    meeting_id: PathId,
    body: SwapCreate,
    db: DbDep,
    actor: UserDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """The two scheduled meetings change places."""
    return _once(
        actor,
        key,
        _path(event_id, meeting_id, "swap"),
        body,
        lambda kept: edits.swap(
            db,
            actor,
            event_id,
            meeting_id,
            body.other_id,
            override=body.override,
            once=kept,
            seen_version=body.seen_version,
        ),
    )


def _in_place(
    event_id: str,
    meeting_id: PathId,
    db: DbDep,
    actor: UserDep,
    key: str | None,
    body: EditCreate | None,
    action: str,
) -> JSONResponse:
    """A lock, unlock or unplace: the meeting's place is all it reads, the body optional."""
    seen = body.seen_version if body is not None else None
    calls: dict[str, Callable[[Once[EditView] | None], EditView]] = {
        "lock": lambda kept: edits.lock(
            db, actor, event_id, meeting_id, locked=True, once=kept, seen_version=seen
        ),
        "unlock": lambda kept: edits.lock(
            db, actor, event_id, meeting_id, locked=False, once=kept, seen_version=seen
        ),
        "unplace": lambda kept: edits.unplace(
            db, actor, event_id, meeting_id, once=kept, seen_version=seen
        ),
    }
    return _once(actor, key, _path(event_id, meeting_id, action), body, calls[action])


@router.post("/lock", response_model=EditPublic, responses=REFUSED)
def lock(
    event_id: str,
    meeting_id: PathId,
    db: DbDep,
    actor: UserDep,
    key: IdempotencyKey = None,
    body: EditCreate | None = None,
) -> JSONResponse:
    """Lock a scheduled meeting where it is: no solve or on-site placement moves it."""
    return _in_place(event_id, meeting_id, db, actor, key, body, "lock")


@router.post("/unlock", response_model=EditPublic, responses=REFUSED)
def unlock(
    event_id: str,
    meeting_id: PathId,
    db: DbDep,
    actor: UserDep,
    key: IdempotencyKey = None,
    body: EditCreate | None = None,
) -> JSONResponse:
    """Unlock a meeting: solves and on-site placement may move it again."""
    return _in_place(event_id, meeting_id, db, actor, key, body, "unlock")


@router.post("/unplace", response_model=EditPublic, responses=REFUSED)
def unplace(
    event_id: str,
    meeting_id: PathId,
    db: DbDep,
    actor: UserDep,
    key: IdempotencyKey = None,
    body: EditCreate | None = None,
) -> JSONResponse:
    """Take a meeting off the schedule; it stays agreed, waiting for a place."""
    return _in_place(event_id, meeting_id, db, actor, key, body, "unplace")


@router.post("/alternative", response_model=EditPublic, responses=REFUSED)
def apply_alternative(
    event_id: str,
    meeting_id: PathId,
    body: AlternativeCreate,
    db: DbDep,
    actor: UserDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Apply one of the alternatives the engine offered for a waiting meeting, if it still
    holds."""
    target = Target(body.starts_at, body.space_id)
    return _once(
        actor,
        key,
        _path(event_id, meeting_id, "alternative"),
        body,
        lambda kept: edits.apply_alternative(
            db,
            actor,
            event_id,
            meeting_id,
            body.kind,
            target,
            once=kept,
            seen_version=body.seen_version,
        ),
    )
