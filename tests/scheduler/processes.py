"""``duban serve`` as separate processes, for the tests that kill them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def serve(config: Path, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``duban serve --config CONFIG``, its output appended to ``log``; the
    database is the configuration's (not the tests' DUBAN_DATABASE_URL)."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    environment.pop("DUBAN_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "duban.cli", "serve", "--config", str(config)],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env=environment,
    )


def wait_until(predicate: Callable[[], bool], what: str | Callable[[], str], limit: float = 90) -> None:
    """Until ``predicate`` holds; ``limit`` only ends a test that would hang
    (the failure says ``what`` was waited for)."""
    give_up = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up waiting for {what() if callable(what) else what}")
        time.sleep(0.05)
