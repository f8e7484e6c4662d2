"""Import a parsed plan into the database: a revision row for the text,
tasks and milestones upserted by stable key, milestones no longer in the
text deactivated (their pending reminders cancelled), overrides applied."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from parsers.milestones import Milestone as Parsed
from parsers.pipeline import PlanResult
from scheduler.changes import Change, Side, diff, followed
from scheduler.db import session
from scheduler.keys import milestone_keys, task_key, unit_key
from scheduler.models import (
    Delivery,
    Milestone,
    MilestoneOwner,
    Override,
    Plan,
    PlanChange,
    PlanRevision,
    Reminder,
    Subscription,
    Task,
    table,
)
from scheduler.reminders import follows_plan

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
    # What this import changed against the plan's previous revision (none
    # on a plan's first import), and the overrides a change lands on.
    changes: list[Change] = field(default_factory=list)
    first: bool = True
    contradicted: list[str] = field(default_factory=list)
    notices: int = 0  # change notices queued for subscribers


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
    source_digest: str | None = None  # of the document's bytes
    fetched_at: dt.datetime | None = None
    first_line: int = 1  # the document's line number of the text's first line


def import_plan(
    engine: Engine, plan_id: str, source: str, text: str, result: PlanResult, now: dt.datetime
) -> ImportReport:
    return import_plans(engine, [PlanImport(plan_id, source, text, result)], now)[0]


def _side(key: str, tkey: str, task: str, m: Milestone | dict[str, Any]) -> Side:
    v = m if isinstance(m, dict) else {f: getattr(m, f) for f in ("quote", "kind", "start", "due", "lead", "support")}
    return Side(key, tkey, task, v["quote"], v["kind"], v["start"], v["due"], tuple(v["lead"]), tuple(v["support"]))


def import_plans(
    engine: Engine, items: list[PlanImport], now: dt.datetime, dry_run: bool = False
) -> list[ImportReport]:
    """Import several plans (a compendium) in one transaction. New rows go
    in as bulk inserts and existing ones are read with one query per table:
    building ORM objects one by one costs more than the database work.

    A plan imported before gets a new revision when its text or its reading
    changed; what changed is stored with it in words, and each subscriber
    following a change gets one notice of the revision. ``dry_run``: report
    the changes and store nothing."""
    ids = [i.plan_id for i in items]
    digests = {i.plan_id: hashlib.sha256(i.text.encode("utf-8")).hexdigest() for i in items}
    reports = {i.plan_id: ImportReport(i.plan_id, None) for i in items}
    with session(engine) as s:
        plans = {p.id: p for p in s.exec(select(Plan).where(col(Plan.id).in_(ids)))}
        tasks = {t.key: t for t in s.exec(select(Task).where(col(Task.plan_id).in_(ids)))}
        existing = {m.key: m for m in s.exec(select(Milestone).where(col(Milestone.plan_id).in_(ids)))}
        keyed = {i.plan_id: milestone_keys(i.plan_id, i.result.milestones) for i in items}
        current = {
            r.plan_id: r
            for r in s.exec(
                select(PlanRevision).where(
                    col(PlanRevision.id).in_([p.current_revision for p in plans.values() if p.current_revision])
                )
            )
        }
        for i in items:
            report = reports[i.plan_id]
            report.first = i.plan_id not in current
            if report.first:
                continue
            before = {
                m.key: _side(m.key, m.task_key, tasks[m.task_key].title if m.task_key in tasks else m.quote, m)
                for m in existing.values()
                if m.plan_id == i.plan_id and m.active
            }
            after = {}
            for key, parsed in zip(keyed[i.plan_id], i.result.milestones, strict=True):
                tkey = task_key(i.plan_id, parsed.section, parsed.task)
                after[key] = _side(key, tkey, parsed.task or parsed.quote, _values(parsed))
            report.changes = diff(
                before, after, {m.task_key for m in before.values()}, {m.task_key for m in after.values()}
            )
        overrides = set(s.exec(select(Override.milestone_key)))
        owner_overrides = {
            o.milestone_key: o
            for o in s.exec(
                select(Override).where(or_(col(Override.lead).is_not(None), col(Override.support).is_not(None)))
            )
        }
        for report in reports.values():
            report.contradicted = sorted(
                {k for c in report.changes for k in (c.milestone_key, c.old_key) if k and k in overrides}
                | {
                    m.key
                    for m in existing.values()
                    if m.plan_id == report.plan_id and m.active and m.key in overrides
                    and m.key not in set(keyed[report.plan_id])
                }
            )  # fmt: skip

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
        # The current revision stays when neither the text nor its reading changed.
        revisions = {
            pid: r.id
            for pid, r in current.items()
            if r.id is not None and r.digest == digests[pid] and not reports[pid].changes
        }
        new_revisions = [
            {
                "plan_id": i.plan_id,
                "digest": digests[i.plan_id],
                "text": i.text,
                "imported_at": now,
                "milestones": len(i.result.milestones),
                "source_digest": i.source_digest,
                "fetched_at": i.fetched_at,
                "counts": dict(Counter(m.kind for m in i.result.milestones)),
                "changes": len(reports[i.plan_id].changes),
                "first_line": i.first_line,
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
        changes = [
            {
                "revision_id": revisions[pid],
                "plan_id": pid,
                "kind": c.kind,
                "task": c.task,
                "words": c.words,
                "units": list(c.units),
                "milestone_key": c.milestone_key,
            }
            for pid, report in reports.items()
            for c in report.changes
        ]
        if changes:
            s.execute(insert(table(PlanChange)), changes)

        existing_rows = dict(existing)
        new_tasks: dict[str, dict[str, Any]] = {}
        seen_tasks: set[str] = set()
        new_milestones: list[dict[str, Any]] = []
        owners_changed: list[str] = []
        for i in items:
            report = reports[i.plan_id]
            for key, parsed in zip(keyed[i.plan_id], i.result.milestones, strict=True):
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
                laid = owner_overrides.get(key)
                if laid is not None:
                    parsed_owners = parsed.owners or {}
                    laid.parsed_owners = {r: list(parsed_owners.get(r, [])) for r in ("lead", "support")}
                if laid is not None and laid.lead is not None:  # an admin's owners stand over the parsed ones
                    values["lead"] = list(laid.lead)
                if laid is not None and laid.support is not None:
                    values["support"] = list(laid.support)
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
                            "rule": parsed.rule,
                            "matched": parsed.matched,
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
                if row is not None and (row.rule, row.matched) != (parsed.rule, parsed.matched):
                    row.rule, row.matched = parsed.rule, parsed.matched  # how it was read is no change to it
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
        for pid, report in reports.items():
            if report.changes and not report.first:
                report.notices = queue_notices(s, pid, revisions[pid], report.changes, now)
        if dry_run:
            s.rollback()
            for report in reports.values():
                report.revision = None
        else:
            s.commit()
    return [reports[pid] for pid in ids]


def queue_notices(s: Session, plan_id: str, revision_id: int, changes: list[Change], now: dt.datetime) -> int:
    """One notice of a revision to each active subscriber that follows its
    plan and at least one of its changes (a subscriber of some owner units
    hears of the changes that touch them)."""
    rows = []
    for sub in s.exec(select(Subscription).where(Subscription.active == True)):  # noqa: E712
        if not follows_plan(sub, plan_id):
            continue
        if not followed(changes, sub.owners):
            continue
        rows.append(
            {
                "revision_id": revision_id,
                "subscription_id": sub.id,
                "channel": sub.channel,
                "state": "pending",
                "late": False,
                "attempts": 0,
                "created_at": now,
            }
        )
    if rows:
        s.execute(insert(table(Delivery)), rows)
    return len(rows)


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
