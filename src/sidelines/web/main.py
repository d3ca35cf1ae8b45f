"""The application as a server process builds it: settings from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from sidelines.storage.db import Database
from sidelines.web.app import create_app
from sidelines.web.settings import Settings


def app_from_settings() -> FastAPI:
    """Factory for uvicorn (``--factory``): each worker process opens its own connections."""
    settings = Settings()
    return create_app(Database(settings.database_url), settings)
