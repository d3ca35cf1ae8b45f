"""Where a webhook may send: only to hosts on the public internet, unless the deployment allows
some of its own networks (``SIDELINES_WEBHOOK_ALLOWED_NETWORKS``).

A delegation chooses a webhook's URL, and the worker posts to it from inside the server's
network. A URL that points inwards (the server itself, a private network, the cloud's metadata
service at 169.254.169.254) would let a delegation make the server send requests it could not
send itself (server-side request forgery, OWASP A10:2021). So the host's addresses are checked
when the webhook is made and again whenever a delivery opens a connection, since what a name
resolves to can change. The connection goes to the addresses that were checked, not to what a
second look-up answers: a name whose answer changes between the check and the connection (DNS
rebinding) cannot lead a post inwards. The URL, its Host header and the TLS server name (and so
the certificate's check) stay the name's.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def inward(address: Address) -> bool:
    """Whether ``address`` is not on the public internet: loopback, private, link-local,
    multicast, reserved or unspecified (an IPv4 address written as IPv6 is judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # ``is_global`` leaves out what IANA's special-purpose registries list (shared address
    # space 100.64.0.0/10 among them), but counts multicast as global: both are asked.
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def addresses(host: str) -> list[Address]:
    """The addresses ``host`` (a name or an address) resolves to now; none if it does not."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    # The scope of a link-local IPv6 address ("fe80::1%eth0") is not part of the address.
    return [ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in found]


def refused(url: str, allowed: Sequence[Network] = ()) -> str | None:
    """Why a webhook may not post to ``url`` now, or None if it may: one of the addresses its
    host resolves to is inward and in none of the ``allowed`` networks. A host that does not
    resolve is not refused here: nothing can be sent to it, and it is checked again when it is."""
    host = urlsplit(url).hostname
    if host is None:
        return "the URL has no host"
    return _refusal(host, addresses(host), allowed)


def _refusal(host: str, found: Iterable[Address], allowed: Sequence[Network]) -> str | None:
    for address in found:
        if inward(address) and not _within(address, allowed):
            return (
                f"{host} resolves to {address}, not a public internet address: webhooks are "
                "sent to public hosts only, or to the networks the deployment allows"
            )
    return None


class CheckedBackend(httpcore.NetworkBackend):
    """Opens a webhook's connection: its host resolved once, every address checked as
    ``refused`` does, then the connection made to those addresses, in order, by number. A
    refusal is a failed connection (``httpx.ConnectError``) whose message says why."""

    def __init__(self, allowed: Sequence[Network] = ()) -> None:
        self.allowed = tuple(allowed)
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        found = list(dict.fromkeys(addresses(host)))
        reason = _refusal(host, found, self.allowed)
        if reason is not None:
            raise httpcore.ConnectError(reason)
        if not found:
            raise httpcore.ConnectError(f"{host} does not resolve")
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in found:
            try:
                return self.inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks are sent over TCP only")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _CheckedTransport(httpx.HTTPTransport):
    """httpx's transport over a pool whose connections ``CheckedBackend`` opens; httpx takes no
    network backend of its own, so its pool is replaced (with httpx's default limits)."""

    def __init__(self, allowed: Sequence[Network]) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=CheckedBackend(allowed),
        )


def webhook_client(timeout_s: float, allowed: Sequence[Network] = ()) -> httpx.Client:
    """The HTTP client that posts webhooks: each connection to a host whose addresses pass the
    check, made to those addresses; no redirect followed (it could lead to an address the check
    refuses) and no proxy from the environment (it would resolve the name again itself)."""
    return httpx.Client(
        transport=_CheckedTransport(allowed),
        timeout=timeout_s,
        follow_redirects=False,
        trust_env=False,
    )


def _within(address: Address, networks: Iterable[Network]) -> bool:
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return any(
        address in network or (mapped is not None and mapped in network) for network in networks
    )
