"""Solves queued for worker processes: claimed once, run as in the web process, and given up
when no worker takes them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sidelines.services import solve_jobs, solves
from sidelines.services.errors import Conflict
from sidelines.storage.db import Database
from sidelines.storage.tables import SolveRunRow
from tests.services.world import make_world


def test_a_queued_solve_waits_until_a_worker_runs_it(database: Database) -> None:
    world = make_world(database, "queued", ["A", "B"])

    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2, queue=True)

    assert run.status == "running"
    assert run.progress["phase"] == solves.QUEUED
    assert run.result is None
    with pytest.raises(Conflict):  # still one solve per event at a time
        solves.start_solve(database, world.organiser, world.event_id, time_limit_s=2)
    assert solve_jobs.run_queued_solve(database) is True
    done = solves.get_run(database, world.organiser, world.event_id, run.id)
    assert done.status == "done"
    assert done.result is not None
    assert "assignments" in done.result
    # The worker's host and pid stay the server's own business, as for a solve run in-process.
    assert "pid" not in done.progress
    assert solve_jobs.run_queued_solve(database) is False


def test_a_queued_solve_is_claimed_once(database: Database) -> None:
    world = make_world(database, "claimed-once", ["A", "B"])
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=1, queue=True)

    first = solve_jobs.claim_solve(database)
    second = solve_jobs.claim_solve(database)

    assert first is not None
    assert first.run_id == run.id
    assert first.event_id == world.event_id
    assert second is None


def test_a_queued_solve_keeps_the_organisers_stability_choice(database: Database) -> None:
    world = make_world(database, "choice", ["A", "B"])
    solves.start_solve(
        database,
        world.organiser,
        world.event_id,
        time_limit_s=1,
        stability="minimal",
        max_moves="10%",
        queue=True,
    )

    claimed = solve_jobs.claim_solve(database)

    assert claimed is not None
    assert str(claimed.choice.stability) == "minimal"
    assert claimed.choice.max_moves_percent == 10


def test_a_solve_no_worker_took_is_given_up_for_the_next_one(database: Database) -> None:
    world = make_world(database, "untaken", ["A", "B"])
    run = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=1, queue=True)
    with database.writing() as session:
        row = session.get(SolveRunRow, run.id)
        assert row is not None
        old = (solves.now() - solves.STALE_AFTER - timedelta(seconds=1)).isoformat()
        row.progress = {**row.progress, "heartbeat": old}

    again = solves.start_solve(database, world.organiser, world.event_id, time_limit_s=1)

    given_up = solves.get_run(database, world.organiser, world.event_id, run.id)
    assert given_up.status == "failed"
    assert given_up.progress["error"] == "no worker process took the solve"
    assert solves.wait_for_run(database, again.id).status == "done"
