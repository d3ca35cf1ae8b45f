"""Idempotency keys: a POST retried with the same key gets the first answer, not a duplicate.

The key is reserved in its own transaction before the work runs and filled in after, so a
retry that races the first attempt is told to wait (409) rather than doing the work twice; a key
reused for a different request is refused (422), as the IETF draft on the Idempotency-Key header
recommends.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Invalid, ServiceError
from sidelines.storage.db import Database
from sidelines.storage.tables import IdempotencyRow

IN_PROGRESS = 0


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def fingerprint(method: str, path: str, body: Any) -> str:
    text = json.dumps([method, path, body], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_once(
    db: Database,
    actor: Actor,
    key: str | None,
    request_fingerprint: str,
    status_code: int,
    produce: Callable[[], dict[str, Any]],
) -> Outcome:
    if key is None or actor.user_id is None:
        return Outcome(status_code, produce(), False)
    user_id = actor.user_id

    def reserve(session: Session) -> IdempotencyRow | None:
        existing = session.get(IdempotencyRow, (user_id, key))
        if existing is not None:
            return existing
        session.add(
            IdempotencyRow(
                user_id=user_id,
                key=key,
                fingerprint=request_fingerprint,
                status_code=IN_PROGRESS,
                response={},
                created_at=now(),
            )
        )
        return None

    try:
        existing = db.write(reserve)
    except IntegrityError:
        # Another attempt reserved the key between our read and our insert.
        existing = db.write(lambda session: session.get(IdempotencyRow, (user_id, key)))
    if existing is not None:
        if existing.fingerprint != request_fingerprint:
            raise Invalid(
                "this Idempotency-Key was used for a different request", "header.Idempotency-Key"
            )
        if existing.status_code == IN_PROGRESS:
            raise Conflict("a request with this Idempotency-Key is still being processed")
        return Outcome(existing.status_code, existing.response, True)

    def release(session: Session) -> None:
        session.execute(
            delete(IdempotencyRow).where(
                IdempotencyRow.user_id == user_id, IdempotencyRow.key == key
            )
        )

    try:
        body = produce()
    except ServiceError:
        db.write(release)  # nothing was done: the same request may be tried again
        raise

    def store(session: Session) -> None:
        row = session.get(IdempotencyRow, (user_id, key))
        assert row is not None
        row.status_code = status_code
        row.response = body

    db.write(store)
    return Outcome(status_code, body, False)
