"""The pages people use, in Chinese, rendered on the server (Jinja2): the
admins' 总览, plan view, review queue, configuration and delivery log behind
a login, and the owners' pages behind signed links. Every asset is served
by duban itself (``/static``)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from duban.pages import configure, deliveries, login, overview, owner, plan_view, review
from duban.pages.site import HERE, NeedLogin, Site

__all__ = ["Site", "mount"]

# Answers outside the pages stay JSON (the API, the feeds, health).
_MACHINE = ("/api/", "/feeds/", "/healthz", "/metrics", "/openapi.json")


def mount(app: FastAPI, site: Site) -> None:
    app.state.site = site
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (login, overview, plan_view, review, configure, deliveries, owner):
        app.include_router(module.router(site))

    @app.exception_handler(NeedLogin)
    async def to_login(request: Request, exc: NeedLogin) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def error_page(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(_MACHINE) or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return site.page(
            request, "error.html", status_code=exc.status_code, error=str(exc.detail), code=exc.status_code
        )
