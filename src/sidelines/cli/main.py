"""``sidelines``: solve an instance, validate a result, explain a meeting left out, print the
event file schema."""

from __future__ import annotations

import json
import signal
import sys
import threading
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sidelines.cli import attendance, history, onsite, schedule, server, sheets, worker
from sidelines.cli.output import check_out, write_out
from sidelines.cli.pipes import Console, QuietOnClosedPipe
from sidelines.cli.progress import ProgressReporter
from sidelines.cli.render import render_agenda
from sidelines.domain import MeetingId
from sidelines.formats.errors import InputError
from sidelines.formats.result_file import (
    read_published_schedule,
    read_schedule,
    result_to_dict,
    write_json_atomically,
)
from sidelines.scheduling import SolveOptions, SolveResult, Strategy, solve, validate
from sidelines.scheduling.explanations import UnknownMeeting, explain
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.stability import (
    Published,
    Stability,
    parse_move_budget,
    with_published,
)

if TYPE_CHECKING:
    from types import FrameType

    from sidelines.cli.instances import Instance

# The event reader (pydantic, PyYAML) and the solvers (``sidelines.scheduling.solve`` loads them on
# first use) are imported where a command needs them, so that ``sidelines --help`` starts at once.

# Exit codes: 0 done (an infeasible instance is an answer, not an error), 1 the schedule breaks
# rules, 2 the input cannot be read, 141 the reader of stdout went away (``cli.pipes``).
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2

app = typer.Typer(
    name="sidelines",
    help="Arrange meetings on the sidelines of summits and at B2B partnering events.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=QuietOnClosedPipe,
)
stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    ICS = "ics"


def open_instance(path: Path, fairness: int | None = None) -> Instance:
    """``cli.instances.open_instance``, imported on first use (it loads the event reader)."""
    from sidelines.cli.instances import open_instance as open_file

    return open_file(path, fairness)


def fail(error: InputError) -> typer.Exit:
    stderr.print(f"error: {error}", highlight=False, markup=False)
    return typer.Exit(EXIT_BAD_INPUT)


def run_solve(problem: Problem, options: SolveOptions) -> SolveResult:
    """Solve in a worker thread so that Ctrl-C stops the search and keeps the best schedule.

    Ctrl-C is taken by a handler of SIGINT that only asks the search to stop, rather than as
    a KeyboardInterrupt: raised inside the main thread's wait, one can leave a lock of the
    threading module held, and then the wait, or the worker's report that it is done, blocks
    for ever (CPython gh-90882 for ``Thread.join``; ``Event.wait`` takes locks the same way).
    A solve interrupted at 0.8 s in the test suite once went on past 60 s; a handler that
    raises nothing takes that way of hanging away. The main thread waits on an Event in short
    slices, so that it notices the request.
    """
    outcome: list[SolveResult] = []
    failure: list[BaseException] = []
    done = threading.Event()
    asked = threading.Event()

    def work() -> None:
        try:
            outcome.append(solve(problem, options))
        except BaseException as error:  # handed to the main thread, raised there
            failure.append(error)
        finally:
            done.set()

    def interrupt(_signal: int, _frame: FrameType | None) -> None:
        asked.set()
        options.stop.set()

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, interrupt) if in_main else None
    try:
        threading.Thread(target=work, daemon=True).start()
        told = False
        while not done.is_set():
            done.wait(0.2)
            if asked.is_set() and not told:
                stderr.print("interrupted: stopping and keeping the best schedule so far…")
                told = True
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    if asked.is_set() and not told:
        stderr.print("interrupted: stopping and keeping the best schedule so far…")
    if failure:
        raise failure[0]
    return replace(outcome[0], interrupted=True) if asked.is_set() else outcome[0]


@app.command("solve")
def solve_command(
    instance: Annotated[Path, typer.Argument(help="Event file (.yaml, .yml, .json) or JAIR .dzn")],
    time_limit: Annotated[float, typer.Option(help="Seconds to search.", min=0.1)] = 30.0,
    fairness: Annotated[
        int | None, typer.Option(help="Largest max − min breaks over principals.", min=0)
    ] = None,
    strategy: Annotated[Strategy, typer.Option(help="How to search.")] = Strategy.AUTO,
    out: Annotated[Path | None, typer.Option(help="Write the result as JSON here.")] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="What to print on stdout.")
    ] = OutputFormat.TABLE,
    seed: Annotated[int, typer.Option(help="Random seed of the search.")] = 0,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Searches run in parallel (default: one per CPU core of this machine)."
        ),
    ] = None,
    published: Annotated[
        Path | None,
        typer.Option(
            metavar="RESULT.json", help="Re-plan against this published schedule (a result file)."
        ),
    ] = None,
    stability: Annotated[
        Stability,
        typer.Option(
            help="With --published: keep it, move at most --max-moves, or re-plan freely."
        ),
    ] = Stability.MINIMAL,
    max_moves: Annotated[
        str | None,
        typer.Option(
            metavar="N|P%",
            help="With --published and minimal: published meetings that may move (default 1%, "
            "at least one).",
        ),
    ] = None,
) -> None:
    """Schedule the meetings of INSTANCE and print the agenda."""
    if out is not None:
        check_out(out)
    try:
        loaded = open_instance(instance, fairness)
    except InputError as error:
        raise fail(error) from None
    problem = loaded.problem
    if published is not None:
        problem = against_published(problem, published, stability, max_moves)
    elif max_moves is not None:
        raise fail(InputError("--max-moves", "needs --published RESULT.json"))
    with ProgressReporter(stderr) as reporter:
        options = SolveOptions(
            strategy=strategy, time_limit_s=time_limit, seed=seed, on_progress=reporter
        )
        if workers is not None:
            options = replace(options, workers=workers)
        result = run_solve(problem, options)
    data = result_to_dict(problem, result, dzn=loaded.is_dzn)
    if out is not None:
        write_out(out, lambda path: write_json_atomically(path, data))
    if output_format is OutputFormat.JSON:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    elif output_format is OutputFormat.ICS:
        from sidelines.formats.ical import schedule_to_ical

        sys.stdout.write(schedule_to_ical(problem, result.schedule).decode("utf-8"))
    else:
        render_agenda(stdout, problem, result)


def against_published(
    problem: Problem, path: Path, stability: Stability, max_moves: str | None
) -> Problem:
    """The problem re-planning against the published schedule in ``path``; a bad file or
    budget ends the command with exit code 2."""
    try:
        schedule = read_published_schedule(path, problem)
    except InputError as error:
        raise fail(error) from None
    budget: int | None = None
    if max_moves is not None:
        try:
            budget = parse_move_budget(max_moves, len(schedule))
        except ValueError as error:
            raise fail(InputError("--max-moves", str(error))) from None
    return with_published(problem, Published(schedule, stability, budget))


@app.command("validate")
def validate_command(
    instance: Annotated[Path, typer.Argument(help="Event file (.yaml, .yml, .json) or JAIR .dzn")],
    result_file: Annotated[Path, typer.Argument(metavar="RESULT.json", help="A result file.")],
    fairness: Annotated[
        int | None, typer.Option(help="Largest max − min breaks over principals.", min=0)
    ] = None,
) -> None:
    """Check a result against every hard rule; exit code 1 if any is broken."""
    try:
        loaded = open_instance(instance, fairness)
        schedule = read_schedule(result_file, loaded.problem)
    except InputError as error:
        raise fail(error) from None
    violations = validate(loaded.problem, schedule)
    for violation in violations:
        stdout.print(str(violation), highlight=False, markup=False)
    if violations:
        stdout.print(f"{len(violations)} violation(s)", highlight=False)
        raise typer.Exit(EXIT_VIOLATIONS)
    stdout.print(f"valid: {len(schedule)} meetings, no rule broken", highlight=False)


@app.command("explain")
def explain_command(
    instance: Annotated[Path, typer.Argument(help="Event file (.yaml, .yml, .json) or JAIR .dzn")],
    arguments: Annotated[
        list[str],
        typer.Argument(
            metavar="[RESULT.json] MEETING",
            help="A result file (without one, the instance is solved first) and a meeting id.",
        ),
    ],
    time_limit: Annotated[
        float, typer.Option(help="Seconds to search when no result is given.", min=0.1)
    ] = 10.0,
    fairness: Annotated[
        int | None, typer.Option(help="Largest max − min breaks over principals.", min=0)
    ] = None,
) -> None:
    """Say why MEETING is not in the schedule: the facts that block each time it could have."""
    if len(arguments) > 2:
        stderr.print(
            "error: expected [RESULT.json] MEETING, got " + " ".join(arguments),
            highlight=False,
            markup=False,
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    meeting_id = MeetingId(arguments[-1])
    try:
        loaded = open_instance(instance, fairness)
        if loaded.problem.meeting_index.get(meeting_id) is None:
            raise InputError(instance, f"no meeting {meeting_id!r}", path="meetings")
        if len(arguments) == 2:
            schedule = read_schedule(Path(arguments[0]), loaded.problem)
        else:
            with ProgressReporter(stderr) as reporter:
                options = SolveOptions(time_limit_s=time_limit, on_progress=reporter)
                schedule = run_solve(loaded.problem, options).schedule
        explanation = explain(loaded.problem, schedule, meeting_id)
    except InputError as error:
        raise fail(error) from None
    except UnknownMeeting:  # checked above; kept for a result naming what the instance lacks
        raise fail(InputError(instance, f"no meeting {meeting_id!r}", path="meetings")) from None
    if not explanation.facts:
        stdout.print(explanation.summary, highlight=False, markup=False)
        return
    stdout.print(explanation.summary + ":", highlight=False, markup=False)
    for fact in explanation.facts:
        stdout.print(f"  - {fact.text}", highlight=False, markup=False)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of event files."""
    from sidelines.formats.event_loader import event_json_schema

    sys.stdout.write(json.dumps(event_json_schema(), indent=2) + "\n")


app.command("serve")(server.serve)
app.command("demo")(server.demo)
app.command("worker")(worker.worker)
app.add_typer(server.user_app, name="user")
app.add_typer(server.event_app, name="event")
app.add_typer(history.history_app, name="history")
app.add_typer(onsite.onsite_app, name="onsite")
app.add_typer(schedule.schedule_app, name="schedule")
app.add_typer(sheets.print_app, name="print")
app.add_typer(attendance.attendance_app, name="attendance")


def main() -> None:
    app()
