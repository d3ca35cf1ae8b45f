"""A world whose delegations listen for messages, and a worker context that delivers them to
real receivers on 127.0.0.1, for the message tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select

from sidelines.services import messages, negotiation, solves
from sidelines.services.delivery import DeliveryOptions, MailSettings
from sidelines.services.messages import Preferences
from sidelines.services.negotiation import Terms
from sidelines.services.worker import WorkerContext, deliver
from sidelines.storage.db import Database
from sidelines.storage.tables import OutboxRow
from tests.receivers import (
    LOOPBACK,
    SmtpReceiver,
    WebhookReceiver,
    smtp_receiver,
    webhook_receiver,
)
from tests.services.world import World, make_world

FAST = DeliveryOptions(
    backoff_s=0.01, backoff_cap_s=0.05, lease_s=5, rest=0, webhook_allowed_networks=LOOPBACK
)


@dataclass
class Messaging:
    world: World
    smtp: SmtpReceiver
    hooks: WebhookReceiver
    context: WorkerContext

    def deliver_all(self, rounds: int = 50) -> None:
        """Run the delivery duty until nothing is pending (or ``rounds`` are spent)."""
        for _ in range(rounds):
            if deliver(self.context):
                continue
            if not self.due():
                return
            # A retry waits out its backoff: a round that finds nothing due yet sleeps for it,
            # or the rounds can all be spent before the retry comes due (seen in CI).
            time.sleep(FAST.backoff_cap_s)

    def due(self) -> int:
        with self.context.db.reading() as session:
            return len(
                session.scalars(select(OutboxRow.id).where(OutboxRow.status == "pending")).all()
            )

    def rows(self) -> list[OutboxRow]:
        with self.context.db.reading() as session:
            return list(
                session.scalars(select(OutboxRow).order_by(OutboxRow.created_at, OutboxRow.key))
            )


def listen(db: Database, world: World, party: str, email: str, **prefs: object) -> None:
    """Give the delegation's login an e-mail address (and any other preference)."""
    messages.set_preferences(
        db,
        world.delegates[party],
        Preferences(email=email, **prefs),  # type: ignore[arg-type]
    )


@contextmanager
def messaging(
    db: Database, parties: tuple[str, ...] = ("AAA", "BBB"), **hook_options: object
) -> Iterator[Messaging]:
    world = make_world(db, "ev", list(parties))
    with smtp_receiver() as smtp, webhook_receiver(**hook_options) as hooks:
        context = WorkerContext(db, MailSettings(port=smtp.port), FAST, name="test-worker")
        context.open()
        try:
            yield Messaging(world, smtp, hooks, context)
        finally:
            context.close()


def agree_and_publish(db: Database, world: World, a: str = "AAA", b: str = "BBB") -> int:
    """A meeting of ``a`` and ``b`` agreed and published; its id."""
    asked = negotiation.create_request(db, world.delegates[a], "ev", [b], Terms(topics=("trade",)))
    agreed = negotiation.respond(db, world.delegates[b], "ev", asked.id, negotiation.Answer.ACCEPT)
    assert agreed.meeting_id is not None
    run = solves.start_solve(db, world.organiser, "ev", time_limit_s=1)
    solves.wait_for_run(db, run.id)
    solves.publish(db, world.organiser, "ev", run.id)
    return agreed.meeting_id
