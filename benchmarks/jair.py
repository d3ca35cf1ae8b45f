"""Solve the B2B instances of Bofill et al., JAIR 74 (2022), and compare with their optima.

    python benchmarks/jair.py [--data DIR] [--time-limit S] [--strategy NAME] [--only NAME...]
        [--originals] [--busy N]

The instances are third-party data and are not part of the repository; by default they are read
from ``shared/benchmarks/b2b-jair2022/`` in the first folder above the checkout that has it.
Every result is checked with ``validate()``; the table shows the breaks found, the proven bound,
the published optimum, and when the first complete schedule came (seconds from the solve's
start) with its breaks. ``--busy N`` runs N CPU-bound processes (``while 1: pass``) beside the
solves, as a competing load; the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
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
    event = read_dzn(path)
    problem = build_problem(event)
    first: list[Progress] = []

    def note(progress: Progress) -> None:
        if not first and progress.objective is not None:
            first.append(progress)

    started = time.monotonic()
    cpu = _cpu()
    result = solve(problem, replace(options, on_progress=note))
    seconds = time.monotonic() - started
    cpu = _cpu() - cpu
    violations = validate(problem, result.schedule) if result.objective is not None else []
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
        f"| {'-' if row.first_s is None else f'{row.first_s:.2f}'} | {_cell(row.first_breaks)} |",
        flush=True,
    )


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
    print(
        f"strategy {args.strategy}, {args.workers} workers, {args.time_limit:g} s per instance, "
        f"{args.busy} busy processes beside it; load average {_load()} at the start\n"
    )
    print(
        "| instance | P | M | T | L | published | breaks | bound | status | time s | CPU s "
        "| valid | first s | first breaks |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
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
                f"({sum(r.cpu_s for r in group):.1f} s of CPU); breaks "
                f"{sum(r.breaks or 0 for r in group)} in total (published "
                f"{sum(r.published or 0 for r in group)}), at most "
                f"{max(((r.breaks or 0) - (r.published or 0) for r in group), default=0)} "
                "above the published optimum"
            )
    return 0 if all(r.valid or r.breaks is None for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
