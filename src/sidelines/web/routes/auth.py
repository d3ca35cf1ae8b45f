from __future__ import annotations

from fastapi import APIRouter, Request

from sidelines.services import accounts
from sidelines.web.deps import DbDep
from sidelines.web.schemas import TokenCreate, TokenPublic
from sidelines.web.security import client_address

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/token", status_code=201)
def create_token(body: TokenCreate, request: Request, db: DbDep) -> TokenPublic:
    """Log in with a username and password; the token goes in ``Authorization: Bearer``.

    After 5 failures a minute for one username (or 20 from one address) the answer is 429 with
    ``Retry-After``, even for the right password, until the minute has passed."""
    issued = accounts.log_in(db, body.username, body.password, client_address(request))
    return TokenPublic(
        token=issued.token,
        role=str(issued.actor.role),
        event_id=issued.actor.event_id,
        party_id=issued.actor.party_id,
    )
