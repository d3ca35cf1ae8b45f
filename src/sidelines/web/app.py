"""The FastAPI application."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI

from sidelines import __version__
from sidelines.storage.db import Database
from sidelines.web import errors, pages, security
from sidelines.web.bounds import BODY_MAX
from sidelines.web.deps import known_query
from sidelines.web.headers import SecurityHeaders
from sidelines.web.pages.session import PageSettings
from sidelines.web.routes import (
    attendance,
    audit,
    auth,
    edits,
    events,
    explanations,
    exports,
    feeds,
    history,
    interests,
    live,
    meetings,
    messages,
    onsite_changes,
    record,
    reports,
    requests,
    results,
    schedule,
    setup,
)
from sidelines.web.schemas import ERROR_SCHEMA, ErrorPublic
from sidelines.web.settings import Settings

# Documented once for every route, so that the OpenAPI document describes the errors the API
# really sends; it also replaces FastAPI's default 422 schema, which is not our error shape.
# Any route may also answer 503 with Retry-After (``web.errors``: the database unreachable or a
# lock not granted in time; ``web.admission``: the process busy), having done nothing.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorPublic, "description": "The request was refused; `field` says where."},
    503: {
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
        "description": "Nothing was done: the server is busy or the database unavailable. "
        "Send the request again after `Retry-After` seconds.",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before sending the request again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
    },
}


def create_app(db: Database, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Sidelines",
        version=__version__,
        description="Meetings on the sidelines of summits and at B2B partnering events.",
    )
    app.state.db = db
    app.state.queue_solves = settings.solve_in_worker
    app.state.webhook_networks = tuple(settings.webhook_allowed_networks)
    errors.install(app)
    routers = (
        auth,
        events,
        requests,
        interests,
        meetings,
        schedule,
        edits,
        onsite_changes,
        audit,
        feeds,
        record,
        history,
        live,
        explanations,
        reports,
        setup,
        exports,
        attendance,
        results,
        messages,
    )
    for module in routers:
        app.include_router(
            module.router,
            responses=ERROR_RESPONSES,
            max_body_size=BODY_MAX,
            dependencies=[Depends(known_query)],
        )

    pages.install(
        app,
        PageSettings(
            secret=settings.secret_key.encode(),
            secure_cookies=settings.environment == "production",
        ),
    )

    @app.get("/api/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # Last: it wraps whichever handler renders service errors by then.
    security.install(app)
    app.add_middleware(errors.TooLargeAsJson)
    app.add_middleware(SecurityHeaders)
    return app
