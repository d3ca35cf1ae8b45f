"""``sidelines solve --published``: re-planning a schedule given in the result format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sidelines.cli.main import app

runner = CliRunner()

# One table, two half-hour slots. m1 (priority 1) was published at 09:00; m2 (priority 5),
# agreed since, can only be held at 09:00, and Ana is in both.
EVENT = """\
id: stable
name: Stable forum
timezone: UTC
days: [2030-05-06]
day_start: "09:00"
day_end: "10:00"
grain_min: 30
parties:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
  - {id: C, name: Gamma}
principals:
  - {party: A, name: Ana}
  - {party: B, name: Bruno}
  - {party: C, name: Carla}
spaces:
  - {id: T1, name: Table 1, kind: table}
meetings:
  - {id: m1, principals: [A, B], format: b2b, duration_min: 30, priority: 1}
  - {id: m2, principals: [A, C], format: b2b, duration_min: 30, priority: 5,
     windows: [{day: 2030-05-06, start: "09:00", end: "09:30"}]}
"""

PUBLISHED = {
    "assignments": [{"meeting": "m1", "start": "2030-05-06T09:00:00+00:00", "space": "T1"}]
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    event = tmp_path / "event.yaml"
    event.write_text(EVENT)
    published = tmp_path / "published.json"
    published.write_text(json.dumps(PUBLISHED))
    return event, published


def solve_json(*arguments: str) -> tuple[int, dict[str, object], str]:
    outcome = runner.invoke(
        app, ["solve", *arguments, "--time-limit", "2", "--format", "json", "--strategy", "cpsat"]
    )
    data = json.loads(outcome.stdout) if outcome.exit_code == 0 else {}
    return outcome.exit_code, data, outcome.stderr


def test_minimal_moves_the_published_meeting_and_lists_the_move(files: tuple[Path, Path]) -> None:
    event, published = files
    code, data, _ = solve_json(str(event), "--published", str(published))
    assert code == 0
    assert data["moved"] == [
        {
            "meeting": "m1",
            "from": {"start": "2030-05-06T09:00:00+00:00", "space": "T1"},
            "to": {"start": "2030-05-06T09:30:00+00:00", "space": "T1"},
            "forced": False,
        }
    ]
    objective = data["objective"]
    assert isinstance(objective, dict)
    assert (objective["weight_scheduled"], objective["moves"]) == (6, 1)


def test_keep_moves_nothing(files: tuple[Path, Path]) -> None:
    event, published = files
    code, data, _ = solve_json(str(event), "--published", str(published), "--stability", "keep")
    assert code == 0
    assert data["moved"] == []
    assert data["assignments"] == [
        {
            "meeting": "m1",
            "start": "2030-05-06T09:00:00+00:00",
            "end": "2030-05-06T09:30:00+00:00",
            "space": "T1",
            "at_session": None,
            "principals": ["A", "B"],
        }
    ]


def test_a_budget_of_zero_percent_keeps_the_published_place(files: tuple[Path, Path]) -> None:
    event, published = files
    code, data, _ = solve_json(str(event), "--published", str(published), "--max-moves", "0%")
    assert code == 0
    assert data["moved"] == []


def test_without_published_the_result_has_no_moved_list(files: tuple[Path, Path]) -> None:
    event, _ = files
    code, data, _ = solve_json(str(event))
    assert code == 0
    assert "moved" not in data
    objective = data["objective"]
    assert isinstance(objective, dict)
    assert objective["moves"] == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "lots",
            "expected a number of meetings (3) or a percentage from 0 to 100 (1%), got 'lots'",
        ),
        ("-1", "expected a number of meetings of 0 or more, got '-1'"),
        (
            "150%",
            "expected a number of meetings (3) or a percentage from 0 to 100 (1%), got '150%'",
        ),
    ],
)
def test_a_bad_move_budget_exits_2_naming_the_option(
    files: tuple[Path, Path], value: str, message: str
) -> None:
    event, published = files
    code, _, stderr = solve_json(str(event), "--published", str(published), "--max-moves", value)
    assert (code, stderr) == (2, f"error: --max-moves: {message}\n")


def test_max_moves_without_published_exits_2(files: tuple[Path, Path]) -> None:
    event, _ = files
    code, _, stderr = solve_json(str(event), "--max-moves", "1")
    assert (code, stderr) == (2, "error: --max-moves: needs --published RESULT.json\n")


def test_a_published_file_naming_an_unknown_meeting_exits_2(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    event, _ = files
    published = tmp_path / "other.json"
    published.write_text(
        json.dumps(
            {
                "assignments": [
                    {"meeting": "m1", "start": "2030-05-06T09:00:00+00:00", "space": "T1"},
                    {"meeting": "m9", "start": "2030-05-06T09:30:00+00:00", "space": "T1"},
                ]
            }
        )
    )
    code, _, stderr = solve_json(str(event), "--published", str(published))
    assert (code, stderr) == (
        2,
        f"error: {published}: assignments[1].meeting: unknown meeting 'm9': not a meeting of "
        "Stable forum\n",
    )


def test_a_missing_published_file_exits_2(files: tuple[Path, Path], tmp_path: Path) -> None:
    event, _ = files
    missing = tmp_path / "nowhere.json"
    code, _, stderr = solve_json(str(event), "--published", str(missing))
    assert (code, stderr) == (2, f"error: {missing}: file not found\n")


def test_a_solve_result_can_be_published_and_re_planned(files: tuple[Path, Path]) -> None:
    event, _ = files
    first = Path(str(event) + ".result.json")
    solved = runner.invoke(app, ["solve", str(event), "--time-limit", "2", "--out", str(first)])
    assert solved.exit_code == 0
    code, data, _ = solve_json(str(event), "--published", str(first), "--stability", "keep")
    assert code == 0
    assert data["moved"] == []
    assert data["assignments"] == json.loads(first.read_text())["assignments"]


def test_the_agenda_says_how_many_published_meetings_moved(files: tuple[Path, Path]) -> None:
    event, published = files
    outcome = runner.invoke(
        app, ["solve", str(event), "--published", str(published), "--time-limit", "2"]
    )
    assert outcome.exit_code == 0
    assert (
        "1 published meetings moved or left out (0 forced: their published place no longer "
        "allowed), minimal re-solve\n"
    ) in outcome.stdout
