"""Calendars as iCalendar files (RFC 5545): a solved schedule, or a delegation's feed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from sidelines.scheduling.problem import Problem
from sidelines.scheduling.schedule import Schedule


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One VEVENT. ``uid`` must stay the same for the same meeting in every version of a
    calendar and ``sequence`` must grow with every revision of it, or calendar programs add
    copies or keep stale times (RFC 5545 §3.8.4.7, §3.8.7.4). ``status`` is ``CONFIRMED``,
    ``TENTATIVE`` or ``CANCELLED``, or None to leave it out."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str | None = None
    description: str | None = None
    sequence: int = 0
    status: str | None = None
    last_modified: datetime | None = None


def calendar_to_ical(
    name: str, entries: Iterable[CalendarEntry], *, stamp: datetime | None = None
) -> bytes:
    """An iCalendar file of ``entries``; times are written in UTC."""
    calendar = Calendar()
    calendar.add("prodid", "-//Sidelines//Meeting schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = stamp or datetime.now(UTC)
    for item in entries:
        entry = CalendarEvent()
        entry.add("uid", item.uid)
        entry.add("dtstamp", stamp)
        entry.add("dtstart", item.start.astimezone(UTC))
        entry.add("dtend", item.end.astimezone(UTC))
        entry.add("summary", item.summary)
        entry.add("sequence", item.sequence)
        if item.location:
            entry.add("location", item.location)
        if item.description:
            entry.add("description", item.description)
        if item.status is not None:
            entry.add("status", item.status)
        if item.last_modified is not None:
            entry.add("last-modified", item.last_modified.astimezone(UTC))
        calendar.add_component(entry)
    data: bytes = calendar.to_ical()
    return data


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "event"


def schedule_to_ical(
    problem: Problem, schedule: Schedule, *, stamp: datetime | None = None
) -> bytes:
    """The calendar of ``schedule``. UIDs are stable per event and meeting, so a calendar that
    imports a newer version updates the same entries instead of adding copies."""
    domain = _slug(problem.name)
    entries = []
    for meeting_id, assignment in sorted(schedule.items(), key=lambda item: item[1].start_slot):
        meeting = problem.meetings[problem.meeting_index[meeting_id]]
        who = " – ".join(problem.principals[p].label for p in meeting.principals)
        entries.append(
            CalendarEntry(
                uid=f"{_slug(meeting_id)}@{domain}.sidelines",
                start=problem.grid.start_of(assignment.start_slot),
                end=problem.grid.end_of(assignment.start_slot + meeting.duration_slots - 1),
                summary=f"{meeting.label}: {who}" if meeting.label != meeting.id else who,
                location=(
                    problem.spaces[problem.space_index[assignment.space]].label
                    if assignment.space is not None
                    else None
                ),
            )
        )
    return calendar_to_ical(problem.name, entries, stamp=stamp)
