"""Looking at a configured plan's source for a new version.

A file is looked at by its size and modification time, and read (and its
bytes hashed) only when they moved; a URL by a conditional GET
(``If-None-Match``/``If-Modified-Since``) through the same address guard as
deliveries. Bytes equal to the last ones read are no new version: nothing
is parsed when nothing changed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import httpx

from notifiers.errors import DeliveryError
from notifiers.http import guarded, redact
from scheduler.models import PlanSource

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = "duban (plan watcher)"


class SourceError(Exception):
    """A source that cannot be read now (gone, refused, an HTTP error, a
    timeout): the plan keeps its last good revision and is tried again."""


@dataclass(frozen=True)
class Looked:
    """What a look at a source found: new bytes (None: nothing new) and
    what to remember of it for the next look."""

    data: bytes | None
    name: str
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    size: int | None = None
    mtime_ns: int | None = None

    @property
    def digest(self) -> str | None:
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else None


def look_at_file(path: Path, state: PlanSource | None) -> Looked:
    """The file's bytes if its size or time moved since ``state``."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    if state is not None and (state.size, state.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
        return Looked(None, str(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    return Looked(data, str(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns)


def look_at_url(url: str, state: PlanSource | None, allowed: Collection[str], limit: int) -> Looked:
    """A conditional GET of ``url``: None for 304, the body for 200 (at most
    ``limit`` bytes); anything else is a ``SourceError``."""
    headers = {"User-Agent": USER_AGENT}
    if state is not None and state.etag:
        headers["If-None-Match"] = state.etag
    if state is not None and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return asyncio.run(_get(url, headers, allowed, limit))


async def _get(url: str, headers: dict[str, str], allowed: Collection[str], limit: int) -> Looked:
    shown = redact(url)
    try:
        target, headers, extensions = await guarded(url, headers, allowed)
        async with (
            httpx.AsyncClient(follow_redirects=False, timeout=TIMEOUT) as client,
            client.stream("GET", target, headers=headers, extensions=extensions) as response,
        ):
            if response.status_code == 304:
                return Looked(None, url, etag=response.headers.get("etag"))
            if response.status_code != 200:
                raise SourceError(f"{shown}: HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise SourceError(f"{shown}: more than {limit // 2**20} MB ([service] max_document_mb)")
            return Looked(
                bytes(body),
                url,
                content_type=response.headers.get("content-type"),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )
    except httpx.TimeoutException:
        raise SourceError(f"{shown}: timed out") from None
    except httpx.TransportError as exc:
        raise SourceError(f"{shown}: cannot connect ({type(exc).__name__}: {exc})") from None
    except DeliveryError as exc:  # refused by the address guard, or not resolved
        raise SourceError(str(exc)) from None


def retry_after(failures: int, every: dt.timedelta) -> dt.timedelta:
    """When a failing source is tried again: after 1, 2, 4… minutes, never
    later than its own interval."""
    return min(every, dt.timedelta(minutes=2 ** min(failures - 1, 16)))
