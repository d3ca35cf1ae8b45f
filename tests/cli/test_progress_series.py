"""The progress lines of ``sidelines solve`` on a break-minimisation event: one series whose
time and best schedule never go backwards, whichever part reports."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

from typer.testing import CliRunner

from sidelines.cli.main import app
from sidelines.formats.event_loader import dump_event
from tests.scheduling.test_anytime_breaks import round_robin

LINE = re.compile(r"^\s*(?P<time>[\d.]+) s · best: weight (?P<weight>\d+), breaks (?P<breaks>\d+)")


def test_the_progress_lines_only_move_forward(tmp_path: Path) -> None:
    path = tmp_path / "round.json"
    path.write_text(json.dumps(dump_event(round_robin()), default=str))

    result = CliRunner().invoke(app, ["solve", str(path), "--time-limit", "3"])

    assert result.exit_code == 0, result.output
    lines = [m for m in map(LINE.match, result.stderr.splitlines()) if m is not None]
    assert lines, result.stderr
    times = [float(m["time"]) for m in lines]
    breaks = [int(m["breaks"]) for m in lines]
    assert all(a <= b for a, b in pairwise(times))
    assert all(a >= b for a, b in pairwise(breaks))
    assert {int(m["weight"]) for m in lines} == {12}
    assert "gap 100.0 %" not in result.output
