"""The messages page: what the user hears of by e-mail and when, and the webhooks of its
delegation (or the organiser's) with their delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from sidelines.services import messages
from sidelines.services.actors import Actor
from sidelines.services.messages import DIGEST_PERIODS, Preferences
from sidelines.services.outbox import KINDS
from sidelines.storage.db import Database
from sidelines.web.deps import DbDep, WebhookNetworksDep
from sidelines.web.pages.context import event_of
from sidelines.web.pages.session import CsrfChecked, PageUser
from sidelines.web.pages.templating import render

router = APIRouter(prefix="/events/{event_id}", tags=["pages"], include_in_schema=False)


class PreferencesForm(BaseModel):
    email: str = Field(default="", max_length=254)
    kinds: list[str] = Field(default_factory=list, max_length=len(KINDS))
    digest_min: int = 0
    quiet_from: str = Field(default="", max_length=5)
    quiet_until: str = Field(default="", max_length=5)
    reminder_min: int = 15


class WebhookForm(BaseModel):
    url: str = Field(max_length=2000)


def _page(
    request: Request,
    db: Database,
    actor: Actor,
    event_id: str,
    log_of: int | None = None,
    secret: str | None = None,
) -> Response:
    hooks = messages.list_webhooks(db, actor, event_id)
    shown = log_of if log_of is not None else next((h.id for h in hooks if h.active), None)
    context = {
        "event": event_of(db, event_id),
        "prefs": messages.get_preferences(db, actor),
        "kinds": KINDS,
        "periods": DIGEST_PERIODS,
        "hooks": hooks,
        "log_of": shown,
        "log": messages.webhook_deliveries(db, actor, event_id, shown) if shown else [],
        "secret": secret,
    }
    return render(request, "messages.html", context)


@router.get("/messages", response_class=HTMLResponse)
def messages_page(
    request: Request, event_id: str, db: DbDep, actor: PageUser, hook: int | None = None
) -> Response:
    return _page(request, db, actor, event_id, hook)


@router.post("/messages/preferences", dependencies=[CsrfChecked])
def save_preferences(
    event_id: str, db: DbDep, actor: PageUser, form: Annotated[PreferencesForm, Form()]
) -> Response:
    messages.set_preferences(
        db,
        actor,
        Preferences(
            form.email.strip() or None,
            tuple(form.kinds),
            form.digest_min,
            form.quiet_from or None,
            form.quiet_until or None,
            form.reminder_min,
        ),
    )
    return RedirectResponse(f"/events/{event_id}/messages", 303)


@router.post("/messages/webhooks", dependencies=[CsrfChecked], response_class=HTMLResponse)
def add_webhook(
    request: Request,
    event_id: str,
    db: DbDep,
    actor: PageUser,
    form: Annotated[WebhookForm, Form()],
    allowed: WebhookNetworksDep,
) -> Response:
    # The page is answered here, not redirected: the secret is shown this once.
    made = messages.add_webhook(db, actor, event_id, form.url.strip(), allowed=allowed)
    return _page(request, db, actor, event_id, made.id, made.secret)


@router.post("/messages/webhooks/{webhook_id}/remove", dependencies=[CsrfChecked])
def remove_webhook(event_id: str, webhook_id: int, db: DbDep, actor: PageUser) -> Response:
    messages.remove_webhook(db, actor, event_id, webhook_id)
    return RedirectResponse(f"/events/{event_id}/messages", 303)
