"""Login hardening at the HTTP edge: the client address a login is counted against, and the
``Retry-After`` header on a throttled login (RFC 9110 §10.2.3, RFC 6585 §4).

Session cookies and CSRF tokens for the pages live with the pages (``web/pages/session.py``).
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from starlette.responses import Response

from sidelines.services.errors import ServiceError
from sidelines.services.login_limits import LoginThrottled


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
