"""A write that takes an ``Idempotency-Key``, answered once (``services.idempotency.Once``):
the route names the request and how its answer is written; the service keeps the key in the
write's transaction; a retry gets the stored answer with ``Idempotent-Replayed: true``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.responses import JSONResponse

from sidelines.services.actors import Actor
from sidelines.services.idempotency import Once, fingerprint, once, run_within
from sidelines.web.errors import fields_in

T = TypeVar("T")


def answer_once(
    actor: Actor,
    key: str | None,
    path: str,
    body: Any,
    status_code: int,
    body_of: Callable[[T], dict[str, Any]],
    write: Callable[[Once[T] | None], T],
) -> JSONResponse:
    """Run ``write`` (a service call given the key to keep, or None) once per key for the POST
    of ``body`` (plain data) to ``path``; its bad fields named from the body."""

    def produce(kept: Once[T] | None) -> T:
        with fields_in("body"):
            return write(kept)

    kept = once(actor, key, fingerprint("POST", path, body), status_code, body_of)
    outcome = run_within(kept, status_code, body_of, produce)
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return JSONResponse(outcome.body, outcome.status_code, headers=headers)
