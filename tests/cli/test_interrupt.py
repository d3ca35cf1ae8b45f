"""Ctrl-C during a solve stops the search and keeps the best schedule found so far."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_interrupt_keeps_the_best_schedule_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from sidelines.cli.main import main; main()",
            "solve",
            str(EXAMPLES / "b2b-forum.yaml"),
            "--time-limit",
            "120",
            "--out",
            str(out),
            "--format",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Wait until the search reports a schedule, then press Ctrl-C.
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    while b"best:" not in process.stderr.readline():
        assert time.monotonic() < deadline
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 0, stderr.decode()
    result = json.loads(out.read_text())
    assert json.loads(stdout) == result
    assert (result["interrupted"], result["status"]) == (True, "feasible")
    assert result["wall_time_s"] < 60
    assert len(result["assignments"]) == result["objective"]["meetings_scheduled"]
    assert b"interrupted: stopping and keeping the best schedule so far" in stderr
