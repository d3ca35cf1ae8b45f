"""Press reports read into proposals for the record, reviewed claim by claim by the uploader."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from sidelines.services import report_proposals
from sidelines.services.report_proposals import ReportIn, Review
from sidelines.web.bounds import FILE_BODY_MAX, PathId
from sidelines.web.deps import DbDep, UserDep
from sidelines.web.errors import fields_in
from sidelines.web.report_schemas import ClaimReview, ReportCreate, ReportPublic

router = APIRouter(prefix="/api/events/{event_id}/reports", tags=["reports"])

# A report's text of 200,000 characters, each escaped in JSON as up to six bytes (``\u0434``).
REPORT_BODY_MAX = 6 * report_proposals.MAX_TEXT + 10_000


@router.post("", status_code=201, max_body_size=REPORT_BODY_MAX)
def upload_report(event_id: str, body: ReportCreate, db: DbDep, actor: UserDep) -> ReportPublic:
    """Read a press report (plain text or HTML, English or Russian) into proposed claims, kept
    for the uploader's delegation (or the organiser) alone until reviewed."""
    report = ReportIn(body.text, body.published_on, body.source, body.media_type)
    with fields_in("body"):
        return ReportPublic.model_validate(
            report_proposals.upload_report(db, actor, event_id, report)
        )


@router.post("/file", status_code=201, max_body_size=FILE_BODY_MAX)
def upload_report_file(
    event_id: str,
    file: Annotated[UploadFile, File(description="a PDF, an HTML page or plain text")],
    published_on: Annotated[date, Form(description="the date the report bears")],
    source: Annotated[str, Form(min_length=1, max_length=200, description="who published it")],
    db: DbDep,
    actor: UserDep,
) -> ReportPublic:
    """Read a press report uploaded as a file (multipart form: ``file``, ``published_on``,
    ``source``): a PDF's text layer, an HTML page or plain text. A file of another kind, or one
    that cannot be read, is refused naming ``body.file``, and nothing is kept."""
    with fields_in("body"):
        report = report_proposals.report_from_file(
            file.file.read(report_proposals.MAX_FILE_BYTES + 1),
            file.filename or "",
            file.content_type or "",
            published_on,
            source,
        )
        return ReportPublic.model_validate(
            report_proposals.upload_report(db, actor, event_id, report)
        )


@router.get("")
def list_reports(event_id: str, db: DbDep, actor: UserDep) -> list[ReportPublic]:
    return [
        ReportPublic.model_validate(v) for v in report_proposals.list_uploads(db, actor, event_id)
    ]


@router.get("/{report_id}")
def get_report(event_id: str, report_id: PathId, db: DbDep, actor: UserDep) -> ReportPublic:
    return ReportPublic.model_validate(report_proposals.get_upload(db, actor, event_id, report_id))


@router.post("/{report_id}/claims/{index}/review")
def review_claim(
    event_id: str, report_id: PathId, index: int, body: ClaimReview, db: DbDep, actor: UserDep
) -> ReportPublic:
    """Drop a proposed claim, or accept it with the fields a person corrected; an accepted
    claim is merged into the record (an encounter, a statement, a history entry)."""
    review = Review(body.action, body.corrections)
    with fields_in("body"):
        view = report_proposals.review_claim(db, actor, event_id, report_id, index, review)
    return ReportPublic.model_validate(view)
