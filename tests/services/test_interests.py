"""Marks of interest and openness to contact: a mark is revealed to the other side once, when
it becomes mutual, whichever side marks second and however close together they mark."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from sidelines.services import audit, interests
from sidelines.services.interests import Marks
from sidelines.storage.db import Database
from sidelines.storage.tables import AuditAudienceRow, AuditRow
from tests.services.world import make_world

Mark = Callable[..., Marks]
# How long the other side's mark may take while this one waits uncommitted; when it has to
# wait for this one's lock, this one goes on after that.
WAIT_S = 5
KINDS = [(interests.mark_interest, "interest"), (interests.mark_open_to_contact, "contact")]


def _told_both(db: Database, event_id: str, action: str) -> int:
    """How many entries of ``action`` both A and B may read."""
    with db.reading() as session:
        readers = (
            select(AuditAudienceRow.entry_id)
            .join(AuditRow, AuditRow.id == AuditAudienceRow.entry_id)
            .where(AuditRow.event_id == event_id, AuditRow.action == action)
            .group_by(AuditAudienceRow.entry_id)
            .having(func.count() == 2)
        )
        return len(session.scalars(readers).all())


@pytest.mark.parametrize(("mark", "kind"), KINDS)
def test_marks_one_after_the_other_tell_the_other_side_once(
    database: Database, mark: Mark, kind: str
) -> None:
    world = make_world(database, f"marks-{kind}", ["A", "B"])

    first = mark(database, world.delegates["A"], world.event_id, "B")
    second = mark(database, world.delegates["B"], world.event_id, "A")

    assert (first.mutual, second.mutual) == ([], ["A"])
    assert _told_both(database, world.event_id, f"{kind}.marked") == 1


# PostgreSQL only: SQLite takes the writers' lock at BEGIN, so no write commits in between.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize(("mark", "kind"), KINDS)
def test_marks_made_at_the_same_moment_tell_the_other_side_once(
    database: Database, monkeypatch: pytest.MonkeyPatch, mark: Mark, kind: str
) -> None:
    """The two marks interleaved: the other side marks after this side looked for its mark
    and before this side's mark commits."""
    world = make_world(database, f"marks-at-once-{kind}", ["A", "B"])
    record = audit.record
    other: list[Marks] = []
    marking = threading.Thread(
        target=lambda: other.append(mark(database, world.delegates["B"], world.event_id, "A"))
    )

    def the_other_marks_meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not marking.is_alive() and not other:
            # The other side's mark goes on; if it has to wait for this one, it finishes
            # once this one commits.
            marking.start()
            marking.join(WAIT_S)
        return record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", the_other_marks_meanwhile)

    marks = mark(database, world.delegates["A"], world.event_id, "B")
    marking.join(60)

    assert len(other) == 1
    # The mark that came second found the first: it alone is mutual, and told to both.
    assert sorted([marks.mutual, other[0].mutual]) in ([[], ["A"]], [[], ["B"]])
    assert _told_both(database, world.event_id, f"{kind}.marked") == 1
    assert mark(database, world.delegates["A"], world.event_id, "B").mutual == ["B"]
