"""What a 503 refusal costs the server, in CPU per request, beside a served health check.

Issue 14's overload target asks for every request answered (2xx, or 503 with Retry-After)
within a second while the server still completes 90 % of its sustainable rate: offered twice
that rate, half of the requests or more are refused, and what each refusal costs comes out of
the CPU left for the requests served. Per tree (``--src``, one or more), this starts one server
process (uvicorn, one worker, as ``sidelines serve`` configures it: access log on, info level)
whose admission is held full, so that every request is refused on arrival as it would be under
overload, and sends ``--requests`` requests over ``--connections`` keep-alive connections:
agenda reads with a bearer token, and sends with a JSON body of about a kilobyte. The server's
CPU (``/proc/<pid>/stat``, user and system) over the batch, divided by the requests, is the
cost of a refusal; the same batch of health checks, served, is the yardstick. Run in turn, the
trees share the machine's load.

    PYTHONPATH=src .venv/bin/python benchmarks/refusal_cost.py --src src --src /tmp/8f8eb28/src

No database is touched: a refused request never reaches one (the server is given an SQLite
file it never opens).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from api_load import free_port
from raw_http import Client, HTTPError

HERE = Path(__file__).resolve().parent
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
FULL = "REFUSAL_COST_FULL"
BARE = "REFUSAL_COST_BARE"
AGENDA = "/api/events/0f8e1b0e-8a5c-4c53-9d2b-6c1c1b0f7a11/agenda"
SEND = "/api/events/0f8e1b0e-8a5c-4c53-9d2b-6c1c1b0f7a11/requests"
TOKEN = {"Authorization": "Bearer " + "t" * 43}
BODY = {
    "invitees": ["RUS", "USA"],
    "formats": ["bilateral_restricted"],
    "duration_min": 30,
    "topics": ["trade", "energy", "the next summit"],
    "message": "x" * 800,
}


def refusing_app() -> Any:
    """The server process's application, its admission held full when ``FULL`` is set (the
    middleware is found by walking the built stack from the outside in)."""
    from sidelines.web import admission
    from sidelines.web.main import app_from_settings

    if os.environ.get(BARE):
        # The floor: the server alone, answering the same 503 from a plain ASGI function.
        async def bare(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                await admission._busy(send, admission.BUSY)

        return bare
    app = app_from_settings()
    if os.environ.get(FULL):
        app.middleware_stack = app.build_middleware_stack()
        layer: Any = app.middleware_stack
        while type(layer).__name__ != "Admission":
            layer = layer.app
        layer.admitted = 10**9
    return app


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


async def batch(base: str, kind: str, requests: int, connections: int) -> dict[int, int]:
    """``requests`` of ``kind`` over ``connections`` connections; answers by status."""
    clients = [Client(base) for _ in range(connections)]
    statuses: dict[int, int] = {}

    async def one_connection(client: Client, count: int) -> None:
        for _ in range(count):
            if kind == "send":
                answer = await client.post(SEND, json=BODY, headers=TOKEN)
            elif kind == "agenda":
                answer = await client.get(AGENDA, headers=TOKEN)
            else:
                answer = await client.get("/api/health")
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            if answer.status_code == 503 and "retry-after" not in answer.headers:
                raise RuntimeError("a 503 without Retry-After")

    each = requests // connections
    await asyncio.gather(*(one_connection(c, each) for c in clients))
    for client in clients:
        await client.aclose()
    return statuses


def start(
    src: str, full: bool, port: int, folder: str, *, bare: bool = False, logged: bool = True
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{src}{os.pathsep}{HERE}",
        "SIDELINES_DATABASE_URL": f"sqlite:///{folder}/never-opened.sqlite3",
        FULL: "1" if full else "",
        BARE: "1" if bare else "",
    }
    command = [sys.executable, "-m", "uvicorn", "refusal_cost:refusing_app", "--factory"]
    command += ["--port", str(port), "--log-level", "info", "--timeout-keep-alive", "75"]
    if not logged:
        command.append("--no-access-log")
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server ended before it answered")
        try:
            asyncio.run(batch(f"http://127.0.0.1:{port}", "health", 1, 1))
            return server
        except HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not come up")


def measure(src: str, kind: str, full: bool, args: argparse.Namespace, **how: bool) -> str:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = start(src, full, port, folder, **how)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(batch(base, kind, args.requests // 10, args.connections))  # warm up
            before_load = load_average()
            cpu_before, wall_before = cpu_s(server.pid), time.monotonic()
            statuses = asyncio.run(batch(base, kind, args.requests, args.connections))
            cpu, wall = cpu_s(server.pid) - cpu_before, time.monotonic() - wall_before
        finally:
            server.terminate()
            server.wait(30)
    answered = sum(statuses.values())
    shown = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    what = f"{kind}, {'refused' if full else 'served'}"
    if how.get("bare"):
        what = f"{kind}, the same 503 from a bare ASGI function"
    if how.get("logged") is False:
        what += ", no access log"
    return (
        f"| {src} | {what} | {shown} | "
        f"{1e6 * cpu / answered:.0f} | {answered / wall:.0f} | {before_load} → {load_average()} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", action="append", help="a tree's src folder (repeatable)")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="the trees in turn, this often")
    parser.add_argument(
        "--parts", action="store_true", help="also: no access log, and the bare server's floor"
    )
    args = parser.parse_args()
    trees = args.src or ["src"]
    print("| tree | requests | answers | server CPU per request (µs) | answers/s | load |")
    print("|---|---|---|---:|---:|---|")
    for _ in range(args.rounds):
        for kind, full in (("health", False), ("agenda", True), ("send", True)):
            for src in trees:
                print(measure(src, kind, full, args), flush=True)
        if args.parts:
            for src in trees:
                print(measure(src, "agenda", True, args, logged=False), flush=True)
                print(measure(src, "agenda", True, args, bare=True), flush=True)
                print(measure(src, "agenda", True, args, bare=True, logged=False), flush=True)


if __name__ == "__main__":
    main()
