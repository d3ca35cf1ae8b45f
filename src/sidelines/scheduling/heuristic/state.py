"""A schedule under construction that keeps every hard rule at every step.

``State`` holds the incremental data that makes a move cheap: each principal's calendar (busy
slots, breaks), for each space class and slot the set of its spaces still free, bookings per
party and day, and the running objective. ``options`` lists where a meeting may go now, as start
masks per space class, with every rule of ``rules.RULES`` folded in; ``place`` and ``unplace``
update everything; a journal lets a local-search move be undone.

Rules kept and where (names from ``rules``):
- the placement rules: ``Candidates.allowed`` from ``rules.placement.possible_starts`` (with
  contacts at programme sessions among the starts in no space);
- principal_not_double_booked and space_not_double_booked (with the turnover buffer): masks;
- press_out_buffer_respected: a meeting with the press in holds its space that much longer;
- interpreters_not_overbooked: per language pair, the slots where all its interpreters are
  taken (``interpreters_full``);
- walking_time_respected: ``_walking_blocked``; kept for every pair of a principal's meetings,
  not only consecutive ones, so removing a meeting never breaks it;
- precedence_respected: ``_precedence_window``;
- room_policy_respected: ``_policy_blocked``;
- breaks_fairly_spread: no principal gets more than ``fairness_max_spread`` breaks, which keeps
  max - min within it whatever the least-loaded principal has;
- locked_meeting_kept and required_meeting_scheduled: by the callers, which place those first.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple, overload

from sidelines.domain.ids import MeetingId, PartyId
from sidelines.scheduling.heuristic.breaks import (
    NO_PROGRAMME,
    Calendar,
    DayMasks,
    Transparent,
)
from sidelines.scheduling.problem import MeetingData, Problem
from sidelines.scheduling.rules.placement import (
    contact_at,
    meeting_starts,
    possible_starts,
    space_starts,
)
from sidelines.scheduling.schedule import Assignment
from sidelines.scheduling.slots import run_mask

CORRIDOR = -1  # the "class" of meetings that need no space


class Option(NamedTuple):
    """Where one meeting may start now in one space class (``CORRIDOR`` for no space)."""

    space_class: int
    starts: int


def plain_first(problem: Problem) -> list[int]:
    """The space classes, the plainest first (smallest, fewest features, shortest turnover):
    the order in which a meeting tries them, so rooms stay free for the meetings that need
    them."""
    keyed = []
    for space_class in problem.space_classes:
        space = problem.spaces[space_class.spaces[0]]
        keyed.append((space.capacity, len(space.features), space.turnover_slots, space_class.index))
    return [class_idx for *_, class_idx in sorted(keyed)]


MeetingMasks = tuple[tuple[int, int], ...]  # (space class, allowed starts), plainest first
NO_KIND = -1  # the kind (``SharedMasks.parts``) of a meeting whose masks are its own


class SpaceKinds:
    """The second part of a meeting's allowed starts (``space_starts``: fit, agreed place,
    press-ready, opening hours) per space class, shared by every meeting of one kind: those
    rules read of a meeting only its size, needs, the hosts among its parties, its agreed
    place, press plan and length. Each class is asked through its first space, the plainest
    class first (``plain_first``)."""

    def __init__(self, problem: Problem) -> None:
        self.reps = [(idx, problem.space_classes[idx].spaces[0]) for idx in plain_first(problem)]
        self._hosts: set[PartyId] = {
            host
            for _, space_idx in self.reps
            if (host := problem.spaces[space_idx].host_party) is not None
        }
        self._known: dict[tuple[object, ...], MeetingMasks] = {}

    def key(self, meeting: MeetingData) -> tuple[object, ...]:
        """The meeting's kind: what ``space_starts`` reads of it."""
        return (
            meeting.size,
            meeting.needs,
            tuple(sorted(party for party in meeting.parties if party in self._hosts)),
            meeting.agreed_spaces,
            meeting.press,
            meeting.duration_slots,
        )

    def masks(
        self, problem: Problem, meeting_idx: int, key: tuple[object, ...]
    ) -> tuple[MeetingMasks, bool]:
        """``(space_class, space starts)`` of the meeting's kind ``key``, the empty ones left
        out, and whether the kind was new."""
        known = self._known.get(key)
        if known is not None:
            return known, False
        known = self._known[key] = tuple(
            (class_idx, starts)
            for class_idx, space_idx in self.reps
            if (starts := space_starts(problem, meeting_idx, space_idx))
        )
        return known, True


class SharedMasks(Sequence[MeetingMasks]):
    """``placement_masks`` for every meeting, kept in two parts: the meeting's own starts
    (``meeting_starts``) and the ``(space_class, space starts)`` of its kind, one tuple shared
    by all meetings of the kind. A meeting's masks (both parts joined) are worked out when
    first read; ``State.options`` reads the parts as they are, so constructing a schedule costs
    no joining at all. A meeting's masks may be replaced (``onsite.alternatives`` does, while
    it tries a variant of a meeting).
    """

    def __init__(
        self,
        own: list[int],
        kinds: list[MeetingMasks],
        everywhere: list[int],
        kind_of: list[int],
        kind_masks: list[MeetingMasks],
    ) -> None:
        self._own = own
        self._kinds = kinds
        self._kind_of = kind_of
        self.kind_masks = kind_masks  # by kind number: its ``(space_class, space starts)``
        self._everywhere = everywhere
        self._joined: list[MeetingMasks | None] = [None] * len(own)

    def __len__(self) -> int:
        return len(self._own)

    @overload
    def __getitem__(self, idx: int) -> MeetingMasks: ...

    @overload
    def __getitem__(self, idx: slice) -> list[MeetingMasks]: ...

    def __getitem__(self, idx: int | slice) -> MeetingMasks | list[MeetingMasks]:
        if isinstance(idx, slice):
            return [self[one] for one in range(*idx.indices(len(self)))]
        joined = self._joined[idx]
        if joined is None:
            own = self._own[idx]
            joined = tuple(
                (class_idx, own & starts) for class_idx, starts in self._kinds[idx] if own & starts
            )
            self._joined[idx] = joined
        return joined

    def __setitem__(self, idx: int, masks: MeetingMasks) -> None:
        self._own[idx] = -1
        self._kinds[idx] = masks
        self._kind_of[idx] = NO_KIND
        self._joined[idx] = masks
        anywhere = 0
        for _, starts in masks:
            anywhere |= starts
        self._everywhere[idx] = anywhere

    def __reduce__(
        self,
    ) -> tuple[
        type[SharedMasks],
        tuple[list[int], list[MeetingMasks], list[int], list[int], list[MeetingMasks]],
    ]:
        # The parts, not every meeting's masks joined: the kinds' tuples are shared, so the
        # bound's process gets a few hundred kilobytes instead of a million pairs.
        parts = (self._own, self._kinds, self._everywhere, self._kind_of, self.kind_masks)
        return SharedMasks, parts

    def copy(self) -> SharedMasks:
        """Masks of their own (``__setitem__`` changes only them), sharing the kinds' tuples."""
        copied = SharedMasks(
            self._own[:], self._kinds[:], self._everywhere[:], self._kind_of[:], self.kind_masks
        )
        copied._joined = self._joined[:]
        return copied

    def parts(self, idx: int) -> tuple[int, MeetingMasks, int]:
        """The meeting's own starts, its kind's ``(space_class, space starts)`` (its masks are
        their intersections, the empty ones left out) and the kind's number (``NO_KIND`` for a
        meeting in no space or whose masks were replaced)."""
        return self._own[idx], self._kinds[idx], self._kind_of[idx]

    def anywhere(self, idx: int) -> int:
        """Every start the meeting may take in some class."""
        return self._own[idx] & self._everywhere[idx]


class _LastMasks:
    """The placement masks of the last problem asked, while it lives: after a solve, the
    left-out reasons (``reasons._FreeTimes``) ask again for the masks of the problem the
    heuristic has just laid out (at 20,000 meetings and 50 classes a few tenths of a second of
    CPU, which came past the time limit)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # the weakref callback may run inside a copy
        self.problem: weakref.ref[Problem] | None = None
        self.masks: SharedMasks | None = None

    def get(self, problem: Problem) -> SharedMasks | None:
        with self.lock:
            if self.problem is None or self.problem() is not problem or self.masks is None:
                return None
            return self.masks.copy()

    def keep(self, problem: Problem, masks: SharedMasks) -> None:
        with self.lock:
            self.problem = weakref.ref(problem, self._forget)
            self.masks = masks.copy()

    def _forget(self, gone: weakref.ref[Problem]) -> None:
        with self.lock:
            if self.problem is gone:
                self.problem = None
                self.masks = None


_LAST_MASKS = _LastMasks()


def placement_masks(problem: Problem) -> SharedMasks:
    """``_placement_masks``, worked out once for the last problem asked: each caller gets
    masks of its own (``SharedMasks.copy``)."""
    masks = _LAST_MASKS.get(problem)
    if masks is None:
        masks = _placement_masks(problem)
        _LAST_MASKS.keep(problem, masks)
    return masks


def _placement_masks(problem: Problem) -> SharedMasks:
    """For each meeting, ``(space_class, allowed_starts)`` for every class it may use, the
    plainest class first (``plain_first``).

    ``allowed_starts`` is two parts: what the rules that do not read the space allow
    (``meeting_starts``: its principals' presence and programme, its windows; the same in every
    class) and what the rules that do allow (``space_starts``: fit, agreed place, press-ready,
    opening hours). Those read of a meeting only its size, needs, the hosts among its parties,
    its agreed place, press plan and length, so the second part is computed once per such
    kind of meeting and class and shared by all meetings of the kind: on a one-day event of
    20,000 meetings and 50 classes, a thousand calls instead of 900,000 (docs/benchmarks.md).
    """
    kinds = SpaceKinds(problem)
    any_space = kinds.reps[0][1] if kinds.reps else None
    unions: dict[tuple[object, ...], tuple[int, int]] = {}
    own: list[int] = []
    by_kind: list[MeetingMasks] = []
    everywhere: list[int] = []
    kind_of: list[int] = []
    kind_masks: list[MeetingMasks] = []
    for meeting_idx, meeting in enumerate(problem.meetings):
        if not meeting.needs_space:
            # In a corridor, or as a contact at a programme session.
            starts = possible_starts(problem, meeting_idx, None)
            own.append(-1)
            by_kind.append(((CORRIDOR, starts),) if starts else ())
            everywhere.append(starts)
            kind_of.append(NO_KIND)
            continue
        key = kinds.key(meeting)
        by_class, new = kinds.masks(problem, meeting_idx, key)
        if new:
            union = 0
            for _, starts in by_class:
                union |= starts
            unions[key] = (union, len(kind_masks))
            kind_masks.append(by_class)
        union, kind = unions[key]
        own.append(meeting_starts(problem, meeting_idx, any_space) if by_class else 0)
        by_kind.append(by_class)
        everywhere.append(union)
        kind_of.append(kind)
    return SharedMasks(own, by_kind, everywhere, kind_of, kind_masks)


class State:
    def __init__(
        self,
        problem: Problem,
        masks: list[MeetingMasks] | SharedMasks | None = None,
    ) -> None:
        self.problem = problem
        grid = problem.grid
        self.n_slots = grid.n_slots
        self.all_slots = grid.all_slots()
        self.days = DayMasks.of(grid)
        self.day_of_slot = [0] * grid.n_slots
        self.day_bounds = {day.index: (day.first_slot, day.end_slot) for day in grid.days}
        for day in grid.days:
            for slot in day.slots:
                self.day_of_slot[slot] = day.index
        self.allowed = masks if masks is not None else placement_masks(problem)
        meetings = problem.meetings
        self.duration = [m.duration_slots for m in meetings]
        self.press_buffer = [m.press_buffer_slots for m in meetings]
        self.weight = [m.weight for m in meetings]
        self.preferred_starts = [
            _starts_inside(m.preferred, m.duration_slots) if m.preferred else 0 for m in meetings
        ]
        self.successors: list[list[int]] = [[] for _ in meetings]
        for idx, meeting in enumerate(meetings):
            for earlier in meeting.after:
                self.successors[earlier].append(idx)
        self.fairness_cap = problem.fairness_max_spread

        self.transparent = [
            Transparent.of(p.programme, self.days) if p.programme else NO_PROGRAMME
            for p in problem.principals
        ]
        self.calendars = [Calendar() for _ in problem.principals]
        self.principal_meetings: list[set[int]] = [set() for _ in problem.principals]
        self.space_meetings: list[set[int]] = [set() for _ in problem.spaces]
        self.party_principals: dict[str, list[int]] = {}
        for principal_idx, principal in enumerate(problem.principals):
            self.party_principals.setdefault(principal.party, []).append(principal_idx)

        classes = problem.space_classes
        self.class_spaces = [space_class.spaces for space_class in classes]
        self.class_turnover = [problem.spaces[c.spaces[0]].turnover_slots for c in classes]
        self.class_organiser_run = [problem.spaces[c.spaces[0]].organiser_run for c in classes]
        self.class_location = [problem.spaces[c.spaces[0]].location_idx for c in classes]
        # Whether a class's starts depend on more than the meeting and its kind (``options``).
        self.rules_per_class = problem.has_walking or (
            problem.max_bookings_per_party_per_day is not None and any(self.class_organiser_run)
        )
        self.member_bit: dict[int, int] = {}
        for space_class in classes:
            for position, space_idx in enumerate(space_class.spaces):
                self.member_bit[space_idx] = position
        # A free run of a space shorter than this holds no meeting (``_best_fit``).
        shortest = min(self.duration, default=1)
        self.shortest_span = [shortest + turnover for turnover in self.class_turnover]
        # The shortest and longest meeting and the longest press buffer, kept by ``rebind``
        # from how many meetings have each length and each press buffer (a few values).
        self._extremes = (
            shortest,
            max(self.duration, default=1),
            max(self.press_buffer, default=0),
        )
        self._lengths = Counter(self.duration)
        self._buffers = Counter(self.press_buffer)
        longest = (
            max(self.duration, default=1)
            + max(self.class_turnover, default=0)
            + max(self.press_buffer, default=0)
        )
        width = self.n_slots + longest + 1
        # free[c][slot]: bit i set when the class's i-th space is free at that slot (its
        # meetings occupy [start, end + turnover)). full[c]: slots where none is free.
        self.free = [[(1 << c.size) - 1] * width for c in classes]
        # holder[space][slot]: the meeting holding the space at that slot (its slots, the
        # turnover and its press-out buffer), -1 for none. A space's holds never overlap, so
        # what stands in a start's way is a few reads (``construct.space_blockers``) instead of
        # a pass over the space's meetings, which the search asks some fifty times a move.
        self.holder = [[-1] * width for _ in problem.spaces]
        self.full = [0] * len(classes)
        # (class, length) -> starts on the class's packing grid (``packing_grid``).
        self._grids: dict[tuple[int, int], int] = {}
        self._grid_lists: dict[int, list[int]] = {}  # length -> ``packing_grids``
        # (class, span) -> (full mask it was computed for, starts clear of the full slots): the
        # full slots of a class change seldom and every meeting asks for every class it fits.
        self._clear: dict[tuple[int, int], tuple[int, int]] = {}
        # Per kind of meeting (``SharedMasks``): a version bumped whenever the full slots of
        # one of its classes change, and (kind, hold) -> (version, its space starts clear of
        # full slots, their union), see ``_kind_room``.
        kind_masks = self.allowed.kind_masks if isinstance(self.allowed, SharedMasks) else []
        self.class_kinds: list[list[int]] = [[] for _ in classes]
        for kind, by_class in enumerate(kind_masks):
            for class_idx, _ in by_class:
                self.class_kinds[class_idx].append(kind)
        self.kind_version = [0] * len(kind_masks)
        # (kind, hold) -> (version, per class its space starts clear of full slots, their
        # union, the full slots each class had when its starts were cleared).
        self._rooms: dict[tuple[int, int], tuple[int, list[tuple[int, int]], int, list[int]]] = {}

        # Per language pair: meetings interpreted in each slot, and the slots where every
        # interpreter of the pair is taken.
        self.interpreters_used = [[0] * grid.n_slots for _ in problem.interpreters]
        self.interpreters_full = [0] * len(problem.interpreters)
        self.interpreted: list[set[int]] = [set() for _ in problem.interpreters]

        self.bookings: dict[tuple[str, int], int] = {}
        self.start = [-1] * len(meetings)
        self.space: list[int | None] = [None] * len(meetings)
        self.total_weight = 0
        self.total_breaks = 0
        self.preferences_met = 0
        self.n_scheduled = 0
        self.journal: list[tuple[bool, int, int, int | None]] | None = None
        # Meetings that construction and the local search never move or take out: the locked
        # ones, and in a stable re-solve the published ones once they are in.
        self.fixed = [meeting.locked for meeting in problem.meetings]

    def rebind(self, problem: Problem, changed: Iterable[int] = ()) -> None:
        """Take ``problem`` as this state's: the same event but for the meetings at
        ``changed``, replaced, and those past the state's count, added (or, fewer, dropped);
        none of those placed, and no precedence among them. What the state keeps of the event
        (grid, principals, spaces, rules) must be the same: ``onsite.laid_out`` checks it."""
        meetings = problem.meetings
        count, known = len(meetings), len(self.start)
        changed = tuple(changed)
        # The extremes of the lengths follow the meetings that change, dropped or added: the
        # counts of each length and press buffer, not a pass over every meeting (one answer
        # rebinds three times, and each pass over a large event cost more than its search).
        lengths, buffers = self._lengths, self._buffers
        for idx in (*(idx for idx in changed if idx < known), *range(count, known)):
            lengths[self.duration[idx]] -= 1
            buffers[self.press_buffer[idx]] -= 1
        per_meeting: list[list[int]] = [self.duration, self.press_buffer, self.weight]
        per_meeting += [self.preferred_starts, self.start]
        if count < known:
            for values in per_meeting:
                del values[count:]
            del self.space[count:]
            del self.fixed[count:]
            del self.successors[count:]
        self.problem = problem
        for idx in (*changed, *range(known, count)):
            meeting = meetings[idx]
            assert not meeting.after, "a precedence needs the successors worked out again"
            if idx >= known:
                for values in per_meeting:
                    values.append(-1)
                self.space.append(None)
                self.fixed.append(False)
                self.successors.append([])
            self.duration[idx] = meeting.duration_slots
            self.press_buffer[idx] = meeting.press_buffer_slots
            self.weight[idx] = meeting.weight
            self.preferred_starts[idx] = (
                _starts_inside(meeting.preferred, meeting.duration_slots)
                if meeting.preferred
                else 0
            )
            self.fixed[idx] = meeting.locked
            lengths[meeting.duration_slots] += 1
            buffers[meeting.press_buffer_slots] += 1
        for counts in (lengths, buffers):
            for value in [value for value, many in counts.items() if many <= 0]:
                del counts[value]
        shortest = min(lengths, default=1)
        longest = max(lengths, default=1)
        press = max(buffers, default=0)
        self._extremes = (shortest, longest, press)
        self.shortest_span = [shortest + turnover for turnover in self.class_turnover]
        hold = longest + max(self.class_turnover, default=0) + press
        for class_idx, free in enumerate(self.free):
            # Room past the grid's end for the longest meeting's hold, as ``__init__`` makes.
            missing = self.n_slots + hold + 1 - len(free)
            if missing > 0:
                free.extend([(1 << len(self.class_spaces[class_idx])) - 1] * missing)
                for space_idx in self.class_spaces[class_idx]:
                    self.holder[space_idx].extend([-1] * missing)

    # --- queries ---------------------------------------------------------------------------

    def is_placed(self, meeting_idx: int) -> bool:
        return self.start[meeting_idx] >= 0

    def key(self) -> tuple[int, int, int]:
        """The objective, larger is better (``ObjectiveValue.key``)."""
        return (self.total_weight, -self.total_breaks, self.preferences_met)

    def options(self, meeting_idx: int) -> list[Option]:
        """Where the meeting may start now, keeping every hard rule, per space class, in the
        order of ``allowed`` (the plainest class first)."""
        problem = self.problem
        meeting = problem.meetings[meeting_idx]
        length = self.duration[meeting_idx]
        busy = 0
        for principal_idx in meeting.principals:
            busy |= self.calendars[principal_idx].busy
        for pair_idx in meeting.interpretation:
            busy |= self.interpreters_full[pair_idx]
        base = self.all_slots & ~_starts_touching(busy, length)
        if meeting.after or self.successors[meeting_idx]:
            base &= self._precedence_window(meeting_idx)
        if self.fairness_cap is not None:
            for principal_idx in meeting.principals:
                calendar = self.calendars[principal_idx]
                if calendar.breaks >= self.fairness_cap:
                    base &= ~calendar.break_deltas(length, self.days)[1]
        if not base:
            return []
        press_buffer = self.press_buffer[meeting_idx]
        result: list[Option] = []
        full_of = self.full
        turnover_of = self.class_turnover
        organiser_run = self.class_organiser_run
        clear = self._clear
        walking = problem.has_walking
        policy_blocked = -1  # not computed yet: it is the same for every class
        masks = self.allowed
        cleared = False  # whether ``by_class`` has the full slots taken out already
        by_class: Sequence[tuple[int, int]]
        # ``type(...) is`` rather than ``isinstance``: ``SharedMasks`` is a ``Sequence``, whose
        # ``isinstance`` is an abstract base class's check in Python, at every call (the
        # on-site search's ``LazyMasks`` always took its slow path); nothing subclasses it.
        if type(masks) is SharedMasks:
            # The meeting's own starts go into ``base``; its kind's space starts stay shared.
            own, by_class, kind = masks.parts(meeting_idx)
            base &= own
            if kind != NO_KIND:
                by_class, room = self._kind_room(kind, by_class, length + press_buffer)
                cleared = True
                if not base & room:
                    # Most meetings of an over-subscribed event end here in construction: some
                    # class would take them, but none has a space free when their principals
                    # are.
                    return []
                if not self.rules_per_class:
                    # No walking times, no room policy: the class's starts are the meeting's
                    # and its kind's, cleared of full slots already; one comprehension over
                    # the kind's classes instead of a loop of tests (construction asks this
                    # of every meeting, some fifty classes each on a large event).
                    return [
                        tuple.__new__(Option, (class_idx, starts))
                        for class_idx, allowed in by_class
                        if (starts := base & allowed)
                    ]
        else:
            by_class = masks[meeting_idx]
        for class_idx, allowed in by_class:
            starts = base & allowed
            if not starts:
                continue
            if class_idx != CORRIDOR:
                full = 0 if cleared else full_of[class_idx]
                if full:
                    span = length + turnover_of[class_idx] + press_buffer
                    cached = clear.get((class_idx, span))
                    if cached is None or cached[0] != full:
                        cached = (full, ~_starts_touching(full, span))
                        clear[(class_idx, span)] = cached
                    starts &= cached[1]
                if starts and organiser_run[class_idx]:
                    if policy_blocked < 0:
                        policy_blocked = self._policy_blocked(meeting_idx)
                    starts &= ~policy_blocked
                if starts and walking:
                    starts &= ~self._walking_blocked(meeting_idx, class_idx)
            if starts:
                # tuple.__new__ directly: a NamedTuple's own __new__ is a Python call more, and
                # construction makes hundreds of thousands of options on a large event.
                result.append(tuple.__new__(Option, (class_idx, starts)))
        return result

    def principals_busy_starts(self, meeting_idx: int) -> int:
        """The starts at which the meeting would overlap a meeting of one of its principals."""
        busy = 0
        for principal_idx in self.problem.meetings[meeting_idx].principals:
            busy |= self.calendars[principal_idx].busy
        return _starts_touching(busy, self.duration[meeting_idx])

    def _kind_room(
        self, kind: int, by_class: MeetingMasks, hold: int
    ) -> tuple[Sequence[tuple[int, int]], int]:
        """The kind's space starts with the starts taken out at which the class has no space
        free for ``hold`` slots (plus its turnover), and their union: one mask to turn a
        meeting away instead of a look at each class, brought up to date only when the full
        slots of one of the kind's classes have changed, and then only for those classes."""
        key = (kind, hold)
        version = self.kind_version[kind]
        cached = self._rooms.get(key)
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        full_of = self.full
        turnover_of = self.class_turnover
        if cached is None:
            seen = [-1] * len(by_class)  # no full mask is -1: every class computed below
            clear = list(by_class)
        else:
            _, clear, _, seen = cached
        # During the local search the full slots of some class change at almost every move:
        # recomputing all fifty classes of a kind each time was most of a move's cost.
        room = 0
        for position, (class_idx, starts) in enumerate(by_class):
            full = full_of[class_idx]
            if full != seen[position]:
                seen[position] = full
                if full:
                    starts &= ~_starts_touching(full, hold + turnover_of[class_idx])
                clear[position] = (class_idx, starts)
            room |= clear[position][1]
        self._rooms[key] = (version, clear, room, seen)
        return clear, room

    def packing_grids(self, length: int) -> list[int]:
        """``packing_grid`` of every class for a ``length``-slot meeting, by class index, with
        the corridor's (every start) last, so that ``[CORRIDOR]`` reads it."""
        grids = self._grid_lists.get(length)
        if grids is None:
            grids = [self.packing_grid(c, length) for c in range(len(self.class_spaces))] + [-1]
            self._grid_lists[length] = grids
        return grids

    def packing_grid(self, class_idx: int, length: int) -> int:
        """Starts of a ``length``-slot meeting that tile the class's spaces back to back from
        each opening of the day: every ``length + turnover`` slots. Corridors have no grid.

        Meetings of one length kept on this grid leave no gap too short for another, where a
        start anywhere can strand a slot or two on each side; on generated fairs with tables as
        scarce as time, preferring the grid placed 2 % more weight with a third fewer breaks
        (docs/benchmarks.md)."""
        if class_idx == CORRIDOR:
            return -1
        grid = self._grids.get((class_idx, length))
        if grid is None:
            step = length + self.class_turnover[class_idx]
            space = self.problem.spaces[self.class_spaces[class_idx][0]]
            grid = 0
            for day_mask in self.days.days:
                open_today = space.open & day_mask
                # Each run of opening hours (a day, or its parts around a closure) from its start.
                while open_today:
                    first = (open_today & -open_today).bit_length() - 1
                    end = first
                    while (open_today >> end) & 1:
                        end += 1
                    for start in range(first, end, step):
                        grid |= 1 << start
                    open_today &= ~run_mask(first, end - first)
            self._grids[(class_idx, length)] = grid
        return grid

    def free_space(
        self, meeting_idx: int, class_idx: int, start: int, best_fit: bool = True
    ) -> int | None:
        """A space of the class free for the meeting from ``start`` (turnover included): the
        best fit (``_best_fit``), or with ``best_fit=False`` the first one."""
        if class_idx == CORRIDOR:
            return None
        free = self.free[class_idx]
        members = -1
        end = (
            start
            + self.duration[meeting_idx]
            + self.class_turnover[class_idx]
            + self.press_buffer[meeting_idx]
        )
        for slot in range(start, end):
            members &= free[slot]
            if not members:
                return None
        if best_fit and members & (members - 1):
            members = self._best_fit(class_idx, members, start, end)
        return self.class_spaces[class_idx][(members & -members).bit_length() - 1]

    def _best_fit(self, class_idx: int, members: int, start: int, end: int) -> int:
        """Among spaces free for ``[start, end)``, those that leave no free run too short for
        any meeting: booked (or the day over) right before and after if any, else on one side
        with no short run on the other, else no short run on either side."""
        free = self.free[class_idx]
        shortest = self.shortest_span[class_idx]
        day = self.day_of_slot[start]
        first, stop = self.day_bounds[day]
        # Free runs of 1 .. shortest - 1 slots just before and just after.
        short_before = short_after = 0
        run_before = run_after = members
        adjacent_before = members & ~free[start - 1] if start > first else members
        adjacent_after = members & ~free[end] if end < stop else members
        both = adjacent_before & adjacent_after
        if both:
            # The tightest fit needs none of the short runs below (most calls in a full hall).
            return both
        for k in range(1, shortest):
            if start - k >= first:
                run_before &= free[start - k]
                edge = free[start - k - 1] if start - k - 1 >= first else 0
                short_before |= run_before & ~edge
            if end + k - 1 < stop:
                run_after &= free[end + k - 1]
                edge = free[end + k] if end + k < stop else 0
                short_after |= run_after & ~edge
        for tight in (
            (adjacent_before & ~short_after) | (adjacent_after & ~short_before),
            members & ~short_before & ~short_after,
        ):
            if tight:
                return tight
        return members

    def _precedence_window(self, meeting_idx: int) -> int:
        mask = self.all_slots
        for earlier in self.problem.meetings[meeting_idx].after:
            if self.start[earlier] >= 0:
                mask &= ~((1 << (self.start[earlier] + self.duration[earlier])) - 1)
        length = self.duration[meeting_idx]
        for later in self.successors[meeting_idx]:
            if self.start[later] >= 0:
                latest = self.start[later] - length
                mask &= (1 << (latest + 1)) - 1 if latest >= 0 else 0
        return mask

    def _policy_blocked(self, meeting_idx: int) -> int:
        cap = self.problem.max_bookings_per_party_per_day
        if cap is None:
            return 0
        blocked = 0
        for party in self.problem.meetings[meeting_idx].parties:
            for day_idx, day_mask in enumerate(self.days.days):
                if self.bookings.get((party, day_idx), 0) >= cap:
                    blocked |= day_mask
        return blocked

    def _walking_blocked(self, meeting_idx: int, class_idx: int) -> int:
        """Starts too close to a meeting of one of its principals in a place too far away."""
        problem = self.problem
        here = self.class_location[class_idx]
        length = self.duration[meeting_idx]
        near = 0
        for principal_idx in problem.meetings[meeting_idx].principals:
            for other in self.principal_meetings[principal_idx]:
                space_idx = self.space[other]
                if space_idx is None:
                    continue
                there = problem.spaces[space_idx].location_idx
                walk = problem.walking_slots.get((here, there), 0) if here != there else 0
                if walk:
                    first = max(0, self.start[other] - walk)
                    near |= run_mask(first, self.start[other] + self.duration[other] + walk - first)
        return _starts_touching(near, length) if near else 0

    # --- moves -----------------------------------------------------------------------------

    def place(self, meeting_idx: int, start: int, space_idx: int | None) -> None:
        """Put the meeting there; the caller took the start from ``options`` and the space
        from ``free_space``."""
        occupied = ((1 << self.duration[meeting_idx]) - 1) << start  # ``run_mask``, inline
        calendars, transparent, days = self.calendars, self.transparent, self.days
        breaks = self.total_breaks
        for principal_idx in self.problem.meetings[meeting_idx].principals:
            calendar = calendars[principal_idx]
            breaks -= calendar.breaks
            calendar.update(calendar.busy | occupied, transparent[principal_idx], days)
            breaks += calendar.breaks
        self.total_breaks = breaks
        self._take(meeting_idx, start, space_idx)

    def place_all(self, placements: Iterable[tuple[int, int, int | None]]) -> None:
        """``place`` for many (meeting, start, space) at once, as the caller vouches they fit
        together (a schedule already checked): one calendar update per principal instead of
        one per meeting and principal, which is most of the cost of laying out a published
        schedule of thousands of meetings."""
        meetings = self.problem.meetings
        added: dict[int, int] = {}
        for meeting_idx, start, space_idx in placements:
            occupied = run_mask(start, self.duration[meeting_idx])
            for principal_idx in meetings[meeting_idx].principals:
                added[principal_idx] = added.get(principal_idx, 0) | occupied
            self._take(meeting_idx, start, space_idx)
        for principal_idx, occupied in added.items():
            calendar = self.calendars[principal_idx]
            before = calendar.breaks
            calendar.update(calendar.busy | occupied, self.transparent[principal_idx], self.days)
            self.total_breaks += calendar.breaks - before

    def _take(self, meeting_idx: int, start: int, space_idx: int | None) -> None:
        """Everything ``place`` records but the principals' calendars."""
        meeting = self.problem.meetings[meeting_idx]
        length = self.duration[meeting_idx]
        for principal_idx in meeting.principals:
            self.principal_meetings[principal_idx].add(meeting_idx)
        for pair_idx in meeting.interpretation:
            self.interpreted[pair_idx].add(meeting_idx)
            used = self.interpreters_used[pair_idx]
            count = self.problem.interpreters[pair_idx].count
            for slot in range(start, start + length):
                used[slot] += 1
                if used[slot] >= count:
                    self.interpreters_full[pair_idx] |= 1 << slot
        if space_idx is not None:
            self.space_meetings[space_idx].add(meeting_idx)
            class_idx = self.problem.class_of_space[space_idx]
            clear = ~(1 << self.member_bit[space_idx])
            free = self.free[class_idx]
            holder = self.holder[space_idx]
            hold = length + self.class_turnover[class_idx] + self.press_buffer[meeting_idx]
            for slot in range(start, start + hold):
                holder[slot] = meeting_idx
                left = free[slot] & clear
                free[slot] = left
                if not left:
                    self.full[class_idx] |= 1 << slot
                    for kind in self.class_kinds[class_idx]:
                        self.kind_version[kind] += 1
            if self.class_organiser_run[class_idx]:
                day = self.day_of_slot[start]
                bookings = self.bookings
                for party in meeting.parties:
                    key = (party, day)
                    bookings[key] = bookings.get(key, 0) + 1
        self.start[meeting_idx] = start
        self.space[meeting_idx] = space_idx
        self.total_weight += self.weight[meeting_idx]
        self.n_scheduled += 1
        if (self.preferred_starts[meeting_idx] >> start) & 1:
            self.preferences_met += 1
        if self.journal is not None:
            self.journal.append((True, meeting_idx, start, space_idx))

    def unplace(self, meeting_idx: int) -> None:
        start = self.start[meeting_idx]
        space_idx = self.space[meeting_idx]
        meeting = self.problem.meetings[meeting_idx]
        length = self.duration[meeting_idx]
        keep = ~(((1 << length) - 1) << start)  # ``run_mask``, inline
        calendars, transparent, days = self.calendars, self.transparent, self.days
        principal_meetings = self.principal_meetings
        breaks = self.total_breaks
        for principal_idx in meeting.principals:
            calendar = calendars[principal_idx]
            breaks -= calendar.breaks
            calendar.update(calendar.busy & keep, transparent[principal_idx], days)
            breaks += calendar.breaks
            principal_meetings[principal_idx].discard(meeting_idx)
        self.total_breaks = breaks
        for pair_idx in meeting.interpretation:
            self.interpreted[pair_idx].discard(meeting_idx)
            used = self.interpreters_used[pair_idx]
            for slot in range(start, start + length):
                used[slot] -= 1
            self.interpreters_full[pair_idx] &= ~run_mask(start, length)
        if space_idx is not None:
            self.space_meetings[space_idx].discard(meeting_idx)
            class_idx = self.problem.class_of_space[space_idx]
            bit = 1 << self.member_bit[space_idx]
            free = self.free[class_idx]
            holder = self.holder[space_idx]
            hold = length + self.class_turnover[class_idx] + self.press_buffer[meeting_idx]
            for slot in range(start, start + hold):
                free[slot] |= bit
                holder[slot] = -1
            full = self.full[class_idx]
            held = ((1 << hold) - 1) << start  # ``run_mask``, inline
            if full & held:
                self.full[class_idx] = full & ~held
                for kind in self.class_kinds[class_idx]:
                    self.kind_version[kind] += 1
            if self.class_organiser_run[class_idx]:
                day = self.day_of_slot[start]
                for party in meeting.parties:
                    self.bookings[(party, day)] -= 1
        self.start[meeting_idx] = -1
        self.space[meeting_idx] = None
        self.total_weight -= self.weight[meeting_idx]
        self.n_scheduled -= 1
        if (self.preferred_starts[meeting_idx] >> start) & 1:
            self.preferences_met -= 1
        if self.journal is not None:
            self.journal.append((False, meeting_idx, start, space_idx))

    # --- undo ------------------------------------------------------------------------------

    def begin(self) -> None:
        self.journal = []

    def commit(self) -> None:
        self.journal = None

    def rollback(self) -> None:
        journal = self.journal or []
        self.journal = None
        for placed, meeting_idx, start, space_idx in reversed(journal):
            if placed:
                self.unplace(meeting_idx)
            else:
                self.place(meeting_idx, start, space_idx)

    def remember_calendars(self) -> None:
        """Let each principal's calendar remember what it worked out for its last busy masks
        (``Calendar.memo``): a search that tries a move and undoes it returns to them."""
        for calendar in self.calendars:
            if calendar.memo is None:
                calendar.memo = {}

    def touched_principals(self) -> set[int]:
        touched: set[int] = set()
        for _, meeting_idx, _, _ in self.journal or []:
            touched.update(self.problem.meetings[meeting_idx].principals)
        return touched

    def fair(self, principals: set[int] | None = None) -> bool:
        """Whether no principal (of those given) has more breaks than the fairness bound."""
        cap = self.fairness_cap
        if cap is None:
            return True
        indices = principals if principals is not None else range(len(self.calendars))
        return all(self.calendars[idx].breaks <= cap for idx in indices)

    # --- output ----------------------------------------------------------------------------

    def placed_pairs(self) -> list[tuple[int, int]]:
        return [(idx, start) for idx, start in enumerate(self.start) if start >= 0]

    def assignment(self, meeting_idx: int) -> Assignment:
        """Where a placed meeting is, by id; a start in no space inside a programme session its
        principals attend is a contact at that session."""
        start = self.start[meeting_idx]
        space_idx = self.space[meeting_idx]
        if space_idx is not None:
            return Assignment(start, self.problem.spaces[space_idx].id)
        return Assignment(start, at_session=contact_at(self.problem, meeting_idx, start))

    def schedule(self) -> dict[MeetingId, Assignment]:
        problem = self.problem
        return {
            problem.meetings[idx].id: self.assignment(idx)
            for idx, start in enumerate(self.start)
            if start >= 0
        }


def _doubling_steps(length: int) -> tuple[int, ...]:
    """The shifts that spread a slot over ``length`` slots by doubling."""
    steps: list[int] = []
    covered = 1
    while covered < length:
        step = min(covered, length - covered)
        steps.append(step)
        covered += step
    return tuple(steps)


# By length: the search asks for these hundreds of thousands of times on a large event.
_STEPS = [_doubling_steps(length) for length in range(256)]


def _starts_touching(mask: int, length: int) -> int:
    """``slots.starts_touching`` by doubling: log(length) shifts instead of length."""
    if not mask:
        return 0
    result = mask
    for step in _STEPS[length] if length < 256 else _doubling_steps(length):
        result |= result >> step
    return result


def _starts_inside(mask: int, length: int) -> int:
    result = mask
    for step in _STEPS[length] if length < 256 else _doubling_steps(length):
        result &= result >> step
    return result
