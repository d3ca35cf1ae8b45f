"""``sidelines worker``: delivers the outbox (e-mail, webhooks) and writes reminders."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sidelines.cli.server import DatabaseOption, _fail, database_url, open_database

if TYPE_CHECKING:  # the services load when the worker starts, not with the command line
    from sidelines.services.delivery import Pace

# How much lower than the worker's delivery a batch solve runs (``os.nice``, its thread and the
# threads and processes it starts): a solve searches for as long as it is let, on every core,
# and at the web's priority it stretched the web processes' reads (docs/reliability.md, "Reads
# during a solve"). Deliveries, reminders and sweeps are short and run at the priority the
# worker was started with (see ``worker`` for why).
WORKER_NICE = 10
# The nice value of the worker's scheduling group while it is lowered (``GroupPriority``): the
# lowest there is, a group's weight of 15 against a web group's 1,024, where nice 10 gave it 110.
# A thread's SCHED_IDLE weighs only within its own group: between groups what the solve's
# threads, its bound's process and the sending threads yield to the web is their group's share.
LOWERED_GROUP_NICE = 19


def worker(
    database: DatabaseOption = None,
    tick: Annotated[float, typer.Option(help="Seconds between rounds when idle.", min=0.01)] = 1.0,
    lease: Annotated[
        float, typer.Option(help="Seconds a claim holds before another worker may take it.")
    ] = 60.0,
    backoff: Annotated[
        float, typer.Option(help="Seconds before the first retry; doubled after each failure.")
    ] = 2.0,
    parent: Annotated[
        int | None,
        typer.Option(help="Stop when the process with this id (the server) is gone.", hidden=True),
    ] = None,
    nice: Annotated[
        int,
        typer.Option(
            help="Run a batch solve this much below the worker's priority (os.nice, 0-19; 0 "
            "keeps it): its search then takes the cores only when the web processes leave "
            "them idle.",
            envvar="SIDELINES_WORKER_NICE",
            min=0,
            max=19,
        ),
    ] = WORKER_NICE,
    idle: Annotated[
        bool,
        typer.Option(
            help="Also run a batch solve under Linux's SCHED_IDLE policy: a request that wakes "
            "up takes the core from it at once.",
            envvar="SIDELINES_WORKER_IDLE",
        ),
    ] = True,
    idle_delivery: Annotated[
        bool,
        typer.Option(
            help="Lower the whole worker (deliveries, reminders, sweeps) as a solve is lowered, "
            "and its scheduling group while it sends on time; --no-idle-delivery keeps "
            "them at the worker's priority: messages go out sooner on a busy machine, and the "
            "reads wait longer for a core meanwhile.",
            envvar="SIDELINES_WORKER_IDLE_DELIVERY",
        ),
    ] = True,
) -> None:
    """Deliver due messages, run batch solves and sweeps until stopped (SIGINT or SIGTERM).

    Several workers may run side by side on PostgreSQL; SMTP settings come from
    SIDELINES_SMTP_* (docs/deployment.md)."""
    from sidelines.services.delivery import DeliveryOptions, MailSettings
    from sidelines.services.worker import WorkerContext, run
    from sidelines.web.settings import Settings

    # By default the whole worker is lowered (SCHED_IDLE, nice 10), in a scheduling group of its
    # own (``start_worker``) that is lowered too while it sends messages on time and while a
    # solve runs (``GroupPriority``). Lowered with its group at nice 10 for good (commit 55e3169),
    # delivery waited behind every other group of a busy machine: beside two busy processes at
    # load 27-41 a publish's messages took 256 s (target 60). With the group at 0 they took
    # 21-49 s at load 6-27 with the threads lowered, 12-28 s with them at the worker's priority,
    # and the reads' wait for a core per read rose 1.18-1.31 times while delivering against
    # 1.50-1.64 times: lowered threads cost the reads less and still meet the 60 s, so they are
    # the default. docs/benchmarks.md, "Delivery at the worker's priority, solves lowered".
    # The group is raised while delivery is behind (``DeliveryOptions.catch_up_s``).
    if idle_delivery:
        lower_priority(nice, idle)  # before any thread starts: the sending threads inherit it
    group = GroupPriority(lowered=idle_delivery and nice > 0)
    os.environ["SIDELINES_DATABASE_URL"] = database_url(database)
    try:
        settings = Settings()
    except ValueError as error:
        raise _fail(str(error)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    db = open_database(settings.database_url, migrate=False, pool_size=2)
    context = WorkerContext(
        db,
        MailSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=settings.smtp_password,
            sender=settings.mail_from,
            base_url=settings.public_url,
        ),
        DeliveryOptions(
            lease_s=lease,
            backoff_s=backoff,
            webhook_allowed_networks=tuple(settings.webhook_allowed_networks),
        ),
        lower_solve=functools.partial(lower_solve, nice, idle, group, thread=not idle_delivery),
        solve_done=functools.partial(group.set, solving=False),
        pace=lambda pace: group.set(delivery=pace),
    )
    stopping = False

    def stop(_signal: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger("sidelines.worker").info("started as %s", context.name)
    # Started by ``serve``: a server killed outright (SIGKILL) cannot stop its worker, so the
    # worker stops once it is no longer the server's child.
    run(
        context,
        tick_s=tick,
        stop=lambda: stopping or (parent is not None and os.getppid() != parent),
    )
    db.dispose()


def lower_priority(niceness: int, idle: bool = False) -> None:
    """Run the calling thread ``niceness`` steps below its priority and, with ``idle`` where
    Linux offers it, under ``SCHED_IDLE``. On Linux both are a thread's, not the process's
    (setpriority(2), sched(7)): the threads this one starts later (a solve's, the solver's) and
    the processes it starts (the LP bound's, a portfolio's) inherit both, and the other threads
    keep theirs."""
    if niceness:
        os.nice(niceness)
    # Niceness only weighs a thread lighter (nice 10: a tenth of a web process's share), and a
    # reader that wakes up may still wait for the rest of its time slice. A SCHED_IDLE task is
    # preempted as soon as a normal one wakes on its core (sched(7); kernel/sched/fair.c,
    # check_preempt_wakeup_fair), and a core that runs only such tasks counts as idle when a
    # waking task is placed.
    if idle and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def lower_solve(niceness: int, idle: bool, group: GroupPriority, *, thread: bool) -> None:
    """Lower a batch solve: its thread (``thread``: unless the whole worker already is), and
    the worker's scheduling group until the solve ends (``GroupPriority``); ``niceness`` 0
    lowers neither."""
    if thread:
        lower_priority(niceness, idle)
    if niceness:
        group.set(solving=True)


@dataclass
class GroupPriority:
    """The nice value of the worker's scheduling group, from what the worker is doing:
    ``LOWERED_GROUP_NICE`` while a solve runs or, with ``lowered``, while a batch of messages
    is sent on time; 0 while a batch is behind (whatever else runs: a publish's messages must
    go out within a minute on a busy machine) and otherwise. Between batches the worker mostly
    sleeps, and at 0 it wakes at once for its loop, its sweeps and a stop. Set from the loop's
    thread and the solve's, so under a lock; written only when it changes."""

    lowered: bool
    solving: bool = False
    delivery: Pace = "idle"
    niceness: int | None = None
    write: Callable[[int], None] = field(default=lambda niceness: set_group_niceness(niceness))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, *, solving: bool | None = None, delivery: Pace | None = None) -> None:
        with self._lock:
            self.solving = self.solving if solving is None else solving
            self.delivery = delivery or self.delivery
            sending = self.lowered and self.delivery == "on time"
            low = self.delivery != "behind" and (self.solving or sending)
            niceness = LOWERED_GROUP_NICE if low else 0
            if niceness != self.niceness:
                self.write(niceness)
                self.niceness = niceness


def set_group_niceness(niceness: int) -> None:
    """Set the nice value of the worker's scheduling group (autogroup), where Linux gives
    sessions one and the worker leads a session of its own (``start_worker``); never the group
    of a terminal it was started from. Raising it back to 0 needs no privilege.

    Why only while it works (``GroupPriority``): a thread's niceness and SCHED_IDLE weigh it
    only against the threads of its own group, and groups share the cores equally. At nice 0
    a solve's group took as much as the web's, and agenda reads during a 3,000 x 20,000 solve
    had a p99 1.8-1.9 times that of the same reads without (docs/benchmarks.md, "Reads during a
    solve, the worker's group lowered only while it solves"); lowered for good, the group
    weighed the delivery of messages down against every other group of a busy machine (256 s
    for a publish's messages beside two busy processes, target 60), and a worker that only
    sleeps between rounds gains nothing from it."""
    autogroup = Path("/proc/self/autogroup")
    if os.getsid(0) == os.getpid() and autogroup.exists():
        with contextlib.suppress(OSError):
            autogroup.write_text(str(min(19, niceness)))


def start_worker(url: str) -> subprocess.Popen[bytes]:
    """``sidelines worker`` as a child process of ``serve``, on the same database."""
    command = [sys.executable, "-c", "from sidelines.cli.main import main; main()"]
    # A session of its own, and so a scheduling group of its own where Linux gives sessions one
    # (autogroups): a solve's CPU is charged to the worker's group, not to the web's, whose
    # readers would otherwise wait behind it for the group's share (a busy loop beside a sleeper
    # in one group made the sleeper 8 ms late at the median, idle policy or not; in a group of
    # its own, 0.07 ms: benchmarks/wakeup.py). The group is lowered only while a solve runs
    # (``set_group_niceness``). ``serve`` stops the worker itself (SIGTERM) and it stops when
    # ``serve`` is gone: no terminal needed.
    return subprocess.Popen(
        [*command, "worker", "--database", url, "--parent", str(os.getpid())],
        start_new_session=True,
    )
