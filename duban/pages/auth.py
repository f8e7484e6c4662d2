"""Admin accounts, sessions, anti-forgery tokens and login throttling.

Accounts are ``[[admins]]`` in duban.toml with argon2 hashes (``duban admin
passwd NAME``). A session is a signed cookie (``HttpOnly``, ``SameSite=Lax``,
``Secure`` when the site is served over https) naming the admin, a
fingerprint of the password hash (changing the password ends its sessions)
and the session's anti-forgery token, which every form posts back. Before
login, the login form's token rides in a cookie of its own.

Failed logins are counted per account and per address: after
``FREE_FAILURES`` in ``WINDOW``, each further one locks that account (or
address) out for twice as long as the last, up to ``MAX_LOCK``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from config.settings import Admin

SESSION_COOKIE = "duban_session"
LOGIN_COOKIE = "duban_login"
SESSION_HOURS = 12
FREE_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
FIRST_LOCK = dt.timedelta(seconds=2)
MAX_LOCK = dt.timedelta(minutes=15)

_HASHER = PasswordHasher()
# Checked when the account does not exist, so that a wrong name costs as
# long as a wrong password.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(admin: Admin | None, password: str) -> bool:
    try:
        return _HASHER.verify(admin.password_hash if admin else _DUMMY, password) and admin is not None
    except (VerificationError, InvalidHashError):
        return False


def fingerprint(admin: Admin) -> str:
    return hashlib.sha256(admin.password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AdminSession:
    name: str
    csrf: str


class Sessions:
    def __init__(self, secret: bytes) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="duban.admin-session")
        self._login = URLSafeTimedSerializer(secret, salt="duban.login-form")

    def cookie(self, admin: Admin) -> str:
        return str(self._serializer.dumps({"u": admin.name, "p": fingerprint(admin), "c": secrets.token_urlsafe(24)}))

    def read(self, value: str | None, admins: list[Admin]) -> AdminSession | None:
        if not value:
            return None
        try:
            data = self._serializer.loads(value, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        admin = next((a for a in admins if a.name == data.get("u")), None)
        if admin is None or not hmac.compare_digest(str(data.get("p")), fingerprint(admin)):
            return None  # the account is gone or its password changed
        return AdminSession(admin.name, str(data.get("c")))

    def login_token(self) -> tuple[str, str]:
        """A login form's token and the cookie that vouches for it."""
        token = secrets.token_urlsafe(24)
        return token, str(self._login.dumps(token))

    def login_token_ok(self, cookie: str | None, token: str) -> bool:
        if not cookie or not token:
            return False
        try:
            expected = self._login.loads(cookie, max_age=3600)
        except BadSignature:
            return False
        return hmac.compare_digest(str(expected), token)


@dataclass
class Throttle:
    """Failed logins by account and by address; the clock is injectable."""

    clock: Callable[[], dt.datetime]
    failures: dict[str, list[dt.datetime]] = field(default_factory=dict)
    locked_until: dict[str, dt.datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, name: str, address: str) -> int:
        """Seconds before a login for this account from this address may be
        tried (0: now)."""
        now = self.clock()
        with self.lock:
            until = max((self.locked_until.get(k, now) for k in _keys(name, address)), default=now)
        return max(0, int((until - now).total_seconds() + 0.999))

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self.lock:
            for key in _keys(name, address):
                recent = [t for t in self.failures.get(key, []) if now - t < WINDOW] + [now]
                self.failures[key] = recent
                over = len(recent) - FREE_FAILURES
                if over > 0:
                    self.locked_until[key] = now + min(FIRST_LOCK * 2 ** (over - 1), MAX_LOCK)

    def succeeded(self, name: str, address: str) -> None:
        with self.lock:
            for key in _keys(name, address):
                self.failures.pop(key, None)
                self.locked_until.pop(key, None)


def _keys(name: str, address: str) -> tuple[str, str]:
    return f"account:{name}", f"address:{address}"
