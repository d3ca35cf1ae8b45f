"""Where RC2's time goes on the JAIR instances, in CPU seconds (the figure a busy machine does
not change much): each SAT solver's RC2 in a child process of its own, limited by CPU time.

    python benchmarks/jair_rc2.py [--data DIR] [--solvers cd19,mcm] [--cpu-limit S]
        [--phases] [--seed K] [--baseline REV] NAME...

For every instance: the encoding's size and CPU time, then per solver the CPU time at which
each lower bound was first reached (the cores) and at which the optimum's schedule came (the
last, satisfiable call). Each RC2 is given the encoding's redundant clauses, as in the solve;
``--phases`` also gives it the first construction's schedule as phases, as the solve does.
``--seed K`` sets CaDiCaL's random seed (other solvers have none here): the time of one SAT
call on these instances swings several-fold with it alone, so a change to the formula is
judged over several seeds per instance (docs/benchmarks.md).
``--baseline REV`` also runs the same in children whose ``sidelines`` is a git revision's
(extracted with ``git archive``), at the same time, for comparing encodings. The data is read
as by ``benchmarks/jair.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _rc2(
    solver: str,
    formula: Any,
    redundant: list[list[int]],
    phases: list[int],
    limit: int,
    seed: int,
    out: Connection,
) -> None:
    """One RC2 search, reporting (kind, cost, CPU seconds) until it ends or its CPU runs out."""
    from pysat.examples.rc2 import RC2

    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))

    class Reporting(RC2):  # type: ignore[misc]
        reported = -1

        def _call_oracle(self, assumptions: Any = (), expect_interrupt: bool = False) -> Any:
            if self.cost != self.reported:
                self.reported = self.cost
                out.send(("bound", self.cost, time.process_time()))
            return super()._call_oracle(list(assumptions), expect_interrupt)

    rc2 = Reporting(formula, solver=solver)
    if seed and solver.startswith("cd"):
        rc2.oracle.configure({"seed": seed})
    rc2.oracle.append_formula(redundant)
    if phases:
        rc2.oracle.set_phases(phases)
    model = rc2.compute()
    out.send(("optimum" if model is not None else "infeasible", rc2.cost, time.process_time()))


def _construction_phases(problem: Any, encoding: Any) -> list[int]:
    """The start literals' phases from the heuristic's first schedule, built as the solve
    builds it before the searches start (``scheduling.solve``)."""
    from sidelines.scheduling import SolveOptions
    from sidelines.scheduling.anytime import Improver

    improver = Improver(problem, SolveOptions(time_limit_s=60, workers=2), time.monotonic())
    cpu_until = time.process_time() + 0.05
    while not improver.complete() and time.process_time() < cpu_until:
        if improver.step(time.monotonic() + 0.05) <= 0:
            break
    hint = improver.schedule() or {}
    phases = []
    for meeting_idx, meeting in enumerate(problem.meetings):
        assignment = hint.get(meeting.id)
        for start in encoding.starts[meeting_idx]:
            on = assignment is not None and assignment.start_slot == start.slot
            phases.append(start.literal if on else -start.literal)
    return phases


def measure(
    path: Path, solvers: list[str], limit: int, phased: bool, seed: int = 0
) -> dict[str, Any]:
    """The encoding and every solver's events on ``path`` (runs in this process's children)."""
    import multiprocessing
    from multiprocessing.connection import wait

    from sidelines.formats.dzn import read_dzn
    from sidelines.scheduling import build_problem
    from sidelines.scheduling.maxsat.encoding import encode

    problem = build_problem(read_dzn(path))
    cpu = time.process_time()
    encoding = encode(problem)
    encode_s = time.process_time() - cpu
    redundant = getattr(encoding, "redundant", [])  # older revisions have none
    phases = _construction_phases(problem, encoding) if phased else []
    context = multiprocessing.get_context("fork")
    pending: dict[Connection, str] = {}
    processes = []
    for solver in solvers:
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_rc2,
            args=(solver, encoding.formula, redundant, phases, limit, seed, send),
            daemon=True,
        )
        process.start()
        send.close()
        processes.append(process)
        pending[receive] = solver
    events: dict[str, list[tuple[str, int, float]]] = {solver: [] for solver in solvers}
    while pending:
        for connection in wait(list(pending)):
            assert isinstance(connection, Connection)
            try:
                kind, cost, at = connection.recv()
            except EOFError:
                del pending[connection]
                continue
            events[pending[connection]].append((kind, cost, at))
    for process in processes:
        process.join()
    formula = encoding.formula
    return {
        "variables": formula.nv,
        "hard": len(formula.hard),
        "soft": len(formula.soft),
        "encode_s": encode_s,
        "events": events,
    }


def _summary(events: list[list[Any]]) -> str:
    parts = [
        f"{'LB' if kind == 'bound' else kind} {cost} at {at:.1f}"
        for kind, cost, at in events
        if kind != "bound" or cost > 0
    ]
    ended = any(kind != "bound" for kind, _, _ in events)
    return "; ".join(parts) + ("" if ended else " (CPU limit)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="+", metavar="NAME")
    parser.add_argument("--data", type=Path, help="instance folder (as benchmarks/jair.py)")
    parser.add_argument("--solvers", default="cd19,mcm")
    parser.add_argument("--cpu-limit", type=int, default=30, help="CPU seconds per search")
    parser.add_argument("--phases", action="store_true", help="the construction's phases")
    parser.add_argument("--seed", type=int, default=0, help="CaDiCaL's random seed")
    parser.add_argument("--baseline", help="a git revision measured at the same time")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from jair import DEFAULT_DATA  # benchmarks/jair.py

    data = args.data or DEFAULT_DATA
    solvers = args.solvers.split(",")
    if args.child:
        found = {
            name: measure(data / f"{name}.dzn", solvers, args.cpu_limit, args.phases, args.seed)
            for name in args.names
        }
        print(json.dumps(found))
        return 0
    if not data.is_dir():
        print(f"JAIR instances not found in {data}; skipping (pass --data DIR).")
        return 0
    from placement import source_tree  # benchmarks/placement.py: the same extraction

    command = [sys.executable, str(Path(__file__).resolve()), "--child", *args.names]
    command += ["--data", str(data), "--solvers", args.solvers]
    command += ["--cpu-limit", str(args.cpu_limit)] + (["--phases"] if args.phases else [])
    command += ["--seed", str(args.seed)]
    print(f"load average {os.getloadavg()[0]:.1f} at the start; CPU seconds per search\n")
    with source_tree(args.baseline or "HEAD") as base:
        trees = [("this tree", HERE.parent / "src")]
        if args.baseline:
            trees.insert(0, (args.baseline, base))
        children = [
            (
                label,
                subprocess.Popen(
                    command,
                    env={**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{HERE}"},
                    stdout=subprocess.PIPE,
                    text=True,
                ),
            )
            for label, src in trees
        ]
        results = {label: json.loads(child.communicate()[0]) for label, child in children}
    print(
        "| instance | code | variables | hard | soft | encoding s | " + " | ".join(solvers) + " |"
    )
    print("|---|---|---:|---:|---:|---:|" + "---|" * len(solvers))
    for name in args.names:
        for label, _ in trees:
            found = results[label][name]
            cells = " | ".join(_summary(found["events"][solver]) for solver in solvers)
            print(
                f"| {name} | {label} | {found['variables']} | {found['hard']} | {found['soft']} "
                f"| {found['encode_s']:.2f} | {cells} |"
            )
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
