"""Configuration in forms: a plan's reference date, period end, reminder
policy and subscribers, written back to its ``config/plans/*.toml`` (with
its comments) after the same checks as ``duban plans check``; a bad value
shows its error and changes nothing. A plan is added by uploading its
document. A running service picks the files up within ``poll_seconds``."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import tomlkit
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from config.edit import TomlEdit, save, write_atomically
from config.settings import ConfigError, Settings, load_settings
from duban.pages import forms
from duban.pages.site import Posted, Site
from notifiers.http import masked
from parsers.errors import ParseError
from parsers.pipeline import parse_path
from scheduler.senders import TestFailed, send_test

CHANNELS = ("log", "email", "webhook", "dingtalk", "wecom", "feishu")
DOCUMENT_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _words(error: Exception) -> str:
    if isinstance(error, ConfigError):
        return "；".join(f"{i.path.name} 第{i.line}行 {i.field}：{i.message}" for i in error.issues)
    return str(error)


def router(site: Site) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    def current() -> Settings:
        """The files as they are on disk now (the running service takes
        them up within seconds)."""
        try:
            return load_settings(site.store.path)
        except ConfigError:
            return site.settings

    def plan_path(settings: Settings, plan_id: str) -> Path:
        path = settings.plan_paths.get(plan_id)
        if path is None:
            raise HTTPException(404, "没有这个方案配置")
        return path

    def back(plan_id: str | None, message: str = "", error: str = "") -> RedirectResponse:
        return site.redirect(f"/config/plans/{quote(plan_id)}" if plan_id else "/config", message, error)

    @pages.get("/config")
    def config_list(request: Request) -> HTMLResponse:
        site.require(request)
        settings = current()
        return site.page(
            request,
            "config_list.html",
            plans=[(p, settings.plan_paths[p.id]) for p in settings.plans.values()],
            suffixes="、".join(DOCUMENT_SUFFIXES),
        )

    @pages.get("/config/plans/{plan_id}")
    def config_plan(request: Request, plan_id: str) -> HTMLResponse:
        site.require(request)
        settings = current()
        path = plan_path(settings, plan_id)
        plan = settings.plans[plan_id]
        subscribers = [(sid, sub, masked(sub.target)) for sid, p, sub in settings.subscribers() if p.id == plan_id]
        return site.page(
            request,
            "config_plan.html",
            plan=plan,
            path=path,
            subscribers=subscribers,
            channels=CHANNELS,
            defaults=settings.duban.reminders,
            everyone=[sid for sid, _, _ in settings.subscribers()],
        )

    @pages.post("/config/plans/{plan_id}/settings")
    def save_settings(plan_id: str, posted: Posted) -> Response:
        _, form = posted
        settings = current()
        edit = TomlEdit(plan_path(settings, plan_id))
        try:
            edit.set("ref", forms.day(form, "ref"))
            edit.set("until", forms.day(form, "until"))
            edit.set_in("reminders", "before", forms.wholes(form, "before"))
            edit.set_in("reminders", "at", forms.time_of_day(form, "at"))
            edit.set_in("reminders", "overdue_cap", forms.whole(form, "overdue_cap"))
            edit.set_in("reminders", "escalate_after", forms.whole(form, "escalate_after"))
            edit.set_in("reminders", "escalate_to", forms.names(form, "escalate_to") or None)
            save(site.store.path, edit)
        except (forms.FormError, ConfigError) as exc:
            return back(plan_id, error="未保存：" + _words(exc))
        return back(plan_id, "已保存")

    @pages.post("/config/plans/{plan_id}/subscribers")
    def add_subscriber(plan_id: str, posted: Posted) -> Response:
        _, form = posted
        settings = current()
        edit = TomlEdit(plan_path(settings, plan_id))
        fields = {
            "id": str(form.get("id") or "").strip() or None,
            "channel": str(form.get("channel") or ""),
            "target": str(form.get("target") or "").strip(),
            "owners": forms.names(form, "owners"),
            "mode": str(form.get("mode") or "immediate"),
            "secret_env": str(form.get("secret_env") or "").strip() or None,
        }
        try:
            edit.add_entry("subscribers", fields)
            save(site.store.path, edit)
        except ConfigError as exc:
            return back(plan_id, error="未添加：" + _words(exc))
        return back(plan_id, f"已添加订阅：{fields['channel']} {masked(str(fields['target']))}")

    @pages.post("/config/plans/{plan_id}/subscribers/{index}/remove")
    def remove_subscriber(plan_id: str, index: int, posted: Posted) -> Response:
        settings = current()
        edit = TomlEdit(plan_path(settings, plan_id))
        try:
            edit.remove_entry("subscribers", index - 1)
            save(site.store.path, edit)
        except ConfigError as exc:
            return back(plan_id, error="未删除：" + _words(exc))
        return back(plan_id, "已删除订阅")

    @pages.post("/config/subscribers/{sid}/test")
    def test_subscriber(sid: str, posted: Posted) -> Response:
        _, form = posted
        settings = current()
        plan_id = str(form.get("plan") or "") or None
        try:
            said = send_test(settings, site.engine, sid, site.now())
        except (KeyError, TestFailed) as exc:
            return back(plan_id, error=f"测试消息未送达：{exc}")
        return back(plan_id, f"测试消息已发送：{said}")

    @pages.post("/config/upload")
    def upload(posted: Posted) -> Response:
        _, form = posted
        settings = current()
        plan_id = str(form.get("id") or "").strip()
        document = form.get("document")
        if not _ID.fullmatch(plan_id):
            return back(None, error="方案编号只能用字母、数字、点、横线和下划线")
        if plan_id in settings.plans:
            return back(None, error=f"方案编号 {plan_id} 已被使用")
        if not isinstance(document, UploadFile) or not document.filename:
            return back(None, error="请选择方案文件")
        suffix = Path(document.filename).suffix.lower()
        if suffix not in DOCUMENT_SUFFIXES:
            return back(None, error=f"只能上传 {'、'.join(DOCUMENT_SUFFIXES)} 文件")
        limit = int(settings.duban.service.max_document_mb * 1024 * 1024)
        body = document.file.read(limit + 1)
        if len(body) > limit:
            return back(None, error=f"文件超过 {settings.duban.service.max_document_mb:g} MB")
        folder = site.store.path.parent / "documents"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{plan_id}{suffix}"
        if target.exists():
            return back(None, error=f"{target.name} 已存在")
        target.write_bytes(body)
        try:
            result = parse_path(target, imported=site.today(), doc=plan_id)
        except ParseError as exc:
            target.unlink()
            return back(None, error=f"文件读不出：{exc}")
        found = sum(len(p.milestones) for p in result.plans)
        if not found:
            target.unlink()
            return back(None, error="文件中没有读出任何时限，未添加")
        plans_dir = (site.store.path.parent / settings.duban.service.plans_dir).resolve()
        source = Path("..") / "documents" / target.name if plans_dir.parent == folder.parent else target
        plan_file = tomlkit.document()
        shown = "".join(c for c in document.filename if c.isprintable())
        plan_file.add(tomlkit.comment(f"{shown}, added from the pages on {site.today().isoformat()}"))
        plan_file["id"] = plan_id
        plan_file["source"] = source.as_posix()
        write_atomically(plans_dir / f"{plan_id}.toml", tomlkit.dumps(plan_file))
        return back(plan_id, f"已添加方案：读出{len(result.plans)}个方案、{found}个时限，数秒内导入")

    return pages
