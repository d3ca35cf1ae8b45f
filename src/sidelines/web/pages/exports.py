"""The exports as files to download from the pages, read as the logged-in user of the page
(the same services as ``/api/events/{id}/.../export``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sidelines.services import exports
from sidelines.services.errors import not_found
from sidelines.web.deps import DbDep
from sidelines.web.pages.session import PageUser
from sidelines.web.routes.exports import file_response

router = APIRouter(prefix="/events/{event_id}/exports", tags=["pages"], include_in_schema=False)

FILES = {
    "event.yaml",
    "event.json",
    "schedule.csv",
    "schedule.ics",
    "record.json",
    "record.csv",
}


@router.get("/{name}")
def download(event_id: str, name: str, db: DbDep, actor: PageUser) -> Response:
    if name not in FILES:
        raise not_found("export", name)
    what, file_format = name.split(".")
    if what == "event":
        body: str | bytes = exports.render_event_file(
            exports.event_file(db, actor, event_id), file_format
        )
    elif what == "schedule":
        body = exports.render_schedule(exports.schedule_export(db, actor, event_id), file_format)
    else:
        body = exports.render_record(exports.record_export(db, actor, event_id), file_format)
    return file_response(body, file_format, f"{event_id}-{what}")
