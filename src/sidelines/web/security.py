"""Login hardening at the HTTP edge: the client address a login is counted against, and the
``Retry-After`` header on a throttled login (RFC 9110 §10.2.3, RFC 6585 §4).

Session cookies and CSRF tokens for the pages live with the pages (``web/pages/session.py``).
"""

from __future__ import annotations

import inspect
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from sidelines.services.accounts import actor_for_token
from sidelines.services.actors import PUBLIC, Actor
from sidelines.services.errors import ServiceError, Unauthenticated
from sidelines.services.login_limits import LoginThrottled
from sidelines.web.deps import DbDep, get_actor


def client_address(request: Request) -> str | None:
    """The address failed logins are counted against: the peer of the connection. Behind a
    reverse proxy, run uvicorn with ``--forwarded-allow-ips`` so that this is the client's."""
    return request.client.host if request.client else None


def install(app: FastAPI) -> None:
    """Answer a throttled login as any other refusal (JSON for the API, a page for the pages),
    plus ``Retry-After``. Call after every other handler for ``ServiceError`` is installed: the
    one registered last at the time of the error renders the body."""

    async def throttled(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginThrottled)
        render = app.exception_handlers[ServiceError]
        response = render(request, error)
        if inspect.isawaitable(response):
            response = await response
        assert isinstance(response, Response)
        response.headers["Retry-After"] = str(error.retry_after_s)
        return response

    app.add_exception_handler(LoginThrottled, throttled)


# The pages' session cookie (``web/pages/session.py`` sets it): an API token, HttpOnly.
SESSION_COOKIE = "sidelines_session"


async def actor_from_token_or_cookie(
    request: Request, db: DbDep, authorization: Annotated[str | None, Header()] = None
) -> Actor:
    """The user behind ``Authorization: Bearer``, else behind the session cookie, else the
    public. For reads only: a cookie alone must never authorise a change without a CSRF check,
    which is why the JSON API's own ``get_actor`` does not read cookies."""
    if authorization is not None:
        return await get_actor(db, authorization)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return PUBLIC
    try:
        return await run_in_threadpool(actor_for_token, db, token, "web")
    except Unauthenticated:
        return PUBLIC


ReaderDep = Annotated[Actor, Depends(actor_from_token_or_cookie)]
