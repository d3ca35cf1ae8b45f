"""Read transactions on a SQLite file: a connection opened for each (``NullPool``, as before)
against pooled connections, side by side in one process.

Each round runs ``--reads`` read transactions of one small row (``Database.reading``, what a
request's token, revision and agenda reads go through) on each engine in turn, by ``--threads``
threads at once, and takes the process's CPU time and each read's wall time. Rounds alternate
the order of the engines; the table sums them.

    PYTHONPATH=src python benchmarks/sqlite_pool.py --rounds 6 --reads 2000 --threads 4
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.pool import NullPool

from sidelines.storage.db import Database
from sidelines.storage.tables import UserRow


def run(db: Database, reads: int, threads: int) -> tuple[float, list[float]]:
    """CPU seconds of the process and each read's wall seconds, for ``reads`` reads."""
    latencies: list[float] = []
    lock = threading.Lock()
    statement = select(UserRow.id).where(UserRow.id == 1)

    def reader(count: int) -> None:
        mine = []
        for _ in range(count):
            start = time.perf_counter()
            with db.reading() as session:
                session.execute(statement).first()
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=reader, args=(reads // threads,)) for _ in range(threads)]
    cpu = time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.process_time() - cpu, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'pool.sqlite3'}"
        Database(url).upgrade()
        engines = {
            "connection per transaction (NullPool)": Database(url, poolclass=NullPool),
            f"pooled ({args.threads} kept)": Database(url, pool_size=args.threads),
        }
        cpu = dict.fromkeys(engines, 0.0)
        latencies: dict[str, list[float]] = {name: [] for name in engines}
        for round_ in range(args.rounds):
            order = list(engines) if round_ % 2 == 0 else list(reversed(engines))
            for name in order:
                spent, taken = run(engines[name], args.reads, args.threads)
                cpu[name] += spent
                latencies[name] += taken
        print(f"load {os.getloadavg()[0]:.1f}; {args.rounds} rounds of {args.reads} reads")
        print("| engine | reads | CPU µs/read | p50 ms | p99 ms |")
        print("|---|---:|---:|---:|---:|")
        for name in engines:
            taken = sorted(latencies[name])
            p99 = taken[int(0.99 * (len(taken) - 1))]
            print(
                f"| {name} | {len(taken)} | {1e6 * cpu[name] / len(taken):.0f} "
                f"| {1000 * statistics.median(taken):.2f} | {1000 * p99:.2f} |"
            )
        for db in engines.values():
            db.dispose()


if __name__ == "__main__":
    main()
