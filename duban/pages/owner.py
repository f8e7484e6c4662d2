"""The owner's page, opened from a reminder's signed link: no account, the
link is the permission. Report the occurrence done (with a note), report
the day a relative milestone's event happened, or ask for more time."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select
from starlette.datastructures import FormData

from duban.pages import forms
from duban.pages.site import Site
from scheduler.db import session
from scheduler.models import Completion, Milestone, Override, OwnerRequest, Plan, Task
from scheduler.owner_links import LinkError, OwnerLink
from scheduler.reminders import effective_dates
from scheduler.reports import ReportError, ask_extension, event_words, report_done, set_event_day, state_words
from scheduler.words import dates_words

KIND_WORDS = {"done": "报告办结", "event": "报告事件日期", "extension": "申请延期"}


def router(site: Site) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    def link_of(token: str) -> OwnerLink:
        try:
            return site.signer.read(token, site.today())
        except LinkError as exc:
            raise HTTPException(403, str(exc)) from None

    def context(link: OwnerLink, token: str) -> dict[str, Any]:
        with session(site.engine) as s:
            m = s.get(Milestone, link.milestone_key)
            if m is None:
                raise HTTPException(404, "该事项已不存在")
            plan, task = s.get(Plan, m.plan_id), s.get(Task, m.task_key)
            override = s.get(Override, m.key)
            done = s.exec(
                select(Completion).where(
                    Completion.milestone_key == m.key,
                    col(Completion.occurrence).in_([link.occurrence]) | col(Completion.occurrence).is_(None),
                )
            ).first()
            task_done = s.exec(select(Completion).where(Completion.task_key == m.task_key)).first()
            history = s.exec(
                select(OwnerRequest)
                .where(OwnerRequest.milestone_key == m.key, OwnerRequest.subscription_id == link.subscription_id)
                .order_by(col(OwnerRequest.created_at).desc())
            ).all()
        dates = effective_dates(m, override, plan.until if plan else None)
        return {
            "token": token,
            "form_token": site.signer.form_token(token),
            "link": link,
            "m": m,
            "plan": plan,
            "task": task.title if task else m.quote,
            "when": dates_words(dates, m.offset),
            "dated": dates.kind != "relative",
            "event": event_words(m.offset),
            "done": done or task_done,
            "history": history,
            "request_words": KIND_WORDS,
            "state_words": state_words,
            "admin": None,
        }

    @pages.get("/o/{token}")
    def owner_page(request: Request, token: str) -> HTMLResponse:
        link = link_of(token)
        return site.page(request, "owner.html", **context(link, token))

    async def posted_form(request: Request, token: str) -> tuple[OwnerLink, FormData]:
        """The link a form was posted under and the form, its token checked."""
        link = link_of(token)
        form = await request.form()
        given = form.get("csrf")
        if not isinstance(given, str) or not hmac.compare_digest(given, site.signer.form_token(token)):
            raise HTTPException(403, "表单已失效（防伪校验未通过），请重新打开链接")
        return link, form

    # (the handlers run in the thread pool; the form is read on the loop)
    posted = Depends(posted_form)

    def back(token: str, message: str = "", error: str = "") -> RedirectResponse:
        return site.redirect(f"/o/{token}", message, error)

    @pages.post("/o/{token}/done")
    def done(token: str, sent: tuple[OwnerLink, FormData] = posted) -> Response:
        link, form = sent
        note = str(form.get("note") or "").strip()[:1000]
        try:
            report_done(site.engine, link.subscription_id, link.milestone_key, link.occurrence, note, site.now())
        except ReportError as exc:
            return back(token, error=str(exc))
        site.invalidate()
        return back(token, "已报告办结，本期不再提醒")

    @pages.post("/o/{token}/event")
    def event(token: str, sent: tuple[OwnerLink, FormData] = posted) -> Response:
        link, form = sent
        try:
            day = forms.required_day(form, "day", "请填写事件发生的日期")
        except forms.FormError as exc:
            return back(token, error=str(exc))
        if day > site.today():
            return back(token, error="事件日期不能晚于今天")
        try:
            due = set_event_day(
                site.engine,
                link.milestone_key,
                day,
                site.settings.calendar(),
                site.now(),
                by=f"owner:{link.subscription_id}",
                subscription_id=link.subscription_id,
                occurrence=link.occurrence,
            )
        except ReportError as exc:
            return back(token, error=str(exc))
        site.replan_milestone(link.milestone_key)
        return back(token, f"已记录，时限为{due.isoformat()}，届时将提醒")

    @pages.post("/o/{token}/extension")
    def extension(token: str, sent: tuple[OwnerLink, FormData] = posted) -> Response:
        link, form = sent
        try:
            day = forms.required_day(form, "day", "请填写申请延至的日期")
        except forms.FormError as exc:
            return back(token, error=str(exc))
        try:
            ask_extension(
                site.engine,
                link.subscription_id,
                link.milestone_key,
                link.occurrence,
                day,
                str(form.get("reason") or "")[:1000],
                site.now(),
            )
        except ReportError as exc:
            return back(token, error=str(exc))
        return back(token, "延期申请已提交，审核后会通知您")

    return pages
