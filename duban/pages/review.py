"""The review queue: what the parser could not date for sure (unresolved,
relative to an event, low confidence) and owners' extension requests, in
one place. A relative milestone is dated by its event's day; a doubtful
one is corrected or confirmed; a request is approved or declined."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, or_, select

from duban.pages import forms
from duban.pages.site import Posted, Site
from scheduler.corrections import correct
from scheduler.db import session
from scheduler.models import Milestone, Override, OwnerRequest, Plan, Subscription, Task
from scheduler.owner_links import OwnerLink
from scheduler.policy import Dates
from scheduler.reminders import follows_milestone
from scheduler.reports import PENDING, ReportError, decide, event_words, set_event_day
from scheduler.words import dates_words, offset_words

LOW_CONFIDENCE = 0.7


@dataclass(frozen=True)
class Doubt:
    m: Milestone
    plan: str
    task: str
    why: str
    event: str
    # For a relative milestone, which gets no reminder to carry one: each
    # following subscriber's signed link, for the admin to pass on.
    links: tuple[tuple[str, str], ...] = ()
    words: str = ""  # how it reads now


@dataclass(frozen=True)
class Ask:
    request: OwnerRequest
    m: Milestone
    plan: str
    task: str
    who: str


def queue(site: Site) -> dict[str, Any]:
    with session(site.engine) as s:
        corrected = set(s.exec(select(Override.milestone_key)))
        plans = {p.id: p.title for p in s.exec(select(Plan))}
        rows = s.exec(
            select(Milestone, Task)
            .where(Milestone.active == True, col(Milestone.task_key) == col(Task.key))  # noqa: E712
            .where(
                or_(
                    col(Milestone.kind).in_(["unresolved", "relative"]),
                    col(Milestone.confidence) < LOW_CONFIDENCE,
                )
            )
            .order_by(col(Milestone.plan_id), col(Milestone.line))
        ).all()
        asks = s.exec(
            select(OwnerRequest, Milestone, Task)
            .where(OwnerRequest.state == PENDING)
            .where(col(OwnerRequest.milestone_key) == col(Milestone.key), col(Milestone.task_key) == col(Task.key))
            .order_by(col(OwnerRequest.created_at))
        ).all()
        subs = {sub.id: sub for sub in s.exec(select(Subscription))}
    doubts = []
    for m, task in rows:
        if m.key in corrected:
            continue
        why = {"unresolved": "时限未能确定", "relative": f"以事件为起点：{offset_words(m.offset)}"}.get(
            m.kind, f"把握较低（{m.confidence:.2f}）"
        )
        links: tuple[tuple[str, str], ...] = ()
        if m.kind == "relative":
            base = site.settings.duban.delivery.base_url
            links = tuple(
                (_who(sub, sub.id), site.signer.url(base, OwnerLink.for_occurrence(sub.id, m.key, site.today())))
                for sub in subs.values()
                if sub.active and follows_milestone(sub, m)
            )
        words = dates_words(Dates(m.kind, m.start, m.due, m.rrule), m.offset)
        doubts.append(Doubt(m, plans.get(m.plan_id, m.plan_id), task.title, why, event_words(m.offset), links, words))
    requests = [
        Ask(r, m, plans.get(m.plan_id, m.plan_id), t.title, _who(subs.get(r.subscription_id), r.subscription_id))
        for r, m, t in asks
    ]
    return {"doubts": doubts, "requests": requests}


def _who(sub: Subscription | None, sid: str) -> str:
    if sub is None:
        return sid
    return sub.target if sub.channel in ("log", "email") else f"{sid}（{sub.channel}）"


def router(site: Site) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    def _back(message: str = "", error: str = "") -> RedirectResponse:
        return site.redirect("/review", message, error)

    @pages.get("/review")
    def review(request: Request) -> HTMLResponse:
        site.require(request)
        return site.page(
            request,
            "review.html",
            kinds=("deadline", "range", "start"),
            **queue(site),
        )

    @pages.post("/review/{key}/event")
    def event_day(key: str, posted: Posted) -> Response:
        admin, form = posted
        try:
            day = forms.required_day(form, "day", "请填写事件发生的日期（年-月-日）")
        except forms.FormError as exc:
            return _back(error=str(exc))
        try:
            due = set_event_day(site.engine, key, day, site.settings.calendar(), site.now(), by=admin.name)
        except ReportError as exc:
            return _back(error=str(exc))
        site.replan_milestone(key)
        return _back(f"已按事件日期{day}确定时限：{due.isoformat()}，提醒已安排")

    @pages.post("/review/{key}/confirm")
    def confirm(key: str, posted: Posted) -> Response:
        admin, _ = posted
        try:
            correct(site.engine, key, site.now(), reason="已核对，按原读法", by=admin.name)
        except (KeyError, ValueError) as exc:
            return _back(error=f"未能确认：{exc}")
        return _back("已确认")

    @pages.post("/review/{key}/date")
    def date(key: str, posted: Posted) -> Response:
        admin, form = posted
        kind = str(form.get("kind") or "deadline")
        try:
            start, due = forms.day(form, "start"), forms.day(form, "due")
            correct(site.engine, key, site.now(), kind=kind, start=start, due=due, reason="审核确定", by=admin.name)
        except (KeyError, ValueError) as exc:
            return _back(error=f"未保存：{exc}")
        site.replan_milestone(key)
        return _back("已确定时限，提醒已安排")

    @pages.post("/requests/{request_id}/{answer}")
    def answer(request_id: int, answer: str, posted: Posted) -> Response:
        admin, _ = posted
        if answer not in ("approve", "decline"):
            return _back(error="未知的操作")
        try:
            row = decide(site.engine, request_id, answer == "approve", admin.name, site.now())
        except ReportError as exc:
            return _back(error=str(exc))
        site.replan_milestone(row.milestone_key)
        return _back(("已同意" if answer == "approve" else "已拒绝") + "延期申请，申请人将收到通知")

    return pages
