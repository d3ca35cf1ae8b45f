"""``sidelines explain``: why a meeting is left out, and clear refusals of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sidelines.cli.main import app

runner = CliRunner()

# A and B are in a plenary until 10:00 and B departs at 10:30; the only table is taken by C and
# D at 10:00. The A-B meeting has no time left.
EVENT = """\
id: small
name: Small summit
timezone: UTC
days: [2030-05-06]
day_start: "09:00"
day_end: "11:00"
grain_min: 30
parties:
  - {id: A, name: A}
  - {id: B, name: B}
  - {id: C, name: C}
  - {id: D, name: D}
principals:
  - {id: a, party: A, name: Alice, title: President}
  - {id: b, party: B, name: Bruno, title: President}
  - {id: c, party: C, name: Chen}
  - {id: d, party: D, name: Dana}
delegations:
  - {party: B, departure: "2030-05-06 10:30"}
programme:
  - {id: plenary, title: Plenary, day: 2030-05-06, start: "09:00", end: "10:00", attendees: [A]}
spaces:
  - {id: T1, name: Table 1, kind: table}
meetings:
  - {id: ab, principals: [A, B], format: b2b}
  - {id: cd, principals: [C, D], format: b2b, priority: 5}
"""

RESULT = {"assignments": [{"meeting": "cd", "start": "2030-05-06T10:00:00+00:00", "space": "T1"}]}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    instance = tmp_path / "small.yaml"
    instance.write_text(EVENT)
    result = tmp_path / "result.json"
    result.write_text(json.dumps(RESULT))
    return instance, result


def test_explain_lists_the_blocking_facts(files: tuple[Path, Path]) -> None:
    instance, result = files
    outcome = runner.invoke(app, ["explain", str(instance), str(result), "ab"])
    assert outcome.exit_code == 0
    assert outcome.stdout == (
        "ab cannot be placed:\n"
        "  - President Alice is in Plenary Mon 06 May 09:00–10:00\n"
        "  - President Bruno departs at Mon 06 May 10:30\n"
        "  - every room that fits is taken Mon 06 May 10:00–10:30 by meetings of higher "
        "priority: cd (priority 5)\n"
    )


def test_explain_without_a_result_solves_first(files: tuple[Path, Path]) -> None:
    instance, _ = files
    outcome = runner.invoke(app, ["explain", str(instance), "cd", "--time-limit", "1"])
    assert outcome.exit_code == 0
    assert outcome.stdout.startswith("cd is scheduled Mon 06 May ")


def test_explain_an_unknown_meeting_is_bad_input(files: tuple[Path, Path]) -> None:
    instance, result = files
    outcome = runner.invoke(app, ["explain", str(instance), str(result), "zz"])
    assert outcome.exit_code == 2
    assert outcome.stderr == f"error: {instance}: meetings: no meeting 'zz'\n"


def test_explain_with_a_missing_result_file_is_bad_input(files: tuple[Path, Path]) -> None:
    instance, _ = files
    outcome = runner.invoke(app, ["explain", str(instance), "missing.json", "ab"])
    assert outcome.exit_code == 2
    assert outcome.stderr == "error: missing.json: file not found\n"


def test_explain_with_too_many_arguments_is_bad_input(files: tuple[Path, Path]) -> None:
    instance, result = files
    outcome = runner.invoke(app, ["explain", str(instance), str(result), "ab", "cd"])
    assert outcome.exit_code == 2
    assert outcome.stderr == f"error: expected [RESULT.json] MEETING, got {result} ab cd\n"
