"""Owners' links: each reminder carries a signed link, for one subscriber
and one occurrence of a milestone, to a page where the owner reports it
done, reports the date of a relative milestone's event, or asks for more
time. No account is needed: the signature is the permission, and it
expires 30 days after the occurrence."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "duban.owner-link"
VALID_AFTER = dt.timedelta(days=30)  # a link still opens this long after its occurrence


class LinkError(Exception):
    """A link that was altered, is not one of ours, or has expired."""


@dataclass(frozen=True)
class OwnerLink:
    subscription_id: str
    milestone_key: str
    occurrence: dt.date
    expires: dt.date

    @classmethod
    def for_occurrence(cls, subscription_id: str, milestone_key: str, occurrence: dt.date) -> OwnerLink:
        return cls(subscription_id, milestone_key, occurrence, occurrence + VALID_AFTER)


class LinkSigner:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._serializer = URLSafeSerializer(secret, salt=SALT)

    def token(self, link: OwnerLink) -> str:
        return str(
            self._serializer.dumps(
                [link.subscription_id, link.milestone_key, link.occurrence.isoformat(), link.expires.isoformat()]
            )
        )

    def url(self, base_url: str, link: OwnerLink) -> str:
        return f"{base_url.rstrip('/')}/o/{self.token(link)}"

    def read(self, token: str, today: dt.date) -> OwnerLink:
        """The link a token stands for; LinkError when it was tampered with
        or its time is over."""
        try:
            sub, key, occurrence, expires = self._serializer.loads(token)
            link = OwnerLink(sub, key, dt.date.fromisoformat(occurrence), dt.date.fromisoformat(expires))
        except (BadSignature, ValueError, TypeError):
            raise LinkError("链接无效：它已被改动，或不是本系统发出的") from None
        if today > link.expires:
            raise LinkError(f"链接已于{link.expires.isoformat()}过期，请联系督办管理员")
        return link

    def form_token(self, token: str) -> str:
        """The anti-forgery token of the forms on a link's page."""
        return hmac.new(self._secret, b"form:" + token.encode(), hashlib.sha256).hexdigest()[:32]
