from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import TypeAdapter

from sidelines.services import meetings
from sidelines.web.bounds import PathId
from sidelines.web.deps import ActorDep, DbDep, UserDep
from sidelines.web.schemas import AgendaItemPublic, MeetingPublic, StatusUpdate

router = APIRouter(prefix="/api/events/{event_id}", tags=["meetings"])


@router.get("/meetings")
def list_meetings(event_id: str, db: DbDep, actor: ActorDep) -> list[MeetingPublic]:
    return [MeetingPublic.model_validate(v) for v in meetings.list_meetings(db, actor, event_id)]


@router.get("/meetings/{meeting_id}")
def get_meeting(event_id: str, meeting_id: PathId, db: DbDep, actor: ActorDep) -> MeetingPublic:
    return MeetingPublic.model_validate(meetings.get_meeting(db, actor, event_id, meeting_id))


@router.post("/meetings/{meeting_id}/status")
def set_status(
    event_id: str, meeting_id: PathId, body: StatusUpdate, db: DbDep, actor: UserDep
) -> MeetingPublic:
    """Record that a meeting was held, held as another format, cancelled or not held."""
    return MeetingPublic.model_validate(
        meetings.set_status(db, actor, event_id, meeting_id, body.status)
    )


# The JSON of each delegation's agenda, per process, as of the state it was built from: while
# the delegation's own meetings do not change, a read costs the token check, one query and a
# copy.
_agenda_json: dict[tuple[str, str], tuple[str, bytes, str]] = {}
_AGENDA_ITEMS = TypeAdapter(list[AgendaItemPublic])


@router.get(
    "/agenda",
    response_model=list[AgendaItemPublic],
    responses={304: {"description": "Unchanged since the `ETag` given in `If-None-Match`."}},
)
def agenda(
    event_id: str,
    db: DbDep,
    actor: UserDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """This delegation's scheduled meetings and its programme sessions, in time order.

    The `ETag` changes whenever this delegation's agenda does; a client that sends it back in
    `If-None-Match` gets `304 Not Modified` while nothing changed."""
    current = meetings.agenda(db, actor, event_id)
    key = (event_id, current.party)
    cached = _agenda_json.get(key)
    if cached is None or cached[0] != current.revision:
        body = _AGENDA_ITEMS.dump_json(_AGENDA_ITEMS.validate_python(list(current)))
        # The tag is the delegation's own agenda, not the event's revision: meetings of other
        # delegations change the revision, and must not show in this delegation's tag. It
        # names the party too: one browser may hold two delegations' logins.
        etag = f'"{current.party}-{hashlib.sha256(body).hexdigest()[:32]}"'
        if len(_agenda_json) >= 10_000:
            _agenda_json.clear()
        cached = _agenda_json[key] = (current.revision, body, etag)
    _, body, etag = cached
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
