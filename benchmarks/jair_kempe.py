"""The Kempe-chain search alone on the JAIR originals, for a fixed CPU budget, several seeds.

    python benchmarks/jair_kempe.py [--cpu 3] [--seeds 1 2 3] [--checkpoints 1 2 3]
        [--src DIR ...] [--data DIR] NAME...

Each run builds the problem from the ``.dzn`` file as ``benchmarks/jair.py`` does, lets the
heuristic beside the searches (``anytime.Improver``) reach its first complete schedule and then
runs its Kempe-chain search alone (no MaxSAT search beside it) until the process has used
``--cpu`` seconds of CPU since the problem was built. The table gives the best breaks at each
checkpoint (CPU seconds) and the moves per CPU second. CPU time, not wall time: on a shared
machine it does not depend on what else runs. With ``--src`` the same runs are made for every
source tree given (a child process with that tree on its path, one after the other per run),
so that two versions of the search compare at equal CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from jair import DEFAULT_DATA, PUBLISHED


def run_one(path: Path, seed: int, cpu_s: float, checkpoints: list[float]) -> dict[str, object]:
    """One run in this process: best breaks at each checkpoint, moves per CPU second."""
    from sidelines.formats.dzn import read_dzn
    from sidelines.scheduling import SolveOptions, build_problem
    from sidelines.scheduling.anytime import Improver

    start_cpu = time.process_time()
    problem = build_problem(read_dzn(path))
    improver = Improver(problem, SolveOptions(seed=seed), time.monotonic())
    while not improver.complete() and time.process_time() - start_cpu < cpu_s:
        improver.step(time.monotonic() + 0.05)
    kempe = improver.kempe
    assert kempe is not None, "the Kempe-chain search does not apply"
    if improver.complete():
        improver.step(time.monotonic())  # loads the first complete schedule
    first_cpu = time.process_time() - start_cpu
    best: list[int | None] = []
    pending = sorted(checkpoints)
    search_cpu = time.process_time()
    while pending:
        used = time.process_time() - start_cpu
        while pending and used >= pending[0]:
            best.append(kempe.best_breaks)
            pending.pop(0)
        if not pending or not improver.complete():
            continue
        kempe.run(500)
    search_cpu = time.process_time() - search_cpu
    return {
        "first_cpu": first_cpu,
        "best": best,
        "moves_per_s": kempe.moves / search_cpu if search_cpu > 0 else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help="instances, e.g. forum-13crafb.original")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--checkpoints", type=float, nargs="+", default=[1.0, 2.0, 3.0])
    parser.add_argument("--src", type=Path, action="append", default=[])
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cpu_s = max(args.checkpoints)
    if args.one:
        path = args.data / f"{args.names[0]}.dzn"
        print(json.dumps(run_one(path, args.seeds[0], cpu_s, args.checkpoints)))
        return 0
    trees = args.src or [Path(__file__).resolve().parent.parent / "src"]
    header = " | ".join(
        f"{tree}: best at {', '.join(map(str, args.checkpoints))} s" for tree in trees
    )
    print(f"| instance (optimum) | seed | {header} | moves/s |")
    totals = [[0] * len(args.checkpoints) for _ in trees]
    for name in args.names:
        for seed in args.seeds:
            cells = []
            rates = []
            for tree_idx, tree in enumerate(trees):
                command = [sys.executable, str(Path(__file__).resolve()), "--one", name]
                command += ["--data", str(args.data), "--seeds", str(seed), "--checkpoints"]
                command += [str(c) for c in args.checkpoints]
                env = {**os.environ, "PYTHONPATH": str(tree)}
                out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
                found = json.loads(out.stdout.strip().splitlines()[-1])
                for idx, value in enumerate(found["best"]):
                    totals[tree_idx][idx] += value if value is not None else 0
                cells.append(" ".join("-" if v is None else str(v) for v in found["best"]))
                rates.append(f"{found['moves_per_s']:,.0f}")
            print(
                f"| {name.removesuffix('.original')} ({PUBLISHED.get(name)}) | {seed} | "
                + " | ".join(cells)
                + f" | {' / '.join(rates)} |",
                flush=True,
            )
    print("| total | | " + " | ".join(" ".join(map(str, t)) for t in totals) + " | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
