"""The delivery log with filters, and dead deliveries sent again."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from duban.pages.site import Posted, Site
from scheduler.db import session
from scheduler.models import Delivery
from scheduler.outbox import counts_by_state, retry_by_hand

STATES = {"pending": "待发送", "sent": "已送达", "dead": "已放弃"}
PAGE = 200


def router(site: Site) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/deliveries")
    def deliveries(request: Request, state: str = "", channel: str = "") -> HTMLResponse:
        site.require(request)
        with session(site.engine) as s:
            query = select(Delivery).order_by(col(Delivery.id).desc()).limit(PAGE)
            if state:
                query = query.where(Delivery.state == state)
            if channel:
                query = query.where(Delivery.channel == channel)
            rows = s.exec(query).all()
        counts = counts_by_state(site.engine)
        return site.page(
            request,
            "deliveries.html",
            rows=rows,
            counts=counts,
            states=STATES,
            state=state,
            channel=channel,
            channels=sorted(counts),
        )

    @pages.post("/deliveries/retry")
    def retry(posted: Posted) -> Response:
        _, form = posted
        ids = [int(v) for v in form.getlist("id") if isinstance(v, str) and v.isdigit()]
        n = retry_by_hand(site.engine, ids or None, site.now())
        return site.redirect("/deliveries", f"已重新排队{n}条")

    return pages
