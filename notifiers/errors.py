"""Delivery errors.

DeliveryError(message, permanent, retry_after)
├── permanent=True    do not retry: bad address, bad signature, 4xx, 410
└── permanent=False   retry later: timeouts, connection errors, 5xx, 408,
                      429, a robot's rate-limit code; ``retry_after`` in
                      seconds when the server said how long to wait
UnsafeTarget          a target that resolves to a loopback, private or
                      link-local address that the configuration does not
                      allow (permanent)
"""

from __future__ import annotations


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class UnsafeTarget(DeliveryError):
    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)
