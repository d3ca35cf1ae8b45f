"""Showing a result to people: the agenda table, the summary, the meetings left out."""

from __future__ import annotations

from itertools import groupby
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from sidelines.domain import MeetingId
from sidelines.i18n import format_span
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import SolveResult
from sidelines.scheduling.schedule import where
from sidelines.scheduling.stability import changes


def render_agenda(console: Console, problem: Problem, result: SolveResult) -> None:
    zone = ZoneInfo(problem.timezone)
    placed = sorted(result.schedule.items(), key=lambda item: (item[1].start_slot, item[0]))

    def day_of(item: tuple[MeetingId, object]) -> int:
        return problem.grid.day_of(result.schedule[item[0]].start_slot).index

    for day_index, items in groupby(placed, key=day_of):
        day = problem.grid.days[day_index]
        table = Table(title=f"{problem.name} — {day.date:%A %d %B %Y} ({problem.timezone})")
        table.add_column("Time", no_wrap=True)
        table.add_column("Meeting")
        table.add_column("Principals")
        table.add_column("Where")
        for meeting_id, assignment in items:
            meeting = problem.meetings[problem.meeting_index[meeting_id]]
            start = problem.grid.start_of(assignment.start_slot)
            end = problem.grid.end_of(assignment.start_slot + meeting.duration_slots - 1)
            table.add_row(
                format_span(start, end, zone),
                meeting.label,
                " – ".join(problem.principals[p].label for p in meeting.principals),
                where(problem, assignment),
            )
        console.print(table)
    render_summary(console, result)
    if problem.published is not None:
        moved = changes(problem, result.schedule)
        forced = sum(1 for change in moved if change.forced)
        console.print(
            f"{len(moved)} published meetings moved or left out ({forced} forced: their "
            f"published place no longer allowed), {problem.published.stability} re-solve",
            highlight=False,
        )
    if result.left_out:
        console.print(f"\n[bold]Left out ({len(result.left_out)}):[/bold]")
        for meeting_id, reason in result.left_out.items():
            label = problem.meetings[problem.meeting_index[meeting_id]].label
            console.print(f"  {label}: {reason}", highlight=False)


def describe_gap(result: SolveResult) -> str:
    """What is left open, for the term that is open: a share of the weight bound when weight is
    open; when weight is proven best and only breaks are open, the breaks above their bound (a
    share of a bound of 0 breaks would always read 100 %). With a schedule but no bound (on a
    large event the LP bound may not finish within the time limit), that the gap is unknown."""
    term = result.open_term
    if result.objective is not None and result.bound is None:
        return "no bound within the time limit: gap unknown"
    if result.objective is None or result.bound is None or result.gap is None:
        return ""
    if term == "weight":
        return f"weight gap {result.gap:.1%}"
    if term == "breaks":
        above = result.objective.breaks - result.bound.breaks
        return f"weight proven best; breaks gap {above} (at least {result.bound.breaks})"
    return "gap 0 (proven best)"


def render_summary(console: Console, result: SolveResult) -> None:
    parts = [f"status [bold]{result.status}[/bold]", f"strategy {result.strategy}"]
    if result.objective is not None:
        objective = result.objective
        parts.append(
            f"{objective.meetings_scheduled} meetings (weight {objective.weight_scheduled}), "
            f"{objective.breaks} breaks"
        )
    if result.bound is not None:
        # Which relaxation gave the weight bound, when one did: the gap is only as tight as it.
        kind = f"{result.bound.kind}, " if result.bound.kind else ""
        parts.append(
            f"bound: {kind}weight {result.bound.weight_scheduled}, breaks {result.bound.breaks}"
        )
    gap = describe_gap(result)
    if gap:
        parts.append(gap)
    parts.append(f"{result.wall_time_s:.1f} s")
    if result.interrupted:
        parts.append("interrupted: best schedule so far")
    console.print("\n" + " · ".join(parts), highlight=False)
    if result.reason:
        console.print(result.reason, highlight=False)
