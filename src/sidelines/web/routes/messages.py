"""A user's message preferences; a delegation's (or the organiser's) webhooks and their
delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import Field, StrictInt

from sidelines.services import messages
from sidelines.services.messages import Preferences
from sidelines.services.outbox import KINDS
from sidelines.web.bounds import PathId
from sidelines.web.deps import DbDep, UserDep, WebhookNetworksDep
from sidelines.web.errors import fields_in
from sidelines.web.schemas import Public, Strict

router = APIRouter(tags=["messages"])

Kind = Literal["new_request", "answer", "placed", "moved", "cancelled", "reminder"]
HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class PreferencesUpdate(Strict):
    """``digest_min`` 0 sends each message at once; quiet hours are in the venue's time."""

    email: Annotated[str, Field(max_length=254)] | None = None
    kinds: Annotated[list[Kind], Field(max_length=6)] | None = None  # None: every kind
    digest_min: StrictInt = 0
    quiet_from: HHMM | None = None
    quiet_until: HHMM | None = None
    reminder_min: Annotated[StrictInt, Field(ge=0, le=1440)] = 15


class PreferencesPublic(Public):
    email: str | None
    kinds: list[str]
    digest_min: int
    quiet_from: str | None
    quiet_until: str | None
    reminder_min: int


class WebhookCreate(Strict):
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    kinds: Annotated[list[Kind], Field(max_length=6)] | None = None  # None: every kind


class WebhookPublic(Public):
    """``secret`` is given once, when the webhook is made: the receiver checks
    ``X-Sidelines-Signature: sha256=<HMAC-SHA256 of the body with it>``."""

    id: int
    party_id: str | None
    url: str
    kinds: list[str]
    active: bool
    created_at: datetime
    secret: str | None = None


class DeliveryPublic(Public):
    key: str
    kind: str
    status: str
    attempt: int
    at: datetime
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int


@router.get("/api/me/messages")
def get_preferences(db: DbDep, actor: UserDep) -> PreferencesPublic:
    """What the logged-in user hears of by e-mail, when, and how long before a meeting."""
    return PreferencesPublic.model_validate(messages.get_preferences(db, actor))


@router.put("/api/me/messages")
def set_preferences(body: PreferencesUpdate, db: DbDep, actor: UserDep) -> PreferencesPublic:
    wanted = Preferences(
        body.email,
        KINDS if body.kinds is None else tuple(body.kinds),
        body.digest_min,
        body.quiet_from,
        body.quiet_until,
        body.reminder_min,
    )
    with fields_in("body"):
        return PreferencesPublic.model_validate(messages.set_preferences(db, actor, wanted))


@router.get("/api/events/{event_id}/webhooks")
def list_webhooks(event_id: str, db: DbDep, actor: UserDep) -> list[WebhookPublic]:
    """The webhooks of the user's delegation (the organiser's own, for the organiser)."""
    return [WebhookPublic.model_validate(w) for w in messages.list_webhooks(db, actor, event_id)]


@router.post("/api/events/{event_id}/webhooks", status_code=201)
def add_webhook(
    event_id: str, body: WebhookCreate, db: DbDep, actor: UserDep, allowed: WebhookNetworksDep
) -> WebhookPublic:
    """A webhook to a public host (or to a network the deployment allows); its secret is
    given this once."""
    kinds = KINDS if body.kinds is None else tuple(body.kinds)
    with fields_in("body"):
        return WebhookPublic.model_validate(
            messages.add_webhook(db, actor, event_id, body.url, kinds, allowed=allowed)
        )


@router.delete("/api/events/{event_id}/webhooks/{webhook_id}", status_code=204)
def remove_webhook(event_id: str, webhook_id: PathId, db: DbDep, actor: UserDep) -> Response:
    messages.remove_webhook(db, actor, event_id, webhook_id)
    return Response(status_code=204)


@router.get("/api/events/{event_id}/webhooks/{webhook_id}/deliveries")
def webhook_deliveries(
    event_id: str, webhook_id: PathId, db: DbDep, actor: UserDep
) -> list[DeliveryPublic]:
    """Every attempt to post to the webhook, newest first (its last 200)."""
    return [
        DeliveryPublic.model_validate(d)
        for d in messages.webhook_deliveries(db, actor, event_id, webhook_id)
    ]
