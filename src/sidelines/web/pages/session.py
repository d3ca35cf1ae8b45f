"""Who is looking at a page: a session cookie holding an API token, and CSRF tokens for forms.

The session cookie carries a token from ``accounts.log_in`` (only its hash is stored), so a page
session is revoked like any API token. It is HttpOnly (no script reads it), SameSite=Lax (no other
site's form sends it) and Secure in production. Every form carries a CSRF token: an HMAC of the
session token under the server's secret, or, before logging in, of a random nonce kept in a cookie
of its own ("synchronizer token" without server state, OWASP CSRF Prevention Cheat Sheet).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response

from sidelines.i18n import _
from sidelines.services.accounts import actor_for_token
from sidelines.services.actors import PUBLIC, Actor
from sidelines.services.errors import Forbidden, Unauthenticated
from sidelines.storage.db import Database
from sidelines.web.security import SESSION_COOKIE

NONCE_COOKIE = "sidelines_form"
CSRF_FIELD = "csrf_token"
PUBLIC_FORMS = frozenset({"/login", "/language"})  # the forms sent without logging in
SESSION_MAX_AGE_S = 12 * 3600  # a summit day; a protocol officer logs in again the next morning


@dataclass(frozen=True)
class PageSettings:
    secret: bytes
    secure_cookies: bool


class LoginRequired(Exception):
    """A page that needs a logged-in user was asked for without one; ``unsent`` when it was a
    form's post, which nothing was written for."""

    def __init__(self, next_path: str, unsent: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.unsent = unsent

    @classmethod
    def of(cls, request: Request) -> LoginRequired:
        """Where to come back to after logging in: the page asked for; for a form posted after
        its session ended (logged out in another tab, revoked, the cookie's day over), the page
        the form was on, since the address it posts to has no page to show."""
        if request.method in {"GET", "HEAD"}:
            query = f"?{request.url.query}" if request.url.query else ""
            return cls(f"{request.url.path}{query}")
        referer = urlsplit(request.headers.get("referer", ""))
        ours = referer.netloc == request.url.netloc and referer.path.startswith("/")
        query = f"?{referer.query}" if referer.query else ""
        return cls(f"{referer.path}{query}" if ours else "/", unsent=True)


def page_settings(request: Request) -> PageSettings:
    found = request.app.state.page_settings
    assert isinstance(found, PageSettings)
    return found


def _database(request: Request) -> Database:
    db = request.app.state.db
    assert isinstance(db, Database)
    return db


def page_actor(request: Request) -> Actor:
    """The logged-in user, or the public; an unknown or revoked session is the public."""
    cached = getattr(request.state, "actor", None)
    if isinstance(cached, Actor):
        return cached
    actor = PUBLIC
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            actor = actor_for_token(_database(request), token, channel="web")
        except Unauthenticated:
            actor = PUBLIC
    request.state.actor = actor
    return actor


def page_user(request: Request) -> Actor:
    actor = page_actor(request)
    if actor.user_id is None:
        raise LoginRequired.of(request)
    return actor


PageActor = Annotated[Actor, Depends(page_actor)]
PageUser = Annotated[Actor, Depends(page_user)]


def _sign(request: Request, basis: str) -> str:
    key = page_settings(request).secret
    return hmac.new(key, f"csrf:{basis}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token this visitor's forms carry; a new nonce is set by ``remember_nonce``."""
    basis = request.cookies.get(SESSION_COOKIE) or request.cookies.get(NONCE_COOKIE)
    if not basis:
        basis = getattr(request.state, "new_nonce", None) or secrets.token_urlsafe(24)
        request.state.new_nonce = basis
    return _sign(request, basis)


def remember_nonce(request: Request, response: Response) -> None:
    nonce = getattr(request.state, "new_nonce", None)
    if nonce:
        _set_cookie(request, response, NONCE_COOKIE, nonce)


async def check_csrf(request: Request) -> None:
    """Refuse a form POST whose CSRF token is missing or not this visitor's."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    basis = request.cookies.get(SESSION_COOKIE) or request.cookies.get(NONCE_COOKIE)
    if (
        not isinstance(sent, str)
        or not basis
        or not hmac.compare_digest(sent, _sign(request, basis))
    ):
        if request.url.path not in PUBLIC_FORMS and page_actor(request).user_id is None:
            # The form of a session that has ended since (its cookie gone with the day): what
            # it needs is a login, not a refusal.
            raise LoginRequired.of(request)
        raise Forbidden(_("the form has expired; load the page again and resend it"), CSRF_FIELD)


CsrfChecked = Depends(check_csrf)


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=page_settings(request).secure_cookies,
        path="/",
    )


def start_session(request: Request, response: Response, token: str) -> None:
    _set_cookie(request, response, SESSION_COOKIE, token)
    response.delete_cookie(NONCE_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
