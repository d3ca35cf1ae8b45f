"""Webhooks go to public hosts only: refused when made and again at each delivery when their
host resolves off the public internet, unless the deployment allows that network."""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sidelines.services import messages, negotiation
from sidelines.services.errors import Invalid
from sidelines.services.negotiation import Terms
from sidelines.services.webhook_hosts import inward, refused
from sidelines.storage.db import Database
from tests.receivers import LOOPBACK, webhook_receiver
from tests.services.messaging import messaging
from tests.services.world import make_world

INWARD_URLS = (
    "http://127.0.0.1:22/",
    "http://localhost:8000/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.7/hook",
    "http://172.16.5.4/hook",
    "https://192.168.1.1/hook",
    "http://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
    "http://0.0.0.0:8000/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[::1]:8000/hook",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::]/",
)


@pytest.mark.parametrize("url", INWARD_URLS)
def test_a_url_off_the_public_internet_is_refused(url: str) -> None:
    assert refused(url) is not None


@pytest.mark.parametrize(
    "url", ["https://93.184.215.14/hook", "http://[2606:4700::1111]/hook", "https://rus.example/h"]
)
def test_a_public_url_or_one_that_does_not_resolve_is_not_refused(url: str) -> None:
    assert refused(url) is None


def test_an_allowed_network_is_not_refused_and_only_it() -> None:
    allowed = (ipaddress.ip_network("10.20.0.0/16"),)
    assert refused("http://10.20.3.4/hook", allowed) is None
    assert refused("http://10.21.3.4/hook", allowed) is not None
    assert refused("http://127.0.0.1/hook", allowed) is not None
    assert refused("http://[::ffff:10.20.3.4]/hook", allowed) is None


def test_the_refusal_names_the_host_and_its_address() -> None:
    assert refused("http://localhost:22/") == (
        "localhost resolves to 127.0.0.1, not a public internet address: webhooks are sent to "
        "public hosts only, or to the networks the deployment allows"
    )


@given(st.ip_addresses())
def test_an_address_off_the_global_internet_is_always_inward(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    if not address.is_global or address.is_multicast:
        assert inward(address)


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_written_as_ipv6_is_judged_as_itself(
    address: ipaddress.IPv4Address,
) -> None:
    assert inward(ipaddress.IPv6Address(f"::ffff:{address}")) == inward(address)


@given(st.ip_addresses(v=4), st.integers(min_value=8, max_value=32))
def test_an_address_in_an_allowed_network_is_never_refused(
    address: ipaddress.IPv4Address, prefix: int
) -> None:
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    assert refused(f"http://{address}/hook", (network,)) is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:22/", "http://169.254.169.254/"])
def test_a_webhook_to_an_inward_url_is_refused_naming_the_url_and_nothing_is_written(
    database: Database, url: str
) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    bbb = world.delegates["BBB"]

    with pytest.raises(Invalid) as refusal:
        messages.add_webhook(database, bbb, "ev", url)

    assert refusal.value.field == "url"
    assert messages.list_webhooks(database, bbb, "ev") == []


def test_a_webhook_to_an_allowed_network_is_made(database: Database) -> None:
    world = make_world(database, "ev", ["AAA", "BBB"])
    bbb = world.delegates["BBB"]

    made = messages.add_webhook(database, bbb, "ev", "http://127.0.0.1:9/h", allowed=LOOPBACK)

    assert [w.url for w in messages.list_webhooks(database, bbb, "ev")] == [made.url]


def test_a_webhook_whose_host_turned_inward_is_not_posted_to(database: Database) -> None:
    # Made while its network was allowed, delivered by a worker that allows none: as a name
    # that resolved to a public address when the webhook was made and to the loopback now.
    with messaging(database) as m:
        hook = messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", m.hooks.url, allowed=LOOPBACK
        )
        m.context.close()
        m.context.options = dataclasses.replace(
            m.context.options, webhook_allowed_networks=(), max_attempts=1
        )
        m.context.open()
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())

        m.deliver_all()

        assert m.hooks.posts == []
        [attempt] = messages.webhook_deliveries(database, m.world.delegates["BBB"], "ev", hook.id)
        assert (attempt.ok, attempt.status, attempt.status_code) == (False, "failed", None)
        assert attempt.error is not None
        assert attempt.error.startswith("127.0.0.1 resolves to 127.0.0.1, not a public")


def test_a_delivery_connects_to_the_address_it_checked_not_to_a_second_answer(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: a name that answers an allowed address when it is checked and an inward
    # one when it is asked again. 127.0.0.2 stands for the inward address: a loopback address
    # outside the one network this worker allows, with a receiver of its own on the same port.
    name = "hooks.example"
    lookups: list[str] = []
    real = socket.getaddrinfo

    def rebinding(host: object, port: object, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        answer = "127.0.0.1" if not lookups else "127.0.0.2"
        lookups.append(answer)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (answer, port or 0))]

    with messaging(database) as m, webhook_receiver(host="127.0.0.2", port=m.hooks.port) as inner:
        hook = messages.add_webhook(
            database, m.world.delegates["BBB"], "ev", f"http://{name}:{m.hooks.port}/hook"
        )
        m.context.close()
        m.context.options = dataclasses.replace(
            m.context.options,
            webhook_allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
            max_attempts=1,
        )
        m.context.open()
        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        negotiation.create_request(database, m.world.delegates["AAA"], "ev", ["BBB"], Terms())

        m.deliver_all()

        assert inner.posts == []
        [post] = m.hooks.posts
        assert post.headers["Host"] == f"{name}:{m.hooks.port}"
        assert lookups == ["127.0.0.1"]
        [attempt] = messages.webhook_deliveries(database, m.world.delegates["BBB"], "ev", hook.id)
        assert attempt.ok
