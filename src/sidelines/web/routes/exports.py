"""Exports, each with only what its reader may see (``services/exports.py``): the event as a
file ``POST /api/events`` and ``sidelines event import`` accept again, the published schedule,
the record."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from sidelines.services import exports
from sidelines.web.deps import ActorDep, DbDep, UserDep

router = APIRouter(prefix="/api/events/{event_id}", tags=["exports"])

MEDIA_TYPES = {
    "json": "application/json",
    "yaml": "application/yaml",
    "csv": "text/csv; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
}


def file_response(body: str | bytes, file_format: str, name: str) -> Response:
    return Response(
        body,
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{name}.{file_format}"'},
    )


def _documented(*formats: str) -> dict[int | str, dict[str, object]]:
    content: dict[str, object] = {MEDIA_TYPES[f].split(";")[0]: {} for f in formats}
    return {200: {"content": content, "description": "The file."}}


@router.get("/export", response_class=Response, responses=_documented("yaml", "json"))
def export_event(
    event_id: str, db: DbDep, actor: UserDep, format: Literal["yaml", "json"] = "yaml"
) -> Response:
    """The event as an event file (the organiser's)."""
    data = exports.event_file(db, actor, event_id)
    return file_response(exports.render_event_file(data, format), format, event_id)


@router.get(
    "/schedule/export", response_class=Response, responses=_documented("json", "csv", "ics")
)
def export_schedule(
    event_id: str, db: DbDep, actor: ActorDep, format: Literal["json", "csv", "ics"] = "json"
) -> Response:
    """The published schedule as the reader may see it, with the programme."""
    export = exports.schedule_export(db, actor, event_id)
    return file_response(exports.render_schedule(export, format), format, f"{event_id}-schedule")


@router.get("/record/export", response_class=Response, responses=_documented("json", "csv"))
def export_record(
    event_id: str, db: DbDep, actor: ActorDep, format: Literal["json", "csv"] = "json"
) -> Response:
    """What became of the meetings, the encounters and the statements, as the reader may see
    them."""
    record = exports.record_export(db, actor, event_id)
    return file_response(exports.render_record(record, format), format, f"{event_id}-record")
