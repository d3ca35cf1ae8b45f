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

from starlette.datastructures import Headers, MutableHeaders
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


def carries_credentials(headers: Headers) -> bool:
    """Whether the request names a user: a bearer token or the pages' session cookie."""
    if "authorization" in headers:
        return True
    return any(
        part.strip().startswith(f"{SESSION_COOKIE}=")
        for part in headers.get("cookie", "").split(";")
    )


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        policy = DOCS_POLICY if path.startswith(DOCS_PATHS) else PAGE_POLICY
        private = carries_credentials(Headers(scope=scope))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = policy
                for name, value in ALWAYS.items():
                    headers[name] = value
                if private and "no-store" not in headers.get("cache-control", ""):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
