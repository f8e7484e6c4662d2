"""An admin's corrections of a milestone: its kind, dates and owners laid
over what the plan says (an ``override`` row, kept across re-imports and
flagged when a re-import changes the words under it), and taken back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from scheduler.db import session
from scheduler.keys import unit_key
from scheduler.models import Milestone, MilestoneOwner, Override, Task, table
from scheduler.overrides import dates_problem


class CorrectionError(ValueError):
    """A correction that cannot be kept; its words say why."""


def correct(
    engine: Engine,
    key: str,
    now: dt.datetime,
    *,
    kind: str | None = None,
    start: dt.date | None = None,
    due: dt.date | None = None,
    rrule: str | None = None,
    reason: str | None = None,
    lead: list[str] | None = None,
    support: list[str] | None = None,
    by: str | None = None,
) -> int:
    """Lay a correction over a milestone (what it leaves None stays as it
    was); returns the milestone's new sequence. KeyError: no such
    milestone; CorrectionError: dates that cannot be kept."""
    with session(engine) as s:
        m = s.get(Milestone, key)
        if m is None:
            raise KeyError(key)
        row = s.get(Override, key)
        # what the milestone reads once this is laid over it and any earlier correction
        now_kind = kind or (row.kind if row and row.kind else m.kind)
        now_start = start or (row.start if row and row.start else m.start)
        now_due = due or (row.due if row and row.due else m.due)
        now_rrule = rrule or (row.rrule if row and row.rrule else m.rrule)
        problem = dates_problem(now_kind, now_start, now_due, now_rrule)
        if problem:
            raise CorrectionError(problem)
        if row is None:
            row = Override(milestone_key=key, created_at=now)
        for name, value in (("kind", kind), ("start", start), ("due", due), ("rrule", rrule)):
            if value is not None:
                setattr(row, name, value)
        row.reason = reason if reason is not None else row.reason
        row.created_at, row.quote, row.by = now, m.quote, by
        if lead is not None or support is not None:
            if row.parsed_owners is None:
                row.parsed_owners = {"lead": list(m.lead), "support": list(m.support)}
            row.lead = lead if lead is not None else row.lead
            row.support = support if support is not None else row.support
            _set_owners(
                s,
                m,
                row.lead if row.lead is not None else m.lead,
                row.support if row.support is not None else m.support,
            )
        m.sequence += 1
        m.changed_at = now
        s.add(row)
        s.commit()
        return m.sequence


def take_back(engine: Engine, key: str, now: dt.datetime) -> bool:
    """Remove a milestone's correction, owners included; False when it had none."""
    with session(engine) as s:
        m = s.get(Milestone, key)
        row = s.get(Override, key)
        if m is None or row is None:
            return False
        if row.parsed_owners is not None:
            _set_owners(s, m, row.parsed_owners.get("lead", []), row.parsed_owners.get("support", []))
        s.delete(row)
        m.sequence += 1
        m.changed_at = now
        s.commit()
        return True


def _set_owners(s: Session, m: Milestone, lead: list[str], support: list[str]) -> None:
    m.lead, m.support = list(lead), list(support)
    s.execute(delete(MilestoneOwner).where(col(MilestoneOwner.milestone_key) == m.key))
    rows = [
        {"milestone_key": m.key, "unit": unit, "role": role}
        for role, units in (("lead", lead), ("support", support))
        for unit in dict.fromkeys(unit_key(u) for u in units)
    ]
    if rows:
        s.execute(insert(table(MilestoneOwner)), rows)
    task = s.get(Task, m.task_key)
    if task is not None and lead:
        task.owners = {**(task.owners or {}), "lead": list(lead)}
