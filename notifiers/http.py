"""HTTP plumbing shared by the web channels: target safety, secrets kept out
of messages, and errors mapped to retryable or permanent."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import socket
from collections.abc import Collection

import httpx

from notifiers.errors import DeliveryError, UnsafeTarget

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_SECRET_QUERY = re.compile(r"([?&][^=&#]+=)[^&#]*")
_HOOK_PATH = re.compile(r"(/hook/)[^/?#]+")


def redact(url: str) -> str:
    """A URL fit for logs: query values and hook tokens replaced."""
    return _HOOK_PATH.sub(r"\1***", _SECRET_QUERY.sub(r"\1***", url))


def masked(target: str) -> str:
    """A subscriber's target fit to store and to show: a URL with its
    tokens replaced (a robot's access_token or key, a hook path), an
    address or a name as it is."""
    return redact(target) if target.startswith(("http://", "https://")) else target


async def resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for a host."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def check_target(url: str, allowed: Collection[str]) -> str | None:
    """Refuse targets that resolve to loopback, private, link-local or other
    non-public addresses, unless the host or address is explicitly allowed.

    Returns the checked address the request must go to, so that a second
    lookup (DNS rebinding) cannot send it elsewhere; None when the host is
    allowed by name or is an address itself."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UnsafeTarget(f"{redact(url)}: not an http(s) URL")
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if host in allowed:
        return None
    try:
        addresses = await resolve(host, port)
    except OSError as exc:
        raise DeliveryError(f"{redact(url)}: cannot resolve {host}: {exc.strerror or exc}", permanent=False) from None
    if not addresses:
        raise DeliveryError(f"{redact(url)}: {host} has no address", permanent=False)
    for found in addresses:
        address = ipaddress.ip_address(found.split("%", 1)[0])
        if str(address) in allowed:
            continue
        if not is_public(address):
            raise UnsafeTarget(f"{redact(url)}: {host} resolves to the non-public address {address}")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return addresses[0]
    return None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_V4_COMPATIBLE = ipaddress.ip_network("::/96")


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, and so is any IPv4 address an IPv6 one
    carries (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64): Python
    counts [64:ff9b::7f00:1] as global though it reaches 127.0.0.1."""
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        carried = [address.ipv4_mapped, address.sixtofour]
        if address.teredo:
            carried.append(address.teredo[1])
        if address in _NAT64 or address in _V4_COMPATIBLE:
            carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        return all(is_public(v4) for v4 in carried if v4 is not None)
    return True


def json_bytes(body: object) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


async def post_json(client: httpx.AsyncClient, url: str, body: object, allowed: Collection[str]) -> httpx.Response:
    """POST a JSON body as the chat robots take it (UTF-8, not escaped)."""
    headers = {"content-type": "application/json; charset=utf-8"}
    return await post(client, url, content=json_bytes(body), headers=headers, allowed=allowed)


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        import datetime as dt

        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


async def guarded(
    url: str, headers: dict[str, str], allowed: Collection[str]
) -> tuple[str | httpx.URL, dict[str, str], dict[str, str]]:
    """Where a request to ``url`` goes once its address is checked: the
    target, headers and extensions to give httpx."""
    pinned = await check_target(url, allowed)
    target: str | httpx.URL = url
    extensions: dict[str, str] = {}
    if pinned is not None:
        # Connect to the checked address; the server still sees its own name
        # (Host, and SNI and certificate checks for https).
        parsed = httpx.URL(url)
        target = parsed.copy_with(host=pinned)
        headers = {**headers, "Host": parsed.netloc.decode("ascii")}
        if parsed.scheme == "https":
            extensions["sni_hostname"] = parsed.host
    return target, headers, extensions


async def post(
    client: httpx.AsyncClient, url: str, *, content: bytes, headers: dict[str, str], allowed: Collection[str]
) -> httpx.Response:
    target, headers, extensions = await guarded(url, headers, allowed)
    try:
        return await client.post(target, content=content, headers=headers, timeout=TIMEOUT, extensions=extensions)
    except httpx.TimeoutException:
        raise DeliveryError(f"{redact(url)}: timed out", permanent=False) from None
    except httpx.TransportError as exc:
        raise DeliveryError(f"{redact(url)}: connection failed ({type(exc).__name__})", permanent=False) from None


def raise_for_status(url: str, response: httpx.Response) -> None:
    """2xx passes; 408, 429 and 5xx are retryable; everything else is not."""
    code = response.status_code
    if 200 <= code < 300:
        return
    message = f"{redact(url)}: HTTP {code}"
    if code in (408, 429) or code >= 500:
        raise DeliveryError(message, permanent=False, retry_after=retry_after(response))
    raise DeliveryError(message + (" (endpoint gone)" if code == 410 else ""), permanent=True)


def robot_reply(url: str, response: httpx.Response, code_field: str, retryable: Collection[int]) -> None:
    """Chat robots answer HTTP 200 on failure: success is a zero code."""
    raise_for_status(url, response)
    try:
        body = response.json()
    except ValueError:
        raise DeliveryError(f"{redact(url)}: reply is not JSON", permanent=False) from None
    code = body.get(code_field, body.get("StatusCode"))
    if code == 0:
        return
    text = body.get("errmsg") or body.get("msg") or body.get("StatusMessage") or ""
    if code in retryable:
        raise DeliveryError(
            f"{redact(url)}: rate limited ({code_field} {code} {text})", permanent=False, retry_after=60
        )
    raise DeliveryError(f"{redact(url)}: refused ({code_field} {code} {text})", permanent=True)
