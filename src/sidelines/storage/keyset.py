"""Reading rows in the order they were made, from a cursor, when ids are random.

Row ids say nothing of order (``tables.random_id``): lists that go "oldest first" order by
when a row was made, with its id to break a tie, and a cursor names the last row a reader was
given. The cursor is looked up in the reader's own query, so a cursor naming a row the reader
may not see (or none at all) reads as no cursor: it tells nothing about where that row stands.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session


def in_order(
    session: Session,
    query: Select[Any],
    made: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[int],
    after: int | None = None,
) -> Select[Any]:
    """``query`` ordered by ``made`` then ``row_id``, from the row after the one whose id is
    ``after`` (from the start when that row is not among the query's)."""
    if after is not None:
        mark = session.scalar(query.with_only_columns(made).where(row_id == after))
        if mark is not None:
            query = query.where((made > mark) | ((made == mark) & (row_id > after)))
    return query.order_by(made, row_id)


def last_of(
    session: Session,
    query: Select[Any],
    made: InstrumentedAttribute[datetime],
    row_id: InstrumentedAttribute[int],
) -> int | None:
    """The id of the last row of ``query`` in that order; None when it has none."""
    return session.scalar(
        query.with_only_columns(row_id).order_by(None).order_by(made.desc(), row_id.desc()).limit(1)
    )
