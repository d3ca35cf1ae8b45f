"""``scripts/demo`` itself, twice in a row with the package index unreachable: the first
starts from a complete .venv without installing anything and serves; the second refuses with a
clear message while the first runs, and leaves its database and its server alone.

The checkout is a copy of the scripts and pyproject.toml whose .venv stands in for an
installed one: its python is this test's interpreter, its ``sidelines`` this source tree."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# A demo's first start imports Lima and schedules it: allow for a busy machine.
START_S = 180


def _checkout(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    stand_ins = {
        "python": f'#!/bin/sh\nexec "{sys.executable}" "$@"\n',
        "sidelines": (
            f'#!/bin/sh\nPYTHONPATH="{ROOT / "src"}" exec "{sys.executable}" -c '
            '\'import sys; from sidelines.cli.main import main; sys.argv[0] = "sidelines"; '
            'sys.exit(main())\' "$@"\n'
        ),
    }
    for name, text in stand_ins.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    digest = hashlib.sha256((tmp_path / "pyproject.toml").read_bytes()).hexdigest()
    (tmp_path / ".venv" / ".installed-pyproject-sha256").write_text(f"{digest}\n")
    return tmp_path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serving(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.slow
def test_a_second_demo_refuses_while_the_first_runs_offline(tmp_path: Path) -> None:
    checkout = _checkout(tmp_path)
    database, port = tmp_path / "demo.sqlite3", _free_port()
    # An unreachable index: a demo that needed it would fail.
    offline = {**os.environ, "PYTHON": sys.executable, "PIP_INDEX_URL": "http://127.0.0.1:9/"}
    demo = [str(checkout / "scripts" / "demo"), "--database", str(database), "--port", str(port)]
    first = subprocess.Popen(
        demo,
        cwd=checkout,
        env=offline,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_S
        while not _serving(port):
            assert first.poll() is None, first.communicate()[0]
            assert time.monotonic() < deadline, "the first demo did not start"
            time.sleep(0.5)
        before = (database.stat().st_ino, database.stat().st_size)

        second = subprocess.run(
            demo, cwd=checkout, env=offline, capture_output=True, text=True, timeout=120
        )

        assert second.returncode == 2, second.stderr
        assert second.stdout.startswith("Sidelines is installed in .venv and pyproject.toml")
        assert "error: a demo is already running on" in second.stderr
        assert str(database) in second.stderr
        assert _serving(port)
        assert (database.stat().st_ino, database.stat().st_size) == before
    finally:
        os.killpg(first.pid, signal.SIGINT)
        output = first.communicate(timeout=60)[0]
    assert "nothing to install" in output
    assert "Installing" not in output
