"""What a user asks to hear by e-mail, the webhooks of a delegation (or the organiser), and
the delivery log their owner reads."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Forbidden, Invalid, NotFound, Unauthenticated
from sidelines.services.events import event_row
from sidelines.services.outbox import KINDS
from sidelines.services.visibility import takes_part
from sidelines.services.webhook_hosts import Network, refused
from sidelines.services.worker import DEFAULT_REMINDER_MIN, MAX_REMINDER_MIN
from sidelines.storage.db import Database
from sidelines.storage.tables import DeliveryRow, MessagePreferenceRow, OutboxRow, WebhookRow

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Enough of RFC 5322 to refuse a typo; the mail server is the judge of the rest.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DIGEST_PERIODS = (0, 15, 30, 60, 120, 240, 1440)
LOG_ROWS = 200


@dataclass(frozen=True)
class Preferences:
    email: str | None = None
    kinds: tuple[str, ...] = KINDS
    digest_min: int = 0  # 0: each message at once
    quiet_from: str | None = None  # HH:MM in the venue's time
    quiet_until: str | None = None
    reminder_min: int = DEFAULT_REMINDER_MIN


@dataclass(frozen=True)
class WebhookView:
    id: int
    event_id: str
    party_id: str | None
    url: str
    kinds: tuple[str, ...]
    active: bool
    created_at: datetime
    secret: str | None = None  # only when it is made


@dataclass(frozen=True)
class DeliveryView:
    key: str
    kind: str
    status: str
    attempt: int
    at: datetime
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


def _user(actor: Actor) -> int:
    if actor.user_id is None:
        raise Unauthenticated("log in to set your messages")
    return actor.user_id


def get_preferences(db: Database, actor: Actor) -> Preferences:
    user_id = _user(actor)
    with db.reading() as session:
        row = session.get(MessagePreferenceRow, user_id)
    if row is None:
        return Preferences()
    return Preferences(
        row.email,
        tuple(k for k in KINDS if k in row.kinds),
        row.digest_min,
        row.quiet_from,
        row.quiet_until,
        row.reminder_min,
    )


def check_preferences(wanted: Preferences) -> None:
    """Refuse a bad value, naming its field."""
    if wanted.email is not None and not EMAIL.match(wanted.email):
        raise Invalid("not an e-mail address", "email")
    for index, kind in enumerate(wanted.kinds):
        if kind not in KINDS:
            raise Invalid(f"unknown kind; one of {', '.join(KINDS)}", f"kinds[{index}]")
    if wanted.digest_min not in DIGEST_PERIODS:
        raise Invalid(
            "a digest period in minutes: " + ", ".join(map(str, DIGEST_PERIODS)), "digest_min"
        )
    for name in ("quiet_from", "quiet_until"):
        value = getattr(wanted, name)
        if value is not None and not HHMM.match(value):
            raise Invalid("a time of day as HH:MM", name)
    if (wanted.quiet_from is None) != (wanted.quiet_until is None):
        raise Invalid("quiet hours need both ends", "quiet_until")
    if not 0 <= wanted.reminder_min <= MAX_REMINDER_MIN:
        raise Invalid(f"minutes from 0 to {MAX_REMINDER_MIN}", "reminder_min")


def set_preferences(db: Database, actor: Actor, wanted: Preferences) -> Preferences:
    user_id = _user(actor)
    check_preferences(wanted)

    def work(session: Session) -> None:
        row = session.get(MessagePreferenceRow, user_id)
        if row is None:
            row = MessagePreferenceRow(user_id=user_id)
            session.add(row)
        row.email = wanted.email
        row.kinds = sorted(set(wanted.kinds))
        row.digest_min = wanted.digest_min
        row.quiet_from = wanted.quiet_from
        row.quiet_until = wanted.quiet_until
        row.reminder_min = wanted.reminder_min
        row.updated_at = now()

    db.write(work)
    return get_preferences(db, actor)


def _owner(session: Session, actor: Actor, event_id: str) -> str | None:
    """The party whose webhooks ``actor`` manages at the event (None: the organiser's)."""
    _user(actor)
    event_row(session, event_id)
    party = actor.acts_for(event_id)
    if not takes_part(actor, event_id):
        raise Forbidden("webhooks belong to the event's delegations and its organiser")
    return party


def _view(row: WebhookRow, secret: str | None = None) -> WebhookView:
    return WebhookView(
        row.id,
        row.event_id,
        row.party_id,
        row.url,
        tuple(row.kinds),
        row.active,
        row.created_at,
        secret,
    )


def check_url(url: str, allowed: Sequence[Network] = ()) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to an address off the public
    internet outside the ``allowed`` networks (``webhook_hosts``)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed "[" of an IPv6 address
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise Invalid("an http or https URL of at most 2,000 characters", "url")
    reason = refused(url, allowed)
    if reason is not None:
        raise Invalid(reason, "url")


def add_webhook(
    db: Database,
    actor: Actor,
    event_id: str,
    url: str,
    kinds: tuple[str, ...] = KINDS,
    *,
    allowed: Sequence[Network] = (),
) -> WebhookView:
    """A new webhook for the actor's delegation (or the organiser); its secret is given here
    once, for the receiver to check ``X-Sidelines-Signature``. Its host must be public, or in
    one of the ``allowed`` networks (``Settings.webhook_allowed_networks``)."""
    check_url(url, allowed)
    for index, kind in enumerate(kinds):
        if kind not in KINDS:
            raise Invalid(f"unknown kind; one of {', '.join(KINDS)}", f"kinds[{index}]")
    secret = secrets.token_urlsafe(32)

    def work(session: Session) -> WebhookView:
        row = WebhookRow(
            event_id=event_id,
            party_id=_owner(session, actor, event_id),
            url=url,
            secret=secret,
            kinds=sorted(set(kinds)),
            active=True,
            created_by=actor.user_id,
            created_at=now(),
        )
        session.add(row)
        session.flush()
        return _view(row, secret)

    return db.write(work)


def list_webhooks(db: Database, actor: Actor, event_id: str) -> list[WebhookView]:
    with db.reading() as session:
        party = _owner(session, actor, event_id)
        rows = session.scalars(
            select(WebhookRow)
            .where(WebhookRow.event_id == event_id, _owned(party))
            .order_by(WebhookRow.created_at, WebhookRow.id)
        )
        return [_view(row) for row in rows]


def _owned(party: str | None) -> ColumnElement[bool]:
    return WebhookRow.party_id.is_(None) if party is None else WebhookRow.party_id == party


def _webhook(session: Session, actor: Actor, event_id: str, webhook_id: int) -> WebhookRow:
    party = _owner(session, actor, event_id)
    row = session.get(WebhookRow, webhook_id)
    # Another owner's webhook answers "not found", the same as one that does not exist.
    if row is None or row.event_id != event_id or row.party_id != party:
        raise NotFound(f"no webhook {webhook_id}")
    return row


def remove_webhook(db: Database, actor: Actor, event_id: str, webhook_id: int) -> None:
    """Stop a webhook; its delivery log stays readable."""

    def work(session: Session) -> None:
        _webhook(session, actor, event_id, webhook_id).active = False

    db.write(work)


def webhook_deliveries(
    db: Database, actor: Actor, event_id: str, webhook_id: int
) -> list[DeliveryView]:
    """The webhook's delivery attempts, newest first (the last ``LOG_ROWS``)."""
    with db.reading() as session:
        _webhook(session, actor, event_id, webhook_id)
        rows = session.execute(
            select(OutboxRow, DeliveryRow)
            .join(DeliveryRow, DeliveryRow.outbox_id == OutboxRow.id)
            .where(OutboxRow.webhook_id == webhook_id)
            .order_by(DeliveryRow.at.desc(), DeliveryRow.id.desc())
            .limit(LOG_ROWS)
        ).all()
        return [
            DeliveryView(
                message.key,
                message.kind,
                message.status,
                attempt.attempt,
                attempt.at,
                attempt.ok,
                attempt.status_code,
                attempt.error,
                attempt.duration_ms,
            )
            for message, attempt in rows
        ]
