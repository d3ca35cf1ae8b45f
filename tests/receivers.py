"""Real receivers on 127.0.0.1 for the message tests and the benchmark: an SMTP server
(aiosmtpd) and an HTTP server for webhooks, each keeping what it was sent."""

from __future__ import annotations

import email
import email.policy
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# The receivers listen on the loopback, where webhooks are refused unless the deployment
# allows it: the tests and the benchmark allow it, as a service call and as the worker's and
# the server's setting.
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
LOOPBACK_ENV = {"SIDELINES_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mail:
    to: list[str]
    message: EmailMessage

    @property
    def key(self) -> str:
        # A key longer than the header's line allows is folded onto the next line; unfolded, it
        # keeps the fold's space at its start, which a receiver drops as any header's.
        return str(self.message["X-Sidelines-Idempotency-Key"]).strip()

    def body(self, subtype: str) -> str:
        part = self.message.get_body((subtype,))
        assert part is not None
        content: str = part.get_content()  # type: ignore[attr-defined]
        return content


@dataclass
class SmtpReceiver:
    port: int
    mails: list[Mail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # With ``login``: the only (user, password) accepted, and the users who logged in.
    login: tuple[str, str] | None = None
    logins: list[str] = field(default_factory=list)

    def authenticate(
        self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        with self.lock:
            self.logins.append(user)
        return AuthResult(success=(user, password) == self.login)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.mails.append(Mail(list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def keys(self) -> list[str]:
        with self.lock:
            return [mail.key for mail in self.mails]


@contextmanager
def smtp_receiver(
    security: str = "none",
    certificate: tuple[Path, Path] | None = None,
    login: tuple[str, str] | None = None,
) -> Iterator[SmtpReceiver]:
    """An SMTP server on 127.0.0.1: plain, or with ``certificate`` (its file and its key's)
    behind STARTTLS (``security="starttls"``, which it then requires) or TLS from the first byte
    (``"tls"``); with ``login``, it requires that user and password."""
    receiver = SmtpReceiver(free_port(), login=login)
    options: dict[str, Any] = {}
    if certificate is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*certificate)
        if security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)
    if login is not None:
        # aiosmtpd advertises AUTH after STARTTLS or, with ``auth_require_tls`` off, at once;
        # it cannot tell a session encrypted from the first byte. Mail without a login is
        # refused where it may say so without a warning (behind STARTTLS).
        starttls = security == "starttls"
        options.update(
            authenticator=receiver.authenticate, auth_require_tls=starttls, auth_required=starttls
        )
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port, **options)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Answers each post with the next of ``answers`` (then 200), after ``delay_s``; listens on
    ``host`` (another loopback address, 127.0.0.2, stands for an inward one) at ``port`` (0: a
    free one)."""

    port: int = 0
    host: str = "127.0.0.1"
    posts: list[Post] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hook"

    def keys(self) -> list[str]:
        with self.lock:
            return [post.headers["Idempotency-Key"] for post in self.posts]

    def answer(self, post: Post) -> int:
        if self.delay_s:
            time.sleep(self.delay_s)
        with self.lock:
            status = self.answers.pop(0) if self.answers else 200
            if 200 <= status < 300:
                self.posts.append(post)
            return status


@contextmanager
def webhook_receiver(**options: Any) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(**options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            post = Post(self.path, dict(self.headers.items()), self.rfile.read(length))
            status = receiver.answer(post)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer((receiver.host, receiver.port), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
