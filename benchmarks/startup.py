"""Start-up: ``sidelines --help`` and reading a generated event file of about 2.5 MB.

Writes a generated event (1,000 principals, 10,000 requests) as JSON, then times, each the best
of ``--repeat`` runs: ``sidelines --help`` as a fresh process, and in one process
``load_event`` (parsing, schema validation, building the domain event) and ``build_problem``.

    python benchmarks/startup.py --principals 1000 --requests 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sidelines.formats.event_loader import dump_event, load_event
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.problem import build_problem


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, float]:
    """The shortest wall time and the shortest CPU time (this process and its children) of
    ``repeat`` runs; on a busy machine the CPU time says more."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu = _cpu()
        started = time.perf_counter()
        run()
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
    return min(walls), min(cpus)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--principals", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spec = GeneratorSpec(
        principals=args.principals, requests=args.requests, spaces=max(5, args.principals // 10)
    )
    command = shutil.which("sidelines") or str(Path(sys.executable).parent / "sidelines")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.json"
        path.write_text(json.dumps(dump_event(generate_event(spec, seed=1)), indent=2, default=str))
        size_mb = path.stat().st_size / 1e6
        help_s = best_of(
            args.repeat,
            lambda: subprocess.run([command, "--help"], check=True, capture_output=True),
        )
        events = []
        load_s = best_of(args.repeat, lambda: events.append(load_event(path)))
        build_s = best_of(args.repeat, lambda: build_problem(events[-1]))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"sidelines --help: {help_s[0]:.2f} s wall, {help_s[1]:.2f} s CPU")
    print(
        f"event file {size_mb:.1f} MB: load_event {load_s[0]:.2f} s wall, {load_s[1]:.2f} s CPU; "
        f"build_problem {build_s[0]:.2f} s wall, {build_s[1]:.2f} s CPU"
    )


if __name__ == "__main__":
    main()
