"""Why an agreed meeting is not on the schedule, told only to those who may know of it.

The meeting's sides and the organiser may ask; anyone else is answered "not found", exactly as
for a meeting that does not exist (``meetings.visible_meeting``). The explanation is computed
against the event's current schedule (its placed meetings, where they are). What the reader
learns of other meetings follows the event's confidentiality: a delegation sees its own meetings
by name and every other one as "another engagement", and no priorities (each side's are its own);
the organiser sees every booking, and priorities only when the event lets it see everything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from sidelines.domain import MeetingId, SpaceId
from sidelines.i18n import DEFAULT, N_, _, current, service_texts
from sidelines.i18n.words import words
from sidelines.scheduling.explanations import Fact, Said, explain
from sidelines.scheduling.rules import contact_at
from sidelines.scheduling.schedule import Assignment
from sidelines.services import notice_text
from sidelines.services.actors import Actor
from sidelines.services.event_problem import event_problem
from sidelines.services.events import domain_event
from sidelines.services.visibility import organiser_sees_everything, visible_meeting
from sidelines.storage.db import Database

# What an explanation says of a meeting that is held, cancelled or not held.
NOT_WAITING = N_("%(meeting)s is %(status)s, not waiting for a time")


@dataclass(frozen=True, slots=True)
class ExplanationView:
    meeting_id: int
    scheduled: bool
    summary: str
    facts: tuple[Fact, ...]
    text: str


def meeting_explanation(
    db: Database, actor: Actor, event_id: str, meeting_id: int
) -> ExplanationView:
    with db.reading() as session:
        return explanation_in(session, actor, event_id, meeting_id)


def explanation_in(
    session: Session, actor: Actor, event_id: str, meeting_id: int
) -> ExplanationView:
    """``meeting_explanation`` in a transaction already open (one that has just written, say)."""
    row = visible_meeting(session, actor, event_id, meeting_id)
    problem, rows = event_problem(session, event_id, lock_scheduled=True)
    key = MeetingId(str(row.id))
    if key not in problem.meeting_index:
        # Held, cancelled or not held: nothing is left to place.
        # Named in words, in the reader's language, as every sentence of the explanation.
        wording = notice_text.wording(session, domain_event(session, event_id), [row.id])
        summary = _(NOT_WAITING) % {"meeting": wording.name(row.id), "status": words(row.status)}
        return ExplanationView(row.id, row.starts_at is not None, summary, (), summary)
    schedule: dict[MeetingId, Assignment] = {}
    for meeting_idx, meeting in enumerate(problem.meetings):
        # Placed meetings come locked where they are; a lock agreed in the terms of a
        # meeting not yet placed is a wish, not a place on the schedule.
        if rows[meeting.id].starts_at is None or meeting.locked_start is None:
            continue
        if meeting.locked_space is not None:
            space = SpaceId(problem.spaces[meeting.locked_space].id)
            schedule[meeting.id] = Assignment(meeting.locked_start, space)
        else:
            at = contact_at(problem, meeting_idx, meeting.locked_start)
            schedule[meeting.id] = Assignment(meeting.locked_start, at_session=at)
    party = actor.acts_for(event_id)
    if party is not None:
        parties = {meeting.id: meeting.parties for meeting in problem.meetings}
        explanation = explain(
            problem,
            schedule,
            key,
            visible=lambda other: party in parties[other],
            priorities=False,
        )
    else:
        everything = organiser_sees_everything(session, event_id)
        explanation = explain(problem, schedule, key, priorities=everything)
    if current() == DEFAULT:
        return ExplanationView(
            row.id,
            explanation.scheduled,
            explanation.summary,
            explanation.facts,
            explanation.text,
        )
    # In the reader's language: each sentence from its text and values, the meetings the
    # engine names by format and sides named so in that language too.
    names = notice_text.engine_names(
        domain_event(session, event_id),
        (
            notice_text.MeetingLabel(str(meeting.format), tuple(meeting.parties))
            for meeting in problem.meetings
        ),
    )
    summary = _in_words(explanation.summary, explanation.summary_said, names)
    facts = tuple(
        replace(fact, text=_in_words(fact.text, fact.said, names)) for fact in explanation.facts
    )
    text = summary
    if facts:
        text += ": " + "; ".join(fact.text for fact in facts) + "."
    return ExplanationView(row.id, explanation.scheduled, summary, facts, text)


def _in_words(english: str, sentence: Said | None, names: dict[str, str]) -> str:
    if sentence is None:
        return service_texts.translate(english, names)
    values = {
        name: ", ".join(service_texts.translate_value(v, names) for v in value)
        if isinstance(value, tuple)
        else service_texts.translate_value(value, names)
        for name, value in sentence.values
    }
    return _(sentence.template) % values


__all__ = ["ExplanationView", "explanation_in", "meeting_explanation"]
