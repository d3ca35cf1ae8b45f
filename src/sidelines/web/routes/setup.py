"""Setting an event up: the organiser creates it from the event file's structure and edits it
item by item; everyone lists its parties, principals, delegations and spaces as their role may
(``services/event_setup.py``). Each item is written as in the event file."""

# No ``from __future__ import annotations``: each section's routes take the section's model as
# their body, a local name FastAPI could not resolve from a string.

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, StrictInt

from sidelines.formats.event_file import (
    DelegationIn,
    EventFile,
    InterpretersIn,
    LocalDate,
    LocalTime,
    MeetingDefaultsIn,
    PartyIn,
    PolicyIn,
    PrincipalIn,
    SessionIn,
    SpaceIn,
    WalkIn,
)
from sidelines.services import event_setup
from sidelines.services.idempotency import Once
from sidelines.web.bounds import FILE_BODY_MAX
from sidelines.web.deps import ActorDep, DbDep, IdempotencyKey, UserDep
from sidelines.web.errors import fields_in
from sidelines.web.idempotent import answer_once
from sidelines.web.schemas import EventPublic

router = APIRouter(prefix="/api/events", tags=["setup"])


class EventChange(BaseModel):
    """The event's own fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    series: str | None = None
    host_city: str | None = None
    host_country: str | None = None
    venue: str | None = None
    timezone: str | None = None
    days: list[LocalDate] | None = None
    day_start: LocalTime | None = None
    day_end: LocalTime | None = None
    morning_ends: LocalTime | None = None
    grain_min: StrictInt | None = None
    policy: PolicyIn | None = None
    walking_times: list[WalkIn] | None = None
    interpreters: list[InterpretersIn] | None = None
    meeting_defaults: MeetingDefaultsIn | None = None


def _data(model: BaseModel, *, exclude_unset: bool = False) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_unset=exclude_unset)


@router.post("", status_code=201, max_body_size=FILE_BODY_MAX)
def create_event(body: EventFile, db: DbDep, actor: UserDep, key: IdempotencyKey = None) -> Any:
    """A new event, from the structure of an event file (times local to its time zone)."""
    data = body.model_dump(mode="json", by_alias=True, exclude_defaults=True)

    def body_of(event_id: str) -> dict[str, Any]:
        return EventPublic(
            id=event_id,
            name=body.name,
            timezone=body.timezone,
            organiser_sees=str(body.policy.organiser_sees),
        ).model_dump(mode="json")

    def write(kept: Once[str] | None) -> str:
        return event_setup.create_event(db, actor, data, once=kept)

    return answer_once(actor, key, "/api/events", data, 201, body_of, write)


@router.patch("/{event_id}")
def update_event(event_id: str, body: EventChange, db: DbDep, actor: UserDep) -> EventPublic:
    with fields_in("body"):
        event = event_setup.update_event(db, actor, event_id, _data(body, exclude_unset=True))
    return EventPublic(
        id=event.id,
        name=event.name,
        timezone=event.timezone,
        organiser_sees=str(event.policy.organiser_sees),
    )


def _routes(section: str, model: type[BaseModel], noun: str, *, listed: bool = True) -> None:
    """The list read (unless ``listed`` is False: the programme has its own, public, read),
    and the organiser's put and delete, of one section."""

    def list_items(event_id: str, db: DbDep, actor: ActorDep) -> list[Any]:
        return event_setup.list_section(db, actor, event_id, section)

    def put_item(
        event_id: str,
        item_id: str,
        body: model,  # type: ignore[valid-type]
        db: DbDep,
        actor: UserDep,
        response: Response,
    ) -> Any:
        with fields_in("body"):
            stored, added = event_setup.put_item(
                db, actor, event_id, section, item_id, _data(body, exclude_unset=True)
            )
        response.status_code = 201 if added else 200
        return stored

    def delete_item(event_id: str, item_id: str, db: DbDep, actor: UserDep) -> Response:
        event_setup.remove_item(db, actor, event_id, section, item_id)
        return Response(status_code=204)

    path = f"/{{event_id}}/{section}"
    if listed:
        router.add_api_route(
            path,
            list_items,
            methods=["GET"],
            response_model=list[model],  # type: ignore[valid-type]
            summary=f"List the event's {section}",
            operation_id=f"list_{section}",
        )
    router.add_api_route(
        f"{path}/{{item_id}}",
        put_item,
        methods=["PUT"],
        response_model=model,
        summary=f"Add or replace a {noun}",
        operation_id=f"put_{section}",
    )
    router.add_api_route(
        f"{path}/{{item_id}}",
        delete_item,
        methods=["DELETE"],
        status_code=204,
        response_class=Response,
        summary=f"Remove a {noun}",
        operation_id=f"delete_{section}",
    )


_routes("parties", PartyIn, "party")
_routes("principals", PrincipalIn, "principal")
_routes("delegations", DelegationIn, "delegation")
_routes("spaces", SpaceIn, "space")
_routes("programme", SessionIn, "programme session", listed=False)
