"""The application as a server process builds it: settings from the environment.

``SIDELINES_POOL_SIZE`` is how many database connections the process holds, and
``SIDELINES_AT_ONCE`` how many requests it works on at once (by default a share of the
machine's cores, ``Settings.at_once_per_process``, at most the pool): the routes are plain
functions that FastAPI runs in a thread pool, and each holds a connection while it works. With
more threads than connections the surplus waits inside the pool, where a wait of 30 s
(SQLAlchemy's ``pool_timeout``) ends as a 503 when the process is merely busy. With as many
threads as requests at once, the others wait their turn in the event loop instead, in order of
arrival (``web.admission``), and a 503 for the database means it really is unavailable.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, FastAPI

from sidelines.storage.db import Database
from sidelines.web import access_log, route_cpu
from sidelines.web.admission import Admission
from sidelines.web.app import create_app
from sidelines.web.settings import Settings


def app_from_settings() -> FastAPI:
    """Factory for uvicorn (``--factory``): each worker process opens its own connections."""
    settings = Settings()
    access_log.install()
    db = Database(settings.database_url, pool_size=settings.pool_size_per_process())
    app = create_app(db, settings)
    at_once = settings.at_once_per_process()
    app.include_router(APIRouter(lifespan=serving_at_once(at_once)))
    # What each kind of request costs this process, logged on SIGUSR1 (``web.route_cpu``).
    counted = route_cpu.RouteCpu()
    route_cpu.report_on_signal(counted)
    # Outermost: a request refused for overload costs nothing of what is inside.
    app.add_middleware(
        Admission,
        at_once=at_once,
        queued=settings.queued,
        wait_s=settings.queue_wait_s,
        deadline_s=settings.request_deadline_s,
        answer_s=settings.answer_deadline_s,
        cpu=counted,
    )
    # Everything imported and built so far lives as long as the process. A full collection
    # walks ~200,000 such objects (about 0.1 s, longer on a busy machine) and stalls every
    # request in flight; frozen, they are left out of it, and the tail latency with them.
    gc.collect()
    gc.freeze()
    return app


def serving_at_once(
    requests: int,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that lets ``requests`` threads of the process's event loop work at once
    (anyio's default is 40; its limiter belongs to the running loop, so it is set in there)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = requests
        yield

    return lifespan
