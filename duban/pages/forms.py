"""Reading form fields: each reader returns None for a field left empty and
raises FormError, in words a page can show, for one that does not read."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_LIST = re.compile(r"[、，,;；\s]+")


class FormError(ValueError):
    """A form value that does not read."""


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def day(form: Any, name: str) -> dt.date | None:
    text = _text(form, name)
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise FormError(f"{name}：{text!r} 不是日期（年-月-日）") from None


def required_day(form: Any, name: str, missing: str) -> dt.date:
    """A date the form must give; ``missing`` says so when it is empty."""
    found = day(form, name)
    if found is None:
        raise FormError(missing)
    return found


def whole(form: Any, name: str) -> int | None:
    text = _text(form, name)
    if text and not text.isdigit():
        raise FormError(f"{name}：{text!r} 不是整数")
    return int(text) if text else None


def wholes(form: Any, name: str) -> list[int] | None:
    parts = [p for p in _LIST.split(_text(form, name)) if p]
    if parts and not all(p.isdigit() for p in parts):
        raise FormError(f"{name}：请填写以逗号分隔的天数，如 7,3,1")
    return [int(p) for p in parts] or None


def time_of_day(form: Any, name: str) -> dt.time | None:
    text = _text(form, name)
    try:
        return dt.time.fromisoformat(text) if text else None
    except ValueError:
        raise FormError(f"{name}：{text!r} 不是时刻（时:分）") from None


def names(form: Any, name: str) -> list[str]:
    """Units or ids typed into one field: separated by 、，, ; or spaces."""
    return [u for u in _LIST.split(_text(form, name)) if u]
