"""The organiser's edits of the published schedule: each one checked by the engine's rules at
once, refused with the rule named and nothing written, or written as one new schedule version
with change notices to the sides concerned."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from sidelines.domain import Meeting, MeetingFormat, Space, TimeSpan, WalkingTimes
from sidelines.domain.negotiation import MeetingStatus
from sidelines.i18n import speaking
from sidelines.services import edits, event_state, meetings, placing, schedule_versions, solves
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.services.edits import (
    PlaceTaken,
    PreferenceBroken,
    RuleBroken,
    Target,
)
from sidelines.services.errors import Conflict, Forbidden, Invalid
from sidelines.services.events import import_event
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditRow,
    MeetingRow,
    NoticeRow,
    PrincipalBookingRow,
    ScheduleVersionRow,
    SpaceBookingRow,
)
from tests import builders
from tests.services.test_concurrency import race
from tests.services.world import World, add_user, double_bookings

PARTIES = ["A", "B", "C", "D", "E", "F"]
EVENT = "edits"


def at(hour: int, minute: int = 0) -> datetime:
    return builders.at(hour, minute)


def slot(hour: int, minute: int = 0) -> tuple[TimeSpan, ...]:
    """A window of exactly one 30-minute slot: the solve puts the meeting there."""
    return (TimeSpan(at(hour, minute), at(hour, minute) + timedelta(minutes=30)),)


def world(
    database: Database, meetings: list[Meeting], spaces: list[Space] | None = None, **fields: Any
) -> tuple[World, dict[str, int]]:
    """The event with ``meetings`` agreed, solved and published; meeting row ids by title."""
    event = replace(
        builders.event(
            PARTIES,
            meetings,
            spaces=spaces or [builders.table("T1"), builders.table("T2")],
            **fields,
        ),
        id=EVENT,
    )
    organiser = add_user(database, f"{EVENT}.protocol", Role.ORGANISER, None, None)
    import_event(database, organiser, event)
    delegates = {p: add_user(database, f"{EVENT}.{p}", Role.DELEGATE, EVENT, p) for p in PARTIES}
    run = solves.start_solve(database, organiser, EVENT, time_limit_s=2)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, organiser, EVENT, run.id)
    with database.reading() as session:
        ids = {row.terms["title"]: row.id for row in session.scalars(select(MeetingRow))}
    return World(EVENT, organiser, delegates), ids


def meeting(title: str, *principals: str, **fields: Any) -> Meeting:
    return builders.meeting(title, *principals, title=title, **fields)


def free_windows(database: Database, meeting_id: int) -> None:
    """Let a meeting the solve put in one slot be held at any time from now on."""
    with database.writing() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        row.windows = []
        row.updated_at = now()


def where(database: Database, meeting_id: int) -> tuple[datetime | None, str | None, str]:
    with database.reading() as session:
        row = session.get(MeetingRow, meeting_id)
        assert row is not None
        return row.starts_at, row.space_id, row.status


def state(database: Database) -> tuple[Any, ...]:
    """Everything an edit writes: bookings, versions, notices, audit, the meetings' rows."""
    with database.reading() as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(table))
            for table in (
                PrincipalBookingRow,
                SpaceBookingRow,
                ScheduleVersionRow,
                NoticeRow,
                AuditRow,
            )
        )
        rows = tuple(
            (r.id, r.starts_at, r.space_id, r.status, r.format, r.duration_min, r.terms)
            for r in session.scalars(select(MeetingRow).order_by(MeetingRow.id))
        )
        return counts, rows


def notices_of(database: Database, w: World, version: int) -> dict[str, list[str]]:
    found = {}
    for party, actor in w.delegates.items():
        kinds = [
            n.kind
            for n in schedule_versions.notices(database, actor, EVENT)
            if n.version == version
        ]
        if kinds:
            found[party] = kinds
    return found


FIRST_HOUR = (TimeSpan(at(9), at(10)),)
TWO = [meeting("ab", "A", "B", windows=slot(9)), meeting("cd", "C", "D", windows=slot(9, 30))]


def test_a_move_to_a_free_place_writes_one_version_and_notifies_both_sides(
    database: Database,
) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    target = Target(at(11, 30), "T2")

    view = edits.move(database, w.organiser, EVENT, ids["ab"], target)

    assert (view.edit, view.meeting_id, view.version, view.locked) == ("move", ids["ab"], 2, False)
    assert [(c.meeting_id, c.after) for c in view.changes] == [
        (ids["ab"], [at(11, 30).isoformat(), at(12).isoformat(), "T2"])
    ]
    assert where(database, ids["ab"]) == (at(11, 30), "T2", MeetingStatus.SCHEDULED)
    assert notices_of(database, w, 2) == {"A": ["moved"], "B": ["moved"]}
    assert schedule_versions.versions_count(database, EVENT) == 2
    with database.reading() as session:
        actions = session.scalars(
            select(AuditRow.action)
            .where(AuditRow.subject_id == str(ids["ab"]))
            .order_by(AuditRow.at, AuditRow.id)
        ).all()
        assert actions[-2:] == ["meeting.scheduled", "schedule.edited"]
        assert double_bookings(session, EVENT) == []


@pytest.mark.parametrize(
    ("target", "rule"),
    [
        # ab may only be held 09:00-09:30.
        (Target(at(11, 0), "T2"), "meeting_within_its_windows"),
        # The small room seats one.
        (Target(at(9, 0), "S1"), "space_fits_meeting"),
        # A table meeting needs a room.
        (Target(at(9, 0), None), "meeting_has_space_when_needed"),
    ],
)
def test_a_move_that_breaks_a_hard_rule_is_refused_and_writes_nothing(
    database: Database, target: Target, rule: str
) -> None:
    spaces = [builders.table("T1"), builders.table("T2"), builders.table("S1", capacity=1)]
    w, ids = world(
        database,
        [meeting("ab", "A", "B", windows=(TimeSpan(at(9), at(10)),)), meeting("cd", "C", "D")],
        spaces,
    )
    before = state(database)

    with pytest.raises(RuleBroken) as refused:
        edits.move(database, w.organiser, EVENT, ids["ab"], target)

    assert [v.rule for v in refused.value.violations] == [rule]
    assert refused.value.violations[0].meetings == (ids["ab"],)
    assert refused.value.code == "rule_broken"
    assert state(database) == before


def test_a_move_off_the_grid_is_refused_naming_the_field(database: Database) -> None:
    w, ids = world(database, TWO)
    before = state(database)

    with pytest.raises(Invalid) as refused:
        edits.move(database, w.organiser, EVENT, ids["ab"], Target(at(9, 10), "T1"))
    assert refused.value.field == "starts_at"
    with pytest.raises(Invalid) as refused:
        edits.move(database, w.organiser, EVENT, ids["ab"], Target(at(9, 0), "nowhere"))
    assert refused.value.field == "space_id"
    assert state(database) == before


def test_a_locked_meeting_is_refused_a_move_until_unlocked(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    start, space, _ = where(database, ids["ab"])
    assert start is not None
    free_places = edits.meeting_places(database, w.organiser, EVENT, ids["ab"]).places
    first = next(p for p in free_places if p.fits and not p.current and p.space_id)
    free = Target(first.starts_at, first.space_id)

    locked = edits.lock(database, w.organiser, EVENT, ids["ab"], locked=True)

    assert (locked.edit, locked.version, locked.locked, locked.changes) == ("lock", 2, True, [])
    assert notices_of(database, w, 2) == {}
    with database.reading() as session:
        row = session.get(MeetingRow, ids["ab"])
        assert row is not None
        assert row.terms["locked"] == [start.isoformat(), space]
    before = state(database)
    with pytest.raises(RuleBroken) as refused:
        edits.move(database, w.organiser, EVENT, ids["ab"], free)
    assert [v.rule for v in refused.value.violations] == ["locked_meeting_kept"]
    with pytest.raises(RuleBroken) as refused:
        edits.unplace(database, w.organiser, EVENT, ids["ab"])
    assert [v.rule for v in refused.value.violations] == ["locked_meeting_kept"]
    assert state(database) == before
    with pytest.raises(Conflict):
        edits.lock(database, w.organiser, EVENT, ids["ab"], locked=True)

    unlocked = edits.lock(database, w.organiser, EVENT, ids["ab"], locked=False)
    moved = edits.move(database, w.organiser, EVENT, ids["ab"], free)

    assert (unlocked.version, unlocked.locked, moved.version) == (3, False, 4)
    assert where(database, ids["ab"])[:2] == (free.starts_at, free.space_id)


def test_the_engine_keeps_a_locked_meeting_where_it_is(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    edits.move(database, w.organiser, EVENT, ids["ab"], Target(at(11, 30), "T2"))
    edits.lock(database, w.organiser, EVENT, ids["ab"], locked=True)

    run = solves.start_solve(database, w.organiser, EVENT, time_limit_s=1)
    run = solves.wait_for_run(database, run.id)
    solves.publish(database, w.organiser, EVENT, run.id)

    assert where(database, ids["ab"])[:2] == (at(11, 30), "T2")


def test_a_preferred_window_is_kept_unless_the_organiser_overrides(database: Database) -> None:
    w, ids = world(
        database,
        [meeting("ab", "A", "B", windows=slot(9), preferred=slot(9)), meeting("cd", "C", "D")],
        [builders.table("T1"), builders.table("T2")],
    )
    # Free windows, a preference: the preference may be left, but only on purpose.
    free_windows(database, ids["ab"])
    before = state(database)

    with pytest.raises(PreferenceBroken) as refused:
        edits.move(database, w.organiser, EVENT, ids["ab"], Target(at(11, 0), "T2"))

    assert [v.rule for v in refused.value.violations] == ["meeting_within_preferred_windows"]
    assert state(database) == before
    view = edits.move(
        database, w.organiser, EVENT, ids["ab"], Target(at(11, 0), "T2"), override=True
    )
    assert view.version == 2
    # Outside its preferred windows already: another place outside them breaks nothing more.
    elsewhere = next(
        p
        for p in edits.meeting_places(database, w.organiser, EVENT, ids["ab"]).places
        if p.fits and not p.current and not p.preferred and p.space_id
    )
    again = edits.move(
        database, w.organiser, EVENT, ids["ab"], Target(elsewhere.starts_at, elsewhere.space_id)
    )
    assert again.version == 3


def test_a_taken_place_names_the_meetings_that_would_move_and_pushes_them_when_asked(
    database: Database,
) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    cd_start, cd_space, _ = where(database, ids["cd"])
    assert cd_start is not None
    before = state(database)
    target = Target(cd_start, cd_space)

    with pytest.raises(PlaceTaken) as refused:
        edits.move(database, w.organiser, EVENT, ids["ab"], target)

    assert refused.value.code == "place_taken"
    assert [v.rule for v in refused.value.violations] == ["space_not_double_booked"]
    [pushed] = refused.value.pushes
    assert pushed.meeting_id == ids["cd"]
    assert pushed.before == [
        cd_start.isoformat(),
        (cd_start + timedelta(minutes=30)).isoformat(),
        cd_space,
    ]
    assert state(database) == before

    view = edits.move(database, w.organiser, EVENT, ids["ab"], target, push_others=True)

    assert [c.meeting_id for c in view.changes] == sorted([ids["ab"], ids["cd"]])
    [cd_change] = [c for c in view.changes if c.meeting_id == ids["cd"]]
    assert cd_change.after == pushed.after
    assert where(database, ids["ab"])[:2] == (cd_start, cd_space)
    assert notices_of(database, w, 2) == {p: ["moved"] for p in "ABCD"}
    with database.reading() as session:
        assert double_bookings(session, EVENT) == []


def test_a_move_kept_out_only_by_the_walk_says_so_not_that_the_place_is_taken(
    database: Database,
) -> None:
    # The place itself is free; A could not walk there in time from ab in the other building.
    spaces = [builders.table("N1", location="north"), builders.table("S1", location="south")]
    w, ids = world(
        database,
        [meeting("ab", "A", "B", windows=slot(9)), meeting("ac", "A", "C", windows=slot(11))],
        spaces,
        walking_times=WalkingTimes({("north", "south"): 30}),
    )
    free_windows(database, ids["ab"])
    free_windows(database, ids["ac"])
    _, ab_space, _ = where(database, ids["ab"])
    other = "S1" if ab_space == "N1" else "N1"

    with pytest.raises(PlaceTaken) as refused:
        edits.move(database, w.organiser, EVENT, ids["ac"], Target(at(9, 30), other))

    assert [v.rule for v in refused.value.violations] == ["walking_time_respected"]
    assert refused.value.message == (
        "the walk from or to the meeting next to it does not fit; 1 meeting(s) would have to "
        "move: pass push to move them"
    )


def test_a_move_to_where_the_meeting_is_names_it_in_words(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B")])
    starts_at, space, _ = where(database, ids["ab"])
    assert starts_at is not None

    with pytest.raises(edits.MeetingConflict) as refused:
        edits.move(database, w.organiser, EVENT, ids["ab"], Target(starts_at, space))

    assert refused.value.message == "ab is there already"
    with speaking("ru"):
        assert refused.value.message == "встреча «ab» уже стоит там"


def test_a_meeting_that_cannot_give_way_refuses_the_move(database: Database) -> None:
    # One table: cd may only be held 09:30-10:00, where ab wants to go.
    w, ids = world(
        database,
        [meeting("ab", "A", "B", windows=slot(9)), meeting("cd", "C", "D", windows=slot(9, 30))],
        [builders.table("T1")],
    )
    free_windows(database, ids["ab"])
    before = state(database)

    with pytest.raises(RuleBroken) as refused:
        edits.move(
            database, w.organiser, EVENT, ids["ab"], Target(at(9, 30), "T1"), push_others=True
        )

    assert [v.rule for v in refused.value.violations] == ["space_not_double_booked"]
    assert sorted(refused.value.violations[0].meetings) == sorted((ids["ab"], ids["cd"]))
    assert state(database) == before


def test_a_swap_moves_both_and_notifies_all_four_sides(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    ab, cd = where(database, ids["ab"]), where(database, ids["cd"])

    view = edits.swap(database, w.organiser, EVENT, ids["ab"], ids["cd"])

    assert (view.edit, view.version) == ("swap", 2)
    assert where(database, ids["ab"]) == cd
    assert where(database, ids["cd"]) == ab
    assert notices_of(database, w, 2) == {p: ["moved"] for p in "ABCD"}


def test_a_swap_that_breaks_a_window_is_refused(database: Database) -> None:
    w, ids = world(database, TWO)
    before = state(database)

    with pytest.raises(RuleBroken) as refused:
        edits.swap(database, w.organiser, EVENT, ids["ab"], ids["cd"])

    assert sorted(v.rule for v in refused.value.violations) == [
        "meeting_within_its_windows",
        "meeting_within_its_windows",
    ]
    assert state(database) == before


def test_unplace_and_place_again(database: Database) -> None:
    w, ids = world(database, TWO)
    start, space, _ = where(database, ids["ab"])
    assert start is not None

    out = edits.unplace(database, w.organiser, EVENT, ids["ab"])

    assert where(database, ids["ab"]) == (None, None, MeetingStatus.AGREED)
    assert [(c.meeting_id, c.after) for c in out.changes] == [(ids["ab"], None)]
    assert notices_of(database, w, 2) == {"A": ["unplaced"], "B": ["unplaced"]}

    back = edits.place(database, w.organiser, EVENT, ids["ab"], Target(start, space))

    assert back.version == 3
    assert where(database, ids["ab"]) == (start, space, MeetingStatus.SCHEDULED)
    assert notices_of(database, w, 3) == {"A": ["placed"], "B": ["placed"]}
    with pytest.raises(Conflict):
        edits.place(database, w.organiser, EVENT, ids["ab"], Target(start, space))


def test_a_required_meeting_cannot_be_unplaced(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B", required=True)])
    before = state(database)

    with pytest.raises(RuleBroken) as refused:
        edits.unplace(database, w.organiser, EVENT, ids["ab"])

    assert [v.rule for v in refused.value.violations] == ["required_meeting_scheduled"]
    assert state(database) == before


def test_a_waiting_meeting_takes_the_alternative_the_engine_offers(database: Database) -> None:
    # One table, 09:00-10:00: ab and cd fill it; ef, the lightest, waits.
    event_meetings = [
        meeting("ab", "A", "B", priority=5, windows=FIRST_HOUR),
        meeting("cd", "C", "D", priority=5, windows=FIRST_HOUR),
        meeting("ef", "E", "F", priority=1, windows=FIRST_HOUR),
    ]
    w, ids = world(database, event_meetings, [builders.table("T1")])
    assert where(database, ids["ef"]) == (None, None, MeetingStatus.AGREED)
    placement = placing.place_agreed(database, w.organiser, EVENT, ids["ef"])
    assert not placement.placed
    pull_aside = next(a for a in placement.alternatives if a.kind == "format")
    before = state(database)

    with pytest.raises(Conflict):
        edits.apply_alternative(
            database, w.organiser, EVENT, ids["ef"], "format", Target(at(11), None)
        )
    assert state(database) == before
    view = edits.apply_alternative(
        database,
        w.organiser,
        EVENT,
        ids["ef"],
        "format",
        Target(pull_aside.starts_at, pull_aside.space_id),
    )

    assert (view.edit, view.version) == ("alternative", 2)
    with database.reading() as session:
        row = session.get(MeetingRow, ids["ef"])
        assert row is not None
        assert (row.status, row.format, row.space_id, row.starts_at) == (
            MeetingStatus.SCHEDULED,
            pull_aside.format,
            None,
            pull_aside.starts_at,
        )
    assert notices_of(database, w, 2) == {"E": ["placed"], "F": ["placed"]}
    assert pull_aside.format == str(MeetingFormat.PULL_ASIDE)


def test_the_places_of_a_meeting_say_where_it_fits_and_why_not(database: Database) -> None:
    w, ids = world(database, TWO, [builders.table("T1")])

    view = edits.meeting_places(database, w.organiser, EVENT, ids["ab"])

    by_place = {(p.starts_at, p.space_id): p for p in view.places}
    assert len(view.places) == 6 * 2  # six starts, one table and no room
    here = by_place[(at(9), "T1")]
    assert (here.fits, here.current) == (True, True)
    taken = by_place[(at(9, 30), "T1")]
    assert (taken.fits, taken.rule) == (False, "meeting_within_its_windows")
    assert by_place[(at(9), None)].rule == "meeting_has_space_when_needed"

    cd = {
        (p.starts_at, p.space_id): p
        for p in edits.meeting_places(database, w.organiser, EVENT, ids["cd"]).places
    }
    assert cd[(at(9), "T1")].rule == "meeting_within_its_windows"
    assert cd[(at(9, 30), "T1")].fits


def test_the_places_name_the_meeting_in_the_way(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B", windows=slot(9)), meeting("cd", "C", "D")])
    free_windows(database, ids["ab"])
    cd_start, cd_space, _ = where(database, ids["cd"])

    places = edits.meeting_places(database, w.organiser, EVENT, ids["ab"]).places

    [taken] = [p for p in places if (p.starts_at, p.space_id) == (cd_start, cd_space)]
    assert (taken.fits, taken.rule) == (False, "space_not_double_booked")
    assert taken.reason == f"{cd_space} holds meeting cd (C–D)"
    assert taken.makes_room


def test_a_meeting_in_the_way_about_to_begin_makes_no_room(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    w, ids = world(database, [meeting("ab", "A", "B", windows=slot(9)), meeting("cd", "C", "D")])
    free_windows(database, ids["ab"])
    cd_start, cd_space, _ = where(database, ids["cd"])
    assert cd_start is not None
    # Ten minutes before cd begins: its sides are on their way, and it stays where it is.
    monkeypatch.setattr(edits, "now", lambda: cd_start - timedelta(minutes=10))

    places = edits.meeting_places(database, w.organiser, EVENT, ids["ab"]).places

    [taken] = [p for p in places if (p.starts_at, p.space_id) == (cd_start, cd_space)]
    assert (taken.rule, taken.makes_room) == ("published_meeting_kept", False)
    assert taken.reason == f"{cd_space} holds meeting cd (C–D), which starts too soon to be moved"
    with pytest.raises(RuleBroken):
        edits.move(
            database, w.organiser, EVENT, ids["ab"], Target(cd_start, cd_space), push_others=True
        )


def test_only_the_organiser_edits(database: Database) -> None:
    w, ids = world(database, TWO)
    before = state(database)
    delegate = w.delegates["A"]

    for attempt in (
        lambda: edits.move(database, delegate, EVENT, ids["ab"], Target(at(11), "T1")),
        lambda: edits.swap(database, delegate, EVENT, ids["ab"], ids["cd"]),
        lambda: edits.lock(database, delegate, EVENT, ids["ab"], locked=True),
        lambda: edits.unplace(database, delegate, EVENT, ids["ab"]),
        lambda: edits.meeting_places(database, delegate, EVENT, ids["ab"]),
    ):
        with pytest.raises(Forbidden):
            attempt()
    assert state(database) == before


def test_an_edit_sees_a_meeting_cancelled_since_the_last_one(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    cd_start, cd_space, _ = where(database, ids["cd"])
    assert cd_start is not None
    free = next(
        p
        for p in edits.meeting_places(database, w.organiser, EVENT, ids["ab"]).places
        if p.fits and not p.current and p.space_id
    )
    edits.move(database, w.organiser, EVENT, ids["ab"], Target(free.starts_at, free.space_id))

    meetings.set_status(database, w.delegates["C"], EVENT, ids["cd"], MeetingStatus.CANCELLED)
    view = edits.move(database, w.organiser, EVENT, ids["ab"], Target(cd_start, cd_space))

    assert [c.meeting_id for c in view.changes] == [ids["ab"]]
    assert where(database, ids["ab"])[:2] == (cd_start, cd_space)


def test_an_edit_sees_a_lock_written_since_the_last_one(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    fitting = [
        p
        for p in edits.meeting_places(database, w.organiser, EVENT, ids["ab"]).places
        if p.fits and not p.current and p.space_id
    ]
    edits.move(
        database, w.organiser, EVENT, ids["ab"], Target(fitting[0].starts_at, fitting[0].space_id)
    )
    # Another server process locks it.
    with database.writing() as session:
        row = session.get(MeetingRow, ids["ab"])
        assert row is not None
        assert row.starts_at is not None
        row.terms = {**row.terms, "locked": [row.starts_at.isoformat(), row.space_id]}
        row.updated_at = now()
    before = state(database)

    with pytest.raises(RuleBroken) as refused:
        edits.move(
            database,
            w.organiser,
            EVENT,
            ids["ab"],
            Target(fitting[1].starts_at, fitting[1].space_id),
        )

    assert [v.rule for v in refused.value.violations] == ["locked_meeting_kept"]
    assert state(database) == before


def test_edits_at_once_each_write_their_own_version_and_never_double_book(
    database: Database,
) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    targets = [
        (meeting_id, Target(p.starts_at, p.space_id))
        for meeting_id in (ids["ab"], ids["cd"])
        for p in edits.meeting_places(database, w.organiser, EVENT, meeting_id).places
        if p.fits and not p.current and p.space_id
    ][::3][:6]

    results = race(
        [
            lambda m=meeting_id, t=target: edits.move(database, w.organiser, EVENT, m, t)
            for meeting_id, target in targets
        ]
    )

    done = [r for r in results if isinstance(r, edits.EditView)]
    assert all(isinstance(r, edits.EditView | Conflict) for r in results), results
    assert sorted(r.version for r in done) == list(range(2, 2 + len(done)))
    assert schedule_versions.versions_count(database, EVENT) == 1 + len(done)
    with database.reading() as session:
        assert double_bookings(session, EVENT) == []


def _fitting(database: Database, w: World, meeting_id: int) -> tuple[int, list[Target]]:
    """The schedule's version and the free places where the meeting fits, a few apart."""
    view = edits.meeting_places(database, w.organiser, EVENT, meeting_id)
    targets = [Target(p.starts_at, p.space_id) for p in view.places if p.fits and not p.current]
    return view.version, targets[::3]


def _two_organisers(database: Database) -> tuple[World, dict[str, int], Actor, int, list[Target]]:
    """Two meetings published, a second organiser, and the version and places ab was seen at."""
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    second = add_user(database, f"{EVENT}.protocol2", Role.ORGANISER, None, None)
    seen, targets = _fitting(database, w, ids["ab"])
    return w, ids, second, seen, targets


def test_a_move_made_on_an_older_version_is_refused_once_another_moved_the_meeting(
    database: Database,
) -> None:
    w, ids, second, seen, targets = _two_organisers(database)
    first = edits.move(database, w.organiser, EVENT, ids["ab"], targets[0], seen_version=seen)
    before = state(database)

    with pytest.raises(edits.ChangedSince) as refused:
        edits.move(database, second, EVENT, ids["ab"], targets[1], seen_version=seen)

    assert (refused.value.code, refused.value.meetings, refused.value.version) == (
        "changed_since",
        [ids["ab"]],
        first.version,
    )
    assert state(database) == before
    again = edits.move(database, second, EVENT, ids["ab"], targets[1], seen_version=first.version)
    assert where(database, ids["ab"])[:2] == (targets[1].starts_at, targets[1].space_id)
    assert again.version == first.version + 1


def test_an_edit_of_another_meeting_since_does_not_refuse_a_move(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    seen, cd_targets = _fitting(database, w, ids["cd"])
    edits.move(database, w.organiser, EVENT, ids["cd"], cd_targets[0], seen_version=seen)
    _, ab_targets = _fitting(database, w, ids["ab"])

    view = edits.move(database, w.organiser, EVENT, ids["ab"], ab_targets[0], seen_version=seen)

    assert view.version == seen + 2
    assert where(database, ids["ab"])[:2] == (ab_targets[0].starts_at, ab_targets[0].space_id)


def test_a_lock_or_unplace_made_on_an_older_version_is_refused_once_the_meeting_moved(
    database: Database,
) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    seen, targets = _fitting(database, w, ids["ab"])
    edits.move(database, w.organiser, EVENT, ids["ab"], targets[0])
    before = state(database)

    with pytest.raises(edits.ChangedSince):
        edits.lock(database, w.organiser, EVENT, ids["ab"], locked=True, seen_version=seen)
    with pytest.raises(edits.ChangedSince):
        edits.unplace(database, w.organiser, EVENT, ids["ab"], seen_version=seen)
    with pytest.raises(edits.ChangedSince):
        edits.swap(database, w.organiser, EVENT, ids["cd"], ids["ab"], seen_version=seen)

    assert state(database) == before


def test_an_edit_refused_for_changes_since_names_the_meetings_in_words_in_the_readers_language(
    database: Database,
) -> None:
    # A protocol officer knows meetings by their title, else by format and sides, not by row.
    w, ids, _second, seen, targets = _two_organisers(database)
    edits.move(database, w.organiser, EVENT, ids["ab"], targets[0])
    edits.move(database, w.organiser, EVENT, ids["cd"], _fitting(database, w, ids["cd"])[1][0])
    with database.writing() as session:
        untitled = session.get(MeetingRow, ids["cd"])
        assert untitled is not None
        untitled.terms = {k: v for k, v in untitled.terms.items() if k != "title"}

    with pytest.raises(edits.ChangedSince) as refused:
        edits.swap(database, w.organiser, EVENT, ids["ab"], ids["cd"], seen_version=seen)

    assert refused.value.meetings == sorted([ids["ab"], ids["cd"]])
    assert refused.value.message == (
        "ab and Meeting, C and D changed since version 1; the schedule is at version 3: look again"
    )
    with speaking("ru"):
        assert refused.value.message == (
            "После версии 1 изменено: ab и Встреча: C и D. Расписание уже в версии 3: "
            "посмотрите ещё раз"
        )


def test_an_edit_a_meeting_as_it_stands_refuses_names_it_in_the_readers_language(
    database: Database,
) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    edits.lock(database, w.organiser, EVENT, ids["ab"], locked=True)
    with database.writing() as session:
        untitled = session.get(MeetingRow, ids["cd"])
        assert untitled is not None
        untitled.terms = {k: v for k, v in untitled.terms.items() if k != "title"}
        untitled.status = str(MeetingStatus.CANCELLED)

    with pytest.raises(edits.MeetingConflict) as locked:
        edits.lock(database, w.organiser, EVENT, ids["ab"], locked=True)
    with pytest.raises(edits.MeetingConflict) as cancelled:
        edits.unplace(database, w.organiser, EVENT, ids["cd"])

    assert (locked.value.status, locked.value.message) == (409, "ab is locked already")
    assert cancelled.value.message == "Meeting, C and D is cancelled, not on the schedule"
    with speaking("ru"):
        assert cancelled.value.message == (
            "встреча «Встреча: C и D» в состоянии «отменена» и не стоит в расписании"
        )


def test_a_version_not_yet_published_is_refused_naming_the_field(database: Database) -> None:
    w, ids = world(database, [meeting("ab", "A", "B"), meeting("cd", "C", "D")])
    seen, targets = _fitting(database, w, ids["ab"])
    before = state(database)

    with pytest.raises(Invalid) as refused:
        edits.move(database, w.organiser, EVENT, ids["ab"], targets[0], seen_version=seen + 1)

    assert (refused.value.field, state(database)) == ("seen_version", before)


def test_two_organisers_moving_one_meeting_at_once_one_wins_the_other_is_told(
    database: Database,
) -> None:
    w, ids, second, seen, targets = _two_organisers(database)

    results = race(
        [
            lambda: edits.move(
                database, w.organiser, EVENT, ids["ab"], targets[0], seen_version=seen
            ),
            lambda: edits.move(database, second, EVENT, ids["ab"], targets[1], seen_version=seen),
        ]
    )

    done = [r for r in results if isinstance(r, edits.EditView)]
    lost = [r for r in results if not isinstance(r, edits.EditView)]
    assert len(done) == 1
    assert [type(r) for r in lost] == [edits.ChangedSince]
    [winner] = done
    [change] = winner.changes
    assert change.after is not None
    assert where(database, ids["ab"])[:2] == (
        datetime.fromisoformat(change.after[0]),
        change.after[2],
    )
    assert schedule_versions.versions_count(database, EVENT) == 2
    with database.reading() as session:
        assert double_bookings(session, EVENT) == []


# Statements (places of a meeting, a move) measured on the smallest schedule: a larger one
# must cost no more. SQLite sends its own BEGIN, SAVEPOINT and COMMIT statements (two fewer
# since ids are random: rows with their id known are inserted in one batch). A move's change
# notices fill the outbox: two more reads (who listens by e-mail, which webhooks). A move books
# as every re-plan does (``replans.book_replan``): nine fewer since its lock reads the event's
# row whole (the last change reported after it, in a statement of its own), its rows and
# principals are read once, its bookings written a table at a time with no savepoint, its
# audience taken from the principals read, and the version's schedule before it kept in memory;
# two fewer since its rows come with their principals in one read and the current version with
# the event's revision in another; one fewer since the last change reported comes with those
# rows; one fewer since the meetings written since the current version come with it. Its
# answer is made in its transaction (for an idempotency key to keep), not in a read of its own;
# one fewer since the outbox reads the receivers of its messages, users and webhooks, at once.
# On PostgreSQL four fewer since the old bookings go with one statement for both tables, the
# new ones with another, and the audit entries with their notices and audience with a third
# (``inserts.insert_at_once``).
STATEMENTS = {"sqlite": (11, 28), "postgresql": (10, 22)}


class Statements:
    """Counts the SQL statements the database is sent while the block runs."""

    def __init__(self, database: Database) -> None:
        self.engine = database.engine
        self.count = 0

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def _statements_for(database: Database, pairs: list[tuple[str, str]]) -> tuple[int, int]:
    """Statements of reading the first meeting's places, and of moving it, without a cache."""
    w, ids = world(database, [meeting(a + b, a, b) for a, b in pairs])
    first = ids[pairs[0][0] + pairs[0][1]]
    event_state.forget()
    with Statements(database) as reading:
        places = edits.meeting_places(database, w.organiser, EVENT, first).places
    there = next(p for p in places if p.fits and not p.current and p.space_id)
    event_state.forget()
    with Statements(database) as moving:
        edits.move(database, w.organiser, EVENT, first, Target(there.starts_at, there.space_id))
    return reading.count, moving.count


@pytest.mark.parametrize("size", [1, 3])
def test_the_places_and_a_move_cost_as_many_statements_whatever_the_schedule_holds(
    database: Database, size: int
) -> None:
    pairs = [("A", "B"), ("C", "D"), ("E", "F")][:size]

    counts = _statements_for(database, pairs)

    assert counts == STATEMENTS[database.dialect]


def test_a_move_committed_while_another_is_planned_on_the_same_version_refuses_the_second(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving the race above hits by chance: the first move commits after the
    second's planning read took the version and before it read the meetings."""
    w, ids, second, seen, targets = _two_organisers(database)
    planned = edits.onsite_problem
    first: list[edits.EditView] = []
    started: list[bool] = []

    def read_after_the_first_move(*args: Any, **kwargs: Any) -> Any:
        if not started:
            started.append(True)
            # Another connection, another thread: the first organiser's move, committed.
            mover = threading.Thread(
                target=lambda: first.append(
                    edits.move(
                        database, w.organiser, EVENT, ids["ab"], targets[0], seen_version=seen
                    )
                )
            )
            mover.start()
            mover.join()
        return planned(*args, **kwargs)

    monkeypatch.setattr(edits, "onsite_problem", read_after_the_first_move)

    with pytest.raises(edits.ChangedSince) as refused:
        edits.move(database, second, EVENT, ids["ab"], targets[1], seen_version=seen)

    assert refused.value.meetings == [ids["ab"]]
    assert where(database, ids["ab"])[:2] == (targets[0].starts_at, targets[0].space_id)
    assert schedule_versions.versions_count(database, EVENT) == 2
