"""The event's revision: a counter the database raises whenever a meeting of the event is
written (inserted, changed or deleted), by a trigger, so that no code path can forget it.

Readers use it to keep what they computed from an event's meetings (a delegation's agenda, a
feed) until the next change: the counter is raised in the writer's own transaction, so a
reader that reads the revision first and the meetings after can never see older meetings
under a newer revision. Meeting links (``meeting_principals``) are written together with their
meeting, in the same transaction, so the meeting's own trigger covers them.
"""

from __future__ import annotations

from sidelines.storage.dialects import DialectStatements

POSTGRESQL_UP = [
    """CREATE FUNCTION events_raise_revision() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                UPDATE events SET revision = revision + 1 WHERE id = OLD.event_id;
            ELSE
                UPDATE events SET revision = revision + 1 WHERE id = NEW.event_id;
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER meetings_raise_event_revision AFTER INSERT OR UPDATE OR DELETE ON meetings
       FOR EACH ROW EXECUTE FUNCTION events_raise_revision()""",
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision ON meetings",
    "DROP FUNCTION IF EXISTS events_raise_revision()",
]


def _sqlite_trigger(when: str, row: str) -> str:
    return f"""CREATE TRIGGER meetings_raise_event_revision_{when.lower()} AFTER {when} ON meetings
       BEGIN UPDATE events SET revision = revision + 1 WHERE id = {row}.event_id; END"""


SQLITE_UP = [
    _sqlite_trigger("INSERT", "NEW"),
    _sqlite_trigger("UPDATE", "NEW"),
    _sqlite_trigger("DELETE", "OLD"),
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision_delete",
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision_update",
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision_insert",
]


_STATEMENTS = DialectStatements(
    tuple(POSTGRESQL_UP), tuple(POSTGRESQL_DOWN), tuple(SQLITE_UP), tuple(SQLITE_DOWN)
)
statements = _STATEMENTS.statements
