"""The result file: what ``sidelines solve --out`` writes and ``sidelines validate`` reads.

Times are written in the event's local time with their UTC offset (ISO 8601), as organisers read
them. For a JAIR ``.dzn`` instance, meetings are the 1-based row numbers of ``requested`` and each
assignment also carries its 1-based ``slot`` and ``table``, so results compare directly with the
paper's tools.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sidelines.domain.ids import MeetingId, SessionId, SpaceId
from sidelines.domain.programme import AtSession, SessionEdge
from sidelines.formats.errors import InputError
from sidelines.scheduling.problem import Problem
from sidelines.scheduling.result import SolveResult
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.stability import changes


def result_to_dict(problem: Problem, result: SolveResult, *, dzn: bool = False) -> dict[str, Any]:
    zone = ZoneInfo(problem.timezone)
    assignments: list[dict[str, Any]] = []
    ordered = sorted(result.schedule.items(), key=lambda item: (item[1].start_slot, item[0]))
    for meeting_id, assignment in ordered:
        meeting = problem.meetings[problem.meeting_index[meeting_id]]
        start = problem.grid.start_of(assignment.start_slot).astimezone(zone)
        end = problem.grid.end_of(assignment.start_slot + meeting.duration_slots - 1)
        entry: dict[str, Any] = {
            "meeting": int(meeting_id) if dzn else meeting_id,
            "start": start.isoformat(),
            "end": end.astimezone(zone).isoformat(),
            "space": assignment.space,
            "at_session": (
                {"session": assignment.at_session.session, "edge": str(assignment.at_session.edge)}
                if assignment.at_session is not None
                else None
            ),
            "principals": [problem.principals[p].id for p in meeting.principals],
        }
        if dzn:
            entry["slot"] = assignment.start_slot + 1
            assert assignment.space is not None  # every B2B meeting sits at a table
            entry["table"] = problem.space_index[assignment.space] + 1
        assignments.append(entry)
    data: dict[str, Any] = {
        "instance": problem.name,
        "status": str(result.status),
        "strategy": result.strategy,
        "objective": result.objective.as_dict() if result.objective else None,
        "bound": (
            {
                "weight_scheduled": result.bound.weight_scheduled,
                "breaks": result.bound.breaks,
            }
            if result.bound
            else None
        ),
        "gap": result.gap,
        # Which term ``gap`` is of: with the weight proven best and breaks open, a share of a
        # bound of 0 breaks is always 1.0, which read as "100 % from the best".
        "open_term": result.open_term,
        "weight_gap": _weight_gap(result),
        "breaks_above_bound": (
            max(0, result.objective.breaks - result.bound.breaks)
            if result.objective is not None and result.bound is not None
            else None
        ),
        "wall_time_s": round(result.wall_time_s, 3),
        "interrupted": result.interrupted,
        "reason": result.reason,
        "assignments": assignments,
        "left_out": [
            {"meeting": int(m) if dzn else m, "reason": reason}
            for m, reason in result.left_out.items()
        ],
    }
    if problem.published is not None:
        data["moved"] = [
            {
                "meeting": int(change.meeting) if dzn else change.meeting,
                "from": _place(problem, change.before),
                "to": _place(problem, change.after) if change.after is not None else None,
                "forced": change.forced,
            }
            for change in changes(problem, result.schedule)
        ]
    return data


def _weight_gap(result: SolveResult) -> float | None:
    """How far the weight may be from the best, as a share of the bound (0.0 when proven)."""
    if result.objective is None or result.bound is None:
        return None
    above = max(0, result.bound.weight_scheduled - result.objective.weight_scheduled)
    return above / max(1, result.bound.weight_scheduled)


def _place(problem: Problem, assignment: Assignment) -> dict[str, Any]:
    """Where a meeting is or was: its start in the event's local time, and its space."""
    start = problem.grid.start_of(assignment.start_slot).astimezone(ZoneInfo(problem.timezone))
    return {"start": start.isoformat(), "space": assignment.space}


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` so that ``path`` holds either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, ensure_ascii=False)
            stream.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_schedule(path: Path, problem: Problem) -> dict[MeetingId, Assignment]:
    """The assignments of a result file, on the problem's grid.

    An assignment may give ``slot`` (1-based, as for ``.dzn`` instances) or ``start`` (ISO 8601
    with offset); ``table`` (1-based) or ``space`` (an id); or, for a brief contact held at a
    programme session, ``at_session`` (``{"session": id, "edge": "start" | "end"}``).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(path, f"cannot read the file: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(path, f"not valid JSON: {error.msg}", line=error.lineno) from None
    if not isinstance(data, dict) or not isinstance(data.get("assignments"), list):
        raise InputError(path, "expected an object with a list of 'assignments'")
    schedule: dict[MeetingId, Assignment] = {}
    for index, entry in enumerate(data["assignments"]):
        where = f"assignments[{index}]"
        if not isinstance(entry, dict) or "meeting" not in entry:
            raise InputError(path, "expected an object with a 'meeting'", path=where)
        meeting_id = MeetingId(str(entry["meeting"]))
        if meeting_id in schedule:
            raise InputError(path, f"meeting {meeting_id!r} is assigned twice", path=where)
        schedule[meeting_id] = Assignment(
            _start_slot(path, problem, entry, where),
            _space(path, problem, entry, where),
            _at_session(path, entry, where),
        )
    return schedule


def read_published_schedule(path: Path, problem: Problem) -> dict[MeetingId, Assignment]:
    """``read_schedule`` for a published schedule to re-plan against: every meeting it names
    must be one of the event's (a meeting withdrawn since is taken out of the file, not left
    for the re-plan to guess about)."""
    schedule = read_schedule(path, problem)
    for index, meeting_id in enumerate(schedule):
        if meeting_id not in problem.meeting_index:
            raise InputError(
                path,
                f"unknown meeting {meeting_id!r}: not a meeting of {problem.name}",
                path=f"assignments[{index}].meeting",
            )
    return schedule


def _start_slot(path: Path, problem: Problem, entry: dict[str, Any], where: str) -> int:
    if "slot" in entry:
        slot = entry["slot"]
        if not isinstance(slot, int) or isinstance(slot, bool):
            raise InputError(path, f"slot must be a whole number, got {slot!r}", path=where)
        # Said as written (from 1), not as the grid counts (from 0); and refused here, as a
        # table out of range is, before a re-plan indexes the grid with it.
        if not 1 <= slot <= problem.grid.n_slots:
            raise InputError(
                path,
                f"slot must be a number from 1 to {problem.grid.n_slots}, got {slot}",
                path=f"{where}.slot",
            )
        return slot - 1
    if "start" not in entry:
        raise InputError(path, "needs a 'start' or a 'slot'", path=where)
    try:
        start = datetime.fromisoformat(str(entry["start"]))
    except ValueError:
        raise InputError(
            path, f"start {entry['start']!r} is not an ISO 8601 date-time", path=f"{where}.start"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=ZoneInfo(problem.timezone))
    slot = problem.grid.slot_at(start)
    if slot is None:
        raise InputError(
            path,
            f"start {entry['start']} is not a start time of the event's "
            f"{problem.grid.grain_min}-minute grid",
            path=f"{where}.start",
        )
    return slot


def _space(path: Path, problem: Problem, entry: dict[str, Any], where: str) -> SpaceId | None:
    if "table" in entry:
        table = entry["table"]
        if not isinstance(table, int) or not 1 <= table <= len(problem.spaces):
            raise InputError(
                path,
                f"table must be a number from 1 to {len(problem.spaces)}, got {table!r}",
                path=f"{where}.table",
            )
        return problem.spaces[table - 1].id
    space = entry.get("space")
    return None if space is None else SpaceId(str(space))


def _at_session(path: Path, entry: dict[str, Any], where: str) -> AtSession | None:
    value = entry.get("at_session")
    if value is None:
        return None
    here = f"{where}.at_session"
    if not isinstance(value, dict) or not isinstance(value.get("session"), str):
        raise InputError(path, "expected an object with a 'session' id and an 'edge'", path=here)
    edge = value.get("edge", SessionEdge.START)
    if edge not in tuple(SessionEdge):
        raise InputError(path, f"edge must be 'start' or 'end', got {edge!r}", path=f"{here}.edge")
    return AtSession(SessionId(value["session"]), SessionEdge(edge))
