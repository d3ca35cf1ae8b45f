"""Start-up: the command line loads neither the solvers nor the web and database stack until a
command needs them, so that ``sidelines --help`` answers at once."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("ortools", "pysat", "sqlalchemy", "uvicorn", "fastapi", "alembic", "pydantic", "yaml")


def modules_loaded_by(statement: str) -> set[str]:
    probe = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return {name.split(".")[0] for name in output.split()}


def test_the_command_line_loads_no_solver_web_or_database_module() -> None:
    loaded = modules_loaded_by("import sidelines.cli.main")
    assert sorted(loaded & set(HEAVY)) == []


def test_reading_an_event_loads_no_solver() -> None:
    loaded = modules_loaded_by(
        "import sidelines.formats.event_loader, sidelines.scheduling.problem"
    )
    assert sorted(loaded & {"ortools", "pysat", "sqlalchemy"}) == []
