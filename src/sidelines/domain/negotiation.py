"""The negotiation between delegations: requests, proposals and answers (DESIGN.md §4).

A request opens a thread between the requesting party and one or more invited parties. Each step
of the thread is a proposal fixing some terms (format, duration, time windows, place and host
side, press plan). Every party answers the current proposal: it accepts, counters with a proposal
of its own, defers ("let's meet at the next summit"), declines — firmly or with a face-saving
reason — and the requester may withdraw. The meeting is agreed only when every party has accepted
the same proposal; a one-sided announcement never changes the state.

This module is the state machine alone: pure, with no storage, so that the rules are written and
tested once and the service layer only applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PartyId


class RequestState(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    COUNTERED = "countered"
    ACCEPTED = "accepted"  # every party accepted the same proposal: a meeting is agreed
    DEFERRED = "deferred"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def open(self) -> bool:
        """Whether the thread still waits for answers."""
        return self in (RequestState.SENT, RequestState.COUNTERED)

    @property
    def closed(self) -> bool:
        return self in CLOSED_STATES


CLOSED_STATES = frozenset(
    {
        RequestState.ACCEPTED,
        RequestState.DEFERRED,
        RequestState.DECLINED,
        RequestState.WITHDRAWN,
        RequestState.EXPIRED,
    }
)


class Answer(StrEnum):
    ACCEPT = "accept"
    COUNTER = "counter"
    DEFER = "defer"
    SOFT_DECLINE = "soft_decline"  # a face-saving no: "scheduling conflict"
    DECLINE = "decline"


# What a soft decline says when the side gives no words of its own: protocol offices use these
# formulas so that nobody has to say no outright.
FACE_SAVING_REASONS = ("scheduling conflict", "let's meet at the next summit")


@dataclass(frozen=True, slots=True)
class ThreadView:
    """What the state machine needs to know of a thread."""

    state: RequestState
    requester: PartyId
    invitees: tuple[PartyId, ...]
    accepted_by: frozenset[PartyId]  # parties that accepted the current proposal

    @property
    def parties(self) -> tuple[PartyId, ...]:
        return (self.requester, *self.invitees)


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of one action: the new state and who now accepts the current proposal."""

    state: RequestState
    accepted_by: frozenset[PartyId]
    new_proposal: bool = False


def send(thread: ThreadView, by: PartyId) -> Step:
    if thread.state is not RequestState.DRAFT:
        raise DomainError(f"only a draft can be sent; this request is {thread.state}", "state")
    if by != thread.requester:
        raise DomainError("only the requesting side can send its request", "state")
    # Sending is the requester's acceptance of its own first proposal.
    return Step(RequestState.SENT, frozenset({by}))


def answer(thread: ThreadView, by: PartyId, what: Answer) -> Step:
    """Apply one party's answer to the current proposal."""
    if by not in thread.parties:
        raise DomainError("only the parties of a request can answer it", "party")
    if not thread.state.open:
        raise DomainError(f"this request is {thread.state} and takes no more answers", "state")
    if what is Answer.ACCEPT:
        if by in thread.accepted_by:
            raise DomainError("this side has already accepted the current proposal", "action")
        accepted = thread.accepted_by | {by}
        if accepted >= set(thread.parties):
            return Step(RequestState.ACCEPTED, accepted)
        return Step(thread.state, accepted)
    if what is Answer.COUNTER:
        # A counter replaces the proposal on the table; only its author accepts it so far.
        return Step(RequestState.COUNTERED, frozenset({by}), new_proposal=True)
    if by == thread.requester:
        raise DomainError(
            "the requesting side cannot defer or decline its own request; it can withdraw it",
            "action",
        )
    if what is Answer.DEFER:
        return Step(RequestState.DEFERRED, thread.accepted_by)
    return Step(RequestState.DECLINED, thread.accepted_by)


def withdraw(thread: ThreadView, by: PartyId) -> Step:
    if by != thread.requester:
        raise DomainError("only the requesting side can withdraw a request", "state")
    if thread.state.closed:
        raise DomainError(f"this request is {thread.state} and cannot be withdrawn", "state")
    return Step(RequestState.WITHDRAWN, thread.accepted_by)


def expire(thread: ThreadView) -> Step:
    if not thread.state.open:
        raise DomainError(f"this request is {thread.state} and cannot expire", "state")
    return Step(RequestState.EXPIRED, thread.accepted_by)


class MeetingStatus(StrEnum):
    """A meeting's life once agreed (DESIGN.md §4)."""

    AGREED = "agreed"
    SCHEDULED = "scheduled"
    HELD = "held"
    HELD_AS_DOWNGRADED = "held_as_downgraded"
    CANCELLED = "cancelled"
    NOT_HELD = "not_held"

    @classmethod
    def placeable(cls) -> tuple[MeetingStatus, ...]:
        """Still to be held: the engine may place (or move) these."""
        return (cls.AGREED, cls.SCHEDULED)

    @classmethod
    def held(cls) -> tuple[MeetingStatus, ...]:
        """Held, as agreed or in a lesser format."""
        return (cls.HELD, cls.HELD_AS_DOWNGRADED)

    @classmethod
    def settled(cls) -> tuple[MeetingStatus, ...]:
        """Over with an outcome that keeps its booking: held, or reported not held at its time."""
        return (*cls.held(), cls.NOT_HELD)

    @classmethod
    def did_not_happen(cls) -> tuple[MeetingStatus, ...]:
        return (cls.CANCELLED, cls.NOT_HELD)


MEETING_TRANSITIONS: dict[MeetingStatus, frozenset[MeetingStatus]] = {
    MeetingStatus.AGREED: frozenset(
        {MeetingStatus.SCHEDULED, MeetingStatus.CANCELLED, MeetingStatus.HELD}
    ),
    MeetingStatus.SCHEDULED: frozenset(
        {
            MeetingStatus.AGREED,  # taken out of the schedule again (unplaced by a re-plan)
            MeetingStatus.HELD,
            MeetingStatus.HELD_AS_DOWNGRADED,
            MeetingStatus.CANCELLED,
            MeetingStatus.NOT_HELD,
        }
    ),
    MeetingStatus.HELD: frozenset(),
    MeetingStatus.HELD_AS_DOWNGRADED: frozenset(),
    MeetingStatus.CANCELLED: frozenset(),
    MeetingStatus.NOT_HELD: frozenset(),
}


def move_meeting(current: MeetingStatus, to: MeetingStatus) -> MeetingStatus:
    if to not in MEETING_TRANSITIONS[current]:
        raise DomainError(f"a meeting that is {current} cannot become {to}", "status")
    return to
