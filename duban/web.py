"""The HTTP app: calendar feeds, the read/write API, health and metrics,
and (given a ``duban.pages.Site``) the admins' and owners' pages.

Feeds answer with ``ETag`` and ``Last-Modified`` and ``304`` to conditional
requests; responses are gzipped. API writes need the admin token
(``Authorization: Bearer …``, from the variable named by
``[service] admin_token_env``). OpenAPI at ``/docs``, its assets served here.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated, Any
from urllib.parse import quote

import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from duban.pages import Site
from scheduler.corrections import CorrectionError, correct
from scheduler.db import session
from scheduler.feeds import ALL, FeedCache, FeedSpec
from scheduler.keys import unit_key
from scheduler.models import Delivery, FeedToken, Milestone, MilestoneOwner, Plan, Reminder, Subscription
from scheduler.policy import ReminderPolicy
from scheduler.status import mark_done, task_statuses

ICS = "text/calendar; charset=utf-8"


class OverrideIn(BaseModel):
    """An admin's correction of a milestone; what it leaves out stays as
    parsed. Checked with the milestone it lands on (``scheduler.overrides``)."""

    kind: str | None = Field(default=None, max_length=20)
    start: dt.date | None = None
    due: dt.date | None = None
    rrule: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=500)


class Metrics:
    """This process's feed requests; reminders and deliveries are read from
    the database at each scrape, so they count what every process did."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.registry = CollectorRegistry()
        self.feed_requests = Counter("duban_feed_requests", "Feed requests", ["feed", "status"], registry=self.registry)
        if engine is not None:
            self.registry.register(_StoredWork(engine))


class _StoredWork(Collector):
    """Reminders by state, deliveries by channel and state, and how long a
    sent delivery took from its reminder firing to its sending."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        reminders = GaugeMetricFamily("duban_reminders", "Reminders by state", labels=["state"])
        deliveries = GaugeMetricFamily(
            "duban_deliveries", "Deliveries by channel and state", labels=["channel", "state"]
        )
        latency = GaugeMetricFamily(
            "duban_delivery_latency_seconds_avg",
            "Mean seconds from a delivery's writing to its sending",
            labels=["channel"],
        )
        with session(self.engine) as s:
            for state, n in s.execute(sa_select(col(Reminder.state), func.count()).group_by(col(Reminder.state))):
                reminders.add_metric([state], n)
            for channel, state, n in s.execute(
                sa_select(col(Delivery.channel), col(Delivery.state), func.count()).group_by(
                    col(Delivery.channel), col(Delivery.state)
                )
            ):
                deliveries.add_metric([channel, state], n)
            sent = s.exec(select(Delivery).where(Delivery.state == "sent", col(Delivery.sent_at).is_not(None)))
            waited: dict[str, list[float]] = {}
            for d in sent:
                assert d.sent_at is not None
                waited.setdefault(d.channel, []).append((_utc(d.sent_at) - _utc(d.created_at)).total_seconds())
            for channel, seconds in waited.items():
                latency.add_metric([channel], sum(seconds) / len(seconds))
        yield from (reminders, deliveries, latency)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# Bodies smaller than this go out uncompressed.
GZIP_MINIMUM = 500


def new_token() -> str:
    return secrets.token_urlsafe(24)


def feed_links(base_url: str, path: str) -> dict[str, str]:
    https = base_url.rstrip("/") + path
    webcal = "webcal://" + https.split("://", 1)[1]
    return {"https": https, "webcal": webcal}


def create_app(
    engine: Engine,
    policy: Callable[[], ReminderPolicy],
    base_url: str,
    admin_token: str | None,
    today: Callable[[], dt.date],
    metrics: Metrics | None = None,
    health: Callable[[], dict[str, Any]] | None = None,
    site: Site | None = None,
) -> FastAPI:
    """The HTTP app; with ``site``, the pages too (``duban.pages``)."""
    app = FastAPIOffline(title="duban", description="Deadlines and reminders for Chinese work plans.", version="1")
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM)
    cache = FeedCache(engine, policy, base_url)
    metrics = metrics or Metrics(engine)
    app.state.cache = cache
    app.state.metrics = metrics

    def admin(authorization: Annotated[str | None, Header()] = None) -> None:
        expected = f"Bearer {admin_token}" if admin_token else None
        # (compared as bytes: a header with characters outside ASCII is a wrong token, not an error)
        given = authorization.encode("utf-8", "surrogateescape") if authorization is not None else None
        if expected is None or given is None or not secrets.compare_digest(given, expected.encode()):
            raise HTTPException(401, "admin token required", headers={"WWW-Authenticate": "Bearer"})

    async def feed(request: Request, spec: FeedSpec, label: str) -> Response:
        rendered = cache.fresh(spec)
        if rendered is None:
            rendered = await run_in_threadpool(cache.get, spec, dt.datetime.now(dt.UTC))
        # The gzip middleware compresses this body for a client that takes
        # gzip: that representation has an ETag of its own (RFC 9110 8.8.3).
        gzipped = "gzip" in request.headers.get("accept-encoding", "") and len(rendered.body) >= GZIP_MINIMUM
        etag = rendered.etag[:-1] + '-gzip"' if gzipped else rendered.etag
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(rendered.last_modified, usegmt=True),
            "Cache-Control": "max-age=300",
            "Vary": "Accept-Encoding",
        }
        match = request.headers.get("if-none-match")
        since = request.headers.get("if-modified-since")
        not_modified = match is not None and etag in [t.strip() for t in match.split(",")]
        if match is None and since:
            try:
                not_modified = rendered.last_modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                not_modified = False
        status = 304 if not_modified else 200
        metrics.feed_requests.labels(label, str(status)).inc()
        if not_modified:
            return Response(status_code=304, headers=headers)
        if gzipped:  # compressed when it was rendered, not at each request
            headers["Content-Encoding"] = "gzip"
            return Response(rendered.gzipped, media_type=ICS, headers=headers)
        return Response(rendered.body, media_type=ICS, headers=headers)

    @app.get("/feeds/all.ics", tags=["feeds"])
    async def all_feed(request: Request) -> Response:
        return await feed(request, ALL, "all")

    @app.get("/feeds/plans/{plan_id:path}.ics", tags=["feeds"])
    async def plan_feed(request: Request, plan_id: str) -> Response:
        def lookup() -> tuple[bool, str]:
            with session(engine) as s:
                plan = s.get(Plan, plan_id)
                inside = s.exec(select(Plan).where(col(Plan.id).startswith(plan_id + "/"))).first()
            return plan is not None or inside is not None, plan.title if plan else plan_id

        known, title = await run_in_threadpool(lookup)
        if not known:
            raise HTTPException(404, "no such plan")
        return await feed(request, FeedSpec("plan", plan_id, f"督办：{title}"), "plan")

    @app.get("/feeds/owners/{unit}.ics", tags=["feeds"])
    async def owner_feed(request: Request, unit: str) -> Response:
        def known() -> bool:
            with session(engine) as s:
                return s.exec(select(MilestoneOwner.id).where(MilestoneOwner.unit == unit).limit(1)).first() is not None

        if not await run_in_threadpool(known):
            raise HTTPException(404, "no milestone names this owner")  # and no cache entry for it
        return await feed(request, FeedSpec("owner", unit, f"督办：{unit}"), "owner")

    @app.get("/feeds/personal/{token}.ics", tags=["feeds"])
    async def personal_feed(request: Request, token: str) -> Response:
        def lookup() -> tuple[str, str] | None:
            with session(engine) as s:
                row = s.get(FeedToken, token)
                if row is None or row.revoked_at is not None:
                    return None
                sub = s.get(Subscription, row.subscription_id)
                # A name or an address names the feed; a robot's or a hook's URL does not.
                named = sub is not None and sub.channel in ("log", "email")
                return row.subscription_id, f"督办：{sub.target if named and sub else row.subscription_id}"

        found = await run_in_threadpool(lookup)
        if found is None:
            raise HTTPException(404, "no such feed")
        return await feed(request, FeedSpec("subscriber", found[0], found[1]), "personal")

    @app.get("/api/plans", tags=["read"])
    def plans() -> list[dict[str, Any]]:
        with session(engine) as s:
            rows = s.exec(select(Plan).order_by(col(Plan.id))).all()
        return [
            {
                "id": p.id,
                "title": p.title,
                "ref": p.ref,
                "ref_rule": p.ref_rule,
                "feed": feed_links(base_url, f"/feeds/plans/{quote(p.id)}.ics"),
            }
            for p in rows
        ]

    @app.get("/api/tasks", tags=["read"])
    def tasks(owner: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        rows = task_statuses(engine, today(), owner)
        return [
            {
                "key": t.task_key,
                "task": t.task,
                "plan": t.plan,
                "owners": t.owners,
                "support": t.support,
                "status": t.status,
                "next_due": t.next_due,
                "overdue_since": t.overdue_since,
            }
            for t in rows
            if status is None or t.status == status
        ]

    @app.get("/api/milestones", tags=["read"])
    def milestones(
        owner: str | None = None,
        kind: str | None = None,
        due_from: Annotated[dt.date | None, Query()] = None,
        due_to: Annotated[dt.date | None, Query()] = None,
        status: str | None = None,
    ) -> list[dict[str, Any]]:
        statuses = {t.task_key: t.status for t in task_statuses(engine, today(), None)}
        with session(engine) as s:
            query = select(Milestone).where(Milestone.active == True)  # noqa: E712
            if kind:
                query = query.where(Milestone.kind == kind)
            if due_from:
                query = query.where(col(Milestone.due) >= due_from)
            if due_to:
                query = query.where(col(Milestone.due) <= due_to)
            rows = s.exec(query.order_by(col(Milestone.due))).all()
        return [
            {
                "key": m.key,
                "plan_id": m.plan_id,
                "task_key": m.task_key,
                "line": m.line,
                "quote": m.quote,
                "kind": m.kind,
                "start": m.start,
                "due": m.due,
                "rrule": m.rrule,
                "offset": m.offset,
                "owners": {"lead": m.lead, "support": m.support},
                "status": statuses.get(m.task_key),
            }
            for m in rows
            if (owner is None or unit_key(owner) in {unit_key(o) for o in m.lead + m.support})
            and (status is None or statuses.get(m.task_key) == status)
        ]

    @app.get("/api/deliveries", tags=["read"])
    def deliveries(state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        with session(engine) as s:
            query = select(Delivery).order_by(col(Delivery.id).desc()).limit(limit)
            if state:
                query = query.where(Delivery.state == state)
            rows = s.exec(query).all()
        return [
            {
                "id": d.id,
                "channel": d.channel,
                "subscription": d.subscription_id,
                "state": d.state,
                "attempts": d.attempts,
                "late": d.late,
                "error": d.error,
                "sent_at": d.sent_at,
            }
            for d in rows
        ]

    @app.post("/api/tasks/{key}/done", tags=["write"], dependencies=[Depends(admin)])
    def task_done(key: str) -> dict[str, str]:
        try:
            return {"done": mark_done(engine, key, dt.datetime.now(dt.UTC), by="api")}
        except KeyError as exc:
            raise HTTPException(404, str(exc.args[0])) from None
        finally:
            cache.invalidate()

    @app.put("/api/milestones/{key}/override", tags=["write"], dependencies=[Depends(admin)])
    def override(key: str, body: OverrideIn) -> dict[str, Any]:
        try:
            sequence = correct(engine, key, dt.datetime.now(dt.UTC), by="api", **body.model_dump())
        except KeyError:
            raise HTTPException(404, "no such milestone") from None
        except CorrectionError as exc:
            raise HTTPException(422, str(exc)) from None
        cache.invalidate()
        return {"key": key, "sequence": sequence}

    @app.get("/healthz", tags=["ops"], response_model=None)
    def healthz() -> dict[str, Any] | JSONResponse:
        """ "ok", or "degraded" with the plans that no longer read (each
        keeps its last good import)."""
        detail = health() if health is not None else {}
        try:
            with session(engine) as s:
                s.exec(select(Plan.id).limit(1)).all()
        except DBAPIError as exc:  # reminders wait until it is back
            body = {"status": "database unavailable", "error": type(exc).__name__, **detail}
            return JSONResponse(body, status_code=503)
        return {"status": "degraded" if detail.get("plans") else "ok", **detail}

    @app.get("/metrics", tags=["ops"])
    def prometheus() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/subscribe", response_class=HTMLResponse, include_in_schema=False)
    def subscribe(request: Request) -> Response:
        """Every feed's links; open to anyone, as the feeds are."""
        with session(engine) as s:
            rows = s.exec(select(Plan).order_by(col(Plan.id))).all()
        plans = [(p.title, feed_links(base_url, f"/feeds/plans/{quote(p.id)}.ics")) for p in rows]
        everything = feed_links(base_url, "/feeds/all.ics")
        if site is None:
            items = "".join(f'<li>{html.escape(t)} <a href="{links["webcal"]}">webcal</a></li>' for t, links in plans)
            return HTMLResponse(
                f'<!DOCTYPE html><html lang="zh"><meta charset="utf-8"><h1>督办日历订阅</h1><ul>{items}</ul></html>'
            )
        return site.page(request, "subscribe.html", plans=plans, everything=everything)

    if site is not None:
        from duban.pages import mount

        mount(app, site)

    return app


class ServerThread:
    """The app on uvicorn in a background thread: ``duban serve`` runs it
    beside the scheduler; tests and benchmarks run it on a free port (0)."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="duban-http", daemon=True)

    def start(self, wait: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + wait
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)

    @property
    def url(self) -> str:
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self, wait: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(wait)
