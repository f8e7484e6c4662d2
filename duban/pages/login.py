"""Logging in and out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from duban.pages.auth import LOGIN_COOKIE, SESSION_COOKIE, SESSION_HOURS, password_matches
from duban.pages.site import Posted, Site


def _safe_next(value: object) -> str:
    """Only a path of this site: a login never sends the browser away."""
    text = value if isinstance(value, str) else ""
    parts = urlsplit(text)
    if not text.startswith("/") or text.startswith("//") or parts.scheme or parts.netloc:
        return "/overview"
    return text


def router(site: Site) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    def form(request: Request, next_url: str, name: str = "", error: str = "", status: int = 200) -> HTMLResponse:
        token, cookie = site.sessions.login_token()
        response = site.page(
            request,
            "login.html",
            status_code=status,
            next=next_url,
            name=name,
            error=error,
            has_admins=bool(site.settings.duban.admins),
            login_token=token,
            admin=None,
        )
        response.set_cookie(LOGIN_COOKIE, cookie, httponly=True, samesite="lax", secure=site.secure, max_age=3600)
        return response

    @pages.get("/login")
    def login_page(request: Request, next: str = "/overview") -> HTMLResponse:
        return form(request, _safe_next(next))

    @pages.post("/login", response_model=None)
    def login(
        request: Request,
        name: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=1024)] = "",
        csrf: Annotated[str, Form(max_length=128)] = "",
        then: Annotated[str, Form(alias="next", max_length=2000)] = "",
    ) -> Response:
        """Runs in the thread pool: checking an argon2 hash takes a while."""
        next_url = _safe_next(then)
        if not site.sessions.login_token_ok(request.cookies.get(LOGIN_COOKIE), csrf):
            return form(request, next_url, name, "登录表单已失效，请重新输入", 403)
        address = request.client.host if request.client else "?"
        wait = site.throttle.wait(name, address)
        if wait:
            return form(request, next_url, name, f"登录失败次数过多，请{wait}秒后再试", 429)
        admin = next((a for a in site.settings.duban.admins if a.name == name), None)
        if not password_matches(admin, password) or admin is None:
            site.throttle.failed(name, address)
            return form(request, next_url, name, "用户名或密码不正确", 401)
        site.throttle.succeeded(name, address)
        response = RedirectResponse(next_url, status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            site.sessions.cookie(admin),
            max_age=SESSION_HOURS * 3600,
            httponly=True,
            samesite="lax",
            secure=site.secure,
        )
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @pages.post("/logout")
    def logout(posted: Posted) -> RedirectResponse:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    return pages
