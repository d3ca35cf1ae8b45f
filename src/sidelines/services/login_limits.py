"""How many failed logins are let through: a few per username and per client address a minute.

Guessing passwords is slowed down twice: per username (someone guessing one account's password)
and per client address (someone trying many accounts). The failures are counted in the database,
so that every worker process and every server behind a load balancer shares the same count. A
login is refused before its password is checked while the count is full, so a correct password
does not get through either, and the time an attacker spends is not spent hashing.

The count is not exact under concurrent attempts (two failures may both see room for one more);
a limit a little loose under a burst is fine here, and it needs no lock.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sidelines.i18n import _
from sidelines.services.clock import now
from sidelines.services.errors import TooManyAttempts
from sidelines.storage.tables import LoginFailureRow


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_username: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=1)


LIMITS = LoginLimits()


class LoginThrottled(TooManyAttempts):
    """Too many failed logins lately; ``retry_after_s`` says when the next try is let through."""

    def __init__(self, retry_after_s: int) -> None:
        message = _("too many failed logins; try again in %(seconds)d s")
        super().__init__(message % {"seconds": retry_after_s})
        self.retry_after_s = retry_after_s


def _key(kind: str, value: str) -> str:
    # Hashed, so the table keeps no client addresses and no typed-in usernames (which are
    # sometimes passwords typed into the wrong field).
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _keys(username: str, address: str | None, limits: LoginLimits) -> dict[str, int]:
    keys = {_key("username", username.strip().lower()): limits.per_username}
    if address:
        keys[_key("address", address)] = limits.per_address
    return keys


def check(
    session: Session, username: str, address: str | None, limits: LoginLimits = LIMITS
) -> None:
    """Raise LoginThrottled if the username or the address used up its failures."""
    at = now()
    wait_s = 0.0
    for key, limit in _keys(username, address, limits).items():
        recent = session.scalars(
            select(LoginFailureRow.at)
            .where(LoginFailureRow.key == key, LoginFailureRow.at > at - limits.window)
            .order_by(LoginFailureRow.at.desc())
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            # Free again when the oldest of the last ``limit`` failures leaves the window.
            wait_s = max(wait_s, _seconds_until(recent[-1] + limits.window, at))
    if wait_s > 0:
        raise LoginThrottled(max(1, math.ceil(wait_s)))


def _seconds_until(then: datetime, at: datetime) -> float:
    return (then - at).total_seconds()


def record_failure(
    session: Session, username: str, address: str | None, limits: LoginLimits = LIMITS
) -> None:
    """Count one failed login; failures older than the window are dropped on the way."""
    at = now()
    keys = _keys(username, address, limits)
    session.execute(
        delete(LoginFailureRow).where(
            LoginFailureRow.key.in_(list(keys)), LoginFailureRow.at <= at - limits.window
        )
    )
    for key in keys:
        session.add(LoginFailureRow(key=key, at=at))
