"""Every error as JSON, in one place: ``{"error": {"code", "message", "field"}}``.

``field`` is the path of the bad input (``body.invitees[0]``, ``query.limit``), so a client can
point at it. No stack trace or internal detail ever reaches a client.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sidelines import i18n
from sidelines.services.errors import ServiceError
from sidelines.web.bounds import DB_ID_MAX

log = logging.getLogger("sidelines.web")

# How long a client should wait before it tries again when the database cannot be reached: a
# restart of PostgreSQL or a failover takes seconds (RFC 9110 §10.2.3).
RETRY_AFTER_S = 5
# A request refused because it could not be answered in time, as admission's refusals.
BUSY_RETRY_AFTER_S = 1
# PostgreSQL's lock_not_available: a lock not granted within ``lock_timeout``.
LOCK_NOT_AVAILABLE = "55P03"


# A message quotes at most this much of itself, and so of any bad value it names: an error
# never sends a long input back (the schemas bound what reaches a service, but not every
# service is reached through them).
MESSAGE_MAX = 200


def excerpt(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis if it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unstorable_parameter(request: Request) -> tuple[str, str]:
    """The path or query parameter the database could not take, and why: a NUL character
    or a number out of the range of stored ids; an empty field if none is at fault."""
    parameters = [("path", request.path_params), ("query", request.query_params)]
    for location, values in parameters:
        for name, value in values.items():
            text = str(value)
            if "\x00" in text:
                return f"{location}.{name}", "text may not contain NUL characters"
            if text.lstrip("-").isdigit() and not -DB_ID_MAX <= int(text) <= DB_ID_MAX:
                return f"{location}.{name}", f"must lie between 1 and {DB_ID_MAX}"
    return "", "a value is out of range"


def error_body(code: str, message: str, field: str = "") -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def field_path(loc: Sequence[str | int]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def not_json(error: RequestValidationError) -> bool:
    """Whether a route that reads a JSON body was sent one of another media type (text, a form,
    or no Content-Type): FastAPI reads a body as JSON only when it says so, and hands the
    schema the raw bytes otherwise. The client is told the media type is at fault (415, RFC 9110
    §15.5.16), not that the body lacks every field."""
    return any(
        item["loc"][:1] == ("body",) and isinstance(item.get("input"), bytes)
        for item in error.errors()
    )


@contextmanager
def fields_in(location: str) -> Iterator[None]:
    """Name the input fields of a service's errors (``Invalid``, a duplicate request...) from
    the top of the HTTP request.

    A service names a bad field relative to what it was given (``invitees[0]``); the client
    sent it in the body (or path, or query), so it reads ``body.invitees[0]``, as in FastAPI's
    own validation errors.
    """
    try:
        yield
    except ServiceError as error:
        if error.field and error.field_is_input:
            error.field = f"{location}.{error.field}"
        raise


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def service_error(request: Request, error: ServiceError) -> JSONResponse:
        # The message in English, the API's language, unless the client asks for another one
        # the catalogs hold (Accept-Language): a program reads ``code``, a person the message.
        language = i18n.from_accept_language(request.headers.get("accept-language"))
        with i18n.speaking(language or i18n.DEFAULT):
            message = error.message
        body = error_body(error.code, excerpt(message, MESSAGE_MAX), error.field)
        body["error"].update(error.details())
        headers = {"Content-Language": language} if language else None
        return JSONResponse(body, error.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_input(_request: Request, error: RequestValidationError) -> JSONResponse:
        if not_json(error):
            return JSONResponse(
                error_body(
                    "unsupported_media_type",
                    "the body must be JSON, sent with Content-Type: application/json",
                    "header.Content-Type",
                ),
                415,
            )
        first = error.errors()[0]
        loc = [part for part in first["loc"] if not str(part).startswith("function-")]
        if first["type"] == "json_invalid":
            loc = loc[:1]  # the rest is a character offset, not a field
        message = str(first["msg"])
        return JSONResponse(error_body("invalid", message, field_path(loc)), 422)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 413:
            return JSONResponse(too_large_body(), 413)
        if error.status_code == 400 and error.__cause__ is not None:
            # FastAPI could not read the body (it says no more than that); the client is told
            # the body is at fault, as for any other body that is not JSON.
            message = (
                "JSON nested too deeply"
                if isinstance(error.__cause__, RecursionError)
                else "the body could not be read"
            )
            return JSONResponse(error_body("invalid", message, "body"), 422)
        code = {
            404: "not_found",
            405: "method_not_allowed",
            401: "unauthenticated",
            413: "too_large",
        }.get(error.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(error.detail)), error.status_code, headers=error.headers
        )

    # The database is down, restarting, out of connections or locked: the request did nothing
    # and may be sent again, so the client is told so (503) rather than that the server broke.
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def database_unavailable(_request: Request, error: Exception) -> JSONResponse:
        if getattr(getattr(error, "orig", None), "sqlstate", None) == LOCK_NOT_AVAILABLE:
            # A request's first write waited for a lock until its deadline
            # (``web.admission``): nothing was written, and it may come back at once.
            return JSONResponse(
                error_body("unavailable", "the server could not answer this request in time"),
                503,
                headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
            )
        log.warning("database unavailable: %s", type(error).__name__)
        return JSONResponse(
            error_body("unavailable", "the database is unavailable; try again shortly"),
            503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    # A value the database cannot hold, such as an id past PostgreSQL's 32-bit integers (or,
    # raised by the sqlite3 module as OverflowError, past SQLite's 64-bit ones) or a NUL
    # character in PostgreSQL text: no object has it, and the input is at fault, not the server.
    # The body's values are bounded by its schemas, so the culprit is in the path or the query.
    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, _error: Exception) -> JSONResponse:
        field, message = unstorable_parameter(request)
        return JSONResponse(error_body("invalid", message, field), 422)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=error)
        return JSONResponse(error_body("internal", "an unexpected error occurred"), 500)


def too_large_body() -> dict[str, Any]:
    return error_body("too_large", "the body is larger than this request may send", "body")


class TooLargeAsJson:
    """Starlette's limit on a body (``web.bounds.BODY_MAX``) answers 413 in plain text itself
    when the client announced the size (Content-Length) and the route began to answer: this
    says it in the API's JSON, as every other error. Plain ASGI, so that a stream is not
    buffered (see ``web.headers``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def sending(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413:
                headers = dict(message.get("headers", []))
                replaced = headers.get(b"content-type", b"").startswith(b"text/plain")
            if not replaced:
                await send(message)
            elif message["type"] == "http.response.start":
                body = json.dumps(too_large_body()).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
            # The plain text's own body is dropped: the JSON was sent whole.

        await self.app(scope, receive, sending)
