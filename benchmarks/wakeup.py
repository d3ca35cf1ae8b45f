"""How late a request-like task wakes while a worker-like task keeps its core busy, with the
busy task at niceness 10 (the worker before) or under SCHED_IDLE as well (the worker now),
and with no busy task ("none": what the rest of the machine costs); and the same two with the
busy task in a scheduling group of its own (a new session, its group's nice value lowered, as
``sidelines worker`` does when ``serve`` starts it).

Both tasks are pinned to one core, in this process's scheduling group (start it with
``setsid`` for a group of its own): the sleeper stands in for a web process waiting for a
request, the busy loop for a worker's delivery or search. The sleeper sleeps ``--sleep-ms``
again and again and records how much later than asked it ran; the two policies alternate
(``--rounds``), so that a change in the machine's load meets both.

    setsid .venv/bin/python benchmarks/wakeup.py --rounds 4 --seconds 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

BUSY = "while True: pass"


def busy(core: int, name: str, group_nice: int) -> subprocess.Popen[bytes]:
    def lower() -> None:
        os.sched_setaffinity(0, {core})
        if "own group" in name:
            os.setsid()
            with open("/proc/self/autogroup", "w") as group:
                group.write(str(group_nice))
        os.nice(10)
        if "IDLE" in name:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))

    return subprocess.Popen([sys.executable, "-c", BUSY], preexec_fn=lower)


def lateness_ms(sleep_s: float, seconds: float) -> list[float]:
    late = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        asked = time.monotonic() + sleep_s
        time.sleep(sleep_s)
        late.append((time.monotonic() - asked) * 1000)
    return late


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--sleep-ms", type=float, default=5.0)
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument(
        "--group-nice", type=int, default=10, help="the nice value of the busy task's own group"
    )
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.core})
    print("| round | busy task | load | wake-ups | p50 ms late | p99 ms late | max ms late |")
    print("|---|---|---|---:|---:|---:|---:|")
    pooled: dict[str, list[float]] = {
        name: []
        for name in (
            "none",
            "nice 10",
            "nice 10 + SCHED_IDLE",
            "own group, nice 10",
            "own group, nice 10 + SCHED_IDLE",
        )
    }
    for n in range(args.rounds):
        for name in list(pooled) if n % 2 == 0 else list(pooled)[::-1]:
            load = os.getloadavg()[0]
            loop = None if name == "none" else busy(args.core, name, args.group_nice)
            try:
                time.sleep(0.5)  # the loop is running
                late = lateness_ms(args.sleep_ms / 1000, args.seconds)
            finally:
                if loop is not None:
                    loop.kill()
                    loop.wait()
            pooled[name] += late
            print(
                f"| {n + 1} | {name} | {load:.1f} | {len(late)} | {_q(late, 50):.2f} "
                f"| {_q(late, 99):.2f} | {max(late):.2f} |",
                flush=True,
            )
    for name, late in pooled.items():
        print(
            f"| all | {name} | | {len(late)} | {_q(late, 50):.2f} | {_q(late, 99):.2f} "
            f"| {max(late):.2f} |"
        )


def _q(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


if __name__ == "__main__":
    main()
