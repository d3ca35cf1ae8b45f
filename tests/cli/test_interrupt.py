"""Ctrl-C during a solve stops the search and keeps the best schedule found so far; a reader of
its output that goes away (``sidelines solve … | head``) ends it quietly, as it ends a Unix
tool (status 141, 128 + SIGPIPE), with no traceback and no message."""

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


def solving(*arguments: str) -> subprocess.Popen[bytes]:
    """``sidelines solve`` of the B2B forum in a process of its own, with ``arguments``."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from sidelines.cli.main import main; main()",
            "solve",
            str(EXAMPLES / "b2b-forum.yaml"),
            *arguments,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_interrupt_keeps_the_best_schedule_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    process = solving("--time-limit", "120", "--out", str(out), "--format", "json")
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


@pytest.mark.parametrize("output", ["table", "json"])
def test_a_closed_pipe_ends_the_solve_quietly(output: str) -> None:
    process = solving("--time-limit", "1", "--format", output)
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before the agenda is printed
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 141, stderr.decode()
    said = stderr.decode().lower()
    assert "error" not in said
    assert "traceback" not in said
    assert "exception" not in said
