"""The heuristic's local search."""

from __future__ import annotations

import threading
from pathlib import Path

from sidelines.formats.event_loader import load_event
from sidelines.scheduling import Progress, SolveOptions, Strategy, build_problem, solve

EXAMPLES = Path(__file__).parents[3] / "examples"


def test_stopping_returns_no_worse_than_any_schedule_it_reported() -> None:
    # The first phase of the search may accept moves that add breaks; whenever it is stopped,
    # the answer is the best state it reported, not the one it happened to be in.
    problem = build_problem(load_event(EXAMPLES / "b2b-forum.yaml"))
    reported: list[tuple[int, int, int]] = []

    def collect(progress: Progress) -> None:
        if progress.objective is not None and progress.phase != "done":
            reported.append(progress.objective.key())

    # Stopped within the first, wide phase (0.6 of 60 s), where the current state wanders.
    stop = threading.Event()
    timer = threading.Timer(3.0, stop.set)
    timer.start()
    result = solve(
        problem,
        SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=60, on_progress=collect, stop=stop),
    )
    timer.cancel()
    assert result.objective is not None
    assert result.objective.key() >= max(reported)
