"""``sidelines worker`` runs at a lower CPU priority than the web processes, so that a batch
solve's search takes the cores only when the requests leave them idle."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sidelines.cli.worker import WORKER_NICE, start_worker
from sidelines.storage.db import Database
from tests.cli.test_worker import running, wait_until, worker_arguments


def policies(pid: int) -> set[int]:
    """The scheduling policy of each of the process's threads (``SCHED_*``)."""
    return {os.sched_getscheduler(int(task.name)) for task in Path(f"/proc/{pid}/task").iterdir()}


def niceness(pid: int) -> int:
    """The process's nice value (field 19 of /proc/PID/stat), relative to ours."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16]) - os.nice(0)


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "expected"), [(None, WORKER_NICE), ("3", 3)])
def test_the_worker_lowers_its_own_priority_as_set(
    database: Database, setting: str | None, expected: int
) -> None:
    env = {} if setting is None else {"SIDELINES_WORKER_NICE": setting}
    with running(worker_arguments(database), env) as worker:
        wait_until(lambda: worker.poll() is None and niceness(worker.pid) == expected, 60)
        time.sleep(1)  # and it goes on working so, rather than failing once started

        assert worker.poll() is None
        assert niceness(worker.pid) == expected


@pytest.mark.parametrize(
    ("setting", "expected"), [(None, {os.SCHED_IDLE}), ("0", {os.SCHED_OTHER})]
)
def test_every_thread_of_the_worker_runs_under_the_idle_policy_unless_told_not_to(
    database: Database, setting: str | None, expected: set[int]
) -> None:
    env = {} if setting is None else {"SIDELINES_WORKER_IDLE": setting}
    with running(worker_arguments(database), env) as worker:
        # The niceness is set just before the policy: once it is, so is the policy.
        wait_until(lambda: worker.poll() is None and niceness(worker.pid) == WORKER_NICE, 60)
        time.sleep(1)

        assert worker.poll() is None
        assert policies(worker.pid) == expected


def autogroup(pid: int) -> tuple[str, int]:
    """The scheduling group (autogroup) of the process and the group's nice value."""
    name, _, nice = Path(f"/proc/{pid}/autogroup").read_text().split()
    return name, int(nice)


def autogroups_shown() -> bool:
    """Whether Linux gives sessions scheduling groups of their own and shows them: some
    kernels and sandboxes have the switch on but an empty /proc/PID/autogroup."""
    switch = Path("/proc/sys/kernel/sched_autogroup_enabled")
    try:
        if switch.read_text().strip() != "1":
            return False
        autogroup(os.getpid())
    except (OSError, ValueError):
        return False
    return True


@pytest.mark.skipif(
    not autogroups_shown(),
    reason="Linux gives sessions no scheduling groups of their own here, or does not show them",
)
def test_a_worker_started_for_the_server_lowers_a_scheduling_group_of_its_own(
    database: Database,
) -> None:
    ours = autogroup(os.getpid())
    worker = start_worker(database.url)
    try:
        wait_until(lambda: autogroup(worker.pid)[1] == WORKER_NICE, 60)

        assert autogroup(worker.pid)[0] != ours[0]
        assert autogroup(os.getpid()) == ours  # the group it was started from is untouched
    finally:
        worker.terminate()
        worker.wait(timeout=30)
