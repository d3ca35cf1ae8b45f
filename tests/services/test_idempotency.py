"""Writes that take an idempotency key keep it in their own transaction (``Once``): sent many
times at once with one key, each is written once and every sender gets the same answer; an
attempt that fails leaves the key free."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from sidelines.formats.event_loader import dump_event
from sidelines.services import edits, event_setup, onsite_changes
from sidelines.services.actors import Actor, Role
from sidelines.services.errors import Conflict, ServiceError
from sidelines.services.idempotency import Once, Outcome, fingerprint, once, run_within
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    EventRow,
    IdempotencyRow,
    OnsiteChangeRow,
    ScheduleVersionRow,
)
from tests import builders
from tests.services.test_concurrency import THREADS, race
from tests.services.test_onsite_changes import make_venue, meeting_of
from tests.services.world import add_user
from tests.web.helpers import row_counts

T = TypeVar("T")


def plain(view: Any) -> dict[str, Any]:
    """A service's answer as the data a key stores (its route writes it through its schema)."""
    return {"answer": view if isinstance(view, str) else repr(asdict(view))}


def sent_at_once(
    actor: Actor, key: str, path: str, write: Callable[[Once[T] | None], T]
) -> list[Outcome | ServiceError]:
    """``write`` from ``THREADS`` threads together, each with the same key for one request."""

    def send() -> Outcome:
        kept = once(actor, key, fingerprint("POST", path, None), 200, plain)
        return run_within(kept, 200, plain, write)

    return race([send] * THREADS)


def one_answer(outcomes: list[Outcome | ServiceError]) -> dict[str, Any]:
    """Every sender got the first answer: one written, the others replayed."""
    assert all(isinstance(outcome, Outcome) for outcome in outcomes), outcomes
    done = [outcome for outcome in outcomes if isinstance(outcome, Outcome)]
    assert [outcome.replayed for outcome in done].count(False) == 1
    assert len({repr(outcome.body) for outcome in done}) == 1
    return done[0].body


def test_an_edit_sent_at_once_with_one_key_is_written_once(database: Database) -> None:
    world = make_venue(database, [builders.meeting("ab", "A", "B")])
    ab = meeting_of(database, "A", "B")

    outcomes = sent_at_once(
        world.organiser,
        "lock-1",
        f"/api/events/{world.event_id}/meetings/{ab}/lock",
        lambda kept: edits.lock(
            database, world.organiser, world.event_id, ab, locked=True, once=kept
        ),
    )

    assert "'version': 2" in one_answer(outcomes)["answer"]
    assert row_counts(database, ScheduleVersionRow) == {"schedule_versions": 2}


def test_an_onsite_report_sent_at_once_with_one_key_is_absorbed_once(database: Database) -> None:
    world = make_venue(database, [builders.meeting("ab", "A", "B")])

    outcomes = sent_at_once(
        world.organiser,
        "departure-1",
        f"/api/events/{world.event_id}/onsite-changes/departures",
        lambda kept: onsite_changes.report_departure(
            database,
            world.organiser,
            world.event_id,
            principal_id="A",
            leaves_at=builders.at(11, 30),
            once=kept,
        ),
    )

    one_answer(outcomes)
    assert row_counts(database, OnsiteChangeRow) == {"onsite_changes": 1}


def test_an_event_created_at_once_with_one_key_is_created_once(database: Database) -> None:
    organiser = add_user(database, "maker.protocol", Role.ORGANISER, None, None)
    data = event_data("twice")

    outcomes = sent_at_once(
        organiser,
        "create-1",
        "/api/events",
        lambda kept: event_setup.create_event(database, organiser, data, once=kept),
    )

    assert one_answer(outcomes) == {"answer": "twice"}
    assert row_counts(database, EventRow) == {"events": 1}


def test_an_attempt_that_fails_leaves_its_key_free(database: Database) -> None:
    organiser = add_user(database, "maker.protocol", Role.ORGANISER, None, None)
    data = event_data("taken")
    event_setup.create_event(database, organiser, data)
    kept = once(organiser, "create-2", fingerprint("POST", "/api/events", data), 201, plain)

    with pytest.raises(Conflict) as refused:
        run_within(
            kept, 201, plain, lambda k: event_setup.create_event(database, organiser, data, once=k)
        )

    assert refused.value.message == "an event 'taken' exists already"
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRow)) == 0


def event_data(event_id: str) -> dict[str, Any]:
    """An event's data as the setup API takes it."""
    return dump_event(replace(builders.event(["A", "B"]), id=event_id))
