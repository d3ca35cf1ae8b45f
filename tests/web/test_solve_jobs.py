"""Set to solve in worker processes, the API queues a solve and reports it like any other."""

from __future__ import annotations

from sidelines.services import solve_jobs
from sidelines.storage.db import Database
from sidelines.web.app import create_app
from sidelines.web.settings import Settings
from tests.web.helpers import TestClient, lima_api, url


def test_a_solve_started_through_the_api_waits_for_a_worker(database: Database) -> None:
    api = lima_api(database)
    client = TestClient(create_app(database, Settings(solve_in_worker=True)))

    started = client.post(url("/solves"), json={"time_limit_s": 1}, headers=api.as_organiser)

    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] == "running"
    assert run["progress"]["phase"] == "queued"
    assert solve_jobs.run_queued_solve(database) is True
    done = client.get(url(f"/solves/{run['id']}"), headers=api.as_organiser).json()
    assert done["status"] == "done"
    assert done["result"]["assignments"]
