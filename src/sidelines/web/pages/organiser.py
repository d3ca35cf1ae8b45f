"""The organiser's pages: the event's setup, the schedule grid, solving and publishing, and
the changes each published version made."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from sidelines.i18n import _
from sidelines.services import (
    attendance,
    changes,
    events,
    logins,
    preview,
    schedule_versions,
)
from sidelines.services import solves as solve_runs
from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Forbidden, ServiceError
from sidelines.web.bounds import PathId, QueryId
from sidelines.web.deps import DbDep, QueueSolvesDep
from sidelines.web.pages.context import chosen_day, event_of
from sidelines.web.pages.forms import optional_int
from sidelines.web.pages.grid_edits import grid_page
from sidelines.web.pages.live import live
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)

MAX_SOLVE_S = 300
PROGRESS_EVERY_MS = 500


class SolveForm(BaseModel):
    time_limit_s: float = Field(10, gt=0, le=MAX_SOLVE_S)
    stability: str = Field("", max_length=16)  # empty: the event's default
    max_moves: str = Field("", max_length=8)  # a count or a percentage; empty: the default


class LoginForm(BaseModel):
    party_id: str = Field(max_length=100)
    username: str = Field("", max_length=200)


class RevokeForm(BaseModel):
    username: str = Field(max_length=200)


class PolicyForm(BaseModel):
    """Numbers come as text, so that an empty field means "no limit" and a wrong one gets our
    message."""

    organiser_sees: str = Field(max_length=32)
    request_ttl_hours: str = Field("", max_length=10)


def organiser_only(actor: Actor) -> None:
    if not actor.is_organiser:
        raise Forbidden(_("these pages belong to the organiser"))


def _setup(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: Actor,
    *,
    error: ServiceError | None = None,
    error_form: str = "",
    values: dict[str, str] | None = None,
    created: logins.NewLogin | None = None,
    notice: str = "",
) -> Response:
    """The setup page; after a failed form, that form again with what was wrong."""
    organiser_only(actor)
    event = event_of(db, event_id)
    accounts: dict[str, list[logins.LoginView]] = {}
    for login in logins.event_logins(db, actor, event_id):
        accounts.setdefault(login.party_id, []).append(login)
    context = {
        "event": event,
        "policy": events.event_policy(db, actor, event_id),
        "logins": accounts,
        "error": error,
        "error_form": error_form,
        "values": values or {},
        "created": created,
        "notice": notice,
    }
    return render(request, "setup.html", context, status_code=error.status if error else 200)


@router.get("/setup", response_class=HTMLResponse)
def setup(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    return _setup(request, event_id, db, actor)


@router.post("/setup/logins", dependencies=[CsrfChecked], response_class=HTMLResponse)
def create_login(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[LoginForm, Form()],
) -> Response:
    """A delegation member's login; its password is on the answer, once, and nowhere else."""
    organiser_only(actor)
    try:
        created = logins.create_login(db, actor, event_id, form.party_id, form.username)
    except ServiceError as error:
        values = {"party_id": form.party_id, "username": form.username}
        return _setup(
            request, event_id, db, actor, error=error, error_form=form.party_id, values=values
        )
    response = _setup(request, event_id, db, actor, created=created)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/setup/logins/revoke", dependencies=[CsrfChecked])
def revoke_login(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[RevokeForm, Form()],
) -> Response:
    organiser_only(actor)
    try:
        logins.revoke_login(db, actor, event_id, form.username)
    except ServiceError as error:
        return _setup(request, event_id, db, actor, error=error, error_form="revoke")
    return RedirectResponse(f"/events/{event_id}/setup#delegations", 303)


@router.post("/setup/policy", dependencies=[CsrfChecked])
def set_policy(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[PolicyForm, Form()],
) -> Response:
    organiser_only(actor)
    try:
        ttl = optional_int(form.request_ttl_hours, "request_ttl_hours", _("the hours"))
        events.set_policy(db, actor, event_id, form.organiser_sees, ttl)
    except ServiceError as error:
        values = {
            "organiser_sees": form.organiser_sees,
            "request_ttl_hours": form.request_ttl_hours,
        }
        return _setup(request, event_id, db, actor, error=error, error_form="policy", values=values)
    return RedirectResponse(f"/events/{event_id}/setup#policy", 303)


@router.get("/grid", response_class=HTMLResponse)
def grid(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    day: str | None = None,
    meeting: QueryId = None,
    done: str | None = None,
) -> Response:
    """The day's grid; with ``meeting``, where that meeting could go (``grid_edits``)."""
    organiser_only(actor)
    event = event_of(db, event_id)
    # The organiser's day view marks the no-shows that are due, without a worker.
    attendance.sweep_if_due(db, event_id, now())
    return grid_page(request, db, actor, event, chosen_day(event, day), meeting, done)


@router.get("/solves", response_class=HTMLResponse)
def solves(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    organiser_only(actor)
    context = {"event": event_of(db, event_id), "run": None, **_solve_form(db, event_id)}
    return render(request, "solve.html", context)


def _solve_form(db: DbDep, event_id: str) -> dict[str, object]:
    """What the form to start a solve shows: its bounds, and whether a version is published
    (then a solve is minimal by default, else free)."""
    return {"max_s": MAX_SOLVE_S, "published": schedule_versions.versions_count(db, event_id) > 0}


@router.post("/solves", dependencies=[CsrfChecked])
def start_solve(
    event_id: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[SolveForm, Form()],
    queue: QueueSolvesDep,
) -> Response:
    run = solve_runs.start_solve(
        db,
        actor,
        event_id,
        time_limit_s=form.time_limit_s,
        stability=form.stability,
        max_moves=form.max_moves,
        queue=queue,
    )
    return RedirectResponse(f"/events/{event_id}/solves/{run.id}", 303)


@router.get("/solves/{run_id}", response_class=HTMLResponse)
def solve_run(
    request: Request, event_id: str, run_id: PathId, db: DbDep, actor: PageUser
) -> Response:
    organiser_only(actor)
    run = solve_runs.get_run(db, actor, event_id, run_id)
    context: dict[str, object] = {
        "event": event_of(db, event_id),
        "run": run,
        "preview": None,
        "not_publishable": "",
        "left_out": solve_runs.left_out(db, actor, run),
        **_solve_form(db, event_id),
    }
    if run.status == "done":
        try:
            context["preview"] = preview.preview(db, actor, event_id, run_id)
        except Conflict as error:  # a change reported on site since: it cannot be published
            context["not_publishable"] = error.message
    if run.status == "running":
        context.update(
            live_poll=f"/events/{event_id}/solves/{run_id}/progress",
            live_stamp=_run_stamp(run),
            live_every=PROGRESS_EVERY_MS,
        )
    return render(request, "solve.html", context)


@router.get("/solves/{run_id}/progress")
def solve_progress(event_id: str, run_id: PathId, db: DbDep, actor: PageUser) -> JSONResponse:
    """What the run page shows as it goes; ``stamp`` changes whenever there is news."""
    run = solve_runs.get_run(db, actor, event_id, run_id)
    return JSONResponse(
        {
            "stamp": _run_stamp(run),
            "status": run.status,
            "phase": run.progress.get("phase"),
            "elapsed_s": run.progress.get("elapsed_s"),
        }
    )


def _run_stamp(run: solve_runs.SolveRunView) -> str:
    return f"{run.status}:{run.progress.get('heartbeat', '')}"


@router.get("/changes", response_class=HTMLResponse)
def schedule_changes(request: Request, event_id: str, db: DbDep, actor: PageUser) -> Response:
    organiser_only(actor)
    context = {
        "event": event_of(db, event_id),
        "versions": changes.schedule_versions(db, actor, event_id),
        **live(db, actor, event_id),
    }
    return render(request, "changes.html", context)
