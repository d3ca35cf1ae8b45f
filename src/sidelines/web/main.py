"""The application as a server process builds it: settings from the environment."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from sidelines.storage.db import Database
from sidelines.web.app import create_app
from sidelines.web.settings import Settings


def app_from_settings() -> FastAPI:
    """Factory for uvicorn (``--factory``): each worker process opens its own connections."""
    settings = Settings()
    app = create_app(Database(settings.database_url), settings)
    # Everything imported and built so far lives as long as the process. A full collection
    # walks ~200,000 such objects (about 0.1 s, longer on a busy machine) and stalls every
    # request in flight; frozen, they are left out of it, and the tail latency with them.
    gc.collect()
    gc.freeze()
    return app
