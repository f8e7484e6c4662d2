"""What a new revision of a plan changed, in plain Chinese.

Milestones are keyed by their task and their words, so a deadline whose
date is rewritten ("11月30日前" → "12月15日前") leaves under one key and
comes back under another: within a task, the milestones that left and
those that came are paired in order and read as a time moved. A task whose
milestones all left, and a new task with the very same phrases, is the task
renamed. Owners that changed under the same key are said as such.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from scheduler.keys import unit_key


@dataclass(frozen=True)
class Side:
    """A milestone as one revision has it."""

    key: str
    task_key: str
    task: str
    quote: str
    kind: str
    start: dt.date | None
    due: dt.date | None
    lead: tuple[str, ...] = ()
    support: tuple[str, ...] = ()

    def units(self) -> set[str]:
        return {unit_key(u) for u in self.lead + self.support}


@dataclass(frozen=True)
class Change:
    kind: str  # added, removed, moved, owners, renamed
    task: str
    words: str
    units: tuple[str, ...] = ()
    milestone_key: str | None = None
    old_key: str | None = None  # the milestone's key in the revision before (a time moved, one removed)


def _day(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def when_words(m: Side) -> str:
    if m.kind == "deadline" and m.due:
        return _day(m.due)
    if m.kind == "range" and m.start and m.due:
        return f"{_day(m.start)}至{_day(m.due)}"
    if m.kind == "start" and m.start:
        return f"{_day(m.start)}起"
    return f"“{m.quote}”"


def _names(units: tuple[str, ...]) -> str:
    return "、".join(units) or "未注明"


def _owner_changes(before: Side, after: Side) -> list[Change]:
    out = []
    for role, label in (("lead", "牵头单位"), ("support", "配合单位")):
        old, new = getattr(before, role), getattr(after, role)
        if old != new:
            out.append(
                Change(
                    "owners",
                    after.task,
                    f"「{after.task}」{label}由{_names(old)}调整为{_names(new)}",
                    tuple(sorted(before.units() | after.units())),
                    after.key,
                )
            )
    return out


@dataclass
class _Task:
    title: str
    left: list[Side] = field(default_factory=list)
    came: list[Side] = field(default_factory=list)


def diff(
    before: dict[str, Side], after: dict[str, Side], tasks_before: set[str], tasks_after: set[str]
) -> list[Change]:
    """The changes from ``before`` to ``after`` (the active milestones of two
    revisions, by key); ``tasks_*``: the task keys each revision has."""
    out: list[Change] = []
    by_task: dict[str, _Task] = {}
    for key in before.keys() - after.keys():
        m = before[key]
        by_task.setdefault(m.task_key, _Task(m.task)).left.append(m)
    for key in after.keys() - before.keys():
        m = after[key]
        by_task.setdefault(m.task_key, _Task(m.task)).came.append(m)
    for key in before.keys() & after.keys():
        old, new = before[key], after[key]
        if (old.kind, old.start, old.due) != (new.kind, new.start, new.due):
            out.append(_moved(old, new))
        out += _owner_changes(old, new)
    gone = {k: t for k, t in by_task.items() if t.left and not t.came and k not in tasks_after}
    new_tasks = {k: t for k, t in by_task.items() if t.came and not t.left and k not in tasks_before}
    for old_key, old_task in list(gone.items()):
        quotes = sorted(m.quote for m in old_task.left)
        match = next((k for k, t in new_tasks.items() if sorted(m.quote for m in t.came) == quotes), None)
        if match is None:
            continue
        new_task = new_tasks.pop(match)
        del gone[old_key]
        units = set().union(*(m.units() for m in old_task.left + new_task.came))
        words = f"任务「{old_task.title}」更名为「{new_task.title}」"
        out.append(Change("renamed", new_task.title, words, tuple(sorted(units))))
        by_quote = zip(
            sorted(old_task.left, key=lambda m: m.quote), sorted(new_task.came, key=lambda m: m.quote), strict=True
        )
        for a, b in by_quote:
            if (a.kind, a.start, a.due) != (b.kind, b.start, b.due):
                out.append(_moved(a, b))
            out += _owner_changes(a, b)
    for key, task in by_task.items():
        if key in gone:
            units = set().union(*(m.units() for m in task.left))
            out.append(Change("removed", task.title, f"删除任务「{task.title}」", tuple(sorted(units))))
            continue
        if key in new_tasks:
            units = set().union(*(m.units() for m in task.came))
            whens = "、".join(when_words(m) for m in sorted(task.came, key=_order))
            owners = f"，牵头单位：{_names(task.came[0].lead)}" if task.came[0].lead else ""
            words = f"新增任务「{task.title}」（时限：{whens}{owners}）"
            out.append(Change("added", task.title, words, tuple(sorted(units))))
            continue
        left, came = sorted(task.left, key=_order), sorted(task.came, key=_order)
        for old, new in zip(left, came, strict=False):
            out.append(_moved(old, new))
            out += _owner_changes(old, new)
        for m in left[len(came) :]:
            words = f"「{m.task}」删除时限{when_words(m)}"
            out.append(Change("removed", m.task, words, tuple(sorted(m.units())), m.key, m.key))
        for m in came[len(left) :]:
            words = f"「{m.task}」新增时限{when_words(m)}"
            out.append(Change("added", m.task, words, tuple(sorted(m.units())), m.key))
    return sorted(out, key=lambda c: (_KINDS.index(c.kind), c.task, c.words))


_KINDS = ("moved", "added", "removed", "owners", "renamed")  # the order a notice lists them in


def _order(m: Side) -> tuple[dt.date, str]:
    return (m.due or m.start or dt.date.max, m.quote)


def _moved(old: Side, new: Side) -> Change:
    what = "截止时间" if old.kind == new.kind == "deadline" else "时间"
    return Change(
        "moved",
        new.task,
        f"「{new.task}」{what}由{when_words(old)}调整为{when_words(new)}",
        tuple(sorted(old.units() | new.units())),
        new.key,
        old.key,
    )


def followed(changes: list[Change], owners: list[str]) -> list[Change]:
    """The changes a subscriber of ``owners`` (none: every unit) hears of."""
    wanted = {unit_key(o) for o in owners}
    return [c for c in changes if not wanted or wanted & set(c.units)]
