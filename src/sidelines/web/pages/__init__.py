"""Server-rendered pages for delegations, organisers and the public (Jinja2, a little JavaScript).

Every page reads through the same services as the JSON API, as the logged-in user of its session
cookie, so it sees exactly what the API would show that user: a page of one delegation never
shows another's requests, and an id it may not see answers "not found".
"""

from __future__ import annotations

import inspect
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from sidelines.i18n import _
from sidelines.services.errors import ServiceError
from sidelines.web.pages import (
    agenda,
    auth,
    calendar,
    door,
    exports,
    grid_edits,
    interests,
    language,
    messages,
    organiser,
    public,
    publishing,
    reports,
    requests,
    results,
    sheets,
    statements,
)
from sidelines.web.pages.session import LoginRequired, PageSettings
from sidelines.web.pages.templating import render

STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE_ERRORS: tuple[type[Exception], ...] = (ServiceError, HTTPException, RequestValidationError)
ROUTERS = (
    auth,
    requests,
    interests,
    agenda,
    calendar,
    statements,
    organiser,
    grid_edits,
    publishing,
    public,
    reports,
    exports,
    sheets,
    results,
    language,
    door,
    messages,
)


def _is_page(path: str) -> bool:
    return not (path.startswith("/api") or path.startswith("/static") or path.endswith("/progress"))


def _http_message(error: HTTPException) -> str:
    """The routing's own refusals say only their status phrase, in English: on a page they
    are said in the reader's words."""
    if error.detail != HTTPStatus(error.status_code).phrase:
        return str(error.detail)
    if error.status_code == HTTPStatus.NOT_FOUND:
        return _("there is no page at this address; it may have been mistyped or moved")
    if error.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        return _("this address is not a page to open; go back to the page you came from")
    return _("the request could not be handled (%(status)s)") % {"status": error.status_code}


def install(app: FastAPI, settings: PageSettings) -> None:
    """Add the pages to the API's application: their routes, static files and error pages.

    Errors on a page render as a page; elsewhere they keep the API's JSON handlers."""
    app.state.page_settings = settings
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in ROUTERS:
        app.include_router(module.router)
    app.include_router(sheets.public_router)
    app.add_middleware(language.PageLanguage, is_page=_is_page)

    # The API's own handlers, kept for every path that is not a page.
    as_json = [(kind, app.exception_handlers[kind]) for kind in PAGE_ERRORS]

    async def login_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequired)
        unsent = "&unsent=1" if error.unsent else ""
        return RedirectResponse(f"/login?next={quote(error.next_path, safe='/')}{unsent}", 303)

    async def page_error(request: Request, error: Exception) -> Response:
        if not _is_page(request.url.path):
            handler = next(handler for kind, handler in as_json if isinstance(error, kind))
            response = handler(request, error)
            return await response if inspect.isawaitable(response) else response
        if isinstance(error, ServiceError):
            status, message = error.status, error.message
        elif isinstance(error, HTTPException):
            status, message = error.status_code, _http_message(error)
        else:
            assert isinstance(error, RequestValidationError)
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            status, message = 422, f"{where}: {first['msg']}"
        return render(request, "error.html", {"status": status, "message": message}, status)

    app.add_exception_handler(LoginRequired, login_required)
    for kind in PAGE_ERRORS:
        app.add_exception_handler(kind, page_error)
