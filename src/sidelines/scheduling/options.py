"""How to solve: strategy, time limit, progress reports, and a way to stop early."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sidelines.scheduling.result import Progress


class Strategy(StrEnum):
    AUTO = "auto"  # the heuristic first, then CP-SAT warm-started from it when the size allows
    CPSAT = "cpsat"
    HEURISTIC = "heuristic"
    MAXSAT = "maxsat"  # core-guided MaxSAT for events where every meeting is required


@dataclass(frozen=True)
class SolveOptions:
    """``stop`` ends the solve early (Ctrl-C in the CLI sets it); the best schedule found so far
    is returned. ``on_progress`` is called from the solving thread whenever the best schedule
    or the bound improves."""

    strategy: Strategy = Strategy.AUTO
    time_limit_s: float = 30.0
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    seed: int = 0
    on_progress: Callable[[Progress], None] | None = None
    stop: threading.Event = field(default_factory=threading.Event)
