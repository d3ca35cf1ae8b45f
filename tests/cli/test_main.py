"""The command line: messages and exit codes, exactly, for good and bad input."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sidelines.cli import main
from sidelines.cli.main import app
from sidelines.scheduling import SolveOptions, SolveResult, solve
from sidelines.scheduling.problem import Problem

runner = CliRunner()

# Four participants, three meetings, two tables, four slots (two in the morning).
SMALL_DZN = """\
nBusiness = 4;
nMeetings = 3;
nTables = 2;
nTotalSlots = 4;
nMorningSlots = 2;
requested = [|1, 2, 3,
|1, 3, 3,
|3, 4, 1,
|];
meetingsxBusiness = [{1,2,3}, {1,2}, {1,3,4}, {1,4}];
nMeetingsBusiness = [2, 1, 2, 1];
forbidden = [{0}, {0}, {0}, {0}];
fixed = [0, 0, 0];
precedences = [{}, {}, {}];
"""


@pytest.fixture
def small_dzn(tmp_path: Path) -> Path:
    path = tmp_path / "small.dzn"
    path.write_text(SMALL_DZN)
    return path


def write_result(tmp_path: Path, assignments: list[dict[str, object]]) -> Path:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"assignments": assignments}))
    return path


def test_validate_accepts_a_valid_result(small_dzn: Path, tmp_path: Path) -> None:
    result = write_result(
        tmp_path,
        [
            {"meeting": 1, "slot": 2, "table": 1},
            {"meeting": 2, "slot": 1, "table": 1},
            {"meeting": 3, "slot": 2, "table": 2},
        ],
    )
    outcome = runner.invoke(app, ["validate", str(small_dzn), str(result)])
    assert (outcome.exit_code, outcome.stdout) == (0, "valid: 3 meetings, no rule broken\n")


def test_validate_lists_violations_and_exits_1(small_dzn: Path, tmp_path: Path) -> None:
    result = write_result(
        tmp_path,
        [
            {"meeting": 1, "slot": 1, "table": 1},
            {"meeting": 2, "slot": 1, "table": 2},
            {"meeting": 3, "slot": 3, "table": 1},
        ],
    )
    outcome = runner.invoke(app, ["validate", str(small_dzn), str(result)])
    assert outcome.exit_code == 1
    assert outcome.stdout.splitlines() == [
        "[meeting_within_its_windows] 3 at Wed 01 Jun 10:00–10:30 is outside its allowed "
        "windows (morning only)",
        "[principal_not_double_booked] Participant 1 double-booked at Wed 01 Jun 09:00: "
        "1 (Wed 01 Jun 09:00–09:30) and 2 (Wed 01 Jun 09:00–09:30)",
        "2 violation(s)",
    ]


@pytest.mark.parametrize("command", ["solve", "validate"])
def test_missing_instance_file_exits_2_without_traceback(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    args = [command, str(missing)] + ([str(tmp_path / "r.json")] if command == "validate" else [])
    outcome = runner.invoke(app, args)
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert "Traceback" not in outcome.stderr
    assert outcome.stderr.startswith(f"error: {missing}: ")


def test_unknown_kind_of_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "event.txt"
    path.write_text("hello")
    outcome = runner.invoke(app, ["solve", str(path)])
    assert (outcome.exit_code, outcome.stderr) == (
        2,
        f"error: {path}: unknown kind of file .txt: expected .yaml, .yml, .json or .dzn\n",
    )


def test_truncated_dzn_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.dzn"
    path.write_text(SMALL_DZN[: SMALL_DZN.index("meetingsxBusiness") + 30])
    out = tmp_path / "out.json"
    outcome = runner.invoke(app, ["solve", str(path), "--out", str(out)])
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith(f"error: {path}:10: ")
    assert not out.exists()


def test_validate_reports_bad_result_file(small_dzn: Path, tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    result.write_text('{"assignments": [\n  {"meeting": 1, "slot": "x"}\n]}')
    outcome = runner.invoke(app, ["validate", str(small_dzn), str(result)])
    assert (outcome.exit_code, outcome.stderr) == (
        2,
        f"error: {result}: assignments[0]: slot must be a whole number, got 'x'\n",
    )


def test_validate_reports_result_file_syntax_error_with_line(
    small_dzn: Path, tmp_path: Path
) -> None:
    result = tmp_path / "result.json"
    result.write_text('{"assignments": [\n  {"meeting": 1,, }\n]}')
    outcome = runner.invoke(app, ["validate", str(small_dzn), str(result)])
    assert (outcome.exit_code, outcome.stderr) == (
        2,
        f"error: {result}:2: not valid JSON: Expecting property name enclosed in double quotes\n",
    )


def test_schema_prints_json_schema() -> None:
    outcome = runner.invoke(app, ["schema"])
    assert outcome.exit_code == 0
    schema = json.loads(outcome.stdout)
    assert schema["type"] == "object"
    assert "meetings" in schema["properties"]


EXAMPLES = Path(__file__).parents[2] / "examples"

SMALL_EVENT = """\
id: small
name: Small forum
timezone: Europe/Lisbon
days: [2030-05-06]
day_start: "09:00"
day_end: "11:00"
grain_min: 30
parties:
  - {id: A, name: Alpha}
  - {id: B, name: Beta}
principals:
  - {party: A, name: Ana}
  - {party: B, name: Bruno}
spaces:
  - {id: T1, name: Table 1, kind: table}
meetings:
  - {principals: [A, B], format: b2b, duration_min: 30}
"""


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        (
            "timezone: Europe/Lisbon",
            "timezone: Mars/Olympus",
            "3: timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as "
            "'America/Lima' or 'Europe/Paris'",
        ),
        (
            "format: b2b, duration_min: 30}",
            "format: b2b, duration_min: 45}",
            "17: meetings[0].duration_min: duration 45 min is not a whole number of the "
            "event's 30-minute steps",
        ),
        (
            "{party: B, name: Bruno}",
            "{party: B, name: Bruno, rang: 1}",
            "13: principals[1].rang: unknown field; did you mean 'rank'?",
        ),
        (
            "principals: [A, B]",
            "principals: [A, C]",
            "17: meetings[0].principals[1]: unknown principal or party 'C'",
        ),
        (
            "grain_min: 30",
            "grain_min: [30",
            "8: YAML syntax error: expected ',' or ']', but got ':'",
        ),
    ],
    ids=["time zone", "duration", "unknown field", "unknown party", "syntax"],
)
def test_bad_event_file_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    path = tmp_path / "event.yaml"
    path.write_text(SMALL_EVENT.replace(old, new))
    out = tmp_path / "result.json"
    outcome = runner.invoke(app, ["solve", str(path), "--out", str(out)])
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (
        2,
        "",
        f"error: {path}:{where}\n",
    )
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["apec-2016-lima.yaml", "b2b-forum.yaml"])
def test_example_solves_and_its_result_validates(name: str, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    solved = runner.invoke(
        app, ["solve", str(EXAMPLES / name), "--time-limit", "3", "--out", str(out)]
    )
    assert solved.exit_code == 0
    result = json.loads(out.read_text())
    assert result["status"] in ("optimal", "feasible")
    assert len(result["assignments"]) == result["objective"]["meetings_scheduled"]
    checked = runner.invoke(app, ["validate", str(EXAMPLES / name), str(out)])
    assert (checked.exit_code, checked.stdout) == (
        0,
        f"valid: {len(result['assignments'])} meetings, no rule broken\n",
    )


def test_solve_prints_ics_with_one_event_per_meeting(small_dzn: Path) -> None:
    from icalendar import Calendar

    outcome = runner.invoke(app, ["solve", str(small_dzn), "--time-limit", "2", "--format", "ics"])
    assert outcome.exit_code == 0
    calendar = Calendar.from_ical(outcome.stdout)
    events = calendar.walk("VEVENT")
    assert sorted(str(e["UID"]).split("@")[0] for e in events) == ["1", "2", "3"]


@pytest.mark.parametrize(("given", "expected"), [([], SolveOptions().workers), (["3"], 3)])
def test_solve_passes_workers_to_the_engine(
    small_dzn: Path, monkeypatch: pytest.MonkeyPatch, given: list[str], expected: int
) -> None:
    seen: list[SolveOptions] = []

    def spy(problem: Problem, options: SolveOptions) -> SolveResult:
        seen.append(options)
        return solve(problem, options)

    monkeypatch.setattr(main, "solve", spy)
    arguments = ["--workers", *given] if given else []
    outcome = runner.invoke(app, ["solve", str(small_dzn), "--time-limit", "1", *arguments])
    assert outcome.exit_code == 0
    assert [options.workers for options in seen] == [expected]


@pytest.mark.parametrize("workers", ["0", "-2"])
def test_solve_refuses_fewer_than_one_worker(small_dzn: Path, workers: str) -> None:
    outcome = runner.invoke(app, ["solve", str(small_dzn), "--workers", workers])
    assert outcome.exit_code == 2
    assert "Invalid value for '--workers'" in outcome.stderr
    assert "greater than or equal to 1" in outcome.stderr
    assert "Traceback" not in outcome.output


def test_solve_help_names_workers() -> None:
    outcome = runner.invoke(app, ["solve", "--help"])
    assert outcome.exit_code == 0
    assert "--workers" in outcome.stdout


def test_solve_refuses_an_out_that_is_a_folder_before_it_solves(
    small_dzn: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unwanted(problem: Problem, options: SolveOptions) -> SolveResult:
        raise AssertionError("solved before --out was checked")

    monkeypatch.setattr(main, "solve", unwanted)
    outcome = runner.invoke(app, ["solve", str(small_dzn), "--out", str(tmp_path)])
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (
        2,
        "",
        f"error: --out: {tmp_path} is a folder; name the file to write\n",
    )


def test_solve_says_when_its_out_cannot_be_written(small_dzn: Path, tmp_path: Path) -> None:
    out = tmp_path / "small.dzn" / "result.json"  # a file's name as a folder
    (tmp_path / "small.dzn").write_text(SMALL_DZN)
    outcome = runner.invoke(app, ["solve", str(small_dzn), "--time-limit", "1", "--out", str(out)])
    assert (outcome.exit_code, outcome.stdout) == (2, "")
    assert outcome.stderr.splitlines()[-1] == (
        f"error: {out}: cannot write: {tmp_path / 'small.dzn'} is a file, not a folder"
    )


def _commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name, command in group.commands.items():
        found.append((prefix + name, command))
        if hasattr(command, "commands"):  # a group of its own
            found += _commands(command, f"{prefix}{name} ")
    return found


def test_each_command_s_summary_is_one_paragraph_without_a_line_break() -> None:
    # A group's --help lists each command by the first paragraph of its help, line breaks kept:
    # a summary broken over lines there reads "with a worker for messages, batch" / "solves".
    broken = [
        name
        for name, command in _commands(typer.main.get_group(app))
        if "\n" in inspect.cleandoc(command.help or "").split("\n\n")[0]
    ]
    assert broken == []


@pytest.mark.parametrize("slot", [0, 5, -1, 99])
@pytest.mark.parametrize("command", ["validate", "published"])
def test_a_result_s_slot_outside_the_event_is_refused_naming_it(
    small_dzn: Path, tmp_path: Path, slot: int, command: str
) -> None:
    # Slots are counted from 1, as in the .dzn file: the refusal says the number as written.
    result = write_result(tmp_path, [{"meeting": 1, "slot": slot, "table": 1}])
    arguments = (
        ["validate", str(small_dzn), str(result)]
        if command == "validate"
        else ["solve", str(small_dzn), "--published", str(result), "--time-limit", "1"]
    )
    outcome = runner.invoke(app, arguments)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (
        2,
        "",
        f"error: {result}: assignments[0].slot: slot must be a number from 1 to 4, got {slot}\n",
    )
