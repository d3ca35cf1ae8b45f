"""Progress of a whole solve as one series, whichever parts run and in whatever order.

The parts of a solve (construction, local search, MaxSAT, CP-SAT) each report from their own
start and their own view: a part started late reports small times, and a part that starts from
scratch reports schedules worse than one found before it. ``ProgressSeries`` stands between the
parts and ``options.on_progress`` so that what a reader sees only moves forward: time since the
solve began, the best schedule found by any part so far, the tightest bound any part proved,
and which part found that schedule.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sidelines.scheduling.objective import ObjectiveValue
from sidelines.scheduling.result import Bound, Progress


def tighter(a: Bound | None, b: Bound | None) -> Bound | None:
    """The bound that proves more: the smaller weight, then (at equal weight) more breaks."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b, key=lambda bound: (bound.weight_scheduled, -bound.breaks))


class ProgressSeries:
    """A ``Progress`` callback that forwards a monotone series to ``report``.

    Each forwarded ``Progress`` has ``elapsed_s`` measured from ``started`` (never smaller than
    the last one), the best objective any part reported (never worse than the last one), the
    tightest bound, ``phase`` the part reporting now and ``found_by`` the part whose schedule is
    the best. Reports are held back until a part has a schedule with a meeting in it.
    Thread-safe: parts may report from solver threads.
    """

    def __init__(self, report: Callable[[Progress], None], started: float) -> None:
        self._report = report
        self._started = started
        self._lock = threading.Lock()
        self._elapsed = 0.0
        self.best: ObjectiveValue | None = None
        self.found_by = ""
        self.bound: Bound | None = None

    def __call__(self, progress: Progress) -> None:
        with self._lock:
            self._elapsed = max(self._elapsed, time.monotonic() - self._started)
            objective = progress.objective
            if objective is not None and (self.best is None or objective.key() > self.best.key()):
                self.best = objective
                self.found_by = progress.phase
            self.bound = tighter(self.bound, progress.bound)
            if self.best is None or self.best.meetings_scheduled == 0:
                return  # the first report carries the first schedule with a meeting in it
            merged = Progress(
                elapsed_s=self._elapsed,
                objective=self.best,
                bound=self.bound,
                phase=progress.phase,
                found_by=self.found_by,
            )
            self._report(merged)
