"""The LP bound in a separate process, so that the local search keeps the solving core.

A solve starts the process before construction when a core is free for it, so that its imports
overlap with construction, and hands it the problem once the first schedule is there (writing the
problem takes a fifth of a second of the solving core at 3,000 principals and 20,000 requests, which
the first schedule should not wait for); on a busy machine it starts the process only then
(``heuristic._Run.start_bound``). A fresh interpreter (``python -m`` this module, so nothing of the
caller's main module, threads or locks is copied) loads NumPy and OR-Tools' model builder while the
caller constructs and then writes the problem and the placement masks to a temporary file (moved
into place once whole, which the process waits for). It then computes the relaxed bound of
``bound.py`` (a second of CPU at 3,000 principals and 20,000 requests) and leaves it in a second
file, then the tighter capacity LP of ``lp_bound.py`` within the time it is given (each better bound
of it replacing the one in that file; once solved, the meetings its solution seats go to a third
file, which guides the local search: ``BoundProcess.seated``), then, up to
``PRINCIPAL_ROWS_MAX_MEETINGS`` meetings, the same LP with every row per principal and slot through
PDLP and the dual bound at its duals (``lp_dual.py``) for the rest of its time, and prints the best
bound it has as one pickled ``BoundResult`` on its standard output. The caller polls for it and for
the best bound so far (``latest``), takes that one when the LP has not finished by the end of the
solve, and kills the process at once when it no longer needs it: a time limit is not stretched to
wait for a bound.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

from sidelines.scheduling.bound import BoundResult, upper_bound
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound

Masks = Sequence[Sequence[tuple[int, int]]]
# How often the process looks for the problem's file, and how long past its time it waits.
POLL_S = 0.01
WRITE_WAIT_S = 5.0


class BoundProcess:
    def __init__(self, problem: Problem | None, masks: Masks | None, time_limit_s: float) -> None:
        """Start the process; with ``problem`` and ``masks``, hand them over at once, else
        later by ``write``."""
        folder = tempfile.mkdtemp(prefix="sidelines-bound-")
        self.folder = folder
        self.path = os.path.join(folder, "problem.pickle")
        self.relaxed_path = self.path + ".relaxed"
        self.relaxed: BoundResult | None = None
        self.seated_path = self.path + ".seated"
        self.seated_meetings: frozenset[int] | None = None
        self.written = False
        # Started before the problem is written: its imports overlap with the writing.
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", __name__, self.path, str(time_limit_s)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        if problem is not None and masks is not None:
            self.write(problem, masks)

    def write(self, problem: Problem, masks: Masks) -> None:
        """Hand the process its problem (it waits for the file)."""
        _keep(self.path, (problem, masks))
        self.written = True

    def result(self, timeout: float) -> BoundResult | None:
        """The bound if it has arrived within ``timeout`` seconds, else None (also when the
        process failed)."""
        process = self.process
        if process is None:
            return None
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            if time.monotonic() >= deadline:
                return None
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        output = process.stdout.read() if process.stdout is not None else b""
        failed = process.returncode != 0
        self.close()
        if failed:
            return None
        try:
            received = pickle.loads(output)
        except (pickle.UnpicklingError, EOFError):
            return None
        return received if isinstance(received, BoundResult) else None

    def latest(self) -> BoundResult | None:
        """The best bound the process has so far: the relaxed one (computed first) or, once
        every capacity row holds, the capacity LP's latest; None before the relaxed one."""
        try:
            with open(self.relaxed_path, "rb") as file:
                received = pickle.load(file)
        except (OSError, pickle.UnpicklingError, EOFError):
            return self.relaxed  # gone with the process: the last one read
        if isinstance(received, BoundResult):
            self.relaxed = received
        return self.relaxed

    def seated(self) -> frozenset[int] | None:
        """The meetings the capacity LP's solution seats, once it has one (``lp_bound``)."""
        if self.seated_meetings is None and os.path.exists(self.seated_path):
            try:
                with open(self.seated_path, "rb") as file:
                    received = pickle.load(file)
            except (OSError, pickle.UnpicklingError, EOFError):
                return None
            if isinstance(received, frozenset):
                self.seated_meetings = received
        return self.seated_meetings

    def close(self) -> None:
        process = self.process
        if process is not None:
            self.process = None
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self.latest()  # kept, the files go
        self.seated()
        shutil.rmtree(self.folder, ignore_errors=True)


def _main(path: str, time_limit_s: float) -> None:
    started = time.monotonic()
    # Loaded while the caller writes the problem (the capacity LP needs them anyway).
    import numpy  # noqa: F401

    from sidelines.scheduling.lp_bound import (
        DUAL_KIND,
        PRINCIPAL_ROWS_MAX_MEETINGS,
        _builder,
        better,
        capacity_bound,
        instead_of_lp,
    )
    from sidelines.scheduling.lp_dual import principal_bound

    _builder()
    while not os.path.exists(path):
        if time.monotonic() - started > time_limit_s + WRITE_WAIT_S:
            return  # the caller is gone or never wrote it
        time.sleep(POLL_S)
    with open(path, "rb") as file:
        problem, masks = pickle.load(file)
    relaxed = instead_of_lp(upper_bound(problem, masks))
    _keep(path + ".relaxed", relaxed)
    remaining = max(0.0, time_limit_s - (time.monotonic() - started))
    # Each better capacity bound replaces the relaxed one in the file as it comes, so a solve
    # that cannot wait for the last rounds still has the best bound found so far.
    tight = capacity_bound(
        problem,
        masks,
        remaining,
        on_bound=lambda bound: _keep(path + ".relaxed", bound),
        principal_rows=False,
    )
    if tight.seated is not None:
        _keep(path + ".seated", tight.seated)
    reported = better(tight, relaxed)
    deadline = started + time_limit_s
    if (
        tight.complete
        and reported.bound is not None
        and len(problem.meetings) <= PRINCIPAL_ROWS_MAX_MEETINGS
        and deadline > time.monotonic()
    ):
        # Then the rows per principal and slot, through PDLP and its duals (``lp_dual.py``);
        # above their size they lowered the bound by less than 0.1 % (docs/benchmarks.md).
        def lower(value: int) -> None:
            nonlocal reported
            assert reported.bound is not None
            if value < reported.bound.weight_scheduled:
                reported = BoundResult(Bound(value, 0, DUAL_KIND))
                _keep(path + ".relaxed", reported)

        principal_bound(problem, masks, deadline, lower)
    sys.stdout.buffer.write(pickle.dumps(reported))
    sys.stdout.flush()


def _keep(path: str, value: object) -> None:
    """Write ``value`` whole or not at all: the reader sees the old file or the new one."""
    partial = path + ".partial"
    with open(partial, "wb") as file:
        pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)


if __name__ == "__main__":
    _main(sys.argv[1], float(sys.argv[2]))


__all__ = ["BoundProcess"]
