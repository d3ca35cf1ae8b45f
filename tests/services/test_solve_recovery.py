"""A solve whose server was killed does not hold the event: the next solve takes over at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy.orm import Session

from sidelines.services import solves
from sidelines.services.clock import now
from sidelines.services.errors import Conflict
from sidelines.storage.db import Database
from sidelines.storage.tables import SolveRunRow
from tests.services.world import World, make_world


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def left_running(database: Database, world: World, host: str, pid: int) -> int:
    """A run as a server leaves it when killed mid-solve: running, with a fresh heartbeat."""

    def work(session: Session) -> int:
        started = now()
        row = SolveRunRow(
            event_id="ev",
            status="running",
            requested_by=world.organiser.user_id,
            time_limit_s=120,
            started_at=started,
            progress={
                "heartbeat": started.isoformat(),
                "phase": "search",
                "host": host,
                "pid": pid,
            },
            result=None,
        )
        session.add(row)
        session.flush()
        return row.id

    return database.write(work)


def test_a_run_whose_process_died_is_failed_by_the_next_solve(database: Database) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    dead = left_running(database, world, socket.gethostname(), dead_pid())

    run = solves.start_solve(database, world.organiser, "ev", time_limit_s=1)
    done = solves.wait_for_run(database, run.id)

    old = solves.get_run(database, world.organiser, "ev", dead)
    assert (old.status, old.progress["error"]) == ("failed", "the solving process stopped")
    assert old.finished_at is not None
    assert done.status == "done"


@pytest.mark.parametrize(
    ("host", "pid"),
    [(socket.gethostname(), os.getpid()), ("another-machine", 999_999_999)],
    ids=["live process", "another machine"],
)
def test_a_run_that_may_still_be_solving_holds_the_event(
    database: Database, host: str, pid: int
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    running = left_running(database, world, host, pid)

    with pytest.raises(Conflict):
        solves.start_solve(database, world.organiser, "ev", time_limit_s=1)
    view = solves.get_run(database, world.organiser, "ev", running)
    assert view.status == "running"
    assert not {"host", "pid"} & set(view.progress)
