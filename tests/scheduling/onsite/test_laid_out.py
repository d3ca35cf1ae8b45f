"""A published schedule kept laid out between re-plans: the same results as a board laid out
anew, and after each re-plan and each followed booking the same state as one laid out afresh."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sidelines.domain import Event, MeetingId
from sidelines.domain.errors import DomainError
from sidelines.scheduling import Assignment, Problem, build_problem, validate
from sidelines.scheduling.baselines import first_come_first_served
from sidelines.scheduling.generator import GeneratorSpec, generate_event
from sidelines.scheduling.onsite import NewMeeting, OnsiteOptions, insertion, replan
from sidelines.scheduling.onsite.laid_out import LaidOut
from sidelines.scheduling.problem import amended


def _fair() -> tuple[Event, Problem, dict[MeetingId, Assignment], list[MeetingId]]:
    """A generated fair: 60 of its meetings published, 8 others to agree one by one."""
    event = generate_event(GeneratorSpec(principals=30, requests=160, spaces=6, days=1), 3)
    event = replace(event, meetings=tuple(replace(m, after=()) for m in event.meetings))
    placed = first_come_first_served(build_problem(event))
    ids = [m.id for m in event.meetings if m.id in placed]
    first, later = set(ids[:60]), ids[60:68]
    published = replace(event, meetings=tuple(m for m in event.meetings if m.id in first))
    problem = build_problem(published)
    return event, problem, {m: placed[m] for m in ids[:60]}, later


def _same_layout(kept: LaidOut, fresh: LaidOut) -> None:
    a, b = kept.state, fresh.state
    assert a.start == b.start
    assert a.space == b.space
    assert (a.total_breaks, a.total_weight, a.n_scheduled) == (
        b.total_breaks,
        b.total_weight,
        b.n_scheduled,
    )
    assert [c.busy for c in a.calendars] == [c.busy for c in b.calendars]
    assert [free[: a.n_slots] for free in a.free] == [free[: b.n_slots] for free in b.free]
    assert kept.published == fresh.published


def test_kept_layout_places_as_a_fresh_board_and_follows_each_booking() -> None:
    event, problem, schedule, later = _fair()
    kept = LaidOut(problem, schedule)
    options = OnsiteOptions(time_limit_s=30.0)
    for meeting_id in later:
        meeting = next(m for m in event.meetings if m.id == meeting_id)
        waiting = amended(problem, event, {}, [meeting])
        assert waiting is not None

        on_kept = replan(waiting, schedule, NewMeeting(meeting_id), options, kept)
        fresh = replan(waiting, schedule, NewMeeting(meeting_id), options)

        assert on_kept.schedule == fresh.schedule
        assert on_kept.moved == fresh.moved
        assert validate(waiting, on_kept.schedule) == []
        assert not kept.lent
        # The re-plan undid its moves: the kept layout is still the published schedule.
        _same_layout(kept, LaidOut(problem, schedule))
        # The booking, as the next read of the database gives it.
        problem, schedule = waiting, dict(on_kept.schedule)
        assert kept.follow(problem, schedule)
        _same_layout(kept, LaidOut(problem, schedule))


def test_a_layout_told_which_meetings_changed_moves_only_those_and_keeps_what_is_fixed() -> None:
    event, problem, schedule, later = _fair()
    kept = LaidOut(problem, schedule)
    earliest_move = problem.grid.n_slots // 2
    options = OnsiteOptions(time_limit_s=30.0)
    for meeting_id in later:
        meeting = next(m for m in event.meetings if m.id == meeting_id)
        waiting = amended(problem, event, {}, [meeting])
        assert waiting is not None
        kept.fixed_from(earliest_move)  # kept from now on, and brought up to date by ``follow``
        result = replan(waiting, schedule, NewMeeting(meeting_id), options, kept)
        changed = {meeting_id, *(move.meeting for move in result.moved)}

        problem, schedule = waiting, dict(result.schedule)
        assert kept.follow(problem, schedule, changed)

        fresh = LaidOut(problem, schedule)
        _same_layout(kept, fresh)
        assert kept.fixed_from(earliest_move) == fresh.fixed_from(earliest_move)


def test_a_layout_told_of_a_meeting_it_does_not_hold_is_not_followed() -> None:
    _, problem, schedule, _ = _fair()
    kept = LaidOut(problem, schedule)
    taken_off = dict(schedule)
    taken_off.pop(next(iter(schedule)))

    assert not kept.follow(problem, taken_off, {MeetingId("not in the problem")})
    _same_layout(kept, LaidOut(problem, schedule))


def test_a_schedule_other_than_the_one_laid_out_gets_a_board_of_its_own() -> None:
    event, problem, schedule, later = _fair()
    kept = LaidOut(problem, schedule)
    meeting = next(m for m in event.meetings if m.id == later[0])
    waiting = amended(problem, event, {}, [meeting])
    assert waiting is not None
    moved_id = next(iter(schedule))
    other = {**schedule}
    del other[moved_id]

    assert kept.lend(waiting, other, now=None, freeze_window_min=30, targets=[meeting.id]) is None
    result = replan(waiting, other, NewMeeting(meeting.id), None, kept)

    assert validate(waiting, result.schedule) == []
    _same_layout(kept, LaidOut(problem, schedule))


def test_a_search_that_fails_half_way_leaves_the_layout_broken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event, problem, schedule, later = _fair()
    kept = LaidOut(problem, schedule)
    meeting = next(m for m in event.meetings if m.id == later[0])
    waiting = amended(problem, event, {}, [meeting])
    assert waiting is not None

    def fail(self: insertion.Insertion, meeting_idx: int) -> bool:
        self.direct(meeting_idx, None)
        raise RuntimeError("interrupted")

    monkeypatch.setattr(insertion.Insertion, "place_fewest_breaks", fail)
    with pytest.raises(RuntimeError):
        replan(waiting, schedule, NewMeeting(meeting.id), None, kept)

    assert kept.broken
    assert not kept.follow(problem, schedule)


def test_a_layout_holds_its_own_schedule_on_a_problem_with_its_meetings_first() -> None:
    event, problem, schedule, later = _fair()
    kept = LaidOut(problem, schedule)
    meeting = next(m for m in event.meetings if m.id == later[0])
    waiting = amended(problem, event, {}, [meeting])
    assert waiting is not None
    fewer = replace(problem, meetings=problem.meetings[1:])

    assert kept.holds(waiting, schedule)
    assert not kept.holds(waiting, dict(schedule))
    assert not kept.holds(fewer, schedule)


def test_a_schedule_naming_an_unknown_meeting_is_refused_beside_a_kept_layout() -> None:
    event, problem, schedule, later = _fair()
    kept = LaidOut(problem, schedule)
    meeting = next(m for m in event.meetings if m.id == later[0])
    waiting = amended(problem, event, {}, [meeting])
    assert waiting is not None
    unknown = {**schedule, MeetingId("not in the problem"): next(iter(schedule.values()))}

    with pytest.raises(DomainError, match="unknown meeting 'not in the problem'"):
        replan(waiting, unknown, NewMeeting(meeting.id), None, kept)
