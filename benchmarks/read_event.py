"""Reading a large event file, as JSON and as YAML, side by side for two versions of the reader.

Writes the event of ``first_schedule.py`` (by default one day of 40 fifteen-minute slots, 3,000
principals, 20,000 requests, 500 spaces in 50 classes) as JSON and as YAML, then for each
``--src`` (a checkout's ``src`` directory put first on the path) and each file runs, in a fresh
interpreter: importing the command line's reading path, ``load_event`` (parse, validate, build
the domain event) and ``open_instance`` (what ``sidelines solve`` runs: the event read and
compiled into the engine's problem), each as the CPU time of that interpreter; and
``sidelines --help`` as a fresh process. Each figure is the smallest of ``--repeat`` runs.

    python benchmarks/read_event.py --src /tmp/before/src --src src --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The script's own folder is first on the path when it runs: its sibling writes the event.
from first_schedule import _write_event


def _child(path: str) -> None:
    started = time.process_time()
    from sidelines.cli.instances import open_instance
    from sidelines.formats.event_loader import load_event

    imported = time.process_time()
    load_event(Path(path))
    loaded = time.process_time()
    open_instance(Path(path))
    opened = time.process_time()
    out = {"import": imported - started, "load": loaded - imported, "open": opened - loaded}
    print(json.dumps(out))


def _env(src: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _read(src: str | None, path: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", str(path)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=_env(src))
    row: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return row


def _help(src: str | None) -> float:
    """The CPU time of ``sidelines --help`` in a fresh process (the console script's call)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = [sys.executable, "-c", "from sidelines.cli.main import main; main()", "--help"]
    subprocess.run(command, capture_output=True, check=True, env=_env(src))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _best(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: min(row[key] for row in rows) for key in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--principals", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--space-classes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--src", action="append", help="a checkout's src directory to run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return

    import yaml

    sources = args.src or [None]
    with tempfile.TemporaryDirectory() as folder:
        as_json = Path(folder) / "event.json"
        _write_event(as_json, args.principals, args.requests, args.space_classes, args.seed)
        as_yaml = Path(folder) / "event.yaml"
        data: Any = json.loads(as_json.read_text(encoding="utf-8"))
        as_yaml.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        print(
            f"{args.principals} x {args.requests}, {args.space_classes} space classes, "
            f"JSON {as_json.stat().st_size / 1e6:.1f} MB, YAML {as_yaml.stat().st_size / 1e6:.1f} "
            f"MB, best of {args.repeat}; load average {os.getloadavg()[0]:.1f} at the start"
        )
        print(
            "| reader | file | imports (CPU s) | `load_event` (CPU s) | `open_instance` (CPU s) "
            "| `sidelines --help` (CPU s) |"
        )
        print("|---|---|---:|---:|---:|---:|")
        for path in (as_json, as_yaml):
            for src in sources:
                row = _best([_read(src, path) for _ in range(args.repeat)])
                helped = min(_help(src) for _ in range(args.repeat))
                print(
                    f"| {src or 'installed'} | {path.suffix[1:].upper()} | {row['import']:.2f} "
                    f"| {row['load']:.2f} | {row['open']:.2f} | {helped:.2f} |"
                )
                sys.stdout.flush()
        print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
