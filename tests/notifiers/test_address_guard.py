"""The delivery address guard: no request goes to an address on this
machine, its network or the cloud's metadata service, however it is written."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from notifiers.errors import UnsafeTarget
from notifiers.http import check_target, is_public

REFUSED = [
    "127.0.0.1",
    "::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::127.0.0.1",  # IPv4-compatible
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::",  # 6to4 of 10.0.0.1
    "169.254.169.254",  # cloud metadata
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "224.0.0.1",  # multicast
    "ff02::1",
    "fe80::1",
    "fc00::1",
    "0.0.0.0",
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(UnsafeTarget, match="non-public"):
        asyncio.run(check_target(f"http://{host}/hook", allowed=()))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::5db8:d822"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://example.org/", "http:///nohost"]
)
def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget, match="not an http"):
        asyncio.run(check_target(url, allowed=()))


def test_an_allowed_address_passes() -> None:
    assert asyncio.run(check_target("http://127.0.0.1:8080/hook", allowed={"127.0.0.1"})) is None
