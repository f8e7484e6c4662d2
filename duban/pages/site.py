"""What every page works with: the database, the running configuration,
the clock, the templates, the signing secret, and the admin behind a
request."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData

from config.settings import ConfigStore, Settings
from duban.pages.auth import SESSION_COOKIE, AdminSession, Sessions, Throttle
from scheduler.db import session
from scheduler.models import Milestone
from scheduler.owner_links import LinkSigner
from scheduler.reminders import sync_reminders
from scheduler.site_key import site_secret
from scheduler.words import KIND_WORDS

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
FLASH_SECONDS = 300  # how long the words of a form's outcome stay on the page it leads to
STATUS_WORDS = {
    "overdue": "已逾期",
    "due today": "今日到期",
    "due soon": "即将到期",
    "on track": "正常推进",
    "done": "已办结",
    "ended": "已结束",
}
# Where a plan's reference date came from (parsers.reference), in words.
REF_WORDS = {
    "explicit": "配置指定",
    "issue date": "印发日期",
    "title period": "标题所述期间",
    "title": "标题年份",
    "plan dates": "方案内日期",
    "document dates": "文件内日期",
    "import date": "导入日期",
}
# 红/黄/绿: overdue, due within 3 working days, on track; done and ended grey.
LIGHTS = {"overdue": "red", "due today": "yellow", "due soon": "yellow", "on track": "green", "done": "grey"}


class NeedLogin(Exception):
    """A page asked for without a session: the browser goes to the login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


@dataclass
class Site:
    engine: Engine
    store: ConfigStore
    clock: Callable[[], dt.datetime]
    invalidate: Callable[[], None] = lambda: None  # the feed cache's
    templates: Jinja2Templates = field(init=False)
    throttle: Throttle = field(init=False)

    def __post_init__(self) -> None:
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals.update(
            status_words=STATUS_WORDS, lights=LIGHTS, kind_words=KIND_WORDS, ref_words=REF_WORDS, quote=quote
        )
        self.templates.env.filters["local"] = self.local
        self.throttle = Throttle(self.clock)

    @property
    def settings(self) -> Settings:
        return self.store.current

    @cached_property
    def secret(self) -> bytes:
        return site_secret(self.engine, self.clock())

    @cached_property
    def sessions(self) -> Sessions:
        return Sessions(self.secret)

    @cached_property
    def flashes(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="duban.flash")

    def redirect(self, path: str, message: str = "", error: str = "") -> RedirectResponse:
        """Back to a page after a form, with what came of it: signed, so a
        link made elsewhere cannot put words on duban's pages."""
        query = ""
        if message or error:
            query = "?flash=" + quote(self.flashes.dumps({"m": message[:300], "e": error[:800]}))
        return RedirectResponse(path + query, status_code=303)

    def flash(self, request: Request) -> tuple[str, str]:
        value = request.query_params.get("flash")
        if not value:
            return "", ""
        try:
            data = self.flashes.loads(value, max_age=FLASH_SECONDS)
        except BadSignature:
            return "", ""
        return str(data.get("m", "")), str(data.get("e", ""))

    @cached_property
    def signer(self) -> LinkSigner:
        return LinkSigner(self.secret)

    @property
    def secure(self) -> bool:
        """Cookies are ``Secure`` when the site's address is https."""
        return self.settings.duban.delivery.base_url.startswith("https://")

    def local(self, moment: dt.datetime | None, style: str = "%Y-%m-%d %H:%M") -> str:
        """An instant in the service's time zone (stored instants are UTC)."""
        if moment is None:
            return ""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return aware.astimezone(ZoneInfo(self.settings.timezone)).strftime(style)

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.clock().astimezone(ZoneInfo(self.settings.timezone)).date()

    def replan(self, plan_ids: Iterable[str]) -> None:
        """Bring reminders and feeds in step with an edit, at once. Should
        the scheduler's own sync plan the same rows at the same moment, its
        rows stand (they are the same) and the edit is not undone."""
        settings = self.settings
        try:
            sync_reminders(self.engine, settings.policy_for, settings.calendar(), self.clock(), list(plan_ids))
        except IntegrityError:
            log.info("reminders of %s were planned by the scheduler's sync at the same moment", list(plan_ids))
        self.invalidate()

    def replan_milestone(self, key: str) -> None:
        """``replan`` for the plan a milestone belongs to."""
        with session(self.engine) as s:
            m = s.get(Milestone, key)
        if m is not None:
            self.replan([m.plan_id])

    def admin_of(self, request: Request) -> AdminSession | None:
        return self.sessions.read(request.cookies.get(SESSION_COOKIE), self.settings.duban.admins)

    def require(self, request: Request) -> AdminSession:
        """The admin behind a request; a page without one goes to the login,
        anything else is refused."""
        admin = self.admin_of(request)
        if admin is not None:
            return admin
        if request.method == "GET":
            raise NeedLogin(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
        raise HTTPException(403, "请先登录")

    async def require_form(self, request: Request) -> tuple[AdminSession, FormData]:
        """The admin behind a form post and the form, whose anti-forgery
        token must be the session's."""
        admin = self.require(request)
        form = await request.form()
        token = form.get("csrf")
        if not isinstance(token, str) or not hmac.compare_digest(token, admin.csrf):
            raise HTTPException(403, "表单已失效（防伪校验未通过），请刷新页面后重试")
        return admin, form

    def page(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        admin = self.admin_of(request)
        message, error = self.flash(request)
        context.setdefault("message", message)
        context.setdefault("error", error)
        context.setdefault("admin", admin)
        context.setdefault("csrf", admin.csrf if admin else "")
        return self.templates.TemplateResponse(request, template, context, status_code=status_code)


async def _posted(request: Request) -> tuple[AdminSession, FormData]:
    site: Site = request.app.state.site
    return await site.require_form(request)


# A form post of an admin, its anti-forgery token checked: the handler that
# takes it runs in the thread pool, off the event loop.
Posted = Annotated[tuple[AdminSession, FormData], Depends(_posted)]
