"""Which instance runs the scheduler's jobs.

Every ``duban serve`` serves feeds, the API and the pages, and sends what
it claims from the outbox; one at a time reads the plans, fires reminders
and sends digests: the leader.

On PostgreSQL the leader holds an advisory lock on a connection of its
own. The lock goes with the connection: when the leader's process dies (or
the database restarts), PostgreSQL releases it, and another instance that
keeps asking takes it. The leader checks its connection at each turn, and
stops leading the moment it is gone.

A SQLite file serves one machine and one instance: its lock is a file
lock beside it, and a second instance is refused.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
LOCK_KEY = 0x6475_6261_6E  # "duban"


class Leadership(Protocol):
    def acquire(self) -> bool:
        """Take the lead if no one holds it; whether this instance leads."""
        ...

    def holds(self) -> bool:
        """Whether the lead taken is still held."""
        ...

    def release(self) -> None: ...


class AlreadyServing(Exception):
    """A second instance on a SQLite file."""


class PostgresLeadership:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None
        self.leading = False

    def acquire(self) -> bool:
        if self.leading:
            return self.holds()
        try:
            if self.connection is None:
                self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = self.connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar()
        except DBAPIError as exc:
            log.warning("cannot ask for the lead (%s); asking again", type(exc).__name__)
            self._drop()
            return False
        self.leading = bool(got)
        if not self.leading:
            self._drop()  # asked again with a fresh connection next time
        return self.leading

    def holds(self) -> bool:
        if not self.leading or self.connection is None:
            return False
        try:
            self.connection.execute(text("SELECT 1"))
        except DBAPIError:
            log.warning("the connection holding the lead is gone: leading stops")
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self.connection is not None and self.leading:
            with contextlib.suppress(DBAPIError):  # gone with its connection anyway
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        self._drop()

    def _drop(self) -> None:
        self.leading = False
        if self.connection is not None:
            with contextlib.suppress(DBAPIError):
                self.connection.invalidate()
                self.connection.close()
            self.connection = None


class FileLeadership:
    """The lead on a SQLite file: an exclusive lock on ``<file>.lock``."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self.file: IO[str] | None = None

    def acquire(self) -> bool:
        if self.file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise AlreadyServing(
                f"another duban serve already uses {self.path.with_suffix('')}: a SQLite database serves one "
                "instance; stop it, or run several instances on PostgreSQL (see docs/deploy.md)"
            ) from None
        self.file = handle
        return True

    def holds(self) -> bool:
        return self.file is not None

    def release(self) -> None:
        if self.file is not None:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()
            self.file = None


def leadership_for(engine: Engine) -> Leadership:
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("duban serve needs a database file or server, not an in-memory SQLite database")
    return FileLeadership(Path(database))
