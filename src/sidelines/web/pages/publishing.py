"""The organiser's preview of a finished solve, the confirmation that names its totals, and
publishing: the whole diff, or with chosen moves kept as published."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from sidelines.services import preview, solves
from sidelines.services.actors import Actor
from sidelines.services.errors import PreviewChanged, RulesBroken
from sidelines.web.bounds import FormId, PathId
from sidelines.web.deps import DbDep
from sidelines.web.pages.context import event_of
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render
from sidelines.web.preview_schemas import MAX_KEPT_OUT

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)

KeepOut = Annotated[list[int], Query(max_length=MAX_KEPT_OUT)]


class PublishForm(BaseModel):
    confirm: str = Field(min_length=1, max_length=64)
    keep_out: list[FormId] = Field(default_factory=list, max_length=MAX_KEPT_OUT)


def _confirmation(
    request: Request,
    event_id: str,
    run_id: PathId,
    db: DbDep,
    actor: Actor,
    keep_out: list[int],
    *,
    refused: str = "",
    status_code: int = 200,
) -> Response:
    view = preview.preview(db, actor, event_id, run_id, keep_out=keep_out)
    context = {
        "event": event_of(db, event_id),
        "run_id": run_id,
        "preview": view,
        "refused": refused,
    }
    return render(request, "publish.html", context, status_code=status_code)


@router.get("/solves/{run_id}/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    event_id: str,
    run_id: PathId,
    db: DbDep,
    actor: PageUser,
    keep_out: KeepOut = [],  # noqa: B006
) -> Response:
    """The confirmation step: the totals publishing would send, for the meetings chosen."""
    return _confirmation(request, event_id, run_id, db, actor, keep_out)


@router.post("/solves/{run_id}/publish", dependencies=[CsrfChecked])
def publish(
    request: Request,
    event_id: str,
    run_id: PathId,
    db: DbDep,
    actor: PageUser,
    form: Annotated[PublishForm, Form()],
) -> Response:
    try:
        solves.publish(db, actor, event_id, run_id, keep_out=form.keep_out, confirm=form.confirm)
    except (PreviewChanged, RulesBroken) as error:
        # Show the confirmation as it now stands, with why the last one was not published.
        return _confirmation(
            request,
            event_id,
            run_id,
            db,
            actor,
            form.keep_out,
            refused=error.message,
            status_code=error.status,
        )
    return RedirectResponse(f"/events/{event_id}/changes", 303)
