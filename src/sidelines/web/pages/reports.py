"""Press reports for the uploader to confirm: paste a report, see the claims beside its text
with the sentences they came from marked, and accept (corrected) or drop each claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from sidelines.domain import MeetingFormat
from sidelines.formats.reports import Modality
from sidelines.i18n import _
from sidelines.services import report_proposals
from sidelines.services.actors import Actor
from sidelines.services.errors import NotFound, ServiceError
from sidelines.services.report_proposals import ReportIn, Review, UploadView
from sidelines.storage.db import Database
from sidelines.web.bounds import PathId
from sidelines.web.deps import DbDep
from sidelines.web.pages.context import event_of
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)


class UploadForm(BaseModel):
    text: str = Field(default="", max_length=200_000)
    published_on: date
    source: str = Field(max_length=200)
    media_type: str = Field(default="text/plain", max_length=32)


class ReviewForm(BaseModel):
    action: str = Field(pattern="^(accept|drop)$")
    format: str = Field(default="", max_length=32)
    modality: str = Field(default="", max_length=32)
    day: str = Field(default="", max_length=10)
    time: str = Field(default="", max_length=10)
    topics: str = Field(default="", max_length=1000)


@dataclass(frozen=True)
class Piece:
    """A run of the report's text and the claims (numbered from 1) whose sentences cover it."""

    text: str
    claims: tuple[int, ...]


def pieces(view: UploadView) -> list[Piece]:
    """The text cut at every claim's span edges, so that the page can mark each span."""
    edges = {0, len(view.text)}
    for claim in view.claims:
        for start, end in claim.spans:
            edges |= {start, end}
    cuts = sorted(edges)
    found = []
    for start, end in pairwise(cuts):
        covering = tuple(
            c.index + 1 for c in view.claims if any(s <= start and end <= e for s, e in c.spans)
        )
        found.append(Piece(view.text[start:end], covering))
    return found


def _reports(
    request: Request,
    event_id: str,
    db: Database,
    actor: Actor,
    error: ServiceError | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    context = {
        "event": event_of(db, event_id),
        "uploads": report_proposals.list_uploads(db, actor, event_id),
        "error": error,
        "form": form or {},
    }
    return render(request, "reports.html", context, 422 if error else 200)


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    return _reports(request, event_id, db, actor)


@router.post("/reports", dependencies=[CsrfChecked])
def upload(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[UploadForm, Form()],
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        report = ReportIn(form.text, form.published_on, form.source, form.media_type)
        if file is not None and file.filename:
            report = report_proposals.report_from_file(
                file.file.read(report_proposals.MAX_FILE_BYTES + 1),
                file.filename,
                file.content_type or "",
                form.published_on,
                form.source,
            )
        view = report_proposals.upload_report(db, actor, event_id, report)
    except NotFound:
        raise
    except ServiceError as error:
        return _reports(request, event_id, db, actor, error, form.model_dump())
    return RedirectResponse(f"/events/{event_id}/reports/{view.id}", 303)


def _report(
    request: Request,
    event_id: str,
    report_id: PathId,
    db: Database,
    actor: Actor,
    error: ServiceError | None = None,
) -> Response:
    view = report_proposals.get_upload(db, actor, event_id, report_id)
    context = {
        "event": event_of(db, event_id),
        "report": view,
        "pieces": pieces(view),
        "formats": [str(f) for f in MeetingFormat],
        "modalities": [str(m) for m in Modality],
        "error": error,
    }
    return render(request, "report.html", context, 422 if error else 200)


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report(
    request: Request, event_id: str, report_id: PathId, db: DbDep, actor: PageUser
) -> Response:
    return _report(request, event_id, report_id, db, actor)


def corrections(fields: dict[str, Any], form: ReviewForm) -> dict[str, Any]:
    """The fields the person changed, and only those."""
    changed: dict[str, Any] = {}
    if form.format and form.format != fields.get("format"):
        changed["format"] = form.format
    if form.modality and form.modality != fields.get("modality"):
        changed["modality"] = form.modality
    if "day" in fields and (form.day.strip() or None) != fields.get("day"):
        changed["day"] = form.day.strip() or None
    if "time" in fields and (form.time.strip() or None) != fields.get("time"):
        changed["time"] = form.time.strip() or None
    topics = [t.strip() for t in form.topics.split(",") if t.strip()]
    if topics != fields.get("topics", []):
        changed["topics"] = topics
    return changed


@router.post("/reports/{report_id}/claims/{index}", dependencies=[CsrfChecked])
def review(
    request: Request,
    event_id: str,
    report_id: PathId,
    index: int,
    db: DbDep,
    actor: PageUser,
    form: Annotated[ReviewForm, Form()],
) -> Response:
    view = report_proposals.get_upload(db, actor, event_id, report_id)
    if not 0 <= index < len(view.claims):
        raise NotFound(_("no claim %(index)d") % {"index": index})
    changed = corrections(view.claims[index].fields, form) if form.action == "accept" else {}
    try:
        report_proposals.review_claim(
            db, actor, event_id, report_id, index, Review(form.action, changed)
        )
    except NotFound:
        raise
    except ServiceError as error:
        return _report(request, event_id, report_id, db, actor, error)
    return RedirectResponse(f"/events/{event_id}/reports/{report_id}", 303)
