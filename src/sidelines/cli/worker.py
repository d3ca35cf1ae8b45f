"""``sidelines worker``: delivers the outbox (e-mail, webhooks) and writes reminders."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sidelines.cli.server import DatabaseOption, _fail, database_url

# How much lower than the process that starts it the worker runs (``os.nice``): beside the web
# processes on the same cores, a page or an API read gets the CPU first and the worker takes
# what is left. A batch solve searches for as long as it is let, on every core, and at the same
# priority it stretched the web processes' reads (docs/reliability.md, "Reads during a solve");
# deliveries, reminders and sweeps can wait milliseconds, a reader should not.
WORKER_NICE = 10


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
            help="Lower this process's CPU priority by this much (os.nice, 0-19; 0 keeps it): "
            "a solve's search and the deliveries then take the cores only when the web "
            "processes leave them idle.",
            envvar="SIDELINES_WORKER_NICE",
            min=0,
            max=19,
        ),
    ] = WORKER_NICE,
    idle: Annotated[
        bool,
        typer.Option(
            help="Also run under Linux's SCHED_IDLE policy: the worker then runs only on a core "
            "that nothing else of its scheduling group wants, and a request that wakes up takes "
            "the core from it at once.",
            envvar="SIDELINES_WORKER_IDLE",
        ),
    ] = True,
) -> None:
    """Deliver due messages until stopped (SIGINT or SIGTERM). Several workers may run side by
    side on PostgreSQL; SMTP settings come from SIDELINES_SMTP_* (docs/deployment.md)."""
    from sidelines.services.delivery import DeliveryOptions, MailSettings
    from sidelines.services.worker import WorkerContext, run
    from sidelines.storage.db import Database
    from sidelines.web.settings import Settings

    # Before any thread starts: the sending threads, the solve's and the solver's inherit it.
    lower_priority(nice, idle=idle)
    os.environ["SIDELINES_DATABASE_URL"] = database_url(database)
    try:
        settings = Settings()
    except ValueError as error:
        raise _fail(str(error)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    db = Database(settings.database_url, pool_size=2)
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
        DeliveryOptions(lease_s=lease, backoff_s=backoff),
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
    """Run this process ``niceness`` steps below the priority it was started with and, with
    ``idle`` where Linux offers it, under ``SCHED_IDLE``. The threads it starts later (sending,
    a batch solve, the solver's) and the processes they start (the LP bound's, a portfolio's)
    inherit both: on Linux both are a thread's, copied when it is made."""
    if niceness:
        os.nice(niceness)
    # Niceness only weighs the worker lighter (nice 10: a tenth of a web process's share), and
    # a reader that wakes up may still wait for the rest of the worker's time slice: the tail
    # of the reads grew by 20-35 % while a publish's messages went out (docs/benchmarks.md,
    # "Messages of a publish"). A SCHED_IDLE task is preempted as soon as a normal one wakes
    # on its core (sched(7); kernel/sched/fair.c, check_preempt_wakeup_fair).
    if idle and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    # Neither reaches past the worker's scheduling group: where Linux gives each session a
    # group of its own (autogroups), the group's share of a core is spent on the worker too,
    # and a web process of the same group then waits behind other groups' work (a busy loop
    # beside a sleeper, both in one group, made the sleeper 8 ms late at the median, idle
    # policy or not; in a group of its own, 0.07 ms, as with no loop: benchmarks/wakeup.py).
    # Started by ``serve`` in a session of its own (``start_worker``), the worker lowers its
    # own group, which holds nothing else; never the group of a terminal it was started from.
    autogroup = Path("/proc/self/autogroup")
    if niceness and os.getsid(0) == os.getpid() and autogroup.exists():
        with contextlib.suppress(OSError):
            autogroup.write_text(str(min(19, niceness)))


def start_worker(url: str) -> subprocess.Popen[bytes]:
    """``sidelines worker`` as a child process of ``serve``, on the same database."""
    command = [sys.executable, "-c", "from sidelines.cli.main import main; main()"]
    # A session of its own, and so a scheduling group of its own (``lower_priority``): ``serve``
    # stops it itself (SIGTERM) and it stops when ``serve`` is gone, so it needs no terminal.
    return subprocess.Popen(
        [*command, "worker", "--database", url, "--parent", str(os.getpid())],
        start_new_session=True,
    )
