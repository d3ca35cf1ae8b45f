"""A schedule as an iCalendar file (RFC 5545), one VEVENT per meeting."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.schedule import Schedule


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "event"


def schedule_to_ical(
    problem: Problem, schedule: Schedule, *, stamp: datetime | None = None
) -> bytes:
    """The calendar of ``schedule``. UIDs are stable per event and meeting, so a calendar that
    imports a newer version updates the same entries instead of adding copies (RFC 5545 §3.8.4.7).
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Sidelines//Meeting schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", problem.name)
    stamp = stamp or datetime.now(UTC)
    domain = _slug(problem.name)
    for meeting_id, assignment in sorted(schedule.items(), key=lambda item: item[1].start_slot):
        meeting = problem.meetings[problem.meeting_index[meeting_id]]
        entry = CalendarEvent()
        entry.add("uid", f"{_slug(meeting_id)}@{domain}.sidelines")
        entry.add("dtstamp", stamp)
        entry.add("dtstart", problem.grid.start_of(assignment.start_slot))
        entry.add("dtend", problem.grid.end_of(assignment.start_slot + meeting.duration_slots - 1))
        who = " – ".join(problem.principals[p].label for p in meeting.principals)
        entry.add("summary", f"{meeting.label}: {who}" if meeting.label != meeting.id else who)
        if assignment.space is not None:
            entry.add("location", problem.spaces[problem.space_index[assignment.space]].label)
        calendar.add_component(entry)
    data: bytes = calendar.to_ical()
    return data
