"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from sidelines import __version__
from sidelines.storage.db import Database
from sidelines.web import errors
from sidelines.web.routes import audit, auth, events, interests, meetings, requests, schedule


def create_app(db: Database) -> FastAPI:
    app = FastAPI(
        title="Sidelines",
        version=__version__,
        description="Meetings on the sidelines of summits and at B2B partnering events.",
    )
    app.state.db = db
    errors.install(app)
    for module in (auth, events, requests, interests, meetings, schedule, audit):
        app.include_router(module.router)

    @app.get("/api/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
