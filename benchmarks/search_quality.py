"""The default strategy's schedules against the capacity LP, two engines side by side.

Writes a generated event as JSON (by default one day, 50 space classes, as in
``lp_bound.py``), then for each time limit starts one fresh interpreter per ``--src`` at the
same moment (what ``sidelines solve FILE --time-limit T`` runs: ``open_instance``, then
``solve``), so that both versions share the machine's load of the same seconds. Each child
prints its weight, meetings, its own CPU time (the bound's process not included) and whether
the independent validator accepts the schedule. The capacity LP of ``scheduling/lp_bound.py``
(of the tree this script runs with) is computed after the solves, within ``--lp-limit``, and
each weight is given as a share of it. With ``--cpu`` the time limits are CPU seconds of the
heuristic's local search after its construction (no bound, no deadline), which compares the
searches themselves on a machine too busy for wall-clock limits to mean much.

With ``--exact SECONDS`` (for small events) each size also gets a bound on the best schedule
itself, to tell how much of the gap to the LP is the LP's: CP-SAT on the time-indexed model
(a Boolean per meeting, space class and allowed start; per class and slot at most its spaces,
per principal and slot at most one meeting, each meeting at most once), which keeps every
start whole where the LP takes fractions. It leaves out the rules the placement masks do not
hold (precedences, interpreters, walking, the room policy, fairness) and lets locked and
required meetings go, so it is a relaxation: its proven bound is at least the best schedule's
weight. Its own solutions may break the rules left out and are not schedules.

    python benchmarks/search_quality.py --sizes 200x1000,1000x5000 --time-limits 5,30 \\
        --src /tmp/before/src --src src
    python benchmarks/search_quality.py --cpu --time-limits 2,10 --src /tmp/before/src --src src
    python benchmarks/search_quality.py --sizes 40x200 --space-classes 8 --cpu --time-limits 10 \
        --exact 300
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lp_bound import event_spec  # the same events as the capacity LP's benchmark


def _write_event(path: Path, spec: Any, seed: int) -> None:
    from sidelines.formats.event_loader import dump_event
    from sidelines.scheduling.generator import generate_event

    path.write_text(json.dumps(dump_event(generate_event(spec, seed)), default=str))


def _child(path: str, time_limit: float, seed: int) -> None:
    from sidelines.cli.instances import open_instance
    from sidelines.scheduling import SolveOptions, solve, validate

    problem = open_instance(Path(path)).problem
    result = solve(problem, SolveOptions(time_limit_s=time_limit, seed=seed))
    out = {
        "weight": result.objective.weight_scheduled if result.objective else 0,
        "meetings": len(result.schedule),
        "breaks": result.objective.breaks if result.objective else 0,
        "cpu_s": time.process_time(),
        "wall_s": result.wall_time_s,
        "valid": validate(problem, result.schedule) == [],
    }
    print(json.dumps(out))


def _child_cpu(path: str, budget: float, seed: int) -> None:
    """The heuristic's construction, then its local search for ``budget`` seconds of this
    process's CPU time however busy the machine is (no bound, no deadline)."""
    import random
    import threading

    from sidelines.cli.instances import open_instance
    from sidelines.scheduling import validate
    from sidelines.scheduling.heuristic.construct import (
        class_rank,
        construction_order,
        insert,
        place_locked,
    )
    from sidelines.scheduling.heuristic.search import Search
    from sidelines.scheduling.heuristic.state import State

    problem = open_instance(Path(path)).problem
    started = time.process_time()
    state = State(problem)
    ranks = class_rank(state)
    for meeting_idx in construction_order(state):
        if problem.meetings[meeting_idx].locked:
            place_locked(state, meeting_idx)
        else:
            insert(state, meeting_idx, ranks)
    built = time.process_time() - started
    search = Search(state, ranks, random.Random(seed), lambda: None)
    until = time.process_time() + budget
    search.run(
        time.monotonic() + 10 * budget + 3600,
        threading.Event(),
        lambda: time.process_time() >= until,
    )
    search.restore_best()
    out = {
        "weight": state.total_weight,
        "meetings": state.n_scheduled,
        "breaks": state.total_breaks,
        "cpu_s": time.process_time() - started,
        "moves": search.moves,
        "construction_s": built,
        "valid": validate(problem, state.schedule()) == [],
    }
    print(json.dumps(out))


def _lp(path: Path, limit: float) -> tuple[int | None, bool]:
    from sidelines.cli.instances import open_instance
    from sidelines.scheduling.heuristic.state import placement_masks
    from sidelines.scheduling.lp_bound import capacity_bound

    problem = open_instance(path).problem
    tight = capacity_bound(problem, placement_masks(problem), limit)
    bound = tight.result.bound if tight.result else None
    return (bound.weight_scheduled if bound else None), tight.complete


def _exact(path: Path, limit: float) -> tuple[int, int, str]:
    """CP-SAT's best weight and proven bound on the time-indexed relaxation (module docstring)."""
    from ortools.sat.python import cp_model

    from sidelines.cli.instances import open_instance
    from sidelines.scheduling.heuristic.state import CORRIDOR, placement_masks
    from sidelines.scheduling.slots import iter_slots

    problem = open_instance(path).problem
    masks = placement_masks(problem)
    model = cp_model.CpModel()
    per_class_slot: dict[tuple[int, int], list[Any]] = {}
    per_principal_slot: dict[tuple[int, int], list[Any]] = {}
    terms: list[Any] = []
    for meeting_idx, meeting in enumerate(problem.meetings):
        chosen = []
        for class_idx, starts in masks[meeting_idx]:
            space = (
                problem.spaces[problem.space_classes[class_idx].spaces[0]]
                if (class_idx != CORRIDOR)
                else None
            )
            hold = meeting.duration_slots + meeting.press_buffer_slots
            hold += space.turnover_slots if space is not None else 0
            for start in iter_slots(starts):
                at = model.new_bool_var(f"x{meeting_idx}_{class_idx}_{start}")
                chosen.append(at)
                if class_idx != CORRIDOR:
                    for slot in range(start, start + hold):
                        per_class_slot.setdefault((class_idx, slot), []).append(at)
                for principal_idx in meeting.principals:
                    for slot in range(start, start + meeting.duration_slots):
                        per_principal_slot.setdefault((principal_idx, slot), []).append(at)
        if chosen:
            model.add_at_most_one(chosen)
            terms.extend(meeting.weight * at for at in chosen)
    for (class_idx, _), held in per_class_slot.items():
        model.add(sum(held) <= problem.space_classes[class_idx].size)
    for held in per_principal_slot.values():
        if len(held) > 1:
            model.add_at_most_one(held)
    model.maximize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    found = round(solver.objective_value) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else 0
    return found, int(solver.best_objective_bound + 1e-6), solver.status_name(status)


def _start(src: str, path: Path, limit: float, seed: int, cpu: bool) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    command = [sys.executable, __file__, "--child", str(path), str(limit), str(seed)]
    command += ["--cpu"] if cpu else []
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200x1000,1000x5000")
    parser.add_argument("--space-classes", type=int, default=50)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limits", default="5,30")
    parser.add_argument("--lp-limit", type=float, default=120.0)
    parser.add_argument("--src", action="append", help="a checkout's src directory to run")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time limits are CPU seconds of the heuristic's local search after construction",
    )
    parser.add_argument(
        "--exact",
        type=float,
        default=0.0,
        help="seconds of CP-SAT on the time-indexed relaxation per size (small events only)",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = _child_cpu if args.cpu else _child
        run(args.child[0], float(args.child[1]), int(args.child[2]))
        return
    sources = args.src or ["src"]
    print(f"load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    print(
        "| principals x requests | time limit (s) | engine | weight | % of LP | meetings "
        f"| breaks | CPU (s) | {'moves' if args.cpu else 'wall (s)'} | valid | load |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|", flush=True)
    for size in args.sizes.split(","):
        principals, requests = (int(x) for x in size.split("x"))
        spec = event_spec(principals, requests, args.space_classes, args.days)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "event.json"
            _write_event(path, spec, args.seed)
            rows: list[tuple[float, str, dict[str, Any], float]] = []
            for limit in (float(part) for part in args.time_limits.split(",")):
                # Started together, so that the versions share the same seconds of load.
                children = [(src, _start(src, path, limit, args.seed, args.cpu)) for src in sources]
                for src, child in children:
                    output, _ = child.communicate()
                    if child.returncode:
                        raise SystemExit(f"{src} failed at {size}, {limit:g} s")
                    row = json.loads(output.strip().splitlines()[-1])
                    rows.append((limit, src, row, os.getloadavg()[0]))
            lp, complete = _lp(path, args.lp_limit)
            exact = _exact(path, args.exact) if args.exact else None
        for limit, src, row, load in rows:
            share = f"{100 * row['weight'] / lp:.2f}" if lp else "–"
            print(
                f"| {size} | {limit:g} | {src} | {row['weight']} | {share} | {row['meetings']} "
                f"| {row['breaks']} | {row['cpu_s']:.2f} "
                f"| {row['moves'] if args.cpu else format(row['wall_s'], '.1f')} | {row['valid']} "
                f"| {load:.1f} |"
            )
        print(
            f"| {size} | capacity LP | | {lp}{'' if complete else ' (partial)'} | | | | | | | |",
            flush=True,
        )
        if exact is not None:
            found, proven, status = exact
            print(
                f"| {size} | time-indexed CP-SAT, {args.exact:g} s | {status.lower()} "
                f"| bound {proven} (found {found}) | | | | | | | |",
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
