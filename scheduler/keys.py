"""Stable keys: the same plan text parsed again gives the same keys, so
re-import changes nothing and overrides stay attached."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from parsers.milestones import Milestone


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def task_key(plan_id: str, section: Iterable[str], task: str | None) -> str:
    return "t-" + _digest(plan_id, "/".join(section), task or "")


def milestone_keys(plan_id: str, milestones: Iterable[Milestone]) -> list[str]:
    """One key per milestone from plan, section path, task and quote; the
    n-th repeat of the same quote in the same task gets its own key."""
    seen: Counter[tuple[str, str]] = Counter()
    keys = []
    for m in milestones:
        tkey = task_key(plan_id, m.section, m.task)
        seen[(tkey, m.quote)] += 1
        keys.append("m-" + _digest(tkey, m.quote, str(seen[(tkey, m.quote)])))
    return keys


def unit_key(owner: str) -> str:
    """The unit an owner names, for filters, feeds and subscriptions: an
    owner is kept as the plan writes it, and "省科技厅等" (省科技厅 and
    others) is filed under 省科技厅."""
    stripped = owner.removesuffix("等")
    return stripped if len(stripped) >= 2 else owner
