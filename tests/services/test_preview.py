"""The preview of a solve against the published version, publishing what it showed (whole or with
moves kept out), and the change notices in words."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select

from sidelines.services import edits, negotiation, preview, schedule_versions, solves
from sidelines.services.errors import Forbidden, Invalid, PreviewChanged, RulesBroken
from sidelines.services.negotiation import Terms
from sidelines.services.preview import PreviewView
from sidelines.storage.db import Database
from sidelines.storage.tables import MeetingRow, NoticeRow, ScheduleVersionRow, SolveRunRow
from tests.builders import at
from tests.services import runs
from tests.services.world import World, make_world


def agree(db: Database, world: World, side: str, other: str) -> int:
    asked = negotiation.create_request(db, world.delegates[side], "ev", [other], Terms())
    agreed = negotiation.respond(
        db, world.delegates[other], "ev", asked.id, negotiation.Answer.ACCEPT
    )
    assert agreed.meeting_id is not None
    return agreed.meeting_id


def finished_run(db: Database, world: World, placed: dict[int, tuple[datetime, str]]) -> int:
    return runs.finished_run(db, "ev", world.organiser.user_id, dict(placed))


def confirm(db: Database, world: World, run_id: int, keep_out: tuple[int, ...] = ()) -> str:
    return preview.preview(db, world.organiser, "ev", run_id, keep_out=keep_out).digest


def notices_of(db: Database, version: int) -> list[tuple[int, str, str]]:
    with db.reading() as session:
        rows = session.scalars(
            select(NoticeRow)
            .where(NoticeRow.version == version)
            .order_by(NoticeRow.created_at, NoticeRow.id)
        )
        return sorted((n.meeting_id, n.kind, n.party_id) for n in rows)


def shown(view: PreviewView) -> list[tuple[int, str, str]]:
    """The notices a preview says publishing sends: (meeting, notice kind, delegation)."""
    kinds = {"added": "placed", "moved": "moved", "left_out": "unplaced"}
    return sorted(
        (item.meeting_id, kinds[item.kind], party)
        for item in [*view.added, *view.moved, *view.left_out]
        for party in item.delegations
    )


def versions(db: Database) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(ScheduleVersionRow)) or 0


@pytest.fixture
def two_published(database: Database) -> tuple[World, int, int, int]:
    """AAA-BBB at 09:00 and CCC-DDD at 09:30 in T1, published as version 1; CCC-EEE agreed
    and left out."""
    world = make_world(database, "ev", ["AAA", "BBB", "CCC", "DDD", "EEE"])
    ab = agree(database, world, "AAA", "BBB")
    cd = agree(database, world, "CCC", "DDD")
    ce = agree(database, world, "CCC", "EEE")
    run = finished_run(database, world, {ab: (at(9), "T1"), cd: (at(9, 30), "T1")})
    solves.publish(database, world.organiser, "ev", run, confirm=confirm(database, world, run))
    return world, ab, cd, ce


def test_the_first_preview_adds_every_meeting_and_its_counts_are_the_notices_sent(
    database: Database,
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB", "CCC"])
    ab = agree(database, world, "AAA", "BBB")
    run = finished_run(database, world, {ab: (at(10), "T1")})

    view = preview.preview(database, world.organiser, "ev", run)
    solves.publish(database, world.organiser, "ev", run, confirm=view.digest)

    assert view.version == 0
    assert [(i.meeting_id, i.label, i.was, i.now) for i in view.added] == [
        (ab, "Bilateral, AAA and BBB", None, "Mon 10:00, T1")
    ]
    assert (view.moved, view.left_out) == ([], [])
    assert view.delegations == [("AAA", "AAA"), ("BBB", "BBB")]
    assert view.summary == "1 added, 0 moved, 0 left out, notices to 2 delegations"
    assert (view.totals.weight, view.totals.moves, view.totals.weight_change) == (1, 0, None)
    assert (
        shown(view)
        == notices_of(database, 1)
        == [
            (ab, "placed", "AAA"),
            (ab, "placed", "BBB"),
        ]
    )


def test_a_preview_lists_moved_and_left_out_meetings_exactly_as_publishing_notifies(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, ce = two_published
    run = finished_run(database, world, {ab: (at(10), "T1"), ce: (at(9, 30), "T1")})

    view = preview.preview(database, world.organiser, "ev", run)
    solves.publish(database, world.organiser, "ev", run, confirm=view.digest)

    assert [(i.meeting_id, i.was, i.now) for i in view.moved] == [
        (ab, "Mon 09:00, T1", "Mon 10:00, T1")
    ]
    assert [(i.meeting_id, i.was, i.now) for i in view.left_out] == [(cd, "Mon 09:30, T1", None)]
    assert [(i.meeting_id, i.now) for i in view.added] == [(ce, "Mon 09:30, T1")]
    assert view.summary == "1 added, 1 moved, 1 left out, notices to 5 delegations"
    assert (view.totals.moves, view.totals.principals_affected) == (2, 4)
    assert shown(view) == notices_of(database, 2)
    assert len(notices_of(database, 2)) == 6


def test_keeping_a_move_out_publishes_the_rest_and_tells_only_its_sides(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, ce = two_published
    run = finished_run(database, world, {ab: (at(10), "T1"), cd: (at(11), "T1")})

    view = preview.preview(database, world.organiser, "ev", run, keep_out=(cd,))
    solves.publish(database, world.organiser, "ev", run, keep_out=(cd,), confirm=view.digest)

    assert view.conflicts == []
    assert view.summary == "0 added, 1 moved, 0 left out, notices to 2 delegations"
    assert shown(view) == notices_of(database, 2) == [(ab, "moved", "AAA"), (ab, "moved", "BBB")]
    with database.reading() as session:
        placed = {
            row.id: (row.starts_at, row.space_id) for row in session.scalars(select(MeetingRow))
        }
    assert placed == {ab: (at(10), "T1"), cd: (at(9, 30), "T1"), ce: (None, None)}


def test_keeping_out_a_move_that_conflicts_is_refused_with_the_rule_and_writes_nothing(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, _ = two_published
    # CCC-DDD takes AAA-BBB's place; keeping AAA-BBB where it was puts both in T1 at 09:00.
    run = finished_run(database, world, {ab: (at(10), "T1"), cd: (at(9), "T1")})
    view = preview.preview(database, world.organiser, "ev", run, keep_out=(ab,))

    with pytest.raises(RulesBroken) as refused:
        solves.publish(database, world.organiser, "ev", run, keep_out=(ab,), confirm=view.digest)

    assert [r.rule for r in view.conflicts] == ["space_not_double_booked"]
    assert [r["rule"] for r in refused.value.rules] == ["space_not_double_booked"]
    assert refused.value.rules[0]["meetings"] == [str(ab), str(cd)]
    assert versions(database) == 1
    assert notices_of(database, 2) == []


def test_a_confirmation_of_another_preview_is_refused_with_the_new_totals(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, _ = two_published
    run = finished_run(database, world, {ab: (at(10), "T1"), cd: (at(11), "T1")})
    whole = confirm(database, world, run)

    with pytest.raises(PreviewChanged) as refused:
        solves.publish(database, world.organiser, "ev", run, keep_out=(cd,), confirm=whole)

    assert refused.value.preview == {
        "digest": confirm(database, world, run, keep_out=(cd,)),
        "added": 0,
        "moved": 1,
        "left_out": 0,
        "delegations": 2,
    }
    assert versions(database) == 1


def test_a_preview_goes_stale_when_the_schedule_changes_before_publishing(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, _ = two_published
    first = finished_run(database, world, {ab: (at(10), "T1"), cd: (at(9, 30), "T1")})
    second = finished_run(database, world, {ab: (at(9), "T1"), cd: (at(11), "T1")})
    seen = confirm(database, world, second)
    solves.publish(database, world.organiser, "ev", first, confirm=confirm(database, world, first))

    with pytest.raises(PreviewChanged):
        solves.publish(database, world.organiser, "ev", second, confirm=seen)
    assert versions(database) == 2


def test_a_solve_planned_before_a_lock_cannot_move_the_locked_meeting(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, _ = two_published
    # Planned against version 1, the solve moves AAA-BBB; the organiser then locks it.
    run = finished_run(database, world, {ab: (at(10), "T1"), cd: (at(9, 30), "T1")})
    edits.lock(database, world.organiser, "ev", ab, locked=True)
    view = preview.preview(database, world.organiser, "ev", run)

    with pytest.raises(RulesBroken) as refused:
        solves.publish(database, world.organiser, "ev", run, confirm=view.digest)

    assert [r.rule for r in view.conflicts] == ["locked_meeting_kept"]
    assert [r["rule"] for r in refused.value.rules] == ["locked_meeting_kept"]
    assert versions(database) == 2
    kept = confirm(database, world, run, keep_out=(ab,))
    solves.publish(database, world.organiser, "ev", run, keep_out=(ab,), confirm=kept)
    with database.reading() as session:
        placed = {r.id: r.starts_at for r in session.scalars(select(MeetingRow))}
    assert (placed[ab], placed[cd], versions(database)) == (at(9), at(9, 30), 3)


def test_a_solve_planned_before_a_lock_of_a_meeting_it_leaves_alone_is_published(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, _ = two_published
    run = finished_run(database, world, {ab: (at(9), "T1"), cd: (at(11), "T1")})
    edits.lock(database, world.organiser, "ev", ab, locked=True)
    view = preview.preview(database, world.organiser, "ev", run)

    solves.publish(database, world.organiser, "ev", run, confirm=view.digest)

    assert view.conflicts == []
    with database.reading() as session:
        placed = {r.id: r.starts_at for r in session.scalars(select(MeetingRow))}
    assert (placed[ab], placed[cd], versions(database)) == (at(9), at(11), 3)


def test_keeping_out_a_meeting_that_is_not_agreed_names_the_field(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, _, _ = two_published
    run = finished_run(database, world, {ab: (at(10), "T1")})

    with pytest.raises(Invalid) as refused:
        preview.preview(database, world.organiser, "ev", run, keep_out=(ab, 999))
    assert refused.value.field == "keep_out[1]"


def test_only_the_organiser_previews_a_solve(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, _, _ = two_published
    run = finished_run(database, world, {ab: (at(10), "T1")})

    with pytest.raises(Forbidden):
        preview.preview(database, world.delegates["AAA"], "ev", run)


def test_each_side_reads_its_notice_naming_its_counterpart_old_and_new_time_and_place(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, _ = two_published
    run = finished_run(database, world, {ab: (at(10, 30), "T1"), cd: (at(9, 30), "T1")})
    solves.publish(database, world.organiser, "ev", run, confirm=confirm(database, world, run))

    said = {
        party: [n.summary for n in schedule_versions.notices(database, actor, "ev")]
        for party, actor in world.delegates.items()
    }

    assert said == {
        "AAA": [
            "Bilateral with BBB placed on Mon 09:00, T1",
            "Bilateral with BBB moved from Mon 09:00 to Mon 10:30, T1",
        ],
        "BBB": [
            "Bilateral with AAA placed on Mon 09:00, T1",
            "Bilateral with AAA moved from Mon 09:00 to Mon 10:30, T1",
        ],
        "CCC": ["Bilateral with DDD placed on Mon 09:30, T1"],
        "DDD": ["Bilateral with CCC placed on Mon 09:30, T1"],
        "EEE": [],
    }


def result_of(db: Database, world: World, **choice: Any) -> dict[str, Any]:
    run = solves.start_solve(db, world.organiser, "ev", time_limit_s=1, **choice)
    finished = solves.wait_for_run(db, run.id)
    assert finished.status == "done", finished.result
    assert finished.result is not None
    return finished.result


def test_a_solve_before_any_publication_is_free(database: Database) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    agree(database, world, "AAA", "BBB")

    result = result_of(database, world)

    assert result["stability"] == {"mode": "free", "max_moves": None, "published_meetings": 0}
    assert result["published"] == {"version": 0, "objective": None}
    assert result["moved"] == []


def test_a_re_solve_is_minimal_by_default_with_one_percent_and_at_least_one_move(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, _, _, _ = two_published

    result = result_of(database, world)

    assert result["stability"] == {"mode": "minimal", "max_moves": 1, "published_meetings": 2}
    assert result["published"]["version"] == 1
    assert result["objective"]["moves"] == len(result["moved"]) <= 1


def test_a_re_solve_with_keep_places_the_new_meeting_and_moves_nothing(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, ce = two_published

    result = result_of(database, world, stability="keep")
    placed = {a["meeting_id"]: a["starts_at"] for a in result["assignments"]}

    assert result["stability"] == {"mode": "keep", "max_moves": None, "published_meetings": 2}
    assert result["moved"] == []
    assert (placed[ab], placed[cd]) == (at(9).isoformat(), at(9, 30).isoformat())
    assert ce in placed


@pytest.mark.parametrize(
    ("max_moves", "budget"),
    # A share is at most that share, rounded down: 75 % of two is one, as in the engine's CLI.
    [(0, 0), ("2", 2), ("50%", 1), ("75%", 1), ("100%", 2), ("0%", 0)],
)
def test_a_minimal_budget_is_a_count_or_a_share_of_the_published_meetings(
    database: Database, two_published: tuple[World, int, int, int], max_moves: Any, budget: int
) -> None:
    world, _, _, _ = two_published

    result = result_of(database, world, stability="minimal", max_moves=max_moves)

    assert result["stability"]["max_moves"] == budget
    assert len(result["moved"]) <= budget


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"stability": "sometimes"}, "stability"),
        ({"max_moves": -1}, "max_moves"),
        ({"max_moves": "many"}, "max_moves"),
        ({"max_moves": "120%"}, "max_moves"),
        ({"max_moves": True}, "max_moves"),
        ({"stability": "keep", "max_moves": 2}, "max_moves"),
        ({"stability": "free", "max_moves": "1%"}, "max_moves"),
    ],
)
def test_a_bad_stability_choice_is_refused_naming_its_field_and_starts_nothing(
    database: Database, choice: dict[str, Any], field: str
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])

    with pytest.raises(Invalid) as refused:
        solves.start_solve(database, world.organiser, "ev", time_limit_s=1, **choice)

    assert refused.value.field == field
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(SolveRunRow)) == 0


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL statements run on ``db`` inside the block."""
    run: list[str] = []

    def seen(*args: Any) -> None:
        run.append(args[2])

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield run
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def test_a_preview_and_the_notices_read_as_many_rows_in_as_many_queries(
    database: Database, two_published: tuple[World, int, int, int]
) -> None:
    world, ab, cd, ce = two_published
    one = finished_run(database, world, {ab: (at(10), "T1"), cd: (at(9, 30), "T1")})
    three = finished_run(database, world, {ab: (at(10), "T1"), ce: (at(11), "T1")})
    preview.preview(database, world.organiser, "ev", one)  # the event's parsing is kept

    with statements(database) as few:
        small = preview.preview(database, world.organiser, "ev", one)
    with statements(database) as many:
        large = preview.preview(database, world.organiser, "ev", three)
    with statements(database) as before:
        told_once = schedule_versions.notices(database, world.delegates["AAA"], "ev")
    solves.publish(database, world.organiser, "ev", three, confirm=large.digest)
    with statements(database) as after:
        told_twice = schedule_versions.notices(database, world.delegates["AAA"], "ev")

    assert (len(small.moved), len(large.moved) + len(large.left_out) + len(large.added)) == (1, 3)
    assert len(few) == len(many)
    assert (len(told_once), len(told_twice)) == (1, 2)
    assert len(before) == len(after)
