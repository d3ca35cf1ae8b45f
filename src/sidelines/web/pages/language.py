"""The language each page speaks: the user's choice, kept on their account; else the one chosen
on this browser (a cookie, for visitors who are not logged in); else the browser's
Accept-Language; else English. JSON answers keep their machine values in English whatever the
language (``labels``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sidelines import i18n
from sidelines.services import accounts
from sidelines.storage.db import Database
from sidelines.web.deps import DbDep
from sidelines.web.pages.auth import safe_next
from sidelines.web.pages.session import (
    SESSION_MAX_AGE_S,
    CsrfChecked,
    PageActor,
    page_actor,
    page_settings,
)

LANGUAGE_COOKIE = "sidelines_language"

router = APIRouter(tags=["pages"], include_in_schema=False)


def page_language(request: Request) -> str:
    """The language of this request's page, worked out once per request."""
    cached = getattr(request.state, "language", None)
    if isinstance(cached, str):
        return cached
    chosen: str | None = None
    actor = page_actor(request)
    if actor.user_id is not None:
        db = request.app.state.db
        assert isinstance(db, Database)
        chosen = i18n.supported(accounts.language_of(db, actor.user_id))
    chosen = (
        chosen
        or i18n.supported(request.cookies.get(LANGUAGE_COOKIE))
        or i18n.from_accept_language(request.headers.get("accept-language"))
        or i18n.DEFAULT
    )
    request.state.language = chosen
    return chosen


class PageLanguage:
    """Sets the language of the texts and dates for each page request (``i18n.use``); other
    paths (the API, static files) keep English."""

    def __init__(self, app: ASGIApp, is_page: Callable[[str], bool]) -> None:
        self.app = app
        self.is_page = is_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            # The user's choice is in the database: read off the event loop, as routes do.
            language = await anyio.to_thread.run_sync(page_language, request)
        except Exception:
            # The database is out of reach: the page says so itself, in the browser's language.
            header = request.headers.get("accept-language")
            language = i18n.from_accept_language(header) or i18n.DEFAULT
        with i18n.speaking(language):
            await self.app(scope, receive, send)


def _same_site_referer(request: Request) -> str | None:
    # The page itself is not written into the chooser's form: a page must not differ by its
    # own address (a hidden request reads exactly as an unknown one). Pages send a Referer to
    # their own site only (Referrer-Policy: same-origin).
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc:
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


@router.post("/language", dependencies=[CsrfChecked])
def choose_language(
    request: Request,
    db: DbDep,
    actor: PageActor,
    language: Annotated[str, Form(max_length=8)],
    next: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Keep the language chosen: on the account when logged in, and on this browser; back to
    the page it was chosen on (``next``, else the Referer of this site), in that language."""
    chosen = accounts.valid_language(language)
    if actor.user_id is not None:
        accounts.set_language(db, actor, chosen)
    response = RedirectResponse(safe_next(next or _same_site_referer(request)), 303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        chosen,
        max_age=SESSION_MAX_AGE_S * 60,
        httponly=True,
        samesite="lax",
        secure=page_settings(request).secure_cookies,
        path="/",
    )
    return response
