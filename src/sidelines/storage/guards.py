"""Rules the database itself enforces, so that no application bug or race can break them.

- No double booking: PostgreSQL refuses two overlapping bookings of one principal or one space
  with exclusion constraints over ``tstzrange`` (half-open, like every span in Sidelines). SQLite
  has no exclusion constraints; triggers refuse the same rows, and SQLite's single writer
  (``BEGIN IMMEDIATE``, see ``db.py``) makes the check and the insert one step.
- The audit trail is append-only: UPDATE and DELETE on ``audit_entries`` raise.
"""

from __future__ import annotations

from sidelines.storage.dialects import DialectStatements

DOUBLE_BOOKING = "double booking"
AUDIT_APPEND_ONLY = "audit entries are append-only"

POSTGRESQL_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE principal_bookings ADD CONSTRAINT principal_bookings_no_overlap
       EXCLUDE USING gist (event_id WITH =, principal_id WITH =,
                           tstzrange(starts_at, ends_at, '[)') WITH &&)""",
    """ALTER TABLE space_bookings ADD CONSTRAINT space_bookings_no_overlap
       EXCLUDE USING gist (event_id WITH =, space_id WITH =,
                           tstzrange(starts_at, ends_at, '[)') WITH &&)""",
    f"""CREATE FUNCTION audit_entries_refuse_change() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{AUDIT_APPEND_ONLY}'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
       FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()""",
    """CREATE TRIGGER audit_audience_append_only BEFORE UPDATE OR DELETE ON audit_audience
       FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()""",
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS audit_audience_append_only ON audit_audience",
    "DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries",
    "DROP FUNCTION IF EXISTS audit_entries_refuse_change()",
    "ALTER TABLE space_bookings DROP CONSTRAINT IF EXISTS space_bookings_no_overlap",
    "ALTER TABLE principal_bookings DROP CONSTRAINT IF EXISTS principal_bookings_no_overlap",
]


def _sqlite_overlap_trigger(table: str, column: str, when: str) -> str:
    return f"""CREATE TRIGGER {table}_no_overlap_{when.lower()} BEFORE {when} ON {table}
       WHEN EXISTS (SELECT 1 FROM {table} other
                    WHERE other.event_id = NEW.event_id AND other.{column} = NEW.{column}
                      AND other.id IS NOT NEW.id
                      AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at)
       BEGIN SELECT RAISE(ABORT, '{DOUBLE_BOOKING}'); END"""


SQLITE_UP = [
    _sqlite_overlap_trigger("principal_bookings", "principal_id", "INSERT"),
    _sqlite_overlap_trigger("principal_bookings", "principal_id", "UPDATE"),
    _sqlite_overlap_trigger("space_bookings", "space_id", "INSERT"),
    _sqlite_overlap_trigger("space_bookings", "space_id", "UPDATE"),
    f"""CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
       BEGIN SELECT RAISE(ABORT, '{AUDIT_APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
       BEGIN SELECT RAISE(ABORT, '{AUDIT_APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER audit_audience_no_update BEFORE UPDATE ON audit_audience
       BEGIN SELECT RAISE(ABORT, '{AUDIT_APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER audit_audience_no_delete BEFORE DELETE ON audit_audience
       BEGIN SELECT RAISE(ABORT, '{AUDIT_APPEND_ONLY}'); END""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_audience_no_delete",
    "DROP TRIGGER IF EXISTS audit_audience_no_update",
    "DROP TRIGGER IF EXISTS audit_entries_no_delete",
    "DROP TRIGGER IF EXISTS audit_entries_no_update",
    "DROP TRIGGER IF EXISTS space_bookings_no_overlap_update",
    "DROP TRIGGER IF EXISTS space_bookings_no_overlap_insert",
    "DROP TRIGGER IF EXISTS principal_bookings_no_overlap_update",
    "DROP TRIGGER IF EXISTS principal_bookings_no_overlap_insert",
]


_STATEMENTS = DialectStatements(
    tuple(POSTGRESQL_UP), tuple(POSTGRESQL_DOWN), tuple(SQLITE_UP), tuple(SQLITE_DOWN)
)
statements = _STATEMENTS.statements
