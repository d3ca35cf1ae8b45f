"""The LP bound in a separate process, so that the local search keeps the solving core.

The problem and the placement masks go to a fresh interpreter (``python -m`` this module, so
nothing of the caller's main module, threads or locks is copied) through a temporary file. It
first computes the relaxed bound of ``bound.py`` (seconds at most) and leaves it in a second
file, then the tighter capacity LP of ``lp_bound.py`` within the time it is given (each better
bound of it replacing the one in that file), and prints
the bound it reports (``lp_bound.reported_bound``) as one pickled ``BoundResult`` on its
standard output. The caller polls for it, takes the relaxed one (``fallback``) when the LP has
not finished by the end of the solve, and ends the process when it no longer needs it.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

from sidelines.scheduling.bound import RELAXED_KIND, BoundResult, upper_bound
from sidelines.scheduling.lp_bound import better, capacity_bound
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import Bound

Masks = Sequence[Sequence[tuple[int, int]]]


class BoundProcess:
    def __init__(self, problem: Problem, masks: Masks, time_limit_s: float) -> None:
        handle, self.path = tempfile.mkstemp(prefix="sidelines-bound-", suffix=".pickle")
        with os.fdopen(handle, "wb") as file:
            pickle.dump((problem, masks), file, protocol=pickle.HIGHEST_PROTOCOL)
        self.relaxed_path = self.path + ".relaxed"
        self.relaxed: BoundResult | None = None
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", __name__, self.path, str(time_limit_s)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

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

    def fallback(self) -> BoundResult | None:
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

    def close(self) -> None:
        process = self.process
        if process is not None:
            self.process = None
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
        self.fallback()  # kept, the file goes
        for path in (self.path, self.relaxed_path):
            if os.path.exists(path):
                os.unlink(path)


def _main(path: str, time_limit_s: float) -> None:
    started = time.monotonic()
    with open(path, "rb") as file:
        problem, masks = pickle.load(file)
    relaxed = upper_bound(problem, masks)
    if relaxed.bound is not None:
        kind = f"{RELAXED_KIND}; the capacity LP not solved in time"
        bound = relaxed.bound
        relaxed = BoundResult(Bound(bound.weight_scheduled, bound.breaks, kind))
    _keep(path + ".relaxed", relaxed)
    remaining = max(0.0, time_limit_s - (time.monotonic() - started))
    # Each better capacity bound replaces the relaxed one in the file as it comes, so a solve
    # that cannot wait for the last rounds still has the best bound found so far.
    tight = capacity_bound(
        problem, masks, remaining, on_bound=lambda bound: _keep(path + ".relaxed", bound)
    )
    sys.stdout.buffer.write(pickle.dumps(better(tight, relaxed)))
    sys.stdout.flush()


def _keep(path: str, result: BoundResult) -> None:
    partial = path + ".partial"
    with open(partial, "wb") as file:
        pickle.dump(result, file)
    os.replace(partial, path)


if __name__ == "__main__":
    _main(sys.argv[1], float(sys.argv[2]))


__all__ = ["BoundProcess"]
