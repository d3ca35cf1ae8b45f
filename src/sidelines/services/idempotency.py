"""Idempotency keys: a POST retried with the same key gets the first answer, not a duplicate.

``Once`` keeps a key inside the work's own transaction: the key is claimed by the transaction's
first statement and its answer stored by its last. A retry that races the first attempt waits on
the key's row until that attempt ends, then finds its answer (or, had it failed, nothing, and
does the work itself); a failed or crashed attempt leaves no key behind, as its transaction rolls
back with everything else. A key reused for a different request is refused (422), as the IETF
draft on the Idempotency-Key header recommends.

A write that plans on a read before its transaction (an edit of the schedule, an on-site
change) looks for a stored answer first (``Once.replay_if_answered``): the plan a retry would
make no longer holds once the first attempt is written (the meeting it placed waits no more).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, NoReturn, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sidelines.services.actors import Actor
from sidelines.services.clock import now
from sidelines.services.errors import Conflict, Invalid, ServiceError
from sidelines.storage.inserts import table_of
from sidelines.storage.tables import IdempotencyRow

IN_PROGRESS = 0

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def fingerprint(method: str, path: str, body: Any) -> str:
    text = json.dumps([method, path, body], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Replayed(Exception):
    """The key was used before: its stored answer (or the refusal of a key used for another
    request), raised out of the work's transaction past whatever the service adds to its own
    errors (the route's ``fields_in`` would name the header a field of the body)."""

    def __init__(self, outcome: Outcome | ServiceError) -> None:
        super().__init__("replayed")
        self.outcome = outcome


def _replay(existing: IdempotencyRow, request_fingerprint: str) -> Outcome:
    if existing.fingerprint != request_fingerprint:
        raise Invalid(
            "this Idempotency-Key was used for a different request", "header.Idempotency-Key"
        )
    if existing.status_code == IN_PROGRESS:
        raise Conflict("a request with this Idempotency-Key is still being processed")
    return Outcome(existing.status_code, existing.response, True)


class Once(Generic[T]):
    """One user's key for one write, kept in that write's transaction (see the module's
    docstring). ``body_of`` turns what the work returns into the answer stored and sent."""

    def __init__(
        self,
        user_id: int,
        key: str,
        request_fingerprint: str,
        status_code: int,
        body_of: Callable[[T], dict[str, Any]],
    ) -> None:
        self.user_id = user_id
        self.key = key
        self.fingerprint = request_fingerprint
        self.status_code = status_code
        self.body_of = body_of
        self.body: dict[str, Any] = {}

    def guard(self, work: Callable[[Session], T]) -> Callable[[Session], T]:
        """``work``, with the key claimed before it and its answer stored after it."""

        def guarded(session: Session) -> T:
            self._claim(session)
            result = work(session)
            self.body = self.body_of(result)
            session.execute(
                _ANSWER,
                {
                    "claimed_user": self.user_id,
                    "claimed_key": self.key,
                    "status_code": self.status_code,
                    "response": self.body,
                },
            )
            return result

        return guarded

    def replay_if_answered(self, session: Session) -> None:
        """Raise ``Replayed`` if the key holds an answer already (or was used for another
        request); nothing if it is free."""
        existing = session.get(IdempotencyRow, (self.user_id, self.key))
        if existing is not None:
            _raise_replayed(existing, self.fingerprint)

    def _claim(self, session: Session) -> None:
        claim = _CLAIMS[session.get_bind().dialect.name == "postgresql"]
        values = {
            "user_id": self.user_id,
            "key": self.key,
            "fingerprint": self.fingerprint,
            "status_code": IN_PROGRESS,
            "response": {},
            "created_at": now(),
        }
        # ON CONFLICT DO NOTHING waits for a transaction that holds the same key to end, and
        # then inserts nothing if it committed: no error, so this transaction can go on to read
        # the answer stored (READ COMMITTED: the next statement sees that commit).
        claimed = session.execute(claim, values).first()
        if claimed is not None:
            return
        existing = session.scalars(
            select(IdempotencyRow).where(
                IdempotencyRow.user_id == self.user_id, IdempotencyRow.key == self.key
            )
        ).one()
        _raise_replayed(existing, self.fingerprint)


# The claim and the answer of every idempotent write, built once with their values as
# parameters: building a statement and its cache key anew costs about what running it does.
_KEYS = table_of(IdempotencyRow)
_CLAIMS = {
    is_postgresql: dialect.insert(_KEYS).on_conflict_do_nothing().returning(_KEYS.c.user_id)
    for is_postgresql, dialect in ((True, postgresql), (False, sqlite))
}
_ANSWER = update(_KEYS).where(
    _KEYS.c.user_id == bindparam("claimed_user"), _KEYS.c.key == bindparam("claimed_key")
)


def _raise_replayed(existing: IdempotencyRow, request_fingerprint: str) -> NoReturn:
    try:
        outcome = _replay(existing, request_fingerprint)
    except ServiceError as refused:
        raise Replayed(refused) from None
    raise Replayed(outcome)


def once(
    actor: Actor,
    key: str | None,
    request_fingerprint: str,
    status_code: int,
    body_of: Callable[[T], dict[str, Any]],
) -> Once[T] | None:
    """The key to keep with a write, or None when there is none to keep (no key, or no user)."""
    if key is None or actor.user_id is None:
        return None
    return Once(actor.user_id, key, request_fingerprint, status_code, body_of)


def run_within(
    kept: Once[T] | None,
    status_code: int,
    body_of: Callable[[T], dict[str, Any]],
    produce: Callable[[Once[T] | None], T],
) -> Outcome:
    """Run ``produce`` (a service call that runs its work through ``kept.guard``) once for
    the key: the stored answer if the key was used before."""
    if kept is None:
        return Outcome(status_code, body_of(produce(None)), False)
    try:
        produce(kept)
    except Replayed as replayed:
        if isinstance(replayed.outcome, ServiceError):
            raise replayed.outcome from None
        return replayed.outcome
    return Outcome(kept.status_code, kept.body, False)
