"""Dependencies of the routes: the database and the acting user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from sidelines.services.accounts import actor_for_token, known_actor
from sidelines.services.actors import PUBLIC, Actor
from sidelines.services.errors import Invalid, Unauthenticated
from sidelines.services.webhook_hosts import Network
from sidelines.storage.db import Database


# The dependencies that do no I/O are coroutines: FastAPI runs plain functions in a thread
# pool, and a hop there and back for each of them costs more than the work itself.
async def get_db(request: Request) -> Database:
    db = request.app.state.db
    assert isinstance(db, Database)
    return db


DbDep = Annotated[Database, Depends(get_db)]


async def get_queue_solves(request: Request) -> bool:
    """Whether batch solves wait for a worker process (``Settings.solve_in_worker``) rather
    than run in a thread of this one."""
    return bool(getattr(request.app.state, "queue_solves", False))


QueueSolvesDep = Annotated[bool, Depends(get_queue_solves)]


async def get_webhook_networks(request: Request) -> tuple[Network, ...]:
    """The networks off the public internet that webhooks may be made to
    (``Settings.webhook_allowed_networks``)."""
    networks: tuple[Network, ...] = getattr(request.app.state, "webhook_networks", ())
    return networks


WebhookNetworksDep = Annotated[tuple[Network, ...], Depends(get_webhook_networks)]


async def get_actor(db: DbDep, authorization: Annotated[str | None, Header()] = None) -> Actor:
    """The user behind ``Authorization: Bearer <token>``; the public without one."""
    if authorization is None:
        return PUBLIC
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("use 'Authorization: Bearer <token>'")
    token = token.strip()
    # A token checked lately is known without I/O; otherwise the lookup goes to a thread.
    known = known_actor(token)
    if known is not None:
        return known
    return await run_in_threadpool(actor_for_token, db, token)


async def get_user(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    if actor.user_id is None:
        raise Unauthenticated("log in first: POST /api/auth/token")
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
UserDep = Annotated[Actor, Depends(get_user)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route and its dependencies take, by the names clients send (a
    walk of a few objects: cheaper than a cache keyed by route would be to keep)."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def known_query(request: Request) -> None:
    """Refuse a query parameter the route does not take, as a body's unknown field is refused:
    a misspelt ``limt=10`` would otherwise be ignored, and the client never learn why it got
    fifty items."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    taken = _query_names(route.dependant)
    for name in request.query_params:
        if name not in taken:
            raise Invalid("not a parameter of this request", f"query.{name}")
