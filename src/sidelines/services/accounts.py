"""Accounts, passwords and API tokens.

Passwords are hashed with Argon2id (argon2-cffi's defaults follow RFC 9106's recommendations).
API tokens are random; only their SHA-256 is stored, so the table is useless to a thief.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sidelines import i18n
from sidelines.i18n import _
from sidelines.services import login_limits
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Invalid, Unauthenticated
from sidelines.storage.db import Database
from sidelines.storage.tables import EventRow, PartyRow, TokenRow, UserRow

MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    actor: Actor


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    db: Database,
    username: str,
    password: str,
    role: Role,
    *,
    event_id: str | None = None,
    party_id: str | None = None,
    also: Callable[[Session, int], None] | None = None,
) -> int:
    """Create an account; a delegate is bound to one party of one event. ``also`` runs in the
    same transaction with the new account's id (to record it in the audit trail, say)."""
    username = username.strip()
    if not username:
        raise Invalid(_("a username is required"), "username")
    if len(password) < MIN_PASSWORD_LENGTH:
        message = _("a password needs at least %(count)d characters")
        raise Invalid(message % {"count": MIN_PASSWORD_LENGTH}, "password")
    if role is Role.PUBLIC:
        raise Invalid("public visitors need no account", "role")
    if role is Role.DELEGATE and (event_id is None or party_id is None):
        raise Invalid("a delegation member needs an event and a party", "party_id")
    password_hash = _hasher.hash(password)

    def work(session: Session) -> int:
        if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
            raise Conflict(_("the username %(name)r is taken") % {"name": username}, "username")
        if event_id is not None and session.get(EventRow, event_id) is None:
            raise Invalid(f"no event {event_id!r}", "event_id")
        if party_id is not None and session.get(PartyRow, (event_id, party_id)) is None:
            raise Invalid(f"no party {party_id!r} at event {event_id!r}", "party_id")
        row = UserRow(
            username=username,
            password_hash=password_hash,
            role=str(role),
            event_id=event_id if role is Role.DELEGATE else None,
            party_id=party_id if role is Role.DELEGATE else None,
            created_at=now(),
        )
        session.add(row)
        session.flush()
        if also is not None:
            also(session, row.id)
        return row.id

    try:
        return db.write(work)
    except IntegrityError:
        # Another account of that name was written after the look above and before this one
        # committed (read committed on PostgreSQL): the unique username refused this one.
        with db.reading() as session:
            if session.scalar(select(UserRow.id).where(UserRow.username == username)) is None:
                raise
        raise Conflict(
            _("the username %(name)r is taken") % {"name": username}, "username"
        ) from None


def language_of(db: Database, user_id: int) -> str | None:
    """The language ``user_id`` chose for the pages, if any."""
    found = db.read_one(select(UserRow.language).where(UserRow.id == user_id))
    return found[0] if found is not None else None


def valid_language(language: str) -> str:
    """``language`` if the pages speak it (``i18n.LANGUAGES``), else refused with the list."""
    if language not in i18n.LANGUAGES:
        known = ", ".join(i18n.LANGUAGES)
        message = _("unknown language %(value)r; one of %(known)s")
        raise Invalid(message % {"value": language, "known": known}, "language")
    return language


def set_language(db: Database, actor: Actor, language: str) -> str:
    """Keep ``language`` as the acting user's language on the pages."""
    chosen = valid_language(language)
    if actor.user_id is None:
        raise Unauthenticated("log in to keep a language")
    user_id = actor.user_id

    def work(session: Session) -> str:
        row = session.get(UserRow, user_id)
        if row is None:
            raise Unauthenticated("unknown user")
        row.language = chosen
        return chosen

    return db.write(work)


def _actor(user: UserRow) -> Actor:
    return Actor(
        role=Role(user.role),
        user_id=user.id,
        username=user.username,
        event_id=user.event_id,
        party_id=user.party_id,
    )


def log_in(db: Database, username: str, password: str, address: str | None = None) -> IssuedToken:
    """Check a password and issue a new API token. The error never says which part was wrong.

    Failed logins are limited per username and per client ``address`` (``login_limits``):
    beyond the limit the login is refused with ``LoginThrottled`` before the password is read.
    """
    with db.reading() as session:
        login_limits.check(session, username, address)
        user = session.scalar(select(UserRow).where(UserRow.username == username.strip()))
    wrong = Unauthenticated(_("wrong username or password"))

    def count_failure(session: Session) -> None:
        login_limits.record_failure(session, username, address)

    if user is None:
        # Hash anyway, so that the time taken does not tell which usernames exist.
        _hasher.hash(password)
        db.write(count_failure)
        raise wrong
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        db.write(count_failure)
        raise wrong from None
    token = secrets.token_urlsafe(32)

    def work(session: Session) -> None:
        session.add(TokenRow(user_id=user.id, token_hash=hash_token(token), created_at=now()))

    db.write(work)
    return IssuedToken(token, _actor(user))


# Who a token belongs to, kept per process for a short while: every API call authenticates, and
# a database round trip for each would cost more than the call's own work. A revoked token is
# refused at once by the process that revoked it and within TOKEN_CACHE_S by the others. Five
# seconds shuts a revoked login out of every worker before a delegation officer can switch
# windows to check.
TOKEN_CACHE_S = 5.0
# A process sees each client's token only every few seconds (the clients' connections land on
# any of the workers): at 150 requests/s over four workers, nearly every request found its
# token's entry expired, and paid a transaction of its own. So a lookup checks again, in the
# same statement, the other tokens in use here whose entries are expired or half-way there: one
# statement every few seconds per process, each entry still checked within TOKEN_CACHE_S.
TOKEN_IN_USE_S = 60.0  # a token not used for this long is no longer checked ahead
TOKEN_BATCH = 500
_TOKEN_CACHE_KEPT = 10_000


@dataclass(slots=True)
class _Known:
    expires: float
    actor: Actor
    used: float


_token_cache: dict[str, _Known] = {}
# When this process revoked a token (its hash): no lookup keeps it for a while after.
_forgotten: dict[str, float] = {}
_token_lock = threading.Lock()


def known_actor(token: str, channel: str = "api") -> Actor | None:
    """The owner of ``token`` if this process checked it lately, without a database round
    trip (callers on an event loop use this first); None if it must be looked up."""
    at = time.monotonic()
    with _token_lock:
        cached = _token_cache.get(hash_token(token))
        if cached is None or cached.expires <= at:
            return None
        cached.used = at
    actor = cached.actor
    return Actor(actor.role, actor.user_id, actor.username, actor.event_id, actor.party_id, channel)


def actor_for_token(db: Database, token: str, channel: str = "api") -> Actor:
    known = known_actor(token, channel)
    if known is not None:
        return known
    digest = hash_token(token)
    started = time.monotonic()
    with _token_lock:
        due = [
            other
            for other, entry in _token_cache.items()
            if entry.expires - started < TOKEN_CACHE_S / 2
            and started - entry.used < TOKEN_IN_USE_S
            and other != digest
        ]
    checked = _actors_from_database(db, [digest, *due[: TOKEN_BATCH - 1]])
    with _token_lock:
        if len(_token_cache) > _TOKEN_CACHE_KEPT:
            _token_cache.clear()
        if len(_forgotten) > _TOKEN_CACHE_KEPT:
            _forgotten.clear()
        for each, owner in checked.items():
            # Revoked here lately: the revocation may not have been committed when the
            # statement read it, and this process refuses it at once (``forget_tokens``).
            if owner is None or _forgotten.get(each, -1e9) >= started - TOKEN_CACHE_S:
                _token_cache.pop(each, None)
                continue
            previous = _token_cache.get(each)
            used = started if previous is None or each == digest else previous.used
            # Valid from when the statement began, not when it ended: never longer than before.
            _token_cache[each] = _Known(started + TOKEN_CACHE_S, owner, used)
    actor = checked[digest]
    if actor is None:
        raise Unauthenticated("unknown or revoked token")
    return Actor(actor.role, actor.user_id, actor.username, actor.event_id, actor.party_id, channel)


def _actors_from_database(db: Database, digests: list[str]) -> dict[str, Actor | None]:
    """The owner of each token (by its hash); None for one unknown or revoked."""
    found: dict[str, Actor | None] = dict.fromkeys(digests)
    statement = (
        select(
            TokenRow.token_hash,
            TokenRow.revoked_at,
            UserRow.role,
            UserRow.id,
            UserRow.username,
            UserRow.event_id,
            UserRow.party_id,
        )
        .join(UserRow, TokenRow.user_id == UserRow.id)
        .where(TokenRow.token_hash.in_(digests))
    )
    with db.reading() as session:
        rows = session.execute(statement).all()
    for digest, revoked_at, role, user_id, username, event_id, party_id in rows:
        if revoked_at is None:
            found[digest] = Actor(Role(role), user_id, username, event_id, party_id)
    return found


def _actor_from_database(db: Database, digest: str) -> Actor:
    actor = _actors_from_database(db, [digest])[digest]
    if actor is None:
        raise Unauthenticated("unknown or revoked token")
    return actor


def token_in_force(db: Database, token: str) -> bool:
    """Whether ``token`` is known and not revoked, read from the database rather than this
    process's cache: for a long-lived connection (a live stream) that checks it again while
    open, so that a revocation by any process ends it within ``TOKEN_CACHE_S``."""
    try:
        _actor_from_database(db, hash_token(token))
    except Unauthenticated:
        return False
    return True


def forget_tokens(digests: Iterable[str]) -> None:
    """Drop revoked tokens (by their hashes) from this process's cache: refused at once."""
    at = time.monotonic()
    with _token_lock:
        for digest in digests:
            _token_cache.pop(digest, None)
            _forgotten[digest] = at


def revoke_token(db: Database, token: str) -> None:
    forget_tokens([hash_token(token)])

    def work(session: Session) -> None:
        row = session.scalar(select(TokenRow).where(TokenRow.token_hash == hash_token(token)))
        if row is not None and row.revoked_at is None:
            row.revoked_at = now()

    db.write(work)
