"""A historical meeting is told apart by its format and place too.

A pair can meet twice on one day of a summit — a word at the opening, a conversation at the
dinner — and the history held one meeting a day for each pair at each event: the second row of
a file was refused as the first again. The day, event and parties stay in the key, so that
importing a file again still adds nothing.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

NAME = "uq_historical_meetings_held_on"


@contextmanager
def _copied_on_sqlite() -> Iterator[None]:
    """SQLite changes a table's constraints by copying it (batch mode), and the old copy is
    not dropped while ``historical_meeting_parties`` refers to its rows: those rows are set
    aside meanwhile and put back once the new copy has the table's name."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(
            "CREATE TEMPORARY TABLE parties_aside AS SELECT * FROM historical_meeting_parties"
        )
        op.execute("DELETE FROM historical_meeting_parties")
    yield
    if sqlite:
        op.execute("INSERT INTO historical_meeting_parties SELECT * FROM parties_aside")
        op.execute("DROP TABLE parties_aside")


def upgrade() -> None:
    with _copied_on_sqlite(), op.batch_alter_table("historical_meetings") as batch:
        batch.drop_constraint(NAME, type_="unique")
        batch.create_unique_constraint(NAME, ["held_on", "event", "parties_key", "format", "place"])


def downgrade() -> None:
    # Fails where a pair met twice on one day: the older key cannot hold both meetings.
    with _copied_on_sqlite(), op.batch_alter_table("historical_meetings") as batch:
        batch.drop_constraint(NAME, type_="unique")
        batch.create_unique_constraint(NAME, ["held_on", "event", "parties_key"])
