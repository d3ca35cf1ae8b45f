"""The iCalendar SEQUENCE of a meeting, kept by the database.

RFC 5545 §3.8.7.4: a calendar entry's SEQUENCE must grow whenever its time, place or status is
revised, or calendar programs that subscribed to a feed keep the old version. Meetings are
written by several services (negotiation, solving and publishing, on-site placement, status);
a trigger raises ``meetings.calendar_sequence`` on every change of the columns a calendar shows,
so that no code path can forget it. A meeting moved within one transaction may be raised more
than once (taken out, then put back): the number only ever grows, which is all a calendar needs.
"""

from __future__ import annotations

from sidelines.storage.dialects import DialectStatements

# What a calendar entry shows of a meeting: a change of any of these is a new revision of it.
SHOWN_COLUMNS = ("starts_at", "ends_at", "space_id", "status", "format")


def _changed(distinct: str) -> str:
    return " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in SHOWN_COLUMNS)


POSTGRESQL_UP = [
    """CREATE FUNCTION meetings_raise_calendar_sequence() RETURNS trigger AS $$
        BEGIN NEW.calendar_sequence := OLD.calendar_sequence + 1; RETURN NEW; END
       $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER meetings_calendar_sequence BEFORE UPDATE ON meetings FOR EACH ROW
       WHEN ({_changed("IS DISTINCT FROM")})
       EXECUTE FUNCTION meetings_raise_calendar_sequence()""",
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS meetings_calendar_sequence ON meetings",
    "DROP FUNCTION IF EXISTS meetings_raise_calendar_sequence()",
]

# SQLite triggers cannot change NEW; an AFTER trigger updates the row once more. Its UPDATE
# touches none of the shown columns, so it does not fire itself.
SQLITE_UP = [
    f"""CREATE TRIGGER meetings_calendar_sequence
       AFTER UPDATE OF {", ".join(SHOWN_COLUMNS)} ON meetings
       WHEN {_changed("IS NOT")}
       BEGIN UPDATE meetings SET calendar_sequence = OLD.calendar_sequence + 1
             WHERE id = NEW.id; END""",
]

SQLITE_DOWN = ["DROP TRIGGER IF EXISTS meetings_calendar_sequence"]


_STATEMENTS = DialectStatements(
    tuple(POSTGRESQL_UP), tuple(POSTGRESQL_DOWN), tuple(SQLITE_UP), tuple(SQLITE_DOWN)
)
statements = _STATEMENTS.statements
