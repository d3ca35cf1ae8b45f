"""Response headers that keep pages out of frames, referrers and caches.

Every response gets a ``Content-Security-Policy`` and ``X-Frame-Options: DENY`` (the pages that
accept meetings and revoke logins must never be framed), and ``Referrer-Policy: same-origin``
(a page's URL names events and requests; no other site is told it). Any response to a request
that carries credentials (a bearer token or the session cookie) shows that user's private data
and gets ``Cache-Control: no-store``; a route that already said ``no-store`` keeps its own value.

The pages load their scripts and style sheets from ``/static`` and use no inline script, inline
handler or ``style`` attribute, so the policy allows nothing but the server's own files. FastAPI's
interactive documentation (``/docs``, ``/redoc``) loads Swagger UI and ReDoc from a CDN with an
inline script; it gets a policy that allows exactly that, and still cannot be framed.

Written as plain ASGI rather than Starlette's ``BaseHTTPMiddleware``, which would buffer the
live stream's server-sent events.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sidelines.web.security import SESSION_COOKIE

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI and ReDoc as FastAPI serves them: files from jsDelivr, started by an inline script.
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDN}; "
    f"style-src 'self' 'unsafe-inline' {DOCS_CDN} https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
    f"worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
ALWAYS = {"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


# The same as raw ASGI headers (names in lower case, as ASGI servers give them), added to each
# answer by replacing any header of the same name.
PAGE_HEADERS = [
    (b"content-security-policy", PAGE_POLICY.encode()),
    *((name.lower().encode(), value.encode()) for name, value in ALWAYS.items()),
]
DOCS_HEADERS = [(b"content-security-policy", DOCS_POLICY.encode()), *PAGE_HEADERS[1:]]
OURS = frozenset(name for name, _ in PAGE_HEADERS)
NO_STORE = (b"cache-control", b"no-store")
_SESSION_PREFIX = f"{SESSION_COOKIE}=".encode()


def carries_credentials(raw: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether the request's raw headers name a user: a bearer token or the pages' session
    cookie (in its first ``Cookie`` header)."""
    cookie: bytes | None = None
    for name, value in raw:
        if name == b"authorization":
            return True
        if name == b"cookie" and cookie is None:
            cookie = value
    return cookie is not None and any(
        part.strip().startswith(_SESSION_PREFIX) for part in cookie.split(b";")
    )


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response. It works on the raw
    header lists: every answer passes here, and Starlette's header objects cost more than the
    rest of this middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        added = DOCS_HEADERS if path.startswith(DOCS_PATHS) else PAGE_HEADERS
        private = carries_credentials(scope["headers"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = message.get("headers", ())
                kept = [(name, value) for name, value in given if name not in OURS]
                if private:
                    cache = next((v for name, v in kept if name == b"cache-control"), b"")
                    if b"no-store" not in cache:
                        kept = [(name, v) for name, v in kept if name != b"cache-control"]
                        kept.append(NO_STORE)
                message["headers"] = [*kept, *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
