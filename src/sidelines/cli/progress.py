"""Progress of a running solve on stderr: a live line on a terminal, plain lines elsewhere."""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.console import Console
from rich.status import Status

from sidelines.scheduling.result import Progress


def describe(progress: Progress) -> str:
    """One line: time since the solve began, the best schedule so far and the part that found
    it, the bound, and the part at work now."""
    parts = [f"{progress.elapsed_s:6.1f} s"]
    if progress.objective is not None:
        found_by = f" ({progress.found_by})" if progress.found_by else ""
        parts.append(
            f"best: weight {progress.objective.weight_scheduled}, "
            f"breaks {progress.objective.breaks}{found_by}"
        )
    if progress.bound is not None:
        # Which relaxation gave the weight bound, when one did (the LP or a cheaper one).
        kind = f"{progress.bound.kind}, " if progress.bound.kind else ""
        parts.append(
            f"bound: {kind}weight {progress.bound.weight_scheduled}, breaks {progress.bound.breaks}"
        )
    parts.append(f"now: {progress.phase}")
    return " · ".join(parts)


class ProgressReporter:
    """Receives ``Progress`` from the solving thread and shows it without flooding the log."""

    def __init__(self, console: Console, min_interval_s: float = 0.5) -> None:
        self._console = console
        self._lock = threading.Lock()
        self._last_line = 0.0
        self._min_interval_s = min_interval_s
        self._status: Status | None = None

    def __enter__(self) -> ProgressReporter:
        if self._console.is_terminal:
            self._status = self._console.status("solving…")
            self._status.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._status is not None:
            self._status.stop()

    def __call__(self, progress: Progress) -> None:
        text = describe(progress)
        with self._lock:
            if self._status is not None:
                self._status.update(text)
                return
            now = time.monotonic()
            if now - self._last_line >= self._min_interval_s:
                self._last_line = now
                self._console.print(text, highlight=False)
