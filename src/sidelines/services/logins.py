"""Who can log in for an event: the organiser's view of the delegations' accounts, and the
organiser creating and revoking them.

A new login's password is generated here and handed back once; only its Argon2 hash is kept.
A revoked login keeps its row (the trail names it) but loses its tokens and its password: the
hash is replaced by a value no password verifies against.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidelines.services import accounts, audit
from sidelines.services.actors import Actor, Role
from sidelines.services.clock import now
from sidelines.services.errors import Forbidden, Invalid, not_found
from sidelines.services.events import event_row
from sidelines.storage.db import Database
from sidelines.storage.tables import PartyRow, TokenRow, UserRow

# Not an Argon2 hash: verifying any password against it fails, so the account cannot log in.
REVOKED_PASSWORD = "!revoked"
# 16 bytes of randomness, 22 characters: typed once from the screen, then changed by nobody.
PASSWORD_BYTES = 16
MAX_USERNAME = 100


@dataclass(frozen=True)
class LoginView:
    username: str
    party_id: str
    active_sessions: int
    revoked: bool = False


@dataclass(frozen=True)
class NewLogin:
    username: str
    party_id: str
    password: str  # shown once, never stored


def _organiser_only(actor: Actor, what: str) -> None:
    if not actor.is_organiser:
        raise Forbidden(f"only the organiser can {what}")


def event_logins(db: Database, actor: Actor, event_id: str) -> list[LoginView]:
    """The delegation members' accounts of the event, by party then name. Never a password or
    a token: only how many unrevoked tokens each account holds."""
    _organiser_only(actor, "see the event's logins")
    with db.reading() as session:
        event_row(session, event_id)
        users = session.scalars(
            select(UserRow)
            .where(UserRow.event_id == event_id, UserRow.role == str(Role.DELEGATE))
            .order_by(UserRow.party_id, UserRow.username)
        ).all()
        active: dict[int, int] = {}
        for user_id in session.scalars(
            select(TokenRow.user_id).where(
                TokenRow.user_id.in_([user.id for user in users]), TokenRow.revoked_at.is_(None)
            )
        ):
            active[user_id] = active.get(user_id, 0) + 1
        return [
            LoginView(
                user.username,
                user.party_id or "",
                active.get(user.id, 0),
                user.password_hash == REVOKED_PASSWORD,
            )
            for user in users
        ]


def create_login(
    db: Database, actor: Actor, event_id: str, party_id: str, username: str
) -> NewLogin:
    """A login for a member of ``party_id``'s delegation, with a generated password."""
    _organiser_only(actor, "create the delegations' logins")
    username = username.strip()
    if len(username) > MAX_USERNAME:
        raise Invalid(f"a username has at most {MAX_USERNAME} characters", "username")
    with db.reading() as session:
        event_row(session, event_id)
        if session.get(PartyRow, (event_id, party_id)) is None:
            raise not_found("party", party_id)
    password = secrets.token_urlsafe(PASSWORD_BYTES)

    def record(session: Session, user_id: int) -> None:
        audit.record(
            session,
            actor,
            event_id,
            "login.created",
            "user",
            user_id,
            [party_id],
            username=username,
        )

    accounts.create_user(
        db, username, password, Role.DELEGATE, event_id=event_id, party_id=party_id, also=record
    )
    return NewLogin(username, party_id, password)


def revoke_login(db: Database, actor: Actor, event_id: str, username: str) -> int:
    """Revoke a delegation member's login: every token (so every open session) and the
    password. How many tokens were revoked; revoking again changes nothing."""
    _organiser_only(actor, "revoke the delegations' logins")

    def work(session: Session) -> list[str]:
        event_row(session, event_id)
        user = session.scalar(
            select(UserRow).where(
                UserRow.username == username.strip(),
                UserRow.event_id == event_id,
                UserRow.role == str(Role.DELEGATE),
            )
        )
        if user is None:
            raise not_found("login", username)
        tokens = session.scalars(
            select(TokenRow).where(TokenRow.user_id == user.id, TokenRow.revoked_at.is_(None))
        ).all()
        at = now()
        for token in tokens:
            token.revoked_at = at
        if user.password_hash != REVOKED_PASSWORD or tokens:
            user.password_hash = REVOKED_PASSWORD
            audit.record(
                session,
                actor,
                event_id,
                "login.revoked",
                "user",
                user.id,
                [user.party_id] if user.party_id else [],
                username=user.username,
                tokens=len(tokens),
            )
        return [token.token_hash for token in tokens]

    revoked = db.write(work)
    accounts.forget_tokens(revoked)
    return len(revoked)
