"""The words people read for machine values (formats, states, press plans, kinds): one table,
translated where shown, on the pages and on the printed sheets (page and PDF) alike. The API
keeps the values themselves (``bilateral_restricted``), never these words."""

from __future__ import annotations

import re

from sidelines.i18n import N_, gettext, pgettext

# Each value as English words; ``words`` translates them in the reader's language. A value not
# listed reads as itself with spaces for underscores.
WORDS = {
    # Meeting formats
    "bilateral_restricted": N_("bilateral restricted"),
    "bilateral_expanded": N_("bilateral expanded"),
    "trilateral": N_("trilateral"),
    "pull_aside": N_("pull aside"),
    "courtesy_call": N_("courtesy call"),
    "brief_contact": N_("brief contact"),
    "meal_conversation": N_("meal conversation"),
    "b2b": N_("b2b"),
    # Request states and answers
    "draft": N_("draft"),
    "sent": N_("sent"),
    "countered": N_("countered"),
    "accepted": N_("accepted"),
    "deferred": N_("deferred"),
    "declined": N_("declined"),
    "withdrawn": N_("withdrawn"),
    "expired": N_("expired"),
    "accept": N_("accept"),
    "counter": N_("counter"),
    "defer": N_("defer"),
    "soft_decline": N_("soft decline"),
    "decline": N_("decline"),
    "requester": N_("requester"),
    "invitee": N_("invitee"),
    # Meeting statuses, and what a report says of a meeting
    "agreed": N_("agreed"),
    "scheduled": N_("scheduled"),
    "held": N_("held"),
    "held_as_downgraded": N_("held as downgraded"),
    "cancelled": N_("cancelled"),
    "not_held": N_("not held"),
    "planned": N_("planned"),
    "possible_not_planned": N_("possible, not planned"),
    "denied": N_("denied"),
    "dropped": N_("dropped"),
    "merged": N_("in the record"),
    "proposed": N_("proposed"),
    # A report's time of day
    "morning": N_("morning"),
    "afternoon": N_("afternoon"),
    "evening": N_("evening"),
    "night": N_("night"),
    # Terms of a request
    "contact": N_("contact"),
    "format": N_("format"),
    "time": N_("time"),
    "place": N_("place"),
    "host": N_("host"),
    "attendees": N_("attendees"),
    "interpretation": N_("interpretation"),
    "press": N_("press"),
    # Press plans
    "none": N_("no press"),
    "pool_spray": N_("pool spray"),
    "open_press": N_("open press"),
    # Statements
    "readout": N_("readout"),
    "confirmation": N_("confirmation"),
    "denial": N_("denial"),
    "joint": N_("joint"),
    "announcement": N_("announcement"),
    "side": N_("side"),
    "counterpart": N_("counterpart"),
    "public": N_("public"),
    # Printed sheets (services.sheets.SheetKind)
    "run-sheet": N_("run-sheet"),
    "door-sheet": N_("door sheet"),
    "overview": N_("day overview"),
    # Spaces
    "bilateral_room": N_("bilateral room"),
    "delegation_premises": N_("delegation premises"),
    "neutral": N_("neutral"),
    "table": N_("table"),
    "secure": N_("secure"),
    # Ranks of attendees
    "head_of_state_or_government": N_("head of state or government"),
    "head_of_state": N_("head of state"),
    "head_of_government": N_("head of government"),
    "deputy_head": N_("deputy head"),
    "head_of_organisation": N_("head of organisation"),
    "minister_for_foreign_affairs": N_("minister for foreign affairs"),
    "minister": N_("minister"),
    "deputy_minister": N_("deputy minister"),
    "ambassador": N_("ambassador"),
    "senior_official": N_("senior official"),
    "executive": N_("executive"),
    "representative": N_("representative"),
    # Solves: their runs, results, stability and objective
    "starting": N_("starting"),
    "running": N_("running"),
    "done": N_("done"),
    "failed": N_("failed"),
    "published": N_("published"),
    "optimal": N_("optimal"),
    "feasible": N_("feasible"),
    "infeasible": N_("infeasible"),
    "unknown": N_("unknown"),
    "keep": N_("keep"),
    "minimal": N_("minimal"),
    "free": N_("free"),
    "weight_scheduled": N_("weight scheduled"),
    "meetings_scheduled": N_("meetings scheduled"),
    "breaks": N_("breaks"),
    "breaks_spread": N_("breaks spread"),
    "preferences_met": N_("preferences met"),
    "moves": N_("moves"),
    # Who confirmed a meeting for a side: the posts of the report reader's roster
    # (formats/reports/gazetteer), and a principal of the meeting speaking for itself
    "principal": N_("principal"),
    "leader": N_("leader"),
    "vice president": N_("vice president"),
    "deputy prime minister": N_("deputy prime minister"),
    "presidential office": N_("presidential office"),
    "prime minister's office": N_("prime minister's office"),
    "foreign ministry": N_("foreign ministry"),
    "foreign minister": N_("foreign minister"),
    "secretary of state": N_("secretary of state"),
    "deputy foreign minister": N_("deputy foreign minister"),
    "foreign secretary": N_("foreign secretary"),
    "press secretary": N_("press secretary"),
    "presidential spokesman": N_("presidential spokesman"),
    "government spokesman": N_("government spokesman"),
    "foreign ministry spokesman": N_("foreign ministry spokesman"),
    "foreign ministry spokeswoman": N_("foreign ministry spokeswoman"),
    "national security council spokesman": N_("national security council spokesman"),
    "communications director": N_("communications director"),
    "presidential aide": N_("presidential aide"),
    "national security adviser": N_("national security adviser"),
    "deputy national security adviser": N_("deputy national security adviser"),
    "chief cabinet secretary": N_("chief cabinet secretary"),
    # Face-saving reasons (domain.negotiation.FACE_SAVING_REASONS)
    "scheduling conflict": N_("scheduling conflict"),
    "let's meet at the next summit": N_("let's meet at the next summit"),
}


def _term_state(state: str) -> str | None:
    # Where one English word needs another in Russian: a term (условие) is neuter, a meeting
    # (встреча) feminine.
    if state == "open":
        return pgettext("term", "open")
    if state == "proposed":
        return pgettext("term", "proposed")
    if state == "agreed":
        return pgettext("term", "agreed")
    return None


def words(value: object, context: str | None = None) -> str:
    """A machine value as words in the reader's language: ``soft_decline`` reads "soft
    decline" (English) or "мягкий отказ" (Russian)."""
    key = str(value)
    if context == "term":
        found = _term_state(key)
        if found is not None:
            return found
    known = WORDS.get(key)
    return gettext(known) if known is not None else key.replace("_", " ")


# The fields an error may name (``ServiceError.field``, the last part of its path) that a reader
# fills in or chooses on a page, in the words of the form. A field not listed (a state, an id,
# a request's body) names nothing the reader could correct, and pages leave it unsaid: the
# sentence before it already says what is wrong.
FIELDS = {
    "party": N_("delegation"),
    "party_id": N_("delegation"),
    "delegation": N_("delegation"),
    "parties": N_("delegations"),
    "invitees": N_("invitees"),
    "about": N_("about"),
    "about_parties": N_("about"),
    "format": N_("format"),
    "held_format": N_("format held"),
    "duration_min": N_("length"),
    "windows": N_("time"),
    "window_from": N_("time from"),
    "window_to": N_("time to"),
    "start": N_("start"),
    "started_at": N_("start"),
    "end": N_("end"),
    "ended_at": N_("end"),
    "day": N_("day"),
    "extra_min": N_("extra minutes"),
    "space": N_("space"),
    "space_id": N_("space"),
    "spaces": N_("space"),
    "host_party": N_("host"),
    "host_suite": N_("host's suite"),
    "host": N_("host"),
    "attendees": N_("attendees"),
    "principals": N_("principals"),
    "principal_id": N_("principal"),
    "own_interpreters": N_("interpretation"),
    "press_plan": N_("press"),
    "press": N_("press"),
    "proposal": N_("proposal"),
    "priority": N_("priority"),
    "topic": N_("topic"),
    "text": N_("text"),
    "said_at": N_("said at"),
    "source": N_("source"),
    "reason": N_("reason"),
    "cancelled_by": N_("cancelled by"),
    "status": N_("what became of the meeting"),
    "file": N_("file"),
    "code": N_("code"),
    "username": N_("login"),
    "password": N_("password"),
    "email": N_("e-mail"),
    "language": N_("language"),
    "role": N_("role"),
    "visibility": N_("who may see it"),
    "organiser_sees": N_("what the organiser sees"),
    "stability": N_("stability"),
    "max_moves": N_("moves at most"),
    "reminder_min": N_("reminder"),
    "quiet_until": N_("quiet until"),
    "url": N_("address"),
    "pair": N_("pair"),
    "time": N_("time of day"),
}


def field_words(field: object) -> str:
    """The field an error names, in the reader's words (``held_format`` reads "format held";
    ``proposal.duration_min`` "length"), or "" where it names nothing the reader fills in."""
    path = str(field)
    last = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
    known = FIELDS.get(path) or FIELDS.get(last)
    return gettext(known) if known is not None else ""
