"""The engine on event shapes nobody tuned it for: a sweep that checks what every solve promises.

For each shape (generated events of many kinds from ``scheduling.generator``, tiny and
degenerate events built from them, JAIR break-minimisation instances), each strategy, time
limits 0.5, 1 and 3 s with one worker and 1 s with two, one solve with a progress callback,
and these checks (a failed check is named in the table's last column):

- ``late``     it returned more than ``--margin`` seconds past its time limit;
- ``invalid``  the independent validator finds a violation in its schedule;
- ``score``    its objective is not the validator's score of its schedule;
- ``empty``    its schedule is empty although the locked meetings and one more fit
               (``empty?``: unknown and empty where that check cannot tell);
- ``bound``    its bound is below its weight (or, at equal weight, above its breaks), or
               its gap is negative, or it is optimal with a gap;
- ``progress`` the progress series is not monotone (time, best objective, bound), or the
               answer is worse than the last schedule it reported;
- ``first``    with a meeting that fits, no schedule was reported within 1 s;
- ``error`` / ``warning``  it raised, or emitted a warning.

Each shape runs in a fresh interpreter (the solvers' lazy imports are paid by its first solve,
the 0.5 s one, as in ``sidelines solve``). ``--src DIR`` (repeatable) puts another checkout's
``src`` first on the path, for a side-by-side table of two versions of the engine in one run.

    python benchmarks/shapes.py
    python benchmarks/shapes.py --src /tmp/before/src --src src --only tiny
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sidelines.domain.event import Event
    from sidelines.scheduling.problem import Problem

RUNS = ((0.5, 1), (1.0, 1), (3.0, 1), (1.0, 2))  # (time limit in s, workers)
FIT_TRIES = 20_000  # single placements tried before an empty answer's check gives up
JAIR = Path("shared") / "benchmarks" / "b2b-jair2022"


def _generated(**spec: Any) -> Callable[[], Event]:
    def build() -> Event:
        from sidelines.scheduling.generator import GeneratorSpec, generate_event

        return generate_event(GeneratorSpec(**spec), seed=1)

    return build


def _tiny(**spec: Any) -> Callable[[], Event]:
    base = {"principals": 3, "requests": 3, "spaces": 1, "days": 1, "programme_sessions": 0}
    return _generated(**{**base, **spec})


def _one_principal() -> Event:
    event = _tiny(requests=0)()
    return replace(event, principals=event.principals[:1], parties=event.parties[:1])


def _no_spaces() -> Event:
    return replace(_tiny(requests=3)(), spaces=())


def _all_busy() -> Event:
    """A programme session all day long that every principal attends."""
    from zoneinfo import ZoneInfo

    from sidelines.domain.ids import SessionId
    from sidelines.domain.programme import ProgrammeSession, SessionKind
    from sidelines.domain.time import TimeSpan

    event = _generated(principals=8, requests=12, spaces=3, days=1)()
    day = event.days[0]
    zone = ZoneInfo(event.timezone)
    span = TimeSpan(
        datetime.combine(day, event.day_start, tzinfo=zone),
        datetime.combine(day, event.day_end, tzinfo=zone),
    )
    session = ProgrammeSession(
        SessionId("ALL"),
        "All-day plenary",
        span,
        frozenset(p.id for p in event.principals),
        SessionKind.PLENARY,
    )
    return replace(event, programme=(session,))


def _no_room_fits() -> Event:
    """Every request needs a secure room, and the event has none: none can be placed."""
    from sidelines.domain.space import Feature

    event = _generated(principals=5, requests=6, spaces=2, days=1)()
    needs = frozenset({Feature.SECURE})
    return replace(event, meetings=tuple(replace(m, needs=needs) for m in event.meetings))


def _ties() -> Event:
    event = _generated(principals=12, requests=60, spaces=2, days=1)()
    return replace(event, meetings=tuple(replace(m, priority=1) for m in event.meetings))


def _required(**spec: Any) -> Callable[[], Event]:
    """Every meeting required: breaks the only question, as in the JAIR instances."""

    def build() -> Event:
        event = _generated(**spec)()
        return replace(event, meetings=tuple(replace(m, required=True) for m in event.meetings))

    return build


MEDIUM: dict[str, Any] = {"principals": 40, "requests": 200, "spaces": 12}
# The organiser's rules of the ``locks-prec-walk`` shape.
POLICY: dict[str, Any] = {
    "turnover_min": 10,
    "max_bookings_per_party_per_day": 3,
    "fairness_max_spread": 2,
}
SHAPES: dict[str, Callable[[], Event] | str] = {
    "tiny-1slot": _tiny(requests=1, day_end=datetime(2030, 1, 1, 9, 30).time()),
    "tiny-1principal": _one_principal,
    "tiny-nospaces": _no_spaces,
    "tiny-allbusy": _all_busy,
    "tiny-nonefits": _no_room_fits,
    "tiny-3x3-1space": _tiny(requests=3, trilateral_share=0.0, interpretation_share=0.0),
    "onespace-40req": _generated(principals=10, requests=40, spaces=1, days=1),
    "dense-pairs": _generated(principals=6, requests=15, spaces=4, days=1, popularity_skew=0.0),
    "ties-prio1": _ties,
    "oneday-60": _generated(principals=30, requests=120, spaces=8, days=1),
    "multiday-3": _generated(principals=40, requests=200, spaces=10, days=3),
    "classes-hours": _generated(**MEDIUM, space_classes=8),
    "features": _generated(
        **MEDIUM,
        press_share=0.3,
        agreed_place_share=0.3,
        languages=4,
        interpreters_per_pair=1,
    ),
    "locks-prec-walk": _generated(**MEDIUM, locked=5, precedences=10, locations=3, **POLICY),
    "required-small": _required(principals=8, requests=12, spaces=4, days=1),
    "large-300": _generated(principals=300, requests=2000, spaces=60),
    "jair-tic-12": "tic-12.original.dzn",
    "jair-forum-13": "forum-13.original.dzn",
    "jair-tic-13-prec": "tic-13crafc.prec15.dzn",
    "jair-forum-14-forb": "forum-14.forb0003.dzn",
}


def _jair_dir() -> Path | None:
    """The third-party JAIR instances, where a folder above the checkout has them."""
    for folder in Path(__file__).resolve().parents:
        if (folder / JAIR).is_dir():
            return folder / JAIR
    return None


def _problem(name: str) -> Problem:
    from sidelines.formats.dzn import read_dzn
    from sidelines.scheduling.problem import build_problem

    shape = SHAPES[name]
    if isinstance(shape, str):
        folder = _jair_dir()
        if folder is None:
            raise SystemExit(f"no {JAIR} above the checkout")
        event = read_dzn(folder / shape)
    else:
        event = shape()
    return build_problem(event)


def _one_fits(problem: Problem) -> bool | None:
    """Whether the locked meetings where they are locked and one more meeting pass the
    validator somewhere (tried exhaustively, up to ``FIT_TRIES`` schedules: None when that
    does not tell; also None when the locked meetings alone do not pass, or some meeting is
    required)."""
    from sidelines.scheduling import validate
    from sidelines.scheduling.schedule import Assignment

    if any(meeting.required for meeting in problem.meetings):
        return None
    base = {
        meeting.id: Assignment(
            meeting.locked_start,
            None if meeting.locked_space is None else problem.spaces[meeting.locked_space].id,
        )
        for meeting in problem.meetings
        if meeting.locked_start is not None
    }
    if validate(problem, base):
        return None
    spaces = [None, *(space.id for space in problem.spaces)]
    tries = 0
    for meeting in problem.meetings:
        if meeting.id in base:
            continue
        for start in range(problem.grid.n_slots - meeting.duration_slots + 1):
            for space in spaces:
                if not validate(problem, {**base, meeting.id: Assignment(start, space)}):
                    return True
                tries += 1
                if tries >= FIT_TRIES:
                    return None
    return bool(base)


def _check(problem: Problem, limit: float, workers: int, strategy: str, margin: float) -> dict:
    from sidelines.scheduling import SolveOptions, Strategy, solve, validate
    from sidelines.scheduling.result import Progress, SolveStatus
    from sidelines.scheduling.validator import score

    reports: list[Progress] = []
    failures: list[str] = []
    options = SolveOptions(
        strategy=Strategy(strategy), time_limit_s=limit, workers=workers, on_progress=reports.append
    )
    started = time.monotonic()
    cpu_started = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = solve(problem, options)
        except Exception:
            return {"fail": ["error"], "error": traceback.format_exc(limit=-3)}
    wall = time.monotonic() - started
    cpu = time.process_time() - cpu_started
    if caught:
        failures.append("warning")
    if wall > limit + margin:
        failures.append("late")
    if validate(problem, result.schedule):
        failures.append("invalid")
    objective = result.objective
    if objective is not None and score(problem, result.schedule).key() != objective.key():
        failures.append("score")
    if not result.schedule:
        fits = _one_fits(problem)
        if fits or (fits is None and result.status is SolveStatus.UNKNOWN):
            failures.append("empty" if fits else "empty?")
    if _dishonest(result):
        failures.append("bound")
    keys = [r.objective.key() for r in reports if r.objective is not None]
    times = [r.elapsed_s for r in reports]
    bounds = [(r.bound.weight_scheduled, -r.bound.breaks) for r in reports if r.bound is not None]
    if (
        keys != sorted(keys)
        or times != sorted(times)
        or bounds != sorted(bounds, reverse=True)
        or (keys and (objective is None or objective.key() < keys[-1]))
    ):
        failures.append("progress")
    first = next((r.elapsed_s for r in reports if r.objective is not None), None)
    if result.schedule and (first is None or first > 1.0):
        failures.append("first")
    return {
        "fail": failures,
        "wall": round(wall, 2),
        "cpu": round(cpu, 2),
        "first": None if first is None else round(first, 2),
        "status": str(result.status),
        "strategy": result.strategy,
        "meetings": len(result.schedule),
        "weight": objective.weight_scheduled if objective else 0,
        "breaks": objective.breaks if objective else None,
        "bound": None if result.bound is None else result.bound.weight_scheduled,
        "gap": _gap(result),
        "warnings": [str(w.message) for w in caught][:2],
    }


def _dishonest(result: Any) -> bool:
    """Whether the bound claims less than the schedule reaches, or the gap reads wrong."""
    from sidelines.scheduling.result import SolveStatus

    objective, bound, gap = result.objective, result.bound, result.gap
    if objective is None or bound is None:
        return False
    if bound.weight_scheduled < objective.weight_scheduled:
        return True
    if bound.weight_scheduled == objective.weight_scheduled and bound.breaks > objective.breaks:
        return True
    return gap is not None and (gap < 0 or (result.status is SolveStatus.OPTIMAL and gap > 0))


def _gap(result: Any) -> str:
    """The open term's gap as ``sidelines solve`` reads it: a share of the weight bound, or the
    breaks above their bound once the weight is proven best ("0": all closed)."""
    if result.gap is None:
        return "-"
    if result.open_term == "weight":
        return f"w{100 * result.gap:.1f}%"
    if result.open_term == "breaks":
        return f"b+{result.objective.breaks - result.bound.breaks}"
    return "0"


def _child(name: str, strategies: list[str], margin: float) -> None:
    problem = _problem(name)
    for strategy in strategies:
        for limit, workers in RUNS:
            row = _check(problem, limit, workers, strategy, margin)
            row.update(shape=name, strategy_asked=strategy, limit=limit, workers=workers)
            row["size"] = f"{len(problem.meetings)}m/{problem.grid.n_slots}s/{len(problem.spaces)}r"
            print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", action="append", default=[], help="a checkout's src first")
    parser.add_argument("--only", action="append", default=[], help="shapes whose name has this")
    parser.add_argument("--strategy", action="append", default=[], help="default: all four")
    parser.add_argument("--margin", type=float, default=0.3, help="seconds allowed past a limit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    strategies = args.strategy or ["auto", "heuristic", "cpsat", "maxsat"]
    if args.child:
        _child(args.child, strategies, args.margin)
        return
    names = [n for n in SHAPES if not args.only or any(part in n for part in args.only)]
    if _jair_dir() is None:
        # The JAIR instances are third-party data that a checkout does not hold.
        skipped = [n for n in names if isinstance(SHAPES[n], str)]
        names = [n for n in names if n not in skipped]
        if skipped:
            print(f"skipped, no {JAIR} above the checkout: {', '.join(skipped)}")
    sources = args.src or [str(Path(__file__).resolve().parents[1] / "src")]
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    header = (
        f"{'src':<14} {'shape':<20} {'size':<14} {'asked':<9} {'T':>4} {'w':>1} "
        f"{'wall':>5} {'cpu':>5} {'first':>5} {'status':<10} {'strategy':<22} {'mtgs':>5} "
        f"{'weight':>6} {'brk':>4} {'bound':>6} {'gap':>7}  failed"
    )
    print(header)
    failed = 0
    for name in names:
        for src in sources:
            command = [sys.executable, __file__, "--child", name, "--margin", str(args.margin)]
            for strategy in strategies:
                command += ["--strategy", strategy]
            env = {**os.environ, "PYTHONPATH": src}
            out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            if out.returncode:
                print(f"{src:<14} {name:<20} child failed: {out.stderr.strip()[-400:]}")
                failed += 1
                continue
            for line in out.stdout.splitlines():
                row = json.loads(line)
                failed += bool(row["fail"])
                label = Path(src).resolve().parent.name[:14]
                print(
                    f"{label:<14} {name:<20} {row.get('size', ''):<14} "
                    f"{row['strategy_asked']:<9} {row['limit']:>4} {row['workers']:>1} "
                    f"{row.get('wall', ''):>5} {row.get('cpu', ''):>5} {row.get('first', '')!s:>5} "
                    f"{row.get('status', ''):<10} {row.get('strategy', ''):<22} "
                    f"{row.get('meetings', ''):>5} {row.get('weight', ''):>6} "
                    f"{row.get('breaks', '')!s:>4} {row.get('bound', '')!s:>6} "
                    f"{row.get('gap', '')!s:>7}  {','.join(row['fail'])}"
                    + (f"  {row['error'].splitlines()[-1]}" if "error" in row else "")
                    + (f"  {row['warnings']}" if row.get("warnings") else "")
                )
    print(f"runs with a failed check: {failed}")
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()
