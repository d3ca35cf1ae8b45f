"""The scheduling problem: an event compiled onto its slot grid.

``Problem`` is what every strategy and the validator read. It holds data, not logic: the rules
that turn this data into allowed placements live in ``rules.py``, written once for the solvers and
the validator alike. Objects are referred to by index inside the problem (``meeting_idx``,
``principal_idx``, ``space_idx``) and by id at its edges.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property

from sidelines.domain.errors import DomainError
from sidelines.domain.event import Event
from sidelines.domain.formats import MeetingFormat
from sidelines.domain.ids import MeetingId, PartyId, PrincipalId, SessionId, SpaceId
from sidelines.domain.interpretation import LanguagePair, pair_label
from sidelines.domain.meeting import DayPart, Meeting, PressPlan
from sidelines.domain.programme import AtSession, SessionEdge
from sidelines.domain.space import Feature, SpaceKind
from sidelines.scheduling.slots import Day, SlotGrid, SlotMask, lowest_slot, run_mask
from sidelines.scheduling.times import instant_text


@dataclass(frozen=True, slots=True)
class PrincipalData:
    """A principal on the grid.

    ``present`` holds the slots between the delegation's arrival and departure, ``forbidden``
    the principal's own unavailable windows, ``programme`` the slots of sessions it must attend.
    """

    id: PrincipalId
    label: str
    party: PartyId
    present: SlotMask
    forbidden: SlotMask
    programme: SlotMask


@dataclass(frozen=True, slots=True)
class SpaceData:
    id: SpaceId
    label: str
    kind: SpaceKind
    capacity: int
    features: frozenset[Feature]
    open: SlotMask
    turnover_slots: int
    location_idx: int
    host_party: PartyId | None

    @property
    def organiser_run(self) -> bool:
        """Spaces booked through the organiser, which the room policy rations."""
        return self.kind in (SpaceKind.BILATERAL_ROOM, SpaceKind.TABLE, SpaceKind.NEUTRAL)


@dataclass(frozen=True, slots=True)
class SessionData:
    """A programme session on the grid: ``[first_slot, end_slot)`` are the slots wholly inside
    it (where a brief contact at it may sit), ``touching`` every slot it blocks for its
    ``attendees`` (principal indices)."""

    id: SessionId
    label: str
    first_slot: int
    end_slot: int
    touching: SlotMask
    attendees: frozenset[int]


@dataclass(frozen=True, slots=True)
class InterpreterData:
    """One language pair of interpretation on the grid: ``count`` interpreters, each in one
    meeting at a time (0: the event's pool lacks the pair, yet a meeting needs it)."""

    languages: LanguagePair
    count: int

    @property
    def label(self) -> str:
        return pair_label(self.languages)


@dataclass(frozen=True, slots=True, order=True)
class AtSessionIdx:
    """``domain.AtSession`` inside the problem: a session by index, and its start or end."""

    session_idx: int
    edge: SessionEdge


@dataclass(frozen=True, slots=True)
class MeetingData:
    """A meeting on the grid. ``window`` holds the slots it may occupy (its windows, all of the
    grid when it has none); ``day_part`` narrows that to mornings or afternoons.

    The agreed terms: ``agreed_spaces`` (space indices; empty: any space that fits), ``press``
    (a pool spray or open press: a press-ready space, then ``press_buffer_slots`` more for the
    press to leave), ``interpretation`` (indices into ``Problem.interpreters`` of the language
    pairs it needs from the event's pool)."""

    id: MeetingId
    label: str
    principals: tuple[int, ...]
    parties: tuple[PartyId, ...]
    duration_slots: int
    weight: int
    required: bool
    window: SlotMask
    day_part: DayPart
    preferred: SlotMask
    needs_space: bool
    size: int
    needs: frozenset[Feature]
    locked_start: int | None = None
    locked_space: int | None = None
    after: tuple[int, ...] = ()
    format: MeetingFormat | None = None  # None: a format never held at a programme session
    locked_session: AtSessionIdx | None = None
    agreed_spaces: frozenset[int] = frozenset()
    press: bool = False
    press_buffer_slots: int = 0
    interpretation: tuple[int, ...] = ()

    @property
    def locked(self) -> bool:
        return self.locked_start is not None


@dataclass(frozen=True, slots=True)
class SpaceClass:
    """Spaces that are interchangeable for every rule: same capacity, features, hours, turnover,
    location and host. Solvers count meetings per class and pick the concrete space afterwards,
    which is exact because interval graphs are perfect (a clique bound of k means k colours
    suffice)."""

    index: int
    spaces: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.spaces)


class Stability(StrEnum):
    """How much a re-solve may change a published schedule (``scheduling.stability``)."""

    KEEP = "keep"  # published meetings stay; only new or unplaced ones are placed
    MINIMAL = "minimal"  # at most a budget of published meetings move
    FREE = "free"  # weight, breaks, preferences, as before publishing


@dataclass(frozen=True, slots=True)
class PublishedPlace:
    """A published placement inside the problem. ``space_idx`` is None for a meeting held in no
    space and for one whose published space the problem no longer has (then it is forced)."""

    start: int
    space_idx: int | None
    session: AtSessionIdx | None = None


@dataclass(frozen=True)
class PublishedPlan:
    """The published schedule a re-solve plans against, by meeting index.

    ``places`` holds every published meeting still in the problem (a withdrawn one is not, and
    frees its place); ``forced`` those whose published place their own placement rules no longer
    allow (they count as moved, and never against ``max_moves``); ``holdable`` those that have
    at least one allowed time and place at all. Built by ``stability.with_published``.
    """

    stability: Stability
    max_moves: int
    places: Mapping[int, PublishedPlace]
    forced: frozenset[int]
    holdable: frozenset[int]

    @property
    def stays(self) -> dict[int, PublishedPlace]:
        """The published meetings that can stay where they are."""
        return {idx: place for idx, place in self.places.items() if idx not in self.forced}

    @property
    def binding(self) -> bool:
        """Whether the plan limits the re-solve (``keep`` or ``minimal``)."""
        return self.stability is not Stability.FREE


@dataclass(frozen=True)
class Problem:
    name: str
    grid: SlotGrid
    principals: tuple[PrincipalData, ...]
    spaces: tuple[SpaceData, ...]
    meetings: tuple[MeetingData, ...]
    walking_slots: dict[tuple[int, int], int] = field(default_factory=dict)
    sessions: tuple[SessionData, ...] = ()
    max_bookings_per_party_per_day: int | None = None
    fairness_max_spread: int | None = None
    timezone: str = "UTC"
    # The published schedule a re-solve plans against (None: nothing published, or ignored).
    published: PublishedPlan | None = None
    # Spaces that form a class of their own, as a locked meeting's space does: the CP-SAT model
    # sets them for published places, so that "stays" is one literal (``cpsat.stability``).
    own_class_spaces: frozenset[int] = frozenset()
    interpreters: tuple[InterpreterData, ...] = ()
    # Each party's name, for sentences ("Russian Federation", not "RUS"); one missing here is
    # named by its id.
    party_labels: Mapping[PartyId, str] = field(default_factory=dict)

    # --- lookups ---------------------------------------------------------------------------

    @cached_property
    def meeting_index(self) -> dict[MeetingId, int]:
        return {meeting.id: idx for idx, meeting in enumerate(self.meetings)}

    @cached_property
    def space_index(self) -> dict[SpaceId, int]:
        return {space.id: idx for idx, space in enumerate(self.spaces)}

    @cached_property
    def session_index(self) -> dict[SessionId, int]:
        return {session.id: idx for idx, session in enumerate(self.sessions)}

    @cached_property
    def principal_index(self) -> dict[PrincipalId, int]:
        return {principal.id: idx for idx, principal in enumerate(self.principals)}

    @cached_property
    def principal_meetings(self) -> tuple[tuple[int, ...], ...]:
        """For each principal, the meetings it takes part in."""
        lists: list[list[int]] = [[] for _ in self.principals]
        for meeting_idx, meeting in enumerate(self.meetings):
            for principal_idx in meeting.principals:
                lists[principal_idx].append(meeting_idx)
        return tuple(tuple(items) for items in lists)

    @cached_property
    def anchored_meetings(self) -> tuple[int, ...]:
        """The meetings locked or required, in order: all that the rules over the whole
        schedule about locks and required meetings read."""
        return tuple(
            idx for idx, m in enumerate(self.meetings) if m.locked_start is not None or m.required
        )

    @cached_property
    def space_classes(self) -> tuple[SpaceClass, ...]:
        groups: dict[tuple[object, ...], list[int]] = {}
        locked_spaces = {m.locked_space for m in self.meetings if m.locked_space is not None}
        # Spaces are interchangeable for an agreed place only if it names all or none of them.
        agreed_by: dict[int, set[int]] = {}
        for meeting_idx, meeting in enumerate(self.meetings):
            for space_idx in meeting.agreed_spaces:
                agreed_by.setdefault(space_idx, set()).add(meeting_idx)
        for space_idx, space in enumerate(self.spaces):
            key: tuple[object, ...] = (
                space.kind,
                space.capacity,
                space.features,
                space.open,
                space.turnover_slots,
                # Location matters only through walking times; without any, spaces in
                # different places are still interchangeable.
                space.location_idx if self.has_walking else None,
                space.host_party,
                frozenset(agreed_by.get(space_idx, ())),
            )
            # A space holding a locked meeting is its own class, so that the lock can be honoured
            # when concrete spaces are chosen.
            if space_idx in locked_spaces or space_idx in self.own_class_spaces:
                key = ("locked", space_idx)
            groups.setdefault(key, []).append(space_idx)
        return tuple(
            SpaceClass(index, tuple(members)) for index, members in enumerate(groups.values())
        )

    @cached_property
    def class_of_space(self) -> tuple[int, ...]:
        result = [0] * len(self.spaces)
        for space_class in self.space_classes:
            for space_idx in space_class.spaces:
                result[space_idx] = space_class.index
        return tuple(result)

    def walking(self, space_a: int | None, space_b: int | None) -> int:
        """Slots a principal needs to walk from one space to another (none for corridors)."""
        if space_a is None or space_b is None:
            return 0
        loc_a = self.spaces[space_a].location_idx
        loc_b = self.spaces[space_b].location_idx
        if loc_a == loc_b:
            return 0
        return self.walking_slots.get((loc_a, loc_b), 0)

    @cached_property
    def has_walking(self) -> bool:
        return any(value > 0 for value in self.walking_slots.values())

    def contact_start(self, at: AtSessionIdx, duration_slots: int) -> int | None:
        """Where a contact of ``duration_slots`` at a session's start or end begins; None when
        the session has fewer whole slots than that."""
        return _contact_start(self.sessions[at.session_idx], at.edge, duration_slots)

    def at_session_idx(self, at: AtSession) -> AtSessionIdx | None:
        """The problem's form of a domain ``AtSession``; None for an unknown session."""
        session_idx = self.session_index.get(at.session)
        return None if session_idx is None else AtSessionIdx(session_idx, at.edge)

    def at_session(self, at: AtSessionIdx) -> AtSession:
        return AtSession(self.sessions[at.session_idx].id, at.edge)

    def party_label(self, party: PartyId) -> str:
        return self.party_labels.get(party, party)

    def describe_slot(self, slot: int) -> str:
        """A slot's start as the engine's sentences say it: "Sun 20 Nov 09:30"."""
        return instant_text(self.grid.start_of(slot), self.timezone)

    def start_time(self, slot: int) -> datetime:
        return self.grid.start_of(slot)


def _contact_start(session: SessionData, edge: SessionEdge, duration_slots: int) -> int | None:
    if session.end_slot - session.first_slot < duration_slots:
        return None
    if edge is SessionEdge.START:
        return session.first_slot
    return session.end_slot - duration_slots


# --- compiling an event ----------------------------------------------------------------------


def build_grid(event: Event) -> SlotGrid:
    days: list[Day] = []
    starts: list[datetime] = []
    grain = timedelta(minutes=event.grain_min)
    for day_index, (day, span) in enumerate(zip(event.days, event.day_spans, strict=True)):
        first = len(starts)
        noon = event.local(day, event.morning_ends).astimezone(span.start.tzinfo)
        afternoon = None
        instant = span.start
        while instant + grain <= span.end:
            if afternoon is None and instant >= noon:
                afternoon = len(starts)
            starts.append(instant)
            instant += grain
        end = len(starts)
        days.append(Day(day_index, day, first, end, afternoon if afternoon is not None else end))
    return SlotGrid(event.grain_min, tuple(days), tuple(starts))


_NO_PAIRS: frozenset[LanguagePair] = frozenset()


def _interpretation(event: Event, meeting: Meeting) -> frozenset[LanguagePair]:
    return event.interpretation_of(meeting) if event.interpreters else _NO_PAIRS


@dataclass(frozen=True)
class _MeetingContext:
    """What compiling one meeting reads of its event's compiled frame."""

    event: Event
    grid: SlotGrid
    principal_index: Mapping[PrincipalId, int]
    space_index: Mapping[SpaceId, int]
    session_index: Mapping[SessionId, int]
    sessions: tuple[SessionData, ...]
    pair_index: Mapping[LanguagePair, int]

    @classmethod
    def of(
        cls, problem: Problem, event: Event, pair_index: Mapping[LanguagePair, int]
    ) -> _MeetingContext:
        """The context of a problem compiled before (its meetings compiled anew)."""
        return cls(
            event,
            problem.grid,
            problem.principal_index,
            problem.space_index,
            problem.session_index,
            problem.sessions,
            pair_index,
        )

    def compile(
        self,
        idx: int,
        meeting: Meeting,
        meeting_index: Mapping[MeetingId, int],
        needs: frozenset[LanguagePair],
    ) -> MeetingData:
        event, grid = self.event, self.grid
        path = f"meetings[{idx}]" if meeting.locked is not None else ""  # for its errors
        window = grid.all_slots()
        if meeting.windows:
            window = 0
            for span in meeting.windows:
                window |= grid.slots_within(span)
        preferred = 0
        for span in meeting.preferred:
            preferred |= grid.slots_within(span)
        locked_start = locked_space = None
        locked_session: AtSessionIdx | None = None
        if meeting.locked is not None:
            locked_start = grid.slot_at(meeting.locked.start)
            if locked_start is None:
                raise DomainError(
                    f"locked start {meeting.locked.start.astimezone(event.zone):%Y-%m-%d %H:%M} "
                    f"is not a start time of the event's {event.grain_min}-minute grid "
                    f"within its days",
                    f"{path}.locked.start",
                )
            if meeting.locked.space is not None:
                locked_space = self.space_index[meeting.locked.space]
            at = meeting.locked.at_session
            if at is not None:
                locked_session = AtSessionIdx(self.session_index[at.session], at.edge)
                expected = _contact_start(
                    self.sessions[locked_session.session_idx],
                    at.edge,
                    meeting.effective_duration_min // event.grain_min,
                )
                if expected != locked_start:
                    raise DomainError(
                        f"locked start is not the {at.edge} of programme session "
                        f"{at.session!r} for a meeting of "
                        f"{meeting.effective_duration_min} min",
                        f"{path}.locked.start",
                    )
        parties = event.parties_of(meeting)
        press = meeting.press is not PressPlan.NONE
        index = self.principal_index
        # Most meetings have no precedence, no agreed space and no interpreter from the pool:
        # those fields are taken empty without a generator each (20,000 meetings and more).
        return MeetingData(
            id=meeting.id,
            label=meeting.label,
            principals=tuple([index[p] for p in meeting.principals]),
            parties=parties,
            duration_slots=meeting.effective_duration_min // event.grain_min,
            weight=meeting.priority,
            required=meeting.required,
            window=window,
            day_part=meeting.day_part,
            preferred=preferred,
            needs_space=meeting.effective_needs_space,
            size=meeting.effective_size(len(parties)),
            needs=meeting.effective_needs,
            locked_start=locked_start,
            locked_space=locked_space,
            after=tuple([meeting_index[m] for m in meeting.after]) if meeting.after else (),
            format=meeting.format,
            locked_session=locked_session,
            agreed_spaces=(
                frozenset(self.space_index[s] for s in meeting.spaces)
                if meeting.spaces
                else frozenset()
            ),
            press=press,
            press_buffer_slots=(
                math.ceil(event.policy.press_buffer_min / event.grain_min) if press else 0
            ),
            interpretation=tuple(sorted([self.pair_index[pair] for pair in needs]))
            if needs
            else (),
        )


def build_problem(event: Event) -> Problem:
    """Compile an event onto its slot grid.

    Raises ``DomainError`` (with the path of the field) for a locked placement that is not on the
    grid; everything else was already checked when the event was built.
    """
    grid = build_grid(event)
    everything = grid.all_slots()
    principal_index = {p.id: idx for idx, p in enumerate(event.principals)}

    programme_of: dict[PrincipalId, SlotMask] = {p.id: 0 for p in event.principals}
    sessions: list[SessionData] = []
    for session in event.programme:
        mask = grid.slots_touching(session.span)
        for attendee in session.attendees:
            programme_of[attendee] |= mask
        inside = grid.slots_within(session.span)
        first = lowest_slot(inside) if inside else 0
        end = inside.bit_length() if inside else 0
        sessions.append(
            SessionData(
                session.id,
                session.title,
                first,
                end,
                mask,
                frozenset(principal_index[a] for a in session.attendees),
            )
        )
    session_index = {session.id: idx for idx, session in enumerate(event.programme)}

    principals: list[PrincipalData] = []
    for principal in event.principals:
        present = everything
        delegation = event.delegation_by_party.get(principal.party)
        if delegation is not None:
            # Half-open presence: a slot counts only when the principal is there for all of it.
            first = 0
            end = grid.n_slots
            if delegation.arrival is not None:
                first = bisect_left(grid.starts, delegation.arrival)
            if delegation.departure is not None:
                end = bisect_right(grid.starts, delegation.departure - grid.grain)
            present = run_mask(first, end - first) if end > first else 0
        forbidden = 0
        for unavailable in principal.unavailable:
            forbidden |= grid.slots_touching(unavailable)
        principals.append(
            PrincipalData(
                principal.id,
                principal.display_name,
                principal.party,
                present,
                forbidden,
                programme_of[principal.id],
            )
        )

    locations: dict[str, int] = {}
    spaces: list[SpaceData] = []
    for space in event.spaces:
        if space.opening_hours:
            open_mask = 0
            for span in space.opening_hours:
                open_mask |= grid.slots_within(span)
        else:
            open_mask = everything
        location_idx = locations.setdefault(space.where, len(locations))
        spaces.append(
            SpaceData(
                space.id,
                space.name,
                space.kind,
                space.capacity,
                space.features,
                open_mask,
                math.ceil(space.turnover_min / event.grain_min),
                location_idx,
                space.host_party,
            )
        )

    walking: dict[tuple[int, int], int] = {}
    for (a, b), minutes in event.walking_times.minutes.items():
        if a in locations and b in locations and a != b:
            slots = math.ceil(minutes / event.grain_min)
            walking[(locations[a], locations[b])] = slots
            walking[(locations[b], locations[a])] = slots

    meeting_index = {m.id: idx for idx, m in enumerate(event.meetings)}
    space_index = {s.id: idx for idx, s in enumerate(event.spaces)}
    interpreters = {pool.languages: pool.count for pool in event.interpreters}
    needs_of = [_interpretation(event, meeting) for meeting in event.meetings]
    for needs in needs_of:
        for pair in needs:
            interpreters.setdefault(pair, 0)  # needed, and the pool lacks it
    pair_index = {pair: idx for idx, pair in enumerate(interpreters)}
    context = _MeetingContext(
        event, grid, principal_index, space_index, session_index, tuple(sessions), pair_index
    )
    meetings = [
        context.compile(idx, meeting, meeting_index, needs_of[idx])
        for idx, meeting in enumerate(event.meetings)
    ]

    return Problem(
        name=event.name,
        grid=grid,
        principals=tuple(principals),
        spaces=tuple(spaces),
        meetings=tuple(meetings),
        walking_slots=walking,
        sessions=tuple(sessions),
        max_bookings_per_party_per_day=event.policy.max_bookings_per_party_per_day,
        fairness_max_spread=event.policy.fairness_max_spread,
        timezone=event.timezone,
        interpreters=tuple(InterpreterData(pair, count) for pair, count in interpreters.items()),
        party_labels={party.id: party.name for party in event.parties},
    )


def recompile(
    problem: Problem, event: Event, meetings: Sequence[Meeting], kept: Collection[MeetingId]
) -> Problem:
    """``problem`` (compiled from ``event``, with any on-site changes applied: they change
    principals and spaces, never meetings) with ``meetings`` as its meetings, in this order.
    Those named in ``kept`` are the same domain meetings as in ``problem`` and are taken over as
    compiled there (renumbered where they refer to other meetings or interpreter pairs); only
    the others are compiled. The result equals ``build_problem`` of ``event`` with ``meetings``
    and the same changes applied, for the cost of the meetings that changed."""
    old_pairs = [interpreter.languages for interpreter in problem.interpreters]
    kept_data: dict[MeetingId, MeetingData] = {}
    needs_of: list[frozenset[LanguagePair]] = []
    for meeting in meetings:
        old_idx = problem.meeting_index.get(meeting.id) if meeting.id in kept else None
        if old_idx is None:
            needs_of.append(_interpretation(event, meeting))
            continue
        data = problem.meetings[old_idx]
        kept_data[meeting.id] = data
        needs_of.append(frozenset(old_pairs[i] for i in data.interpretation))
    interpreters = {pool.languages: pool.count for pool in event.interpreters}
    for needs in needs_of:
        for pair in needs:
            interpreters.setdefault(pair, 0)
    pair_index = {pair: idx for idx, pair in enumerate(interpreters)}
    same_pairs = list(interpreters) == old_pairs
    meeting_index = {meeting.id: idx for idx, meeting in enumerate(meetings)}
    context = _MeetingContext.of(problem, event, pair_index)
    compiled: list[MeetingData] = []
    for idx, meeting in enumerate(meetings):
        taken = kept_data.get(meeting.id)
        if taken is None:
            compiled.append(context.compile(idx, meeting, meeting_index, needs_of[idx]))
            continue
        data = taken
        if data.after:
            after = tuple(meeting_index[problem.meetings[i].id] for i in data.after)
            if after != data.after:
                data = replace(data, after=after)
        if data.interpretation and not same_pairs:
            pairs = tuple(sorted(pair_index[pair] for pair in needs_of[idx]))
            data = replace(data, interpretation=pairs)
        compiled.append(data)
    recompiled = replace(
        problem,
        meetings=tuple(compiled),
        interpreters=(
            problem.interpreters
            if same_pairs
            else tuple(InterpreterData(pair, count) for pair, count in interpreters.items())
        ),
    )
    # Known already, and read by every re-plan: not worth a pass over thousands of meetings.
    recompiled.__dict__["meeting_index"] = meeting_index
    return recompiled


def amended(
    problem: Problem, event: Event, changed: Mapping[int, Meeting], added: Sequence[Meeting]
) -> Problem | None:
    """``problem`` (as for ``recompile``) with the meetings at the indices of ``changed``
    replaced (the same ids) and ``added`` after the last: the common change of a published
    schedule, for the cost of the meetings that change rather than of all of them. None when
    that would renumber the interpreter pairs (a pair needed that the problem lacks): then
    ``recompile`` it."""
    needs = [_interpretation(event, meeting) for meeting in (*changed.values(), *added)]
    pair_index = {
        interpreter.languages: idx for idx, interpreter in enumerate(problem.interpreters)
    }
    if any(pair not in pair_index for pairs in needs for pair in pairs):
        return None
    meeting_index = dict(problem.meeting_index)
    for meeting in added:
        meeting_index[meeting.id] = len(meeting_index)
    context = _MeetingContext.of(problem, event, pair_index)
    meetings = list(problem.meetings)
    for (idx, meeting), pairs in zip(changed.items(), needs, strict=False):
        assert meetings[idx].id == meeting.id, "a changed meeting keeps its place"
        meetings[idx] = context.compile(idx, meeting, meeting_index, pairs)
    for offset, meeting in enumerate(added):
        idx = len(problem.meetings) + offset
        meetings.append(context.compile(idx, meeting, meeting_index, needs[len(changed) + offset]))
    result = replace(problem, meetings=tuple(meetings))
    result.__dict__["meeting_index"] = meeting_index
    # The space classes read the meetings' locked and agreed spaces only: where no meeting
    # that changed has one, they are those of ``problem`` (a pass over every meeting saved).
    touched = [meetings[idx] for idx in changed] + [problem.meetings[idx] for idx in changed]
    touched += meetings[len(problem.meetings) :]
    if all(m.locked_space is None and not m.agreed_spaces for m in touched):
        result.__dict__["space_classes"] = problem.space_classes
        result.__dict__["class_of_space"] = problem.class_of_space
    # The lookups that do not read the meetings, and those that read them brought up to date
    # for the meetings that changed: each is a pass over every meeting otherwise.
    for name in ("space_index", "session_index", "principal_index", "has_walking"):
        if name in problem.__dict__:
            result.__dict__[name] = problem.__dict__[name]
    # Worked out once on the problem amended (kept on it for the next amendment).
    anchored = set(problem.anchored_meetings).difference(changed)
    anchored.update(
        idx
        for idx in (*changed, *range(len(problem.meetings), len(meetings)))
        if meetings[idx].locked_start is not None or meetings[idx].required
    )
    result.__dict__["anchored_meetings"] = tuple(sorted(anchored))
    return result


__all__ = [
    "AtSessionIdx",
    "InterpreterData",
    "MeetingData",
    "PrincipalData",
    "Problem",
    "PublishedPlace",
    "PublishedPlan",
    "SessionData",
    "SpaceClass",
    "SpaceData",
    "Stability",
    "amended",
    "build_grid",
    "build_problem",
    "recompile",
]
