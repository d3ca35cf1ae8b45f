"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load benchmarks.

The load runs must measure the server, not the load generator: on two cores, httpx's clients
spent about 3.6 ms of CPU per request (12 of 53 CPU-seconds of a 30-s run at 110 requests/s),
which at 300 requests/s would take most of a core from the server. This client does only what
the benchmarks need of our own server: JSON bodies with ``Content-Length`` (chunked answers
read too), keep-alive connections reused in any order, no redirects, no TLS, no cookies, no
proxies. Each request takes an idle connection or opens one, so there is no pool to wait for
and none to search; a request cancelled mid-way (a client's timeout) closes its connection,
as a client that gives up does.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

# Enough for any header block our server sends.
HEADERS_LIMIT = 64 * 1024


class HTTPError(Exception):
    """A broken connection or an answer that is not HTTP/1.1."""


class StatusError(HTTPError):
    """``raise_for_status`` on a 4xx or 5xx answer."""


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]  # names in lower case; a repeated header keeps its last value
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise StatusError(f"{self.status_code}: {self.content[:200]!r}")


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class Client:
    """Requests to one ``http://host:port`` over as many keep-alive connections as are in use
    at once (an idle one reused first)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError("an http://host:port address is needed")
        self.host = parts.hostname
        self.port = parts.port or 80
        self._host_header = f"{self.host}:{self.port}"
        self._idle: list[_Connection] = []
        self.connections_opened = 0

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Response:
        return await self.request("POST", path, **kwargs)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,  # httpx's name, so that callers work with either client
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Response:
        message = self._message(method, path, json, headers, params)
        while self._idle:
            connection = self._idle.pop()
            try:
                return await self._exchange(connection, message)
            except _ClosedBeforeAnswer:
                # The server closed the idle connection (its keep-alive ran out) before this
                # request reached it: nothing was done, so it is sent again on another.
                continue
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as error:
            raise HTTPError(f"cannot connect: {error}") from error
        self.connections_opened += 1
        try:
            return await self._exchange(_Connection(reader, writer), message)
        except _ClosedBeforeAnswer as error:
            raise HTTPError("the server closed the connection without answering") from error

    def _message(
        self,
        method: str,
        path: str,
        body: Any,
        headers: dict[str, str] | None,
        params: dict[str, Any] | None,
    ) -> bytes:
        target = f"{path}?{urlencode(params)}" if params else path
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self._host_header}"]
        content = b""
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
            lines.append("Content-Type: application/json")
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(content)}")
        lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content

    async def _exchange(self, connection: _Connection, message: bytes) -> Response:
        """Send ``message`` and read its answer; the connection goes back to the idle ones
        when both sides keep it, and is closed otherwise (a cancellation included)."""
        keep = False
        try:
            connection.writer.write(message)
            response, keep = await _read_response(connection.reader)
            return response
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            raise HTTPError(f"{type(error).__name__}: {error}") from error
        finally:
            if keep:
                self._idle.append(connection)
            else:
                connection.close()


class _ClosedBeforeAnswer(HTTPError):
    """The connection ended before a byte of the answer arrived."""


async def _read_response(reader: asyncio.StreamReader) -> tuple[Response, bool]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            raise _ClosedBeforeAnswer from error
        raise
    if len(head) > HEADERS_LIMIT:
        raise HTTPError("the answer's headers are too long")
    status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
    version, status, *_ = status_line.split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise HTTPError(f"not an HTTP/1.x answer: {status_line!r}")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        content = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        content = await _read_chunked(reader)
    elif status.startswith("1") or status in ("204", "304"):
        content = b""
    else:  # the body runs to the end of the connection (RFC 9112, 6.3)
        content = await reader.read()
        return Response(int(status), headers, content), False
    keep = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    return Response(int(status), headers, content), keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
        if size == 0:
            # Trailers, if any, end with an empty line.
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
