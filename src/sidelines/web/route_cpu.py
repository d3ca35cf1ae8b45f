"""What each kind of request costs a server process in CPU, to say which kind costs what.

A process's CPU divided by the requests it served mixes every kind together, and the refusals
and the HTTP handling with them. Admission (``web.admission``) reads, around each request's
turn, the CPU time of the process's threads other than the event loop's (the thread pool that
runs the routes: the database driver, the services, the rendering of the answer) and counts
the difference under the request's route (``"GET /api/events/{event_id}/agenda"``). That is
the request's own CPU when it is the only one in the pool, as with one request at once per
process (``serve``'s default on 2 cores); with more at once, the CPU of the requests that
overlap it is counted too. What the event loop's thread spent (HTTP parsing, middleware,
refusals) is its own figure. ``SIGUSR1`` makes the process log the totals so far
(``sidelines.cpu``), so that a benchmark can read what each phase cost by signalling the
workers at the phase's start and end and taking the difference.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from typing import Any

log = logging.getLogger("sidelines.cpu")


def pool_threads_cpu_s() -> dict[threading.Thread, float]:
    """CPU seconds spent so far by each of this process's threads other than the main one."""
    main = threading.main_thread()
    spent = {}
    for thread in threading.enumerate():
        if thread is main or thread.ident is None:
            continue
        try:
            spent[thread] = time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        except OSError:  # ended since it was listed
            continue
    return spent


def spent_since(before: dict[threading.Thread, float]) -> float:
    """CPU seconds the threads other than the main one spent since ``before`` was read: by
    thread, so that a thread that ends meanwhile (an idle worker of the pool leaving) takes
    none of what it spent earlier off the sum, and one that starts counts whole."""
    return sum(cpu - before.get(thread, 0.0) for thread, cpu in pool_threads_cpu_s().items())


class RouteCpu:
    """Requests and CPU seconds by route, in one process."""

    def __init__(self) -> None:
        self.requests: dict[str, int] = {}
        self.cpu_s: dict[str, float] = {}
        # Requests admission refused (at once, after waiting, at their deadline, client gone):
        # their CPU is the event loop's, beside that of the requests run.
        self.refused = 0

    def add(self, kind: str, cpu_s: float) -> None:
        """Count one request of ``kind``; called in the event loop only."""
        self.requests[kind] = self.requests.get(kind, 0) + 1
        self.cpu_s[kind] = self.cpu_s.get(kind, 0.0) + cpu_s

    def snapshot(self) -> dict[str, Any]:
        """The totals so far, with the process's CPU and the calling thread's (the event
        loop's, in a server process)."""
        return {
            "pid": os.getpid(),
            "process_s": round(time.process_time(), 6),
            "loop_thread_s": round(time.thread_time(), 6),
            "refused": self.refused,
            "routes": {
                kind: [count, round(self.cpu_s[kind], 6)] for kind, count in self.requests.items()
            },
        }


def report_on_signal(counted: RouteCpu) -> None:
    """Log ``counted`` on each ``SIGUSR1``. Called in the process's main thread, where a
    server's event loop runs and where Python runs the handler, so that the thread CPU in the
    report is the loop's. Elsewhere (an app built in another thread) Python allows no handler,
    and there is no loop of a server process to report on: nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(
        signal.SIGUSR1,
        lambda _signal, _frame: log.warning("route cpu %s", json.dumps(counted.snapshot())),
    )
