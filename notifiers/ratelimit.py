"""Sliding-window rate limits per endpoint: a message over the limit waits
for its turn (queueing), it is never dropped."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class SlidingWindow:
    def __init__(self, limits: list[tuple[int, float]]) -> None:
        """``limits``: (messages, seconds) pairs, all of which must hold."""
        self.limits = limits
        self.sent: deque[float] = deque()
        self.lock = asyncio.Lock()
        self.longest = max((s for _, s in limits), default=0.0)

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                while self.sent and now - self.sent[0] >= self.longest:
                    self.sent.popleft()
                wait = 0.0
                for count, seconds in self.limits:
                    recent = [t for t in self.sent if now - t < seconds]
                    if len(recent) >= count:
                        wait = max(wait, recent[-count] + seconds - now)
                if wait <= 0:
                    self.sent.append(now)
                    return
                await asyncio.sleep(wait)
