"""The result file: what a solve writes is what validation reads back."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from sidelines.domain import Event, MeetingFormat
from sidelines.formats.errors import InputError
from sidelines.formats.result_file import read_schedule, result_to_dict, write_json_atomically
from sidelines.scheduling import (
    Bound,
    SolveOptions,
    SolveStatus,
    Strategy,
    build_problem,
    solve,
)
from tests.builders import event, meeting, session, span


def retreat_event() -> Event:
    return event(
        ["A", "B"],
        [
            meeting(
                "greet",
                "A",
                "B",
                format=MeetingFormat.BRIEF_CONTACT,
                windows=(span((10, 0), (10, 30)),),
            )
        ],
        programme=(session("retreat", ["A", "B"], (10, 0), (11, 0)),),
        grain_min=5,
    )


def test_result_file_keeps_the_session_of_a_contact(tmp_path: Path) -> None:
    problem = build_problem(retreat_event())
    result = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=1.0))
    data = result_to_dict(problem, result)
    assert data["assignments"][0]["at_session"] == {"session": "retreat", "edge": "start"}
    path = tmp_path / "result.json"
    write_json_atomically(path, data)
    assert read_schedule(path, problem) == result.schedule


def test_result_file_with_a_bad_session_edge_names_the_field(tmp_path: Path) -> None:
    problem = build_problem(retreat_event())
    path = tmp_path / "result.json"
    entry = {"meeting": "greet", "start": "2030-05-06T10:00:00+00:00"}
    path.write_text(
        json.dumps(
            {"assignments": [{**entry, "at_session": {"session": "retreat", "edge": "middle"}}]}
        )
    )
    with pytest.raises(InputError) as raised:
        read_schedule(path, problem)
    assert "assignments[0].at_session.edge" in str(raised.value)
    assert "edge must be 'start' or 'end', got 'middle'" in str(raised.value)


def test_result_file_says_which_term_its_gap_is_of() -> None:
    # Every meeting placed, the weight proven best, breaks above their bound of 0: the file's
    # "gap" of 1.0 read as 100 % from the best, where the command line says "weight proven
    # best; breaks gap 4". The file names the open term and the breaks above their bound.
    problem = build_problem(event(["A", "B"], [meeting("m", "A", "B")]))
    placed = solve(problem, SolveOptions(strategy=Strategy.HEURISTIC, time_limit_s=0.2))
    assert placed.objective is not None
    breaks_open = replace(
        placed,
        status=SolveStatus.FEASIBLE,
        objective=replace(placed.objective, breaks=4),
        bound=Bound(placed.objective.weight_scheduled, 0),
    )
    weight_open = replace(placed, bound=Bound(placed.objective.weight_scheduled + 1, 0))

    data = result_to_dict(problem, breaks_open)
    assert (data["open_term"], data["weight_gap"], data["breaks_above_bound"]) == ("breaks", 0.0, 4)
    data = result_to_dict(problem, weight_open)
    assert (data["open_term"], data["weight_gap"]) == ("weight", 0.5)
