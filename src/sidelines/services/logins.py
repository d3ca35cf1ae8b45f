"""Who can log in for an event: the organiser's view of the delegations' accounts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from sidelines.services.actors import Actor, Role
from sidelines.services.errors import Forbidden
from sidelines.services.events import event_row
from sidelines.storage.db import Database
from sidelines.storage.tables import TokenRow, UserRow


@dataclass(frozen=True)
class LoginView:
    username: str
    party_id: str
    active_sessions: int


def event_logins(db: Database, actor: Actor, event_id: str) -> list[LoginView]:
    """The delegation members' accounts of the event, by party then name. Never a password or
    a token: only how many unrevoked tokens each account holds."""
    if not actor.is_organiser:
        raise Forbidden("only the organiser can see the event's logins")
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
            LoginView(user.username, user.party_id or "", active.get(user.id, 0)) for user in users
        ]
