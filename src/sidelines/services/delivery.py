"""Delivering the outbox: claim due rows, say each in words, send it, record the attempt.

At least once, never lost: a row is claimed with a lease (``claimed_by``, ``claimed_until``)
in one short transaction, sent outside any transaction, and marked sent afterwards. A worker
killed between sending and marking leaves a claim that lapses; the row is sent again with the
same idempotency key (``Idempotency-Key`` on a webhook, ``Message-ID`` and
``X-Sidelines-Idempotency-Key`` on an e-mail), by which the receiver drops the repeat.
On PostgreSQL several workers claim side by side (``FOR UPDATE SKIP LOCKED``); SQLite's single
writer makes the claim one step too.

A message is written for its receiver's viewpoint from what it may read: the notice's sentence
as its delegation reads it (``notice_text``), an entry's action and the parties' names. The
words of a refusal, a side's priority and note, the topics and messages of a request are never
put in a message: they stay behind the login, on the page the message links to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import httpx
import jinja2
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from sidelines.domain import Event
from sidelines.domain.negotiation import MeetingStatus
from sidelines.i18n import DEFAULT, N_, _, ngettext, speaking
from sidelines.services import notice_text
from sidelines.services.clock import now
from sidelines.services.events import domain_event
from sidelines.services.outbox import DROPPED, EMAIL, FAILED, PENDING, SENT
from sidelines.services.webhook_hosts import Network, webhook_client
from sidelines.storage.db import Database
from sidelines.storage.tables import (
    AuditAudienceRow,
    AuditRow,
    DeliveryRow,
    MeetingRow,
    MessagePreferenceRow,
    NoticeRow,
    OutboxRow,
    UserRow,
    WebhookRow,
)

SIGNATURE_HEADER = "X-Sidelines-Signature"
KEY_HEADER = "Idempotency-Key"
MAIL_KEY_HEADER = "X-Sidelines-Idempotency-Key"

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("mail")),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    # The templates are part of the release: no look at the files' times at every message.
    auto_reload=False,
)


@dataclass(frozen=True)
class MailSettings:
    """The SMTP server the worker sends through, and the site's address for links."""

    host: str = "127.0.0.1"
    port: int = 25
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password: str | None = None
    sender: str = "sidelines@localhost"
    base_url: str = "http://127.0.0.1:8000"
    timeout_s: float = 10.0


@dataclass(frozen=True)
class DeliveryOptions:
    """How a worker claims and retries: a claim lapses after ``lease_s``; a failed attempt
    waits ``backoff_s * 2**(attempt - 1)`` (at most ``backoff_cap_s``, ±20 % jitter) and the
    row is given up after ``max_attempts``."""

    batch: int = 100
    lease_s: float = 60.0
    backoff_s: float = 2.0
    backoff_cap_s: float = 3600.0
    max_attempts: int = 10
    webhook_timeout_s: float = 10.0
    # The networks off the public internet that webhooks may still be sent to
    # (``Settings.webhook_allowed_networks``); by default none (``webhook_hosts``).
    webhook_allowed_networks: tuple[Network, ...] = ()
    # Messages are sent side by side, each thread with its own SMTP connection. Four keep
    # a slow receiver from holding up the rest; more would only take turns at the
    # interpreter's lock and open more connections to the mail server.
    threads: int = 4
    # After each batch the worker rests ``rest`` times as long as the batch took: delivering
    # takes at most half the time, and its database work (which the worker's priority does not
    # reach on PostgreSQL, whose server processes run on their own) comes in bursts with room
    # between them for the web's. The busier the machine, the longer a batch and its rest.
    rest: float = 1.0
    # A batch whose oldest message was due longer ago than this is behind (``Pace``): the
    # worker then sends at its full priority until it has caught up, so that a lowered worker
    # still sends a publish's messages within a minute on a busy machine, and while it keeps
    # up it takes only the time the web leaves.
    catch_up_s: float = 10.0


# What a round of delivery is about to do: nothing ("idle": nothing due), or send a batch that
# keeps up with its messages ("on time") or one whose oldest waited past ``catch_up_s``.
Pace = Literal["idle", "on time", "behind"]


@dataclass(frozen=True)
class Item:
    """One thing to tell, in words."""

    kind: str
    text: str
    link: str
    subject_type: str
    subject_id: str


@dataclass
class Outgoing:
    """What one delivery sends: one row, or a user's digest of several."""

    rows: list[OutboxRow]
    items: list[Item]
    key: str
    to: str | None = None  # an e-mail address
    webhook: WebhookRow | None = None
    event_name: str = ""
    # The reader's language (the one chosen for the pages); webhooks, read by programs, and
    # readers who chose none get English.
    language: str = DEFAULT


@dataclass
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


@dataclass
class Plan:
    """What a claimed batch comes to: what to send, what to drop, what to hold back."""

    send: list[Outgoing] = field(default_factory=list)
    dropped: list[tuple[OutboxRow, str]] = field(default_factory=list)
    held: list[tuple[OutboxRow, datetime]] = field(default_factory=list)


def backoff(attempt: int, options: DeliveryOptions) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1-based)."""
    seconds = min(options.backoff_cap_s, options.backoff_s * 2 ** (attempt - 1))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def claim(db: Database, worker: str, options: DeliveryOptions) -> list[int]:
    """Claim up to ``options.batch`` due rows for ``worker``; their ids, oldest first. An idle
    worker looks in a read first: it asks every tick, and a write transaction would take
    SQLite's one write lock (the web's writes wait for it) to find nothing."""
    with db.reading() as session:
        if session.scalar(_due(now()).limit(1)) is None:
            return []
    return db.write(lambda session: claim_in(session, worker, options))


def _due(at: datetime) -> Select[int]:
    return select(OutboxRow.id).where(
        OutboxRow.status == PENDING,
        OutboxRow.due_at <= at,
        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < at),
    )


def claim_in(session: Session, worker: str, options: DeliveryOptions) -> list[int]:
    """``claim`` inside the caller's transaction. On PostgreSQL rows that another transaction
    is claiming are skipped, not waited for."""
    at = now()
    due = _due(at).order_by(OutboxRow.due_at, OutboxRow.id).limit(options.batch)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(OutboxRow)
        .where(OutboxRow.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=at + timedelta(seconds=options.lease_s))
        .returning(OutboxRow.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed)


def in_quiet_hours(at: datetime, zone: ZoneInfo, start: str, end: str) -> datetime | None:
    """When the quiet hours ``start``-``end`` (``HH:MM`` in ``zone``) that hold ``at`` end;
    None outside them. A span past midnight (22:00-07:00) is one span."""
    local = at.astimezone(zone)
    minute = local.hour * 60 + local.minute
    begin, finish = _minutes(start), _minutes(end)
    if begin == finish:
        return None
    inside = begin <= minute < finish if begin < finish else minute >= begin or minute < finish
    if not inside:
        return None
    days = 1 if finish <= minute else 0
    ends = local.replace(hour=finish // 60, minute=finish % 60, second=0, microsecond=0)
    return (ends + timedelta(days=days)).astimezone(at.tzinfo)


def _minutes(hhmm: str) -> int:
    hours, _, minutes = hhmm.partition(":")
    return int(hours) * 60 + int(minutes)


FOOTER = N_(
    "You receive this because you asked for these messages in Sidelines; change which ones, "
    "when, and your quiet hours on your messages page."
)

# What a side did to a request, in a sentence (``_Words._entry``), translated where said.
ANSWERS = {
    "request.withdrawn": N_("%(actor)s withdrew its request for a meeting"),
    "request.accept": N_("%(actor)s accepted the request for a meeting"),
    "request.counter": N_(
        "%(actor)s answered with a counter-proposal to the request for a meeting"
    ),
    "request.defer": N_("%(actor)s deferred the request for a meeting"),
    "request.soft_decline": N_("%(actor)s declined the request for a meeting"),
    "request.decline": N_("%(actor)s declined the request for a meeting"),
}
ANSWERED_TERMS = N_("%(actor)s answered terms of the request for a meeting")
# An answer that agreed a meeting no place was found for (none published yet, or nothing
# fits): the asker learns it waits, as the sides' pages say, not only that it was accepted.
AGREED_WAITING = {
    "request.accept": N_(
        "%(actor)s accepted the request for a meeting; it is agreed and waits for a place"
    ),
    "request.terms": N_(
        "%(actor)s answered terms of the request for a meeting; it is agreed and waits for a place"
    ),
}


class _Words:
    """Says outbox rows in words, reading what they refer to in a few queries per batch."""

    def __init__(self, session: Session, rows: Sequence[OutboxRow], base_url: str) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.events: dict[str, Event] = {}
        entry_ids = [r.source["entry"] for r in rows if "entry" in r.source]
        notice_ids = [r.source["notice"] for r in rows if "notice" in r.source]
        self.entries = {
            e.id: e for e in session.scalars(select(AuditRow).where(AuditRow.id.in_(entry_ids)))
        }
        self.audience: dict[int, set[str]] = {}
        for entry_id, party in session.execute(
            select(AuditAudienceRow.entry_id, AuditAudienceRow.party_id).where(
                AuditAudienceRow.entry_id.in_(entry_ids)
            )
        ):
            self.audience.setdefault(entry_id, set()).add(party)
        self.notices = {
            n.id: n for n in session.scalars(select(NoticeRow).where(NoticeRow.id.in_(notice_ids)))
        }
        meeting_ids = {n.meeting_id for n in self.notices.values()}
        meeting_ids |= {r.source["meeting"] for r in rows if "meeting" in r.source}
        meeting_ids |= {
            int(e.subject_id) for e in self.entries.values() if e.subject_type == "meeting"
        }
        self.labels = notice_text.labels_of(session, meeting_ids)
        self.meetings = {
            m.id: m
            for m in session.scalars(select(MeetingRow).where(MeetingRow.id.in_(meeting_ids)))
        }
        # The requests answered whose meeting is agreed and, as the message goes, unplaced.
        answered = [
            int(e.subject_id)
            for e in self.entries.values()
            if e.action in AGREED_WAITING and e.subject_type == "request"
        ]
        self.waiting_requests = (
            set(
                session.scalars(
                    select(MeetingRow.request_id).where(
                        MeetingRow.request_id.in_(answered),
                        MeetingRow.status == str(MeetingStatus.AGREED),
                        MeetingRow.starts_at.is_(None),
                    )
                )
            )
            if answered
            else set()
        )

    def event(self, event_id: str) -> Event:
        if event_id not in self.events:
            self.events[event_id] = domain_event(self.session, event_id)
        return self.events[event_id]

    def stale(self, row: OutboxRow, at: datetime) -> str | None:
        """Why a reminder no longer holds: its meeting moved, left the schedule or began."""
        if "meeting" not in row.source:
            return None
        meeting = self.meetings.get(row.source["meeting"])
        if meeting is None or meeting.starts_at is None:
            return "the meeting is no longer scheduled"
        if meeting.starts_at.isoformat() != row.source["starts_at"]:
            return "the meeting moved: its reminder comes at the new time"
        if meeting.starts_at <= at:
            return "the meeting has begun"
        return None

    def item(self, row: OutboxRow) -> Item:
        event = self.event(row.event_id)
        link = f"{self.base_url}/events/{row.event_id}"
        if "notice" in row.source:
            notice = self.notices[row.source["notice"]]
            [text] = notice_text.summaries(
                event,
                self.labels,
                [(notice.meeting_id, notice.kind, notice.before, notice.after)],
                viewer=row.party_id,
            )
            return Item(row.kind, text, f"{link}/agenda", "meeting", str(notice.meeting_id))
        if "meeting" in row.source:
            meeting = self.meetings[row.source["meeting"]]
            return Item(
                row.kind,
                self._reminder(event, meeting, row),
                f"{link}/agenda",
                "meeting",
                str(meeting.id),
            )
        entry = self.entries[row.source["entry"]]
        return Item(
            row.kind,
            self._entry(event, entry, row.party_id),
            f"{link}/requests/{entry.subject_id}"
            if entry.subject_type == "request"
            else f"{link}/agenda",
            entry.subject_type,
            entry.subject_id,
        )

    def _reminder(self, event: Event, meeting: MeetingRow, row: OutboxRow) -> str:
        label = self.labels.get(meeting.id)
        assert meeting.starts_at is not None
        assert meeting.ends_at is not None
        placement = [meeting.starts_at.isoformat(), meeting.ends_at.isoformat(), meeting.space_id]
        name = (
            notice_text.meeting_label(event, label, row.party_id)
            if label is not None
            else _("Meeting %(id)s") % {"id": meeting.id}
        )
        minutes = max(0, round((meeting.starts_at - now()).total_seconds() / 60))
        return _("Reminder: %(meeting)s at %(when)s, %(where)s (in %(minutes)s min)") % {
            "meeting": name,
            "when": notice_text.when(event, placement),
            "where": notice_text.where(event, placement, label),
            "minutes": minutes,
        }

    def _entry(self, event: Event, entry: AuditRow, viewer: str | None) -> str:
        actor = (
            notice_text.party_name(event, entry.actor_party)
            if entry.actor_party
            else _("The organiser")
        )
        others = sorted(self.audience.get(entry.id, set()) - {entry.actor_party or ""})
        named = ", ".join(notice_text.party_name(event, p) for p in others)
        action = entry.action
        if action == "onsite_change.reported":
            detail = entry.detail
            ends_at = detail.get("ends_at")
            return notice_text.onsite_change(
                event,
                detail["kind"],
                datetime.fromisoformat(detail["starts_at"]),
                datetime.fromisoformat(ends_at) if ends_at else None,
                session_id=detail.get("session_id"),
                principal_id=detail.get("principal_id"),
                party_id=detail.get("party_id"),
                space_id=detail.get("space_id"),
            )
        if action == "request.sent":
            if viewer is not None or not named:
                return _("%(actor)s asked you for a meeting") % {"actor": actor}
            return _("%(actor)s asked %(parties)s for a meeting") % {
                "actor": actor,
                "parties": named,
            }
        if action == "meeting.cancelled":
            label = self.labels.get(int(entry.subject_id))
            name = notice_text.meeting_label(event, label, viewer) if label else _("A meeting")
            return _("%(meeting)s was cancelled by %(actor)s") % {"meeting": name, "actor": actor}
        if action in AGREED_WAITING and int(entry.subject_id) in self.waiting_requests:
            return _(AGREED_WAITING[action]) % {"actor": actor}
        return _(ANSWERS.get(action, ANSWERED_TERMS)) % {"actor": actor}


def plan(session: Session, ids: Sequence[int], worker: str, settings: MailSettings) -> Plan:
    """Read the claimed rows (still ours) and decide what becomes of each."""
    at = now()
    rows = list(
        session.scalars(
            select(OutboxRow)
            .where(OutboxRow.id.in_(ids), OutboxRow.claimed_by == worker)
            .order_by(OutboxRow.created_at, OutboxRow.id)
        )
    )
    words = _Words(session, rows, settings.base_url)
    user_ids = {r.user_id for r in rows if r.user_id is not None}
    prefs = {
        p.user_id: p
        for p in session.scalars(
            select(MessagePreferenceRow).where(MessagePreferenceRow.user_id.in_(user_ids))
        )
    }
    languages: dict[int, str] = {
        user_id: language or DEFAULT
        for user_id, language in session.execute(
            select(UserRow.id, UserRow.language).where(UserRow.id.in_(user_ids))
        )
    }
    hook_ids = {r.webhook_id for r in rows if r.webhook_id is not None}
    hooks = {
        h.id: h for h in session.scalars(select(WebhookRow).where(WebhookRow.id.in_(hook_ids)))
    }
    result = Plan()
    digests: dict[int, Outgoing] = {}
    for row in rows:
        stale = words.stale(row, at)
        if stale is not None:
            result.dropped.append((row, stale))
            continue
        event = words.event(row.event_id)
        if row.channel == EMAIL:
            pref = prefs.get(row.user_id or 0)
            if pref is None or not pref.email:
                result.dropped.append((row, "the user gave no e-mail address"))
                continue
            if row.kind not in pref.kinds:
                result.dropped.append((row, f"the user no longer wants {row.kind} messages"))
                continue
            if pref.quiet_from and pref.quiet_until:
                until = in_quiet_hours(at, event.zone, pref.quiet_from, pref.quiet_until)
                if until is not None:
                    result.held.append((row, until))
                    continue
            language = languages.get(row.user_id or 0, DEFAULT)
            with speaking(language):
                item = words.item(row)
            if row.digest and row.user_id is not None:
                digest = digests.setdefault(
                    row.user_id,
                    Outgoing([], [], "", to=pref.email, event_name=event.name, language=language),
                )
                digest.rows.append(row)
                digest.items.append(item)
                continue
            result.send.append(
                Outgoing(
                    [row], [item], row.key, to=pref.email, event_name=event.name, language=language
                )
            )
        else:
            hook = hooks.get(row.webhook_id or 0)
            if hook is None or not hook.active:
                result.dropped.append((row, "the webhook was removed"))
                continue
            result.send.append(
                Outgoing([row], [words.item(row)], row.key, webhook=hook, event_name=event.name)
            )
    for digest in digests.values():
        keys = "\n".join(sorted(r.key for r in digest.rows))
        digest.key = "digest:" + hashlib.sha256(keys.encode()).hexdigest()[:32]
        result.send.append(digest)
    return result


def mail_for(outgoing: Outgoing, sender: str) -> EmailMessage:
    """The e-mail, plain text with an HTML alternative, both from the templates, in the
    reader's language."""
    with speaking(outgoing.language):
        return _mail_for(outgoing, sender)


def _mail_for(outgoing: Outgoing, sender: str) -> EmailMessage:
    context = {
        "items": outgoing.items,
        "event_name": outgoing.event_name,
        "language": outgoing.language,
        "footer": _(FOOTER),
    }
    message = EmailMessage()
    if len(outgoing.items) == 1:
        message["Subject"] = f"{outgoing.event_name}: {outgoing.items[0].text}"
    else:
        count = len(outgoing.items)
        updates = ngettext("%(num)d update", "%(num)d updates", count) % {"num": count}
        message["Subject"] = f"{outgoing.event_name}: {updates}"
    message["From"] = sender
    assert outgoing.to is not None
    message["To"] = outgoing.to
    # The same message has the same Message-ID at every attempt: mail programs drop repeats.
    message["Message-ID"] = f"<{hashlib.sha256(outgoing.key.encode()).hexdigest()[:40]}@sidelines>"
    message[MAIL_KEY_HEADER] = outgoing.key
    message.set_content(_templates.get_template("message.txt").render(context))
    message.add_alternative(_templates.get_template("message.html").render(context), subtype="html")
    return message


def webhook_body(outgoing: Outgoing) -> bytes:
    [row], [item] = outgoing.rows, outgoing.items
    return json.dumps(
        {
            "key": row.key,
            "kind": row.kind,
            "event_id": row.event_id,
            "party_id": row.party_id,
            "text": item.text,
            "link": item.link,
            "subject": {"type": item.subject_type, "id": item.subject_id},
            "created_at": row.created_at.isoformat(),
        },
        sort_keys=True,
    ).encode()


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body with the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Mailer:
    """SMTP connections, one per sending thread, each opened on first use and reopened after
    a failure."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._opened: list[smtplib.SMTP] = []
        self._lock = threading.Lock()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP
        if s.security == "tls":
            smtp = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_s, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password or "")
        with self._lock:
            self._opened.append(smtp)
        return smtp

    def send(self, message: EmailMessage) -> None:
        smtp: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        if smtp is None:
            smtp = self._local.smtp = self._connect()
        try:
            smtp.send_message(message)
        except (smtplib.SMTPException, OSError):
            self._local.smtp = None
            _quit(smtp)
            raise

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for smtp in opened:
            _quit(smtp)
        self._local = threading.local()


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _timed(send: Any) -> Outcome:
    started = time.monotonic()
    try:
        status = send()
    except (smtplib.SMTPException, OSError, httpx.HTTPError) as error:
        return Outcome(False, None, str(error)[:500] or type(error).__name__, _ms(started))
    if status is not None and not 200 <= status < 300:
        return Outcome(False, status, f"the receiver answered {status}", _ms(started))
    return Outcome(True, status, None, _ms(started))


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def send_all(
    outgoing: Sequence[Outgoing],
    mailer: Mailer,
    client: httpx.Client,
    settings: MailSettings,
    pool: ThreadPoolExecutor,
) -> list[Outcome]:
    """Send each, side by side on the ``pool``'s threads (one SMTP connection each): a slow
    receiver must not hold up everyone's messages. A webhook whose host now resolves off the
    public internet, outside the networks the ``client`` allows (``webhook_client``), is not
    posted to: a failed attempt."""

    def post(item: Outgoing) -> Outcome:
        assert item.webhook is not None
        # The client checks the host's addresses again as it connects, and connects to those:
        # the name may resolve elsewhere than when the webhook was made (webhook_hosts).
        body = webhook_body(item)
        headers = {
            "Content-Type": "application/json",
            KEY_HEADER: item.key,
            SIGNATURE_HEADER: signature(item.webhook.secret, body),
        }
        url = item.webhook.url
        return _timed(lambda: client.post(url, content=body, headers=headers).status_code)

    def mail(item: Outgoing) -> Outcome:
        return _timed(lambda: mailer.send(mail_for(item, settings.sender)))

    sent = [pool.submit(mail if o.webhook is None else post, o) for o in outgoing]
    return [future.result() for future in sent]


def record(
    db: Database,
    worker: str,
    result: Plan,
    outcomes: Iterable[Outcome],
    options: DeliveryOptions,
) -> None:
    """Write what became of a claimed batch, in one transaction; every claim is released."""
    at = now()
    done = list(zip(result.send, outcomes, strict=True))

    def work(session: Session) -> None:
        for row, reason in result.dropped:
            _set(session, row.id, status=DROPPED, last_error=reason[:500])
        for row, until in result.held:
            _set(session, row.id, due_at=until)
        sent: list[int] = []
        log: list[DeliveryRow] = []
        for outgoing, outcome in done:
            for row in outgoing.rows:
                attempt = row.attempts + 1
                log.append(
                    DeliveryRow(
                        outbox_id=row.id,
                        attempt=attempt,
                        at=at,
                        ok=outcome.ok,
                        status_code=outcome.status_code,
                        error=outcome.error,
                        duration_ms=outcome.duration_ms,
                    )
                )
                if outcome.ok:
                    sent.append(row.id)
                elif attempt >= options.max_attempts:
                    _set(session, row.id, status=FAILED, attempts=attempt, last_error=outcome.error)
                else:
                    _set(
                        session,
                        row.id,
                        attempts=attempt,
                        due_at=at + backoff(attempt, options),
                        last_error=outcome.error,
                    )
        # Most rows are sent at their first attempt: one statement marks them all.
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(sent))
            .values(
                status=SENT,
                sent_at=at,
                attempts=OutboxRow.attempts + 1,
                claimed_by=None,
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        session.add_all(log)

    db.write(work)


def _set(session: Session, row_id: int, **values: Any) -> None:
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )


@dataclass
class Senders:
    """What a worker sends with, kept from batch to batch: SMTP connections, an HTTP client
    and the threads that use them."""

    mailer: Mailer
    client: httpx.Client
    pool: ThreadPoolExecutor

    @classmethod
    def open(cls, settings: MailSettings, options: DeliveryOptions) -> Senders:
        return cls(
            Mailer(settings),
            webhook_client(options.webhook_timeout_s, options.webhook_allowed_networks),
            ThreadPoolExecutor(max_workers=options.threads, thread_name_prefix="send"),
        )

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.mailer.close()
        self.client.close()


def deliver_due(
    db: Database,
    worker: str,
    senders: Senders,
    settings: MailSettings,
    options: DeliveryOptions,
    pace: Callable[[Pace], None] = lambda pace: None,
) -> int:
    """Claim, send and record one batch of due rows; how many rows it settled. ``pace`` is
    told, before anything is sent, whether the batch keeps up (``Pace``), and again if it falls
    behind while it is sent."""
    ids = claim(db, worker, options)
    if not ids:
        pace("idle")
        return 0
    with db.reading() as session:
        result = plan(session, ids, worker, settings)
    # Claimed oldest due first: the batch's oldest is the oldest message waiting.
    rows = [row for o in result.send for row in o.rows]
    rows += [row for row, _ in result.dropped] + [row for row, _ in result.held]
    waited = (now() - min((row.due_at for row in rows), default=now())).total_seconds()
    pace("behind" if waited > options.catch_up_s else "on time")
    # A batch begun on time falls behind if a lowered worker is starved of the cores meanwhile
    # (a busy machine): it says so once its oldest message has waited too long.
    late = threading.Timer(options.catch_up_s - waited, pace, args=("behind",))
    late.daemon = True
    if waited <= options.catch_up_s:
        late.start()
    try:
        outcomes = send_all(
            result.send,
            senders.mailer,
            senders.client,
            settings,
            senders.pool,
        )
    finally:
        late.cancel()
    record(db, worker, result, outcomes, options)
    return len(ids)
