"""A second demo refuses to start over a running one, before it deletes anything: a demo
noted beside the same database, or a taken port; a note left by a dead demo is no obstacle."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sidelines.cli import demo_guard
from sidelines.cli.main import app

runner = CliRunner()


def _listening() -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server


def _dead_pid() -> int:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)


def test_a_demo_on_a_taken_port_is_refused_and_the_database_is_left_alone(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.sqlite3"
    database.write_bytes(b"the first demo's data")
    with _listening() as first:
        port = first.getsockname()[1]
        outcome = runner.invoke(app, ["demo", "--database", str(database), "--port", str(port)])
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        f"error: port {port} is already in use, perhaps by a demo started before; stop it "
        "first (Ctrl-C in its terminal), or give this one another --port and --database\n"
    )
    assert database.read_bytes() == b"the first demo's data"


def test_a_demo_running_on_the_same_database_is_refused_even_without_serving(
    tmp_path: Path,
) -> None:
    database = tmp_path / "demo.sqlite3"
    database.write_bytes(b"the first demo's data")
    # The parent of this process stands for the running demo: alive, and not this process.
    demo_guard.pid_file(database).write_text(f"{os.getppid()}\n")
    outcome = runner.invoke(app, ["demo", "--database", str(database), "--no-serve"])
    assert outcome.exit_code == 2
    assert f"a demo is already running on {database} (process {os.getppid()})" in outcome.stderr
    assert database.read_bytes() == b"the first demo's data"


def test_a_note_left_by_a_demo_that_ended_is_no_obstacle(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    demo_guard.pid_file(database).write_text(f"{_dead_pid()}\n")
    with _listening() as taken:
        free = taken.getsockname()[1]
    assert demo_guard.refusal(database, free) is None
    assert demo_guard.refusal(database, None) is None


def test_a_serving_demo_is_noted_beside_its_database_until_it_stops(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    with demo_guard.noted(database):
        assert demo_guard.pid_file(database).read_text() == f"{os.getpid()}\n"
    assert not demo_guard.pid_file(database).exists()
