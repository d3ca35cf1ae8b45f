"""The LP bound in a separate process, so that the local search keeps the solving core.

The problem and the placement masks go to a fresh interpreter (``python -m`` this module, so
nothing of the caller's main module, threads or locks is copied) through a temporary file; it
prints one pickled ``BoundResult`` on its standard output. The caller polls for it and ends the
process when it no longer needs it.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

from sidelines.scheduling.bound import BoundResult, upper_bound
from sidelines.scheduling.problem import Problem

Masks = Sequence[Sequence[tuple[int, int]]]


class BoundProcess:
    def __init__(self, problem: Problem, masks: Masks) -> None:
        handle, self.path = tempfile.mkstemp(prefix="sidelines-bound-", suffix=".pickle")
        with os.fdopen(handle, "wb") as file:
            pickle.dump((problem, masks), file, protocol=pickle.HIGHEST_PROTOCOL)
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-m", __name__, self.path],
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

    def close(self) -> None:
        process = self.process
        if process is not None:
            self.process = None
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def _main(path: str) -> None:
    with open(path, "rb") as file:
        problem, masks = pickle.load(file)
    sys.stdout.buffer.write(pickle.dumps(upper_bound(problem, masks)))
    sys.stdout.flush()


if __name__ == "__main__":
    _main(sys.argv[1])


__all__ = ["BoundProcess"]
