"""Where a webhook may send: only to hosts on the public internet, unless the deployment allows
some of its own networks (``SIDELINES_WEBHOOK_ALLOWED_NETWORKS``).

A delegation chooses a webhook's URL, and the worker posts to it from inside the server's
network. A URL that points inwards (the server itself, a private network, the cloud's metadata
service at 169.254.169.254) would let a delegation make the server send requests it could not
send itself (server-side request forgery, OWASP A10:2021). So the host's addresses are checked
when the webhook is made and again at every delivery, since what a name resolves to can change.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

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
    for address in addresses(host):
        if inward(address) and not _within(address, allowed):
            return (
                f"{host} resolves to {address}, not a public internet address: webhooks are "
                "sent to public hosts only, or to the networks the deployment allows"
            )
    return None


def _within(address: Address, networks: Iterable[Network]) -> bool:
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return any(
        address in network or (mapped is not None and mapped in network) for network in networks
    )
