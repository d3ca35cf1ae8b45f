"""The negotiation state machine as one table: every state against every action, the next state
or the refusal (with the field it names).

The table is written out by hand, not derived from the code: a change to the machine must change
a row here too, where a reviewer sees it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sidelines.domain.errors import DomainError
from sidelines.domain.ids import PartyId
from sidelines.domain.negotiation import (
    MEETING_TRANSITIONS,
    Answer,
    MeetingStatus,
    RequestState,
    ThreadView,
    answer,
    expire,
    send,
    withdraw,
)

R = RequestState
REQUESTER = PartyId("RUS")
INVITEE = PartyId("USA")
OTHER = PartyId("JPN")  # a second invitee: one acceptance does not close the thread
OUTSIDER = PartyId("CHN")

Action = Callable[[ThreadView], object]

# The actions, each by the side that may or may not take it. On the thread below, the requester
# has accepted the proposal on the table (it sent or countered it) and the invitees have not.
ACTIONS: dict[str, Action] = {
    "send by requester": lambda t: send(t, REQUESTER),
    "send by invitee": lambda t: send(t, INVITEE),
    "accept by invitee": lambda t: answer(t, INVITEE, Answer.ACCEPT),
    "accept by requester": lambda t: answer(t, REQUESTER, Answer.ACCEPT),
    "counter by invitee": lambda t: answer(t, INVITEE, Answer.COUNTER),
    "counter by requester": lambda t: answer(t, REQUESTER, Answer.COUNTER),
    "defer by invitee": lambda t: answer(t, INVITEE, Answer.DEFER),
    "defer by requester": lambda t: answer(t, REQUESTER, Answer.DEFER),
    "soft decline by invitee": lambda t: answer(t, INVITEE, Answer.SOFT_DECLINE),
    "soft decline by requester": lambda t: answer(t, REQUESTER, Answer.SOFT_DECLINE),
    "decline by invitee": lambda t: answer(t, INVITEE, Answer.DECLINE),
    "decline by requester": lambda t: answer(t, REQUESTER, Answer.DECLINE),
    "answer by outsider": lambda t: answer(t, OUTSIDER, Answer.ACCEPT),
    "withdraw by requester": lambda t: withdraw(t, REQUESTER),
    "withdraw by invitee": lambda t: withdraw(t, INVITEE),
    "expire": expire,
}

# A refusal: the field the error names.
STATE, ACTION, PARTY = "!state", "!action", "!party"

# Rows: states; columns: ACTIONS in order. An entry is the next state, or the refusal.
OPEN_ROW = [
    STATE,  # send by requester: only a draft is sent
    STATE,  # send by invitee
    None,  # accept by invitee: the state does not change (the second invitee has not accepted)
    ACTION,  # accept by requester: it already accepted its own proposal
    R.COUNTERED,
    R.COUNTERED,
    R.DEFERRED,
    ACTION,
    R.DECLINED,
    ACTION,
    R.DECLINED,
    ACTION,
    PARTY,
    R.WITHDRAWN,
    STATE,  # withdraw by invitee: only the requester withdraws
    R.EXPIRED,
]
CLOSED_ROW = [
    STATE,
    STATE,
    STATE,
    STATE,
    STATE,
    STATE,
    STATE,
    STATE,
    STATE,
    STATE,
    STATE,
    STATE,
    PARTY,  # an outsider is refused for not being a party before the state is looked at
    STATE,
    STATE,
    STATE,
]
TABLE: dict[RequestState, list[RequestState | str | None]] = {
    R.DRAFT: [
        R.SENT,
        STATE,  # send by invitee: only the requesting side sends
        STATE,
        STATE,
        STATE,
        STATE,
        STATE,
        STATE,
        STATE,
        STATE,
        STATE,
        STATE,
        PARTY,
        R.WITHDRAWN,  # a draft can be withdrawn
        STATE,
        STATE,  # a draft does not expire
    ],
    R.SENT: OPEN_ROW,
    R.COUNTERED: OPEN_ROW,
    R.ACCEPTED: CLOSED_ROW,
    R.DEFERRED: CLOSED_ROW,
    R.DECLINED: CLOSED_ROW,
    R.WITHDRAWN: CLOSED_ROW,
    R.EXPIRED: CLOSED_ROW,
}


def thread(state: RequestState) -> ThreadView:
    accepted = frozenset() if state is R.DRAFT else frozenset({REQUESTER})
    return ThreadView(state, REQUESTER, (INVITEE, OTHER), accepted)


def test_the_table_covers_every_state_and_every_action() -> None:
    assert set(TABLE) == set(RequestState)
    assert all(len(row) == len(ACTIONS) for row in TABLE.values())


CASES = [
    pytest.param(state, name, TABLE[state][i], id=f"{state}-{name}")
    for state in RequestState
    for i, name in enumerate(ACTIONS)
]


@pytest.mark.parametrize(("state", "action", "expected"), CASES)
def test_each_action_in_each_state_leads_to_the_next_state_or_is_refused(
    state: RequestState, action: str, expected: RequestState | str | None
) -> None:
    before = thread(state)
    if isinstance(expected, str) and expected.startswith("!"):
        with pytest.raises(DomainError) as refused:
            ACTIONS[action](before)
        assert refused.value.path == expected[1:]
        return

    step = ACTIONS[action](before)

    assert getattr(step, "state", None) == (state if expected is None else expected)


# --- who accepts the proposal on the table after each step ----------------------------------


def test_sending_counts_as_the_requesters_acceptance() -> None:
    step = send(thread(R.DRAFT), REQUESTER)

    assert (step.state, step.accepted_by, step.new_proposal) == (R.SENT, {REQUESTER}, False)


def test_an_acceptance_adds_the_side_and_the_last_one_agrees_the_meeting() -> None:
    first = answer(thread(R.SENT), INVITEE, Answer.ACCEPT)
    after_first = ThreadView(first.state, REQUESTER, (INVITEE, OTHER), first.accepted_by)

    last = answer(after_first, OTHER, Answer.ACCEPT)

    assert (first.state, first.accepted_by) == (R.SENT, {REQUESTER, INVITEE})
    assert (last.state, last.accepted_by) == (R.ACCEPTED, {REQUESTER, INVITEE, OTHER})


def test_a_counter_is_a_new_proposal_accepted_only_by_its_author() -> None:
    step = answer(thread(R.COUNTERED), INVITEE, Answer.COUNTER)

    assert (step.state, step.accepted_by, step.new_proposal) == (R.COUNTERED, {INVITEE}, True)


def test_a_second_acceptance_of_the_same_proposal_is_refused() -> None:
    accepted_once = ThreadView(R.SENT, REQUESTER, (INVITEE, OTHER), frozenset({REQUESTER, INVITEE}))

    with pytest.raises(DomainError, match="already accepted"):
        answer(accepted_once, INVITEE, Answer.ACCEPT)


@pytest.mark.parametrize("closing", [Answer.DEFER, Answer.SOFT_DECLINE, Answer.DECLINE])
def test_closing_answers_keep_who_had_accepted(closing: Answer) -> None:
    step = answer(thread(R.SENT), INVITEE, closing)

    assert step.accepted_by == {REQUESTER}
    assert step.new_proposal is False


def test_meeting_status_groupings_cover_every_status_once() -> None:
    # Still to be held, settled with its booking, or cancelled: each meeting is one of these.
    groups = [*MeetingStatus.placeable(), *MeetingStatus.settled(), MeetingStatus.CANCELLED]
    assert sorted(groups) == sorted(MeetingStatus)
    assert set(MeetingStatus.held()) < set(MeetingStatus.settled())
    assert set(MeetingStatus.did_not_happen()).isdisjoint(MeetingStatus.held())
    # Only a meeting still to be held can change its status.
    for status in MeetingStatus:
        assert bool(MEETING_TRANSITIONS[status]) == (status in MeetingStatus.placeable())
