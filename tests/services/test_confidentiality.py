"""Nothing about a request leaks across delegations (DESIGN.md §2), whatever anyone does.

A Hypothesis state machine lets four delegations and the organiser of one event act at random
through the services. The test keeps its own record of who is entitled to see what, and after
every step reads every view of every actor and checks it holds nothing more: no third party's
request, no other side's priority or note, no interest that is not mutual, no refusal outside
its sides, requests for the organiser only under the policy ``everything``. Notes, messages and
reasons are unique marker strings, so a leak anywhere in a view shows up in its text.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from sidelines.domain import MeetingFormat, OrganiserSees
from sidelines.domain.negotiation import Answer, MeetingStatus, RequestState
from sidelines.services import (
    audit,
    interests,
    meetings,
    negotiation,
    schedule_versions,
    solves,
    visibility,
)
from sidelines.services.actors import Actor
from sidelines.services.errors import NotFound, ServiceError
from sidelines.services.negotiation import Terms
from sidelines.services.request_limits import DuplicateRequest
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    MeetingPrincipalRow,
    MeetingRow,
    PrincipalBookingRow,
    RequestPartyRow,
    RequestRow,
)
from tests.services.world import World, double_bookings, make_world

PARTIES = ("A", "B", "C", "D")
T = TypeVar("T")
_events = itertools.count(1)


@dataclass
class Thread:
    """What the test knows of a request: its sides, and the secrets each side wrote into it."""

    requester: str
    invitees: tuple[str, ...]
    draft: bool
    private: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    shared: set[str] = field(default_factory=set)  # messages and reasons: for its sides only

    @property
    def parties(self) -> tuple[str, ...]:
        return (self.requester, *self.invitees)


def describe(error: ServiceError) -> tuple[str, str, str]:
    return (error.code, error.message, error.field)


def outcome(call: Callable[[], T]) -> T | ServiceError:
    """What a service call returned, or the error it refused with."""
    try:
        return call()
    except ServiceError as error:
        return error


class Delegations(RuleBasedStateMachine):
    def __init__(self, db: Database, policy: OrganiserSees) -> None:
        super().__init__()
        self.db = db
        self.policy = policy
        self.world: World
        self.threads: dict[int, Thread] = {}
        self.interest: set[tuple[str, str]] = set()
        self.contact: set[tuple[str, str]] = set()
        self.secrets = itertools.count(1)

    @initialize()
    def set_up_event(self) -> None:
        self.world = make_world(
            self.db, f"conf-{next(_events)}", PARTIES, organiser_sees=self.policy
        )

    # --- helpers -------------------------------------------------------------------------

    @property
    def event_id(self) -> str:
        return self.world.event_id

    def secret(self, kind: str, party: str) -> str:
        return f"<{kind}:{party}:{next(self.secrets)}>"

    def sees(self, party: str | None, request_id: int) -> bool:
        thread = self.threads[request_id]
        if party is None:
            return self.policy == OrganiserSees.EVERYTHING and not thread.draft
        return party in thread.parties and (not thread.draft or party == thread.requester)

    def attempt(self, party: str, request_id: int, action: Callable[[], object]) -> object | None:
        """Run an action on a request; one the actor may not see must fail as "not found",
        exactly like a request that does not exist."""
        result = outcome(action)
        if not isinstance(result, ServiceError):
            return result
        if not self.sees(party, request_id):
            assert describe(result) == ("not_found", f"no request {request_id}", "")
        return None

    def refresh(self, request_id: int) -> None:
        # A request stays the requester's alone until it is sent, even once withdrawn unsent.
        with self.db.reading() as session:
            sent_at = session.scalar(select(RequestRow.sent_at).where(RequestRow.id == request_id))
        self.threads[request_id].draft = sent_at is None

    def actors(self) -> list[tuple[str | None, Actor]]:
        return [(None, self.world.organiser), *self.world.delegates.items()]

    def allowed_text(self, party: str | None) -> set[str]:
        allowed: set[str] = set()
        for request_id, thread in self.threads.items():
            if self.sees(party, request_id):
                allowed |= thread.shared
            if party is not None and party in thread.private:
                allowed.add(thread.private[party][1])
        return allowed

    def every_secret(self) -> set[str]:
        found: set[str] = set()
        for thread in self.threads.values():
            found |= thread.shared
            found |= {note for _, note in thread.private.values()}
        return found - {""}

    def assert_no_leak(self, party: str | None, view: object) -> None:
        text = repr(view)
        leaked = {s for s in self.every_secret() - self.allowed_text(party) if s in text}
        assert leaked == set(), f"{party or 'organiser'} reads {leaked}"

    def pick(self, data: st.DataObject) -> int:
        return data.draw(st.sampled_from(sorted(self.threads)), label="request")

    # --- rules ---------------------------------------------------------------------------

    @rule(
        party=st.sampled_from(PARTIES),
        others=st.sets(st.sampled_from(PARTIES), min_size=1, max_size=2),
        send_now=st.booleans(),
        priority=st.none() | st.integers(1, 10),
        with_note=st.booleans(),
    )
    def create_request(
        self,
        party: str,
        others: set[str],
        send_now: bool,
        priority: int | None,
        with_note: bool,
    ) -> None:
        invitees = tuple(sorted(others - {party}))
        if not invitees:
            return
        note = self.secret("note", party) if with_note else ""
        message = self.secret("message", party)
        terms = Terms(
            format=MeetingFormat.B2B if len(invitees) == 1 else MeetingFormat.TRILATERAL,
            duration_min=30,
            message=message,
        )
        try:
            view = negotiation.create_request(
                self.db,
                self.world.delegates[party],
                self.event_id,
                list(invitees),
                terms,
                priority=priority,
                note=note,
                send_now=send_now,
            )
        except DuplicateRequest as refused:
            first = refused.request_id
        else:
            first = None
        if first is not None:
            # The event allows one open request to a party for a format: the refusal of a
            # second, sent at once, points at the first, which the requester may see.
            assert send_now
            assert party in self.threads[first].parties
            return
        self.threads[view.id] = Thread(
            party, invitees, not send_now, {party: (priority, note)}, {message}
        )

    @precondition(lambda self: self.threads)
    @rule(data=st.data(), party=st.sampled_from(PARTIES))
    def send(self, data: st.DataObject, party: str) -> None:
        request_id = self.pick(data)
        actor = self.world.delegates[party]
        self.attempt(
            party,
            request_id,
            lambda: negotiation.send_request(self.db, actor, self.event_id, request_id),
        )
        self.refresh(request_id)

    @precondition(lambda self: self.threads)
    @rule(
        data=st.data(),
        party=st.sampled_from(PARTIES),
        what=st.sampled_from(Answer),
        with_reason=st.booleans(),
    )
    def answer(self, data: st.DataObject, party: str, what: Answer, with_reason: bool) -> None:
        request_id = self.pick(data)
        actor = self.world.delegates[party]
        reason = self.secret("reason", party) if with_reason else None
        counter = None
        if what is Answer.COUNTER:
            counter = Terms(format=MeetingFormat.PULL_ASIDE, message=self.secret("counter", party))
        result = self.attempt(
            party,
            request_id,
            lambda: negotiation.respond(
                self.db, actor, self.event_id, request_id, what, counter=counter, reason=reason
            ),
        )
        if result is not None:
            self.threads[request_id].shared |= {
                s for s in (reason, counter.message if counter else None) if s
            }

    @precondition(lambda self: self.threads)
    @rule(data=st.data(), party=st.sampled_from(PARTIES))
    def withdraw(self, data: st.DataObject, party: str) -> None:
        request_id = self.pick(data)
        actor = self.world.delegates[party]
        self.attempt(
            party,
            request_id,
            lambda: negotiation.withdraw_request(self.db, actor, self.event_id, request_id),
        )

    @precondition(lambda self: self.threads)
    @rule(
        data=st.data(),
        party=st.sampled_from(PARTIES),
        priority=st.none() | st.integers(1, 10),
        with_note=st.booleans(),
    )
    def set_private(
        self, data: st.DataObject, party: str, priority: int | None, with_note: bool
    ) -> None:
        request_id = self.pick(data)
        actor = self.world.delegates[party]
        note = self.secret("note", party) if with_note else None
        result = self.attempt(
            party,
            request_id,
            lambda: negotiation.set_private(
                self.db, actor, self.event_id, request_id, priority=priority, note=note
            ),
        )
        if result is not None:
            old_priority, old_note = self.threads[request_id].private.get(party, (None, ""))
            self.threads[request_id].private[party] = (
                priority if priority is not None else old_priority,
                note if note is not None else old_note,
            )

    @rule(
        party=st.sampled_from(PARTIES),
        other=st.sampled_from(PARTIES),
        contact=st.booleans(),
        on=st.booleans(),
    )
    def mark(self, party: str, other: str, contact: bool, on: bool) -> None:
        if party == other:
            return
        marks = interests.mark_open_to_contact if contact else interests.mark_interest
        marks(self.db, self.world.delegates[party], self.event_id, other, on)
        pairs = self.contact if contact else self.interest
        if on:
            pairs.add((party, other))
        else:
            pairs.discard((party, other))

    @rule()
    def solve_and_publish(self) -> None:
        organiser = self.world.organiser
        run = solves.start_solve(self.db, organiser, self.event_id, time_limit_s=2)
        run = solves.wait_for_run(self.db, run.id)
        assert run.status == "done"
        solves.publish(self.db, organiser, self.event_id, run.id)

    @rule(
        data=st.data(),
        who=st.sampled_from((None, *PARTIES)),
        status=st.sampled_from(
            (MeetingStatus.HELD, MeetingStatus.CANCELLED, MeetingStatus.NOT_HELD)
        ),
    )
    def record_meeting(self, data: st.DataObject, who: str | None, status: MeetingStatus) -> None:
        with self.db.reading() as session:
            ids = sorted(
                session.scalars(select(MeetingRow.id).where(MeetingRow.event_id == self.event_id))
            )
        if not ids:
            return
        meeting_id = data.draw(st.sampled_from(ids), label="meeting")
        actor = self.world.organiser if who is None else self.world.delegates[who]
        try:
            meetings.set_status(self.db, actor, self.event_id, meeting_id, status)
        except NotFound:
            assert who is not None
            assert who not in self.meeting_parties()[meeting_id]
        except ServiceError:
            pass

    # --- what the database holds -----------------------------------------------------------

    def meeting_parties(self) -> dict[int, set[str]]:
        with self.db.reading() as session:
            rows = session.execute(
                select(MeetingPrincipalRow.meeting_id, MeetingPrincipalRow.party_id)
                .join(MeetingRow, MeetingRow.id == MeetingPrincipalRow.meeting_id)
                .where(MeetingRow.event_id == self.event_id)
            ).all()
        parties: dict[int, set[str]] = {}
        for meeting_id, party in rows:
            parties.setdefault(meeting_id, set()).add(party)
        return parties

    def placed(self) -> set[int]:
        with self.db.reading() as session:
            return set(
                session.scalars(
                    select(MeetingRow.id).where(
                        MeetingRow.event_id == self.event_id, MeetingRow.starts_at.is_not(None)
                    )
                )
            )

    @invariant()
    def nobody_is_booked_twice(self) -> None:
        with self.db.reading() as session:
            assert double_bookings(session, self.event_id) == []
            for meeting in session.scalars(
                select(MeetingRow).where(MeetingRow.event_id == self.event_id)
            ):
                bookings = session.scalar(
                    select(func.count()).where(PrincipalBookingRow.meeting_id == meeting.id)
                )
                scheduled = meeting.status == MeetingStatus.SCHEDULED
                assert (meeting.starts_at is not None) == scheduled
                assert (bookings or 0) > 0 if scheduled else bookings == 0

    @invariant()
    def every_state_matches_its_acceptances(self) -> None:
        with self.db.reading() as session:
            for request in session.scalars(
                select(RequestRow).where(RequestRow.event_id == self.event_id)
            ):
                accepted = [
                    side.accepted_current
                    for side in session.scalars(
                        select(RequestPartyRow).where(RequestPartyRow.request_id == request.id)
                    )
                ]
                meeting = session.scalar(
                    select(MeetingRow.id).where(MeetingRow.request_id == request.id)
                )
                state = RequestState(request.state)
                assert (state is RequestState.ACCEPTED) == all(accepted)
                assert (state is RequestState.ACCEPTED) == (meeting is not None)
                if state is RequestState.DRAFT:
                    assert not any(accepted)
                if state.open:
                    assert any(accepted)

    # --- what each actor sees --------------------------------------------------------------

    @invariant()
    def requests_show_only_what_each_actor_may_see(self) -> None:
        if not self.threads:
            return
        absent = [max(self.threads) + 1000, 0]
        for party, actor in self.actors():
            # In the order they were made (``threads`` keeps it): ids are random.
            visible = [r for r in self.threads if self.sees(party, r)]
            page = negotiation.list_requests(self.db, actor, self.event_id, limit=100)
            assert [v.id for v in page.items] == visible
            assert page.total == len(visible)
            if party is not None:
                for box, role in (("sent", True), ("received", False)):
                    boxed = negotiation.list_requests(
                        self.db, actor, self.event_id, box=box, limit=100
                    )
                    expected = [r for r in visible if (self.threads[r].requester == party) is role]
                    assert ([v.id for v in boxed.items], boxed.total) == (expected, len(expected))
            for request_id in sorted(self.threads) + absent:
                view = outcome(
                    partial(negotiation.get_request, self.db, actor, self.event_id, request_id)
                )
                if isinstance(view, ServiceError):
                    # Invisible and absent requests fail alike: nothing tells them apart.
                    assert request_id not in visible
                    assert describe(view) == ("not_found", f"no request {request_id}", "")
                    continue
                assert request_id in visible
                thread = self.threads[request_id]
                mine = (
                    thread.private.get(party or "", (None, "")) if party in thread.parties else None
                )
                if party is None or mine is None:
                    assert (view.my_priority, view.my_note) == (None, None)
                else:
                    assert (view.my_priority, view.my_note) == mine
                assert {side.party_id for side in view.sides} == set(thread.parties)
                self.assert_no_leak(party, view)

    @invariant()
    def meetings_show_only_the_actors_own(self) -> None:
        parties = self.meeting_parties()
        placed = self.placed()
        everything = self.policy == OrganiserSees.EVERYTHING
        absent = max(parties, default=0) + 1000
        for party, actor in self.actors():
            own = sorted(m for m, sides in parties.items() if party is None or party in sides)
            listed = meetings.list_meetings(self.db, actor, self.event_id)
            assert sorted(m.id for m in listed) == own  # ids are random: compare as sets
            for view in listed:
                assert set(view.parties) == parties[view.id]
                if party is None and not everything:
                    assert (view.topics, view.request_id) == (None, None)
                self.assert_no_leak(party, view)
            for meeting_id in [*sorted(parties), absent]:
                meeting = outcome(
                    partial(meetings.get_meeting, self.db, actor, self.event_id, meeting_id)
                )
                if isinstance(meeting, ServiceError):
                    assert meeting_id not in own
                    assert describe(meeting) == ("not_found", f"no meeting {meeting_id}", "")
                    continue
                assert meeting_id in own
            entries = schedule_versions.schedule(self.db, actor, self.event_id).entries
            assert sorted(e.meeting_id for e in entries) == sorted(placed & set(own)) or (
                schedule_versions.versions_count(self.db, self.event_id) == 0 and entries == []
            )
            if party is None:
                continue
            items = meetings.agenda(self.db, actor, self.event_id)
            assert sorted(i.meeting_id for i in items if i.kind == "meeting") == sorted(
                placed & set(own)
            )
            for item in items:
                if item.meeting_id is not None:
                    others = sorted(parties[item.meeting_id] - {party})
                    # Party names are their ids here; a meeting has at most two other sides.
                    assert item.title.endswith(f" with {' and '.join(others)}")
            for notice in schedule_versions.notices(self.db, actor, self.event_id, limit=100):
                assert notice.meeting_id in own

    @invariant()
    def marks_are_revealed_only_when_mutual(self) -> None:
        for kind, pairs, read in (
            ("interest", self.interest, interests.interests),
            ("contact", self.contact, interests.open_contacts),
        ):
            for party, actor in self.world.delegates.items():
                marks = read(self.db, actor, self.event_id)
                marked = sorted(to for (by, to) in pairs if by == party)
                mutual = [to for to in marked if (to, party) in pairs]
                assert (marks.marked, marks.mutual) == (marked, mutual), kind

    @invariant()
    def audit_trails_hold_only_the_readers_business(self) -> None:
        parties = self.meeting_parties()
        everything = self.policy == OrganiserSees.EVERYTHING
        for party, _actor in self.actors():
            with self.db.reading() as session:
                entries = session.scalars(
                    visibility.audit_entries_seen_by(session, self.event_id, party, everything)
                ).all()
            for entry in entries:
                self.assert_no_leak(party, (entry.action, entry.detail))
                if party is None:
                    assert everything or entry.action in audit.BOOKING_ACTIONS
                    continue
                subject = entry.subject_id
                if entry.subject_type == "request":
                    thread = self.threads[int(subject)]
                    assert party in thread.parties
                    if entry.action in ("request.drafted", "request.private_set"):
                        assert entry.actor_party == party
                elif entry.subject_type == "meeting":
                    assert party in parties[int(subject)]
                elif entry.subject_type in ("interest", "contact"):
                    # Another side's mark reaches this trail only once it is mutual, and then
                    # names this party as the one marked.
                    assert entry.actor_party == party or subject == party
                else:
                    raise AssertionError(f"{party} reads {entry.action} {subject}")


@pytest.mark.slow
@pytest.mark.parametrize("policy", [OrganiserSees.BOOKINGS, OrganiserSees.EVERYTHING])
def test_no_view_of_any_actor_holds_what_it_may_not_see(
    database: Database, policy: OrganiserSees
) -> None:
    # Every view is read after every step, which costs many round trips: PostgreSQL runs fewer
    # examples so that the suite stays within its time budget; SQLite explores more.
    examples = 6 if database.dialect == "sqlite" else 4
    run_state_machine_as_test(
        lambda: Delegations(database, policy),
        settings=settings(
            max_examples=examples,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
