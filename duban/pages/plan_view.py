"""A plan's page: its text with each milestone marked on its line, next
to the milestones (task, owners, kind, dates in words, how each was read);
correct a milestone's kind, dates or owners, mark an occurrence or the task
done, and take either back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from duban.pages import forms
from duban.pages.site import Posted, Site
from scheduler.corrections import CorrectionError, correct, take_back
from scheduler.db import session
from scheduler.models import Completion, Milestone, Override, Plan, PlanRevision, Task
from scheduler.policy import Dates, occurrence_of
from scheduler.reminders import effective_dates
from scheduler.reports import close_occurrence
from scheduler.status import mark_done, mark_undone
from scheduler.words import dates_words

EDITABLE_KINDS = ("deadline", "range", "start", "recurring", "ongoing", "unresolved")


@dataclass(frozen=True)
class Line:
    number: int
    before: str
    marked: str
    after: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    m: Milestone
    task: str
    dates: Dates
    words: str
    override: Override | None
    moved_under: bool  # a re-import changed the milestone after the override was made
    done: bool
    done_days: list[dt.date]


def lines_of(revision: PlanRevision | None, milestones: list[Milestone]) -> list[Line]:
    if revision is None:
        return []
    by_line: dict[int, list[Milestone]] = {}
    for m in milestones:
        by_line.setdefault(m.line, []).append(m)
    out = []
    for i, text in enumerate(revision.text.split("\n")):
        number = revision.first_line + i
        here = by_line.get(number, [])
        quote_text = next((m.quote for m in here if m.quote and m.quote in text), "")
        at = text.find(quote_text) if quote_text else -1
        if at >= 0:
            out.append(Line(number, text[:at], quote_text, text[at + len(quote_text) :], tuple(m.key for m in here)))
        else:
            out.append(Line(number, text, "", "", tuple(m.key for m in here)))
    return out


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _changed_since(m: Milestone, o: Override | None) -> bool:
    """A new revision of the plan changed what an override lies over: its
    words, its place, the dates the plan gives. The override still holds."""
    if o is None:
        return False
    return bool(o.quote and o.quote != m.quote) or _utc(m.changed_at) > _utc(o.created_at)


def plan_context(site: Site, plan_id: str) -> dict[str, Any]:
    with session(site.engine) as s:
        plan = s.get(Plan, plan_id)
        if plan is None:
            raise HTTPException(404, "没有这个方案")
        revision = s.get(PlanRevision, plan.current_revision) if plan.current_revision else None
        milestones = list(
            s.exec(
                select(Milestone)
                .where(Milestone.plan_id == plan_id, Milestone.active == True)  # noqa: E712
                .order_by(col(Milestone.line))
            )
        )
        tasks = {t.key: t for t in s.exec(select(Task).where(Task.plan_id == plan_id))}
        keys = [m.key for m in milestones]
        overrides = {o.milestone_key: o for o in s.exec(select(Override).where(col(Override.milestone_key).in_(keys)))}
        # Overrides whose milestone a new revision no longer has: kept, shown, undone by hand.
        orphans = s.exec(
            select(Override, Milestone)
            .where(col(Override.milestone_key) == col(Milestone.key))
            .where(Milestone.plan_id == plan_id, Milestone.active == False)  # noqa: E712
            .order_by(col(Milestone.line))
        ).all()
        done_tasks = {c.task_key for c in s.exec(select(Completion).where(col(Completion.task_key).in_(list(tasks))))}
        done: dict[str, list[dt.date | None]] = {}
        for c in s.exec(select(Completion).where(col(Completion.milestone_key).in_(keys))):
            done.setdefault(c.milestone_key or "", []).append(c.occurrence)
    entries = []
    for m in milestones:
        o = overrides.get(m.key)
        d = effective_dates(m, o, plan.until)
        days = done.get(m.key, [])
        entries.append(
            Entry(
                m,
                tasks[m.task_key].title if m.task_key in tasks else m.quote,
                d,
                dates_words(d, m.offset),
                o,
                _changed_since(m, o),
                m.task_key in done_tasks or None in days or occurrence_of(d) in days,
                sorted(x for x in days if x is not None),
            )
        )
    return {
        "plan": plan,
        "revision": revision,
        "lines": lines_of(revision, milestones),
        "entries": entries,
        "kinds": EDITABLE_KINDS,
        "done_tasks": done_tasks,
        "orphans": orphans,
    }


def router(site: Site) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/plans/{plan_id:path}")
    def plan_page(request: Request, plan_id: str) -> HTMLResponse:
        site.require(request)
        return site.page(request, "plan.html", **plan_context(site, plan_id))

    def _back(plan_id: str, message: str = "", error: str = "") -> RedirectResponse:
        return site.redirect(f"/plans/{quote(plan_id, safe='/')}", message, error)

    def milestone(key: str) -> Milestone:
        with session(site.engine) as s:
            m = s.get(Milestone, key)
        if m is None:
            raise HTTPException(404, "没有这个事项")
        return m

    @pages.post("/milestones/{key}/correct")
    def correct_milestone(key: str, posted: Posted) -> Response:
        admin, form = posted
        m = milestone(key)
        lead, support = forms.names(form, "lead"), forms.names(form, "support")
        try:
            kind = str(form.get("kind") or "") or None
            sequence = correct(
                site.engine,
                key,
                site.now(),
                kind=kind,
                start=forms.day(form, "start"),
                due=forms.day(form, "due"),
                reason=str(form.get("reason") or "").strip()[:500] or None,
                # owners only when the form changed them: unchanged ones stay the plan's
                lead=lead if "lead" in form and lead != m.lead else None,
                support=support if "support" in form and support != m.support else None,
                by=admin.name,
            )
        except (forms.FormError, CorrectionError) as exc:  # a date that does not read, or cannot be kept
            return _back(m.plan_id, error=f"未保存（第{m.line}行「{m.quote}」）：{exc}")
        site.replan([m.plan_id])
        return _back(m.plan_id, f"已保存第{m.line}行「{m.quote}」的修改（版本{sequence}）")

    @pages.post("/milestones/{key}/uncorrect")
    def uncorrect(key: str, posted: Posted) -> Response:
        m = milestone(key)
        take_back(site.engine, key, site.now())
        site.replan([m.plan_id])
        return _back(m.plan_id, f"已撤销第{m.line}行「{m.quote}」的修改")

    @pages.post("/milestones/{key}/done")
    def milestone_done(key: str, posted: Posted) -> Response:
        admin, form = posted
        m = milestone(key)
        with session(site.engine) as s:
            plan = s.get(Plan, m.plan_id)
            dates = effective_dates(m, s.get(Override, key), plan.until if plan else None)
        try:
            day = forms.day(form, "occurrence") or occurrence_of(dates)
        except forms.FormError as exc:
            return _back(m.plan_id, error=str(exc))
        if dates.kind == "recurring":
            if day is None:
                return _back(m.plan_id, error="请填写办结的是哪一期（日期）")
            try:  # a day that is one of the cadence's occurrences, or an error naming the nearest
                mark_done(site.engine, key, site.now(), day, by=f"admin:{admin.name}")
            except KeyError as exc:
                return _back(m.plan_id, error=f"{day} 不是「{m.quote}」的一期：{exc.args[0]}")
        else:
            with session(site.engine) as s:
                close_occurrence(s, key, day, site.now(), f"admin:{admin.name}", str(form.get("note") or ""))
                s.commit()
        site.replan([m.plan_id])
        return _back(m.plan_id, f"已标记办结：{m.quote}" + (f"（{day}）" if day else ""))

    @pages.post("/milestones/{key}/undone")
    def milestone_undone(key: str, posted: Posted) -> Response:
        m = milestone(key)
        with session(site.engine) as s:
            for c in s.exec(select(Completion).where(Completion.milestone_key == key)):
                s.delete(c)
            s.commit()
        site.replan([m.plan_id])
        return _back(m.plan_id, f"已撤销办结：{m.quote}")

    @pages.post("/tasks/{key}/done")
    def task_done(key: str, posted: Posted) -> Response:
        admin, _ = posted
        with session(site.engine) as s:
            task = s.get(Task, key)
        if task is None:
            raise HTTPException(404, "没有这个任务")
        mark_done(site.engine, key, site.now(), by=f"admin:{admin.name}")
        site.replan([task.plan_id])
        return _back(task.plan_id, f"任务已办结：{task.title}")

    @pages.post("/tasks/{key}/undone")
    def task_undone(key: str, posted: Posted) -> Response:
        with session(site.engine) as s:
            task = s.get(Task, key)
        if task is None:
            raise HTTPException(404, "没有这个任务")
        mark_undone(site.engine, key)
        site.replan([task.plan_id])
        return _back(task.plan_id, f"已撤销办结：{task.title}")

    return pages
