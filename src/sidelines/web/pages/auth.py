"""Logging in and out, and the home page that sends each user where their work is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sidelines.services import accounts, events
from sidelines.services.errors import Unauthenticated
from sidelines.web.deps import DbDep
from sidelines.web.pages.session import (
    CsrfChecked,
    PageActor,
    end_session,
    start_session,
)
from sidelines.web.pages.templating import render
from sidelines.web.security import SESSION_COOKIE, client_address

router = APIRouter(tags=["pages"], include_in_schema=False)


def safe_next(path: str | None) -> str:
    """Only a path of this site: a login must never forward to another one."""
    if path and path.startswith("/") and not path.startswith("//"):
        return path
    return "/"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DbDep, actor: PageActor) -> Response:
    if actor.is_delegate and actor.event_id is not None:
        return RedirectResponse(f"/events/{actor.event_id}/inbox", 303)
    return render(request, "home.html", {"events": events.list_events(db)})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None, unsent: bool = False) -> Response:
    context = {"next": safe_next(next), "error": None, "unsent": unsent}
    return render(request, "login.html", context)


@router.post("/login", dependencies=[CsrfChecked])
def log_in(
    request: Request,
    db: DbDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        # Failed attempts count against the name and the address (a throttled login is
        # refused with its own page and Retry-After, by the handler ``security`` installs).
        issued = accounts.log_in(db, username, password, client_address(request))
    except Unauthenticated as error:
        context = {"next": safe_next(next), "error": error.message, "username": username}
        return render(request, "login.html", context, status_code=401)
    response = RedirectResponse(safe_next(next), 303)
    start_session(request, response, issued.token)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def log_out(request: Request, db: DbDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.revoke_token(db, token)
    response = RedirectResponse("/login", 303)
    end_session(response)
    return response
