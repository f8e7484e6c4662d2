"""Import a parsed plan into the database: a revision row for the text,
tasks and milestones upserted by stable key, milestones no longer in the
text deactivated (their pending reminders cancelled), overrides applied."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import select

from parsers.milestones import Milestone as Parsed
from parsers.pipeline import PlanResult
from scheduler.db import session
from scheduler.keys import milestone_keys, task_key
from scheduler.models import Milestone, Plan, PlanRevision, Reminder, Task

_FIELDS = ("line", "quote", "kind", "start", "due", "rrule", "offset", "phase", "season", "confidence", "note")


@dataclass
class ImportReport:
    plan_id: str
    revision: int | None
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    review: list[Parsed] = field(default_factory=list)


def _values(m: Parsed) -> dict[str, object]:
    values: dict[str, object] = {f: getattr(m, f) for f in _FIELDS}
    values["note"] = m.note or None
    values["lead"] = list((m.owners or {}).get("lead", []))
    values["support"] = list((m.owners or {}).get("support", []))
    return values


def import_plan(
    engine: Engine, plan_id: str, source: str, text: str, result: PlanResult, now: dt.datetime
) -> ImportReport:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    keys = milestone_keys(plan_id, result.milestones)
    report = ImportReport(plan_id, None)
    with session(engine) as s:
        plan = s.get(Plan, plan_id)
        if plan is None:
            plan = Plan(
                id=plan_id,
                title=result.title,
                source=source,
                ref=result.reference.date,
                ref_rule=result.reference.rule,
                created_at=now,
                updated_at=now,
            )
            s.add(plan)
        else:
            plan.title, plan.source = result.title, source
            plan.ref, plan.ref_rule = result.reference.date, result.reference.rule
            plan.updated_at = now
        s.flush()
        revision = s.exec(
            select(PlanRevision).where(PlanRevision.plan_id == plan_id, PlanRevision.digest == digest)
        ).first()
        if revision is None:
            revision = PlanRevision(
                plan_id=plan_id, digest=digest, text=text, imported_at=now, milestones=len(result.milestones)
            )
            s.add(revision)
            s.flush()
        plan.current_revision = revision.id
        report.revision = revision.id

        tasks = {t.key: t for t in s.exec(select(Task).where(Task.plan_id == plan_id))}
        seen_tasks: set[str] = set()
        for parsed in result.milestones:
            tkey = task_key(plan_id, parsed.section, parsed.task)
            task = tasks.get(tkey)
            if task is None:
                task = Task(key=tkey, plan_id=plan_id, title=parsed.task or parsed.quote, section=parsed.section)
                tasks[tkey] = task
                s.add(task)
            seen_tasks.add(tkey)
            if parsed.owners and parsed.owners.get("lead"):
                task.owners = parsed.owners
        for tkey, task in tasks.items():
            task.active = tkey in seen_tasks
        s.flush()
        existing = {m.key: m for m in s.exec(select(Milestone).where(Milestone.plan_id == plan_id))}
        for key, parsed in zip(keys, result.milestones, strict=True):
            tkey = task_key(plan_id, parsed.section, parsed.task)
            report.by_kind[parsed.kind] += 1
            if parsed.kind == "unresolved" or parsed.confidence < 0.7:
                report.review.append(parsed)
            values = _values(parsed)
            row = existing.pop(key, None)
            if row is None:
                s.add(Milestone(key=key, plan_id=plan_id, task_key=tkey, changed_at=now, **values))  # type: ignore[arg-type]
                report.added += 1
                continue
            if any(getattr(row, f) != v for f, v in values.items()) or not row.active:
                for f, v in values.items():
                    setattr(row, f, v)
                row.active = True
                row.sequence += 1
                row.changed_at = now
                report.changed += 1
            else:
                report.unchanged += 1
        for row in existing.values():
            if row.active:
                row.active = False
                row.sequence += 1
                row.changed_at = now
                report.removed += 1
                for reminder in s.exec(
                    select(Reminder).where(Reminder.milestone_key == row.key, Reminder.state == "pending")
                ):
                    reminder.state = "cancelled"
        s.commit()
    return report
