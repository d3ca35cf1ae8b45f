"""Where meetings may start, shared by the CP-SAT model and the MaxSAT encoding: the MaxSAT
path (encoding, searches, the heuristic beside them) loads no OR-Tools, whose model import costs
about 0.4 s of CPU before the first schedule."""

from __future__ import annotations

from sidelines.domain import MeetingFormat, Principal
from sidelines.scheduling import build_problem
from sidelines.scheduling.starts import NO_CLASS, candidate_classes, start_mask
from tests.builders import event, meeting, principal, span, table
from tests.cli.test_startup import modules_loaded_by


def test_the_maxsat_path_loads_no_ortools() -> None:
    loaded = modules_loaded_by(
        "import sidelines.scheduling.maxsat.solver, sidelines.scheduling.anytime, "
        "sidelines.scheduling.solve"
    )
    assert "pysat" in loaded
    assert "ortools" not in loaded


def test_asking_whether_maxsat_applies_loads_no_solver() -> None:
    # ``auto`` asks it of every event, also on a limit of 0, where no search runs.
    loaded = modules_loaded_by("from sidelines.scheduling.maxsat import unsupported")
    assert sorted(loaded & {"pysat", "ortools", "numpy"}) == []


def test_the_cpsat_model_loads_ortools() -> None:
    assert "ortools" in modules_loaded_by("import sidelines.scheduling.cpsat.variables")


def test_a_pull_aside_takes_no_space_and_a_b2b_meeting_every_class() -> None:
    problem = build_problem(
        event(
            ["A", "B"],
            [
                meeting("ab", "A", "B"),
                meeting("aside", "A", "B", format=MeetingFormat.PULL_ASIDE, duration_min=30),
            ],
            spaces=[table("T1"), table("T2", capacity=4)],
        )
    )

    assert candidate_classes(problem, 1) == [NO_CLASS]
    assert candidate_classes(problem, 0) == [c.index for c in problem.space_classes]


def test_an_unavailable_principal_narrows_the_start_mask() -> None:
    def mask(*principals: Principal | str) -> int:
        problem = build_problem(
            event(list(principals), [meeting("ab", "A", "B")], spaces=[table("T1")])
        )
        return start_mask(problem, 0, candidate_classes(problem, 0)[0])

    free = mask("A", "B")
    narrowed = mask("A", principal("B", unavailable=(span((9, 0), (10, 0)),)))

    assert narrowed != 0
    assert narrowed & free == narrowed
    assert narrowed != free
