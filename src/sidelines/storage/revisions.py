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


# --- each meeting's own revision (migration 0016) ---------------------------------------------
#
# Each meeting carries the event revision of its last write, so that a process that cached the
# event's scheduling state at revision r reads back only the meetings written since
# (``revision > r``) instead of all of them. The event's counter is raised under the event row's
# lock, held to the writer's commit: two writers of one event take their numbers in the order
# they commit, so a reader that saw the event at revision r has seen every meeting numbered up
# to r. Meetings are never deleted (a deletion still raises the event's revision).

POSTGRESQL_ROW_UP = [
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision ON meetings",
    """CREATE FUNCTION meetings_stamp_revision() RETURNS trigger AS $$
        BEGIN
            UPDATE events SET revision = revision + 1 WHERE id = NEW.event_id
                RETURNING revision INTO NEW.revision;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER meetings_stamp_revision BEFORE INSERT OR UPDATE ON meetings
       FOR EACH ROW EXECUTE FUNCTION meetings_stamp_revision()""",
    """CREATE TRIGGER meetings_raise_event_revision AFTER DELETE ON meetings
       FOR EACH ROW EXECUTE FUNCTION events_raise_revision()""",
]

POSTGRESQL_ROW_DOWN = [
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision ON meetings",
    "DROP TRIGGER IF EXISTS meetings_stamp_revision ON meetings",
    "DROP FUNCTION IF EXISTS meetings_stamp_revision()",
    POSTGRESQL_UP[1],
]


def _sqlite_stamp(when: str, only_if: str = "") -> str:
    # SQLite triggers cannot change NEW: the row is updated once more with the event's new
    # revision. That update changes ``revision`` only, which the WHEN of the update trigger
    # leaves alone, so it does not fire the trigger again.
    return f"""CREATE TRIGGER meetings_raise_event_revision_{when.lower()} AFTER {when} ON meetings
       {only_if}
       BEGIN
           UPDATE events SET revision = revision + 1 WHERE id = NEW.event_id;
           UPDATE meetings SET revision = (SELECT revision FROM events WHERE id = NEW.event_id)
               WHERE id = NEW.id;
       END"""


SQLITE_ROW_UP = [
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision_insert",
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision_update",
    _sqlite_stamp("INSERT"),
    _sqlite_stamp("UPDATE", "WHEN NEW.revision = OLD.revision"),
]

SQLITE_ROW_DOWN = [
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision_insert",
    "DROP TRIGGER IF EXISTS meetings_raise_event_revision_update",
    SQLITE_UP[0],
    SQLITE_UP[1],
]

_ROW_STATEMENTS = DialectStatements(
    tuple(POSTGRESQL_ROW_UP),
    tuple(POSTGRESQL_ROW_DOWN),
    tuple(SQLITE_ROW_UP),
    tuple(SQLITE_ROW_DOWN),
)
meeting_revision_statements = _ROW_STATEMENTS.statements
