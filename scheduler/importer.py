"""Import a parsed plan into the database: a revision row for the text,
tasks and milestones upserted by stable key, milestones no longer in the
text deactivated (their pending reminders cancelled), overrides applied."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from parsers.milestones import Milestone as Parsed
from parsers.pipeline import PlanResult
from scheduler.db import session
from scheduler.keys import milestone_keys, task_key, unit_key
from scheduler.models import Milestone, MilestoneOwner, Plan, PlanRevision, Reminder, Task, table

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
    # Cadences of a plan with no period of its own (its year is the import
    # year's fallback): they run on until an admin bounds them (``until``).
    open_ended: list[Parsed] = field(default_factory=list)


def _values(m: Parsed) -> dict[str, object]:
    values: dict[str, object] = {f: getattr(m, f) for f in _FIELDS}
    values["note"] = m.note or None
    values["lead"] = list((m.owners or {}).get("lead", []))
    values["support"] = list((m.owners or {}).get("support", []))
    return values


@dataclass(frozen=True)
class PlanImport:
    plan_id: str
    source: str
    text: str
    result: PlanResult


def import_plan(
    engine: Engine, plan_id: str, source: str, text: str, result: PlanResult, now: dt.datetime
) -> ImportReport:
    return import_plans(engine, [PlanImport(plan_id, source, text, result)], now)[0]


def import_plans(engine: Engine, items: list[PlanImport], now: dt.datetime) -> list[ImportReport]:
    """Import several plans (a compendium) in one transaction. New rows go
    in as bulk inserts and existing ones are read with one query per table:
    building ORM objects one by one costs more than the database work."""
    ids = [i.plan_id for i in items]
    digests = {i.plan_id: hashlib.sha256(i.text.encode("utf-8")).hexdigest() for i in items}
    reports = {i.plan_id: ImportReport(i.plan_id, None) for i in items}
    with session(engine) as s:
        plans = {p.id: p for p in s.exec(select(Plan).where(col(Plan.id).in_(ids)))}
        new_plans = []
        for i in items:
            ref, rule = i.result.reference.date, i.result.reference.rule
            plan = plans.get(i.plan_id)
            if plan is None:
                new_plans.append(
                    {
                        "id": i.plan_id,
                        "title": i.result.title,
                        "source": i.source,
                        "ref": ref,
                        "ref_rule": rule,
                        "until": i.result.until,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            else:
                fields = (i.result.title, i.source, ref, rule, i.result.until)
                if (plan.title, plan.source, plan.ref, plan.ref_rule, plan.until) != fields:
                    plan.title, plan.source, plan.ref, plan.ref_rule, plan.until = fields
                    plan.updated_at = now  # what feeds and reminders take from the plan changed
        if new_plans:
            s.execute(insert(table(Plan)), new_plans)
        revisions = {
            plan_id: rid
            for plan_id, digest, rid in s.exec(
                select(PlanRevision.plan_id, PlanRevision.digest, PlanRevision.id).where(
                    col(PlanRevision.plan_id).in_(ids)
                )
            )
            if digests[plan_id] == digest
        }
        new_revisions = [
            {
                "plan_id": i.plan_id,
                "digest": digests[i.plan_id],
                "text": i.text,
                "imported_at": now,
                "milestones": len(i.result.milestones),
            }
            for i in items
            if i.plan_id not in revisions
        ]
        if new_revisions:
            for rid, plan_id in s.execute(
                insert(PlanRevision).returning(col(PlanRevision.id), col(PlanRevision.plan_id)), new_revisions
            ):
                revisions[plan_id] = rid
        s.execute(update(Plan), [{"id": pid, "current_revision": revisions[pid]} for pid in ids])
        for pid, report in reports.items():
            report.revision = revisions[pid]

        tasks = {t.key: t for t in s.exec(select(Task).where(col(Task.plan_id).in_(ids)))}
        existing = {m.key: m for m in s.exec(select(Milestone).where(col(Milestone.plan_id).in_(ids)))}
        existing_rows = dict(existing)
        new_tasks: dict[str, dict[str, Any]] = {}
        seen_tasks: set[str] = set()
        new_milestones: list[dict[str, Any]] = []
        owners_changed: list[str] = []
        for i in items:
            report = reports[i.plan_id]
            keys = milestone_keys(i.plan_id, i.result.milestones)
            for key, parsed in zip(keys, i.result.milestones, strict=True):
                tkey = task_key(i.plan_id, parsed.section, parsed.task)
                seen_tasks.add(tkey)
                owners = parsed.owners if parsed.owners and parsed.owners.get("lead") else None
                task = tasks.get(tkey)
                if task is not None:
                    if owners:
                        task.owners = owners
                else:
                    entry = new_tasks.setdefault(
                        tkey,
                        {
                            "key": tkey,
                            "plan_id": i.plan_id,
                            "title": parsed.task or parsed.quote,
                            "section": parsed.section,
                            "owners": None,
                            "active": True,
                        },
                    )
                    if owners:
                        entry["owners"] = owners
                report.by_kind[parsed.kind] += 1
                if parsed.kind == "unresolved" or parsed.confidence < 0.7:
                    report.review.append(parsed)
                if parsed.kind == "recurring" and i.result.until is None and parsed.due is None:
                    report.open_ended.append(parsed)
                values = _values(parsed)
                row = existing.pop(key, None)
                if row is None:
                    new_milestones.append(
                        {
                            "key": key,
                            "plan_id": i.plan_id,
                            "task_key": tkey,
                            "changed_at": now,
                            "active": True,
                            "sequence": 0,
                            **values,
                        }
                    )
                    report.added += 1
                elif any(getattr(row, f) != v for f, v in values.items()) or not row.active:
                    if row.lead != values["lead"] or row.support != values["support"]:
                        owners_changed.append(key)
                    for f, v in values.items():
                        setattr(row, f, v)
                    row.active, row.sequence, row.changed_at = True, row.sequence + 1, now
                    report.changed += 1
                else:
                    report.unchanged += 1
        for tkey, task in tasks.items():
            task.active = tkey in seen_tasks
        if new_tasks:
            s.execute(insert(table(Task)), list(new_tasks.values()))
        if new_milestones:
            s.execute(insert(table(Milestone)), new_milestones)
        _store_owners(s, new_milestones, [existing_rows[k] for k in owners_changed])
        removed = []
        for row in existing.values():
            if row.active:
                row.active, row.sequence, row.changed_at = False, row.sequence + 1, now
                reports[row.plan_id].removed += 1
                removed.append(row.key)
        if removed:
            s.execute(
                update(Reminder)
                .where(col(Reminder.milestone_key).in_(removed), col(Reminder.state) == "pending")
                .values(state="cancelled")
            )
        s.commit()
    return [reports[pid] for pid in ids]


def _store_owners(s: Session, new: list[dict[str, Any]], changed: list[Milestone]) -> None:
    if changed:
        s.execute(delete(MilestoneOwner).where(col(MilestoneOwner.milestone_key).in_([m.key for m in changed])))
    rows = [
        {"milestone_key": key, "unit": unit, "role": role}
        for key, lead, support in [(m["key"], m["lead"], m["support"]) for m in new]
        + [(m.key, m.lead, m.support) for m in changed]
        for role, units in (("lead", lead), ("support", support))
        for unit in dict.fromkeys(unit_key(u) for u in units)
    ]
    if rows:
        s.execute(insert(table(MilestoneOwner)), rows)
