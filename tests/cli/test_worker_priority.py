"""``sidelines worker`` runs below the web processes (all of it, or only a batch solve), so
that its work takes the cores when the requests leave them idle, in a scheduling group of its
own that is lowered too while delivery keeps up and raised while it is behind, so that a
publish's messages still go out on a busy machine."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from sidelines.cli.worker import (
    LOWERED_GROUP_NICE,
    WORKER_NICE,
    GroupPriority,
    lower_priority,
    start_worker,
)
from sidelines.services import negotiation
from sidelines.services.negotiation import Terms
from sidelines.storage.db import Database
from tests.cli.test_worker import listening_world, outbox, running, wait_until, worker_arguments
from tests.receivers import LOOPBACK_ENV, smtp_receiver, webhook_receiver


def threads(pid: int) -> list[int]:
    return [int(task.name) for task in Path(f"/proc/{pid}/task").iterdir()]


def policies(pid: int) -> set[int]:
    """The scheduling policy of each of the process's threads (``SCHED_*``)."""
    return {os.sched_getscheduler(tid) for tid in threads(pid)}


def niceness(tid: int) -> int:
    """A thread's nice value (field 19 of /proc/TID/stat), relative to our main thread's."""

    def nice(task: int) -> int:
        return int(Path(f"/proc/{task}/stat").read_text().rsplit(")", 1)[1].split()[16])

    return nice(tid) - nice(os.getpid())


def nicenesses(pid: int) -> set[int]:
    return {niceness(tid) for tid in threads(pid)}


def test_lowering_reaches_the_calling_thread_and_what_it_starts_not_the_others() -> None:
    seen: dict[str, tuple[int, int]] = {}

    def look(name: str) -> None:
        tid = threading.get_native_id()
        seen[name] = (niceness(tid), os.sched_getscheduler(tid))

    def solve() -> None:
        lower_priority(3, idle=True)
        look("solve")
        started = threading.Thread(target=look, args=("started by the solve",))
        started.start()
        started.join()

    thread = threading.Thread(target=solve)
    thread.start()
    thread.join()
    look("the others")

    assert seen == {
        "solve": (3, os.SCHED_IDLE),
        "started by the solve": (3, os.SCHED_IDLE),
        "the others": (0, os.SCHED_OTHER),
    }


def delivered(database: Database, smtp_port: int, hook_url: str) -> Callable[[], bool]:
    """Messages for the worker to send (its sending threads start with the first): whether
    all were sent."""
    world = listening_world(database, hook_url)
    negotiation.create_request(database, world.delegates["P00"], "ev", ["P01"], Terms())
    return lambda: set(outbox(database).values()) == {"sent"}


@pytest.mark.parametrize(
    ("setting", "nice", "policy"),
    [(None, WORKER_NICE, os.SCHED_IDLE), ("0", 0, os.SCHED_OTHER)],
)
def test_the_worker_delivers_lowered_unless_told_to_deliver_at_its_priority(
    database: Database, setting: str | None, nice: int, policy: int
) -> None:
    with smtp_receiver() as smtp, webhook_receiver() as hooks:
        sent = delivered(database, smtp.port, hooks.url)
        env = {"SIDELINES_SMTP_PORT": str(smtp.port), **LOOPBACK_ENV}
        if setting is not None:
            env["SIDELINES_WORKER_IDLE_DELIVERY"] = setting
        with running(worker_arguments(database), env) as worker:
            wait_until(sent, 60)

            assert worker.poll() is None
            assert len(threads(worker.pid)) > 1  # the loop's and the sending threads
            assert nicenesses(worker.pid) == {nice}
            assert policies(worker.pid) == {policy}


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
def test_a_worker_started_for_the_server_runs_in_a_scheduling_group_of_its_own(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = autogroup(os.getpid())
    with smtp_receiver() as smtp, webhook_receiver() as hooks:
        monkeypatch.setenv("SIDELINES_SMTP_PORT", str(smtp.port))
        for name, value in LOOPBACK_ENV.items():
            monkeypatch.setenv(name, value)
        worker = start_worker(database.url)
        try:
            sent = delivered(database, smtp.port, hooks.url)
            wait_until(sent, 60)

            # Apart from the group it was started from (a solve's CPU is not charged to the
            # web's group), and at 0 once nothing is left to send (lowered while sending).
            wait_until(lambda: autogroup(worker.pid)[1] == 0, 30)
            name, _ = autogroup(worker.pid)
            assert name != ours[0]
            assert autogroup(os.getpid()) == ours
        finally:
            worker.terminate()
            worker.wait(timeout=30)


@pytest.mark.skipif(
    not autogroups_shown(),
    reason="Linux gives sessions no scheduling groups of their own here, or does not show them",
)
def test_a_session_leader_lowers_its_scheduling_group_and_raises_it_again() -> None:
    # As the worker does around a solve: lowered while it runs, back to 0 after, which Linux
    # allows without privilege; a process that leads no session leaves its group alone.
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sidelines.cli.worker import set_group_niceness\n"
        "group = Path('/proc/self/autogroup')\n"
        "set_group_niceness(10)\n"
        "print(group.read_text().split()[-1])\n"
        "set_group_niceness(0)\n"
        "print(group.read_text().split()[-1])\n"
    )
    ours = autogroup(os.getpid())
    for new_session, expected in ((True, ["10", "0"]), (False, [str(ours[1])] * 2)):
        printed = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            start_new_session=new_session,
        ).stdout.split()

        assert printed == expected
    assert autogroup(os.getpid()) == ours


def test_a_lowered_worker_lowers_its_group_while_it_sends_on_time_or_solves() -> None:
    written: list[int] = []
    group = GroupPriority(lowered=True, write=written.append)

    group.set(delivery="idle")
    group.set(delivery="on time")
    group.set(delivery="on time")  # unchanged: not written again
    group.set(delivery="behind")
    group.set(solving=True)  # behind still: a solve does not lower it
    group.set(delivery="idle")
    group.set(solving=False)

    assert written == [0, LOWERED_GROUP_NICE, 0, LOWERED_GROUP_NICE, 0]


def test_a_worker_delivering_at_its_priority_lowers_its_group_only_while_it_solves() -> None:
    written: list[int] = []
    group = GroupPriority(lowered=False, write=written.append)

    group.set(delivery="on time")
    group.set(solving=True)
    group.set(delivery="behind")
    group.set(delivery="on time")
    group.set(solving=False)

    assert written == [0, LOWERED_GROUP_NICE, 0, LOWERED_GROUP_NICE, 0]
