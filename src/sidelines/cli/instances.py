"""Opening an instance file by its kind: an event file or a JAIR B2B ``.dzn`` file."""

from __future__ import annotations

import gc
from dataclasses import dataclass, replace
from pathlib import Path

from sidelines.domain.errors import DomainError
from sidelines.formats.dzn import read_dzn
from sidelines.formats.errors import InputError
from sidelines.formats.event_loader import gc_paused, load_event
from sidelines.scheduling.problem import Problem, build_problem

EVENT_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Instance:
    path: Path
    problem: Problem
    is_dzn: bool


def open_instance(path: Path, fairness: int | None = None) -> Instance:
    """Read and compile an instance; ``fairness`` overrides the file's bound on break spread."""
    suffix = path.suffix.lower()
    if suffix == ".dzn":
        event = read_dzn(path)
    elif suffix in EVENT_SUFFIXES:
        event = load_event(path)
    else:
        raise InputError(
            path,
            f"unknown kind of file {suffix or '(no suffix)'}: expected .yaml, .yml, .json or .dzn",
        )
    try:
        with gc_paused():  # as while reading: many objects, no cycles
            problem = build_problem(event)
    except DomainError as error:
        raise InputError(path, error.message, path=error.path) from None
    if fairness is not None:
        problem = replace(problem, fairness_max_spread=fairness)
    # What was read lives as long as the command: the collector's full passes need not walk it
    # again and again (on an event of 20,000 meetings, a tenth of a second of CPU before the
    # first schedule and three tenths in a short solve, docs/benchmarks.md).
    gc.freeze()
    return Instance(path, problem, suffix == ".dzn")
