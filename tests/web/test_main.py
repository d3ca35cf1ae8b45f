"""The server process's app: as many requests at once as its share of the cores, at most as
many as it has database connections."""

from __future__ import annotations

import gc

import anyio.to_thread
import pytest

from sidelines.storage.db import SERVER_POOL_SIZE, Database
from sidelines.web.admission import Admission
from sidelines.web.main import app_from_settings
from sidelines.web.route_cpu import RouteCpu
from sidelines.web.settings import Settings
from tests.web.helpers import TestClient


def test_app_from_settings_serves_its_requests_at_once_in_as_many_threads(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIDELINES_DATABASE_URL", database.url)
    monkeypatch.setenv("SIDELINES_POOL_SIZE", "3")
    monkeypatch.setenv("SIDELINES_AT_ONCE", "2")
    app = app_from_settings()

    @app.get("/threads")
    async def threads() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    with TestClient(app) as client:
        at_once = client.get("/threads").json()
    served = app.state.db

    assert (at_once, served.pool_size) == (2, 3)
    if database.dialect == "postgresql":  # SQLite opens a connection per use, without a pool
        assert served.engine.pool.size() == 3
    served.dispose()
    gc.unfreeze()  # the factory froze what it built, for a server process's lifetime


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(workers=1, pool_size=None), SERVER_POOL_SIZE),
        (Settings(workers=4, pool_size=None), SERVER_POOL_SIZE),
        (Settings(workers=30, pool_size=None), 3),
        (Settings(workers=30, pool_size=9), 9),
    ],
)
def test_pool_size_per_process_is_as_set_or_a_share_for_the_workers(
    settings: Settings, expected: int
) -> None:
    assert settings.pool_size_per_process() == expected


@pytest.mark.parametrize(
    ("settings", "cores", "expected"),
    [
        # Two requests per core among the workers, at least one each.
        (Settings(workers=4, pool_size=4), 2, 1),
        (Settings(workers=2, pool_size=4), 2, 2),
        (Settings(workers=1, pool_size=10), 2, 4),
        (Settings(workers=16, pool_size=4), 2, 1),
        # Never more than the connections, and as asked when asked.
        (Settings(workers=1, pool_size=3), 8, 3),
        (Settings(workers=4, pool_size=4, at_once=3), 2, 3),
        (Settings(workers=4, pool_size=2, at_once=3), 2, 2),
    ],
)
def test_requests_at_once_are_a_share_of_the_cores_at_most_the_pool(
    settings: Settings, cores: int, expected: int
) -> None:
    assert settings.at_once_per_process(cores) == expected


def test_app_from_settings_admits_its_pool_and_queues_as_set(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIDELINES_DATABASE_URL", database.url)
    monkeypatch.setenv("SIDELINES_POOL_SIZE", "3")
    monkeypatch.setenv("SIDELINES_AT_ONCE", "3")
    monkeypatch.setenv("SIDELINES_QUEUED", "7")
    monkeypatch.setenv("SIDELINES_QUEUE_WAIT_S", "0.5")
    monkeypatch.setenv("SIDELINES_REQUEST_DEADLINE_S", "0.8")
    monkeypatch.setenv("SIDELINES_ANSWER_DEADLINE_S", "0.6")
    app = app_from_settings()

    outermost = app.user_middleware[0]

    assert outermost.cls is Admission
    # Each admitted request's CPU is counted by route, for SIGUSR1's report (web.route_cpu).
    assert isinstance(outermost.kwargs.pop("cpu"), RouteCpu)
    assert outermost.kwargs == {
        "at_once": 3,
        "queued": 7,
        "wait_s": 0.5,
        "deadline_s": 0.8,
        "answer_s": 0.6,
    }
    app.state.db.dispose()
    gc.unfreeze()
