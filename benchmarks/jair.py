"""Solve the B2B instances of Bofill et al., JAIR 74 (2022), and compare with their optima.

    python benchmarks/jair.py [--data DIR] [--time-limit S] [--strategy NAME] [--only NAME...]
        [--originals] [--busy N] [--baseline REV]

The instances are third-party data and are not part of the repository; by default they are read
from ``shared/benchmarks/b2b-jair2022/`` in the first folder above the checkout that has it.
Every result is checked with ``validate()``; the table shows the breaks found, the proven bound,
the published optimum, and when the first complete schedule came (seconds from the solve's
start) with its breaks. Times are those of ``solve()`` alone: reading the file and building the
problem come before it and are summed apart; with one process for all instances, the solvers'
imports fall in the first instance's time. ``--busy N`` runs N CPU-bound processes
(``while 1: pass``) beside the solves, as a competing load; the load average is printed at the
start and the end.

``--baseline REV`` measures this tree against a git revision side by side: each instance is
solved by two child processes started at the same moment, one with this tree's ``src`` on its
path and one with the revision's (extracted with ``git archive``), so that both see the same
load; the table gives both, the load average beside each row, and the ratio of the totals.
With ``--in-turn`` the two run one after the other instead (which goes first alternates): where
the kernel shares the CPU between process groups rather than processes (autogroup, one per
``setsid``), two trees run at the same moment share one group's part, and a tree that runs
fewer processes gets less of it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from sidelines.formats.dzn import read_dzn
from sidelines.scheduling import Progress, SolveOptions, Strategy, build_problem, solve, validate

REPO = Path(__file__).resolve().parent.parent
DATA = Path("shared") / "benchmarks" / "b2b-jair2022"
DEFAULT_DATA = next(
    (folder / DATA for folder in REPO.parents if (folder / DATA).is_dir()), REPO.parent / DATA
)

# JAIR Table 5 (d = 2) for the originals; Tables 6-8 for the variants (None: proven infeasible).
PUBLISHED: dict[str, int | None] = {
    "forum-13.original": 0,
    "forum-13crafb.original": 6,
    "forum-13crafc.original": 1,
    "forum-14.original": 2,
    "forumt-14.original": 5,
    "forumt-14crafc.original": 5,
    "forumt-14crafd.original": 4,
    "forumt-14crafe.original": 5,
    "tic-12.original": 0,
    "tic-12crafc.original": 0,
    "tic-13.original": 0,
    "tic-13crafb.original": 0,
    "tic-13crafc.original": 4,
    "tic-14crafa.original": 0,
    "tic-14crafc.original": 0,
    "tic-14crafd.original": 0,
    "ticf-13crafa.original": 0,
    "ticf-13crafb.original": 3,
    "ticf-13crafc.original": 1,
    "ticf-14crafa.original": 0,
    "forum-14.forb0003": 0,
    "forum-14.forb0007": None,
    "forum-14.fixed020-Forb": 20,
    "forum-14.fixed040-Forb": None,
    "forum-14.prec15": 2,
    "forum-14.prec25": None,
    "tic-13crafc.forb0003": None,
    "tic-13crafc.forb0007": None,
    "tic-13crafc.fixed020-Forb": 6,
    "tic-13crafc.fixed040-Forb": 16,
    "tic-13crafc.prec15": 4,
    "tic-13crafc.prec25": 4,
}


@dataclass(frozen=True)
class Row:
    name: str
    sizes: tuple[int, int, int, int]
    published: int | None
    breaks: int | None
    bound: int | None
    status: str
    seconds: float
    valid: bool
    first_s: float | None = None
    first_breaks: int | None = None
    cpu_s: float = 0.0
    # Where the time goes: when the final bound was first reported, and when the final
    # schedule's breaks were first reached and by which part (heuristic, maxsat, cpsat).
    bound_s: float | None = None
    best_s: float | None = None
    best_by: str = ""
    # Reading the file and building the problem, before the solve (not in ``seconds``).
    read_s: float = 0.0

    @property
    def matches(self) -> bool:
        """The published answer reached: its optimum, or no schedule when it is infeasible."""
        if self.published is None:
            return self.breaks is None and self.status in ("infeasible", "unknown")
        return self.valid and self.breaks == self.published

    @property
    def proven(self) -> bool:
        return self.status in ("optimal", "infeasible")


def run(path: Path, options: SolveOptions) -> Row:
    name = path.name.removesuffix(".dzn")
    reading = time.monotonic()
    event = read_dzn(path)
    problem = build_problem(event)
    read_s = time.monotonic() - reading
    first: list[Progress] = []
    best: list[tuple[int, float, str]] = []  # breaks, when, by whom
    bounds: list[tuple[int, float]] = []

    def note(progress: Progress) -> None:
        if not first and progress.objective is not None:
            first.append(progress)
        objective, bound = progress.objective, progress.bound
        if objective is not None and (not best or objective.breaks < best[-1][0]):
            by = getattr(progress, "found_by", "") or progress.phase
            best.append((objective.breaks, progress.elapsed_s, by))
        if bound is not None and (not bounds or bound.breaks > bounds[-1][0]):
            bounds.append((bound.breaks, progress.elapsed_s))

    started = time.monotonic()
    cpu = _cpu()
    result = solve(problem, replace(options, on_progress=note))
    seconds = time.monotonic() - started
    cpu = _cpu() - cpu
    violations = validate(problem, result.schedule) if result.objective is not None else []
    breaks = result.objective.breaks if result.objective is not None else None
    final_bound = result.bound.breaks if result.bound is not None else None
    reached = [entry for entry in best if entry[0] == breaks]
    bound_at = [at for value, at in bounds if value == final_bound]
    return Row(
        name=name,
        sizes=(len(event.principals), len(event.meetings), problem.grid.n_slots, len(event.spaces)),
        published=PUBLISHED.get(name),
        breaks=result.objective.breaks if result.objective is not None else None,
        bound=result.bound.breaks if result.bound is not None else None,
        status=str(result.status),
        seconds=seconds,
        valid=result.objective is not None and violations == [],
        first_s=first[0].elapsed_s if first else None,
        first_breaks=first[0].objective.breaks if first and first[0].objective else None,
        cpu_s=cpu,
        bound_s=bound_at[0] if bound_at else None,
        best_s=reached[0][1] if reached else None,
        best_by=reached[0][2] if reached else "",
        read_s=read_s,
    )


def _cpu() -> float:
    """CPU time of this process and its ended children (the searches): on a shared machine
    the figure that does not depend on what else runs."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _cell(value: int | None, missing: str = "-") -> str:
    return missing if value is None else str(value)


def print_row(row: Row) -> None:
    p, m, t, tables = row.sizes
    print(
        f"| {row.name} | {p} | {m} | {t} | {tables} | {_cell(row.published, 'infeasible')} "
        f"| {_cell(row.breaks)} | {_cell(row.bound)} | {row.status} | {row.seconds:.1f} "
        f"| {row.cpu_s:.1f} "
        f"| {'yes' if row.valid else ('-' if row.breaks is None else 'NO')} "
        f"| {'-' if row.first_s is None else f'{row.first_s:.2f}'} | {_cell(row.first_breaks)} "
        f"| {_seconds(row.bound_s)} | {_seconds(row.best_s)} {row.best_by} |",
        flush=True,
    )


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


@contextmanager
def busy(count: int) -> Iterator[None]:
    """``count`` CPU-bound processes for the duration, ended (by their own ids) on leaving."""
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(max(0, count))
    ]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def _child_command(path: Path, args: argparse.Namespace) -> list[str]:
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--row",
        "--data",
        str(path.parent),
        "--only",
        path.name,
        "--time-limit",
        str(args.time_limit),
        "--strategy",
        args.strategy,
        "--workers",
        str(args.workers),
        "--seed",
        str(args.seed),
    ]


def run_pair(
    path: Path, trees: list[Path], args: argparse.Namespace, *, reverse: bool = False
) -> list[Row]:
    """``path`` solved by one child per source tree, all started at the same moment (with
    ``--in-turn`` one after the other, the last tree first when ``reverse``)."""
    if args.in_turn:
        return _run_in_turn(path, trees, args, reverse)
    children = [
        subprocess.Popen(
            _child_command(path, args),
            env={**os.environ, "PYTHONPATH": str(src)},
            stdout=subprocess.PIPE,
            text=True,
        )
        for src in trees
    ]
    rows = []
    for child in children:
        out, _ = child.communicate()
        found = json.loads(out.strip().splitlines()[-1])
        found["sizes"] = tuple(found["sizes"])
        rows.append(Row(**found))
    return rows


def _run_in_turn(
    path: Path, trees: list[Path], args: argparse.Namespace, reverse: bool
) -> list[Row]:
    order = list(range(len(trees)))
    if reverse:
        order.reverse()
    rows: dict[int, Row] = {}
    for index in order:
        done = subprocess.run(
            _child_command(path, args),
            env={**os.environ, "PYTHONPATH": str(trees[index])},
            capture_output=True,
            text=True,
            check=True,
        )
        found = json.loads(done.stdout.strip().splitlines()[-1])
        found["sizes"] = tuple(found["sizes"])
        rows[index] = Row(**found)
    return [rows[index] for index in range(len(trees))]


def _pair_cells(row: Row) -> str:
    first = "-" if row.first_s is None else f"{row.first_s:.2f}"
    return (
        f"{_cell(row.breaks)} | {_cell(row.bound)} | {row.seconds:.1f} | {row.cpu_s:.1f} "
        f"| {first} | {_seconds(row.bound_s)} | {_seconds(row.best_s)} {row.best_by} "
        f"| {'yes' if row.valid else ('-' if row.breaks is None else 'NO')}"
    )


def compare(paths: list[Path], args: argparse.Namespace) -> int:
    """This tree against ``args.baseline``, side by side (see the module's text)."""
    from placement import source_tree  # benchmarks/placement.py: the same extraction

    label = args.baseline
    print(
        f"strategy {args.strategy}, {args.workers} workers, {args.time_limit:g} s per instance, "
        f"{args.busy} busy processes beside it; this tree against {label}, "
        f"{'in turn' if args.in_turn else 'side by side'}\n"
    )
    print(
        f"| instance (published) | {label}: breaks | bound | time s | CPU s | first s "
        "| bound at s | best at s (by) | valid | this tree: breaks | bound | time s | CPU s "
        "| first s | bound at s | best at s (by) | valid | load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|---|---|")
    pairs: list[list[Row]] = []
    with source_tree(label) as base, busy(args.busy):
        for position, path in enumerate(paths):
            load = _load()
            pair = run_pair(path, [base, REPO / "src"], args, reverse=position % 2 == 1)
            pairs.append(pair)
            name = pair[0].name.removesuffix(".original")
            print(
                f"| {name} ({_cell(pair[0].published, 'infeasible')}) | {_pair_cells(pair[0])} "
                f"| {_pair_cells(pair[1])} | {load} |",
                flush=True,
            )
    print(f"\nload average {_load()} at the end")
    for index, who in enumerate((label, "this tree")):
        group = [pair[index] for pair in pairs]
        print(
            f"{who}: {sum(r.matches for r in group)}/{len(group)} match the published result, "
            f"{sum(r.proven for r in group)} proven, {sum(r.valid for r in group)} valid, "
            f"{sum(r.seconds for r in group):.1f} s ({sum(r.cpu_s for r in group):.1f} s CPU; "
            f"reading {sum(r.read_s for r in group):.1f} s besides), "
            f"breaks {sum(r.breaks or 0 for r in group)} (published "
            f"{sum(r.published or 0 for r in group)}), at most "
            f"{max(((r.breaks or 0) - (r.published or 0) for r in group), default=0)} above"
        )
    base_s = sum(pair[0].seconds for pair in pairs)
    if base_s > 0:
        print(f"time ratio, this tree / {label}: {sum(p[1].seconds for p in pairs) / base_s:.2f}")
    return 0 if all(r.valid or r.breaks is None for pair in pairs for r in pair) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="instance folder")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    parser.add_argument(
        "--strategy", choices=[s.value for s in Strategy], default=Strategy.CPSAT.value
    )
    parser.add_argument("--workers", type=int, default=8, help="CP-SAT workers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="instances to run")
    parser.add_argument("--originals", action="store_true", help="only the 20 originals")
    parser.add_argument("--busy", type=int, default=0, help="CPU-bound processes beside it")
    parser.add_argument("--baseline", help="a git revision to run side by side with this tree")
    parser.add_argument(
        "--in-turn",
        action="store_true",
        help="with --baseline: the two trees one after the other, not at the same moment",
    )
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if not args.data.is_dir():
        print(f"JAIR instances not found in {args.data}; skipping (pass --data DIR).")
        return 0
    paths = sorted(args.data.glob("*.dzn"))
    if args.only:
        wanted = set(args.only)
        paths = [p for p in paths if p.name.removesuffix(".dzn") in wanted or p.name in wanted]
    if args.originals:
        paths = [p for p in paths if p.name.endswith(".original.dzn")]
    # The originals first, then the crafted variants, as in the paper's tables.
    paths.sort(key=lambda p: (not p.name.endswith(".original.dzn"), p.name))
    options = SolveOptions(
        strategy=Strategy(args.strategy),
        time_limit_s=args.time_limit,
        workers=args.workers,
        seed=args.seed,
    )
    if args.row:  # a child of ``compare``: one instance, its row as JSON
        print(json.dumps(asdict(run(paths[0], options))))
        return 0
    if args.baseline:
        return compare(paths, args)
    print(
        f"strategy {args.strategy}, {args.workers} workers, {args.time_limit:g} s per instance, "
        f"{args.busy} busy processes beside it; load average {_load()} at the start\n"
    )
    print(
        "| instance | P | M | T | L | published | breaks | bound | status | time s | CPU s "
        "| valid | first s | first breaks | bound at s | best at s (by) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    with busy(args.busy):
        for path in paths:
            row = run(path, options)
            rows.append(row)
            print_row(row)
    print(f"\nload average {_load()} at the end")
    originals = [r for r in rows if r.name.endswith(".original")]
    variants = [r for r in rows if not r.name.endswith(".original")]
    for label, group in (("originals", originals), ("variants", variants)):
        if group:
            print(
                f"\n{label}: {sum(r.matches for r in group)}/{len(group)} match the published "
                f"result, {sum(r.proven for r in group)} proven, "
                f"{sum(r.valid for r in group)} valid schedules, "
                f"{sum(r.seconds for r in group):.1f} s in total "
                f"({sum(r.cpu_s for r in group):.1f} s of CPU; reading the files and building "
                f"the problems {sum(r.read_s for r in group):.1f} s besides); breaks "
                f"{sum(r.breaks or 0 for r in group)} in total (published "
                f"{sum(r.published or 0 for r in group)}), at most "
                f"{max(((r.breaks or 0) - (r.published or 0) for r in group), default=0)} "
                "above the published optimum"
            )
    return 0 if all(r.valid or r.breaks is None for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
