from __future__ import annotations

from fastapi import APIRouter

from sidelines.services import accounts
from sidelines.web.deps import DbDep
from sidelines.web.schemas import TokenCreate, TokenPublic

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/token", status_code=201)
def create_token(body: TokenCreate, db: DbDep) -> TokenPublic:
    """Log in with a username and password; the token goes in ``Authorization: Bearer``."""
    issued = accounts.log_in(db, body.username, body.password)
    return TokenPublic(
        token=issued.token,
        role=str(issued.actor.role),
        event_id=issued.actor.event_id,
        party_id=issued.actor.party_id,
    )
