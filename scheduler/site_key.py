"""The secret that signs admin sessions and owners' links: made once per
database, on first use, and read by every instance sharing it."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from scheduler.db import session
from scheduler.models import SiteKey

NAME = "signing"


def site_secret(engine: Engine, now: dt.datetime | None = None) -> bytes:
    """The database's signing secret; two instances asking at once get the
    same one (the loser of the insert reads the winner's)."""
    with session(engine) as s:
        row = s.get(SiteKey, NAME)
        if row is not None:
            return row.value.encode()
        s.add(SiteKey(name=NAME, value=secrets.token_urlsafe(48), created_at=now or dt.datetime.now(dt.UTC)))
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
    with session(engine) as s:
        row = s.get(SiteKey, NAME)
        assert row is not None
        return row.value.encode()
