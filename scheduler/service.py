"""The running service: import configured plans, keep reminder rows in
step, and let APScheduler wake up when a reminder is due.

APScheduler 3.x holds no state of its own here: its jobs live in memory and
are rebuilt from the ``reminder`` rows (deterministic ids,
``replace_existing``) at start and by a periodic sync. Its defaults would
take the host's time zone and skip jobs missed by more than a second, so
the time zone, ``misfire_grace_time`` and ``coalesce`` are set explicitly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from config.settings import ConfigStore, Settings
from notifiers.base import alert_notification
from notifiers.email import EmailNotifier
from notifiers.http import masked
from scheduler.alerts import Problems, tell_admins
from scheduler.db import create_all, database_url, make_engine, session
from scheduler.escalation import escalate, overdue_digest
from scheduler.feeds import ALL, FeedCache
from scheduler.importer import ImportReport
from scheduler.leader import FileLeadership, Leadership, leadership_for
from scheduler.models import Reminder, Subscription
from scheduler.outbox import INSTANCE, OutboxWorker, release_all, send_email_digests
from scheduler.reminders import deliver_pending, fire_due, send_digests, sync_reminders
from scheduler.senders import make_sender, subscriber_targets
from scheduler.watch import check_plan

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
JOB_HORIZON = dt.timedelta(hours=36)
LEAD_EVERY = 5  # seconds between asks for the lead (and checks of it)

_RUNNING: dict[str, Service] = {}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def store_subscriptions(engine: Engine, settings: Settings) -> None:
    wanted: dict[str, Subscription] = {}
    for sid, plan, sub in settings.subscribers():
        wanted[sid] = Subscription(
            id=sid,
            channel=sub.channel,
            target=masked(sub.target),  # the real one is read from the configuration when sending
            plans=sub.plans or [plan.id],
            owners=sub.owners,
            mode=sub.mode,
        )
    with session(engine) as s:
        for row in s.exec(select(Subscription)).all():
            new = wanted.pop(row.id, None)
            if new is None:
                row.active = False
                continue
            row.channel, row.target, row.mode = new.channel, new.target, new.mode
            row.plans, row.owners = new.plans, new.owners
            row.active = True
        for new in wanted.values():
            s.add(new)
        s.commit()


@dataclass
class Service:
    store: ConfigStore
    clock: Clock = utc_now
    engine: Engine = field(init=False)
    scheduler: BackgroundScheduler | None = field(default=None, init=False)
    lock: threading.RLock = field(default_factory=threading.RLock, init=False)
    outbox_stop: asyncio.Event | None = field(default=None, init=False)
    outbox_thread: threading.Thread | None = field(default=None, init=False)
    outbox_loop: asyncio.AbstractEventLoop | None = field(default=None, init=False)
    http: Any = field(default=None, init=False)  # duban.web.ServerThread
    feeds: FeedCache | None = field(default=None, init=False)
    problems: Problems = field(default_factory=Problems, init=False)
    leadership: Leadership = field(init=False)
    leading: bool = field(default=False, init=False)  # this instance runs the scheduler's jobs

    def __post_init__(self) -> None:
        self.engine = make_engine(database_url(self.store.current.database_url()))
        create_all(self.engine)
        self.leadership = leadership_for(self.engine)

    @property
    def settings(self) -> Settings:
        return self.store.current

    def refresh(self, force: bool = False) -> dict[str, list[ImportReport] | str]:
        """Check each configured plan whose check is due (every one with
        ``force``), read the ones that changed, and re-plan reminders. A plan
        that fails to read keeps its last good revision, is reported (log,
        ``/healthz``, the ``[[alerts]]`` once per episode) and the others go
        on. Returns, by plan file, what was imported or what went wrong."""
        now = self.clock()
        out: dict[str, list[ImportReport] | str] = {}
        with self.lock:
            store_subscriptions(self.engine, self.settings)
            for plan in self.settings.plans.values():
                checked = check_plan(self.engine, self.settings, plan, now, force)
                if checked.error is None:
                    self.problems.read(plan.id)
                    if checked.reports is not None:
                        out[plan.id] = checked.reports
                        self._tell_contradicted(checked.reports, now)
                    continue
                out[plan.id] = checked.error
                if plan.id not in self.problems.open:
                    log.error("plan %s not imported, keeping its last good state: %s", plan.id, checked.error)
                self.problems.failed(plan.id, checked.error, now)
            self.problems.forget_all_but(set(self.settings.plans))
            if force or any(isinstance(v, list) for v in out.values()):
                sync_reminders(self.engine, self.settings.policy_for, self.settings.calendar(), now)
        self.problems.tell(self.settings, now)
        return out

    def _tell_contradicted(self, reports: list[ImportReport], now: dt.datetime) -> None:
        """A revision that changes or removes a milestone an admin had
        overridden: the override stays, and the admins are told to look."""
        for report in reports:
            if not report.contradicted:
                continue
            words = [c.words for c in report.changes if {c.milestone_key, c.old_key} & set(report.contradicted)]
            named = {k for c in report.changes for k in (c.milestone_key, c.old_key) if k}
            gone = len(set(report.contradicted) - named)
            detail = "；".join(words + ([f"{gone}项已调整的事项不在新版本中"] if gone else []))
            note = alert_notification(
                report.plan_id, report.plan_id, detail + "。调整仍然有效，请核对。", now, "新版本改动了已调整的事项"
            )
            tell_admins(self.settings, note)

    def health(self) -> dict[str, Any]:
        """What ``/healthz`` says beyond the database: plans that do not read,
        and whether this instance leads."""
        return {
            "plans": {p.plan_id: p.as_dict() for p in self.problems.open.values()},
            "instance": INSTANCE,
            "leading": self.leading,
        }

    def run_due(self) -> int:
        """Fire whatever is due now and deliver the outbox."""
        with self.lock:
            now = self.clock()
            fire_due(self.engine, now)
            return deliver_pending(self.engine, now)

    def run_escalations(self) -> int:
        """Escalate what is overdue past its plan's ``escalate_after``
        (each occurrence once); the outbox sends the notices."""
        with self.lock:
            settings = self.settings
            return escalate(self.engine, settings.policy_for, settings.calendar(), self.clock(), settings.timezone)

    def run_digest(self) -> int:
        with self.lock:
            now = self.clock()
            day = now.astimezone(ZoneInfo(self.settings.timezone)).date()
            settings = self.settings
            overdue_digest(self.engine, settings.policy_for, settings.calendar(), now, settings.timezone)
            sent = send_digests(self.engine, now, day)
            email = make_sender(self.settings).notifiers.get("email")
            if isinstance(email, EmailNotifier):
                sent += send_email_digests(
                    self.engine,
                    now,
                    day,
                    email,
                    subscriber_targets(self.settings),
                    self.settings.calendar(),
                    self.settings.duban.delivery.base_url,
                )
            return sent

    def check_config(self) -> None:
        if not self.store.changed():
            return
        if self.store.reload():  # every instance: its deliveries read targets from it
            log.info("configuration reloaded")
            if self.leading:
                self.refresh()
                self.sync_jobs()
            self.refresh_feeds()
        elif self.store.last_error is not None:
            log.error("configuration not reloaded, the running one stays:\n%s", self.store.last_error)

    # --- APScheduler ------------------------------------------------------

    def start(self) -> None:
        """Serve: every instance serves HTTP and sends what it claims from
        the outbox; the one that holds the lead (``scheduler.leader``) also
        reads the plans, fires reminders and sends digests, and another
        takes over within seconds when it dies. A second instance on a
        SQLite file raises ``AlreadyServing``."""
        if isinstance(self.leadership, FileLeadership):
            self.leadership.acquire()
            release_all(self.engine)  # no other instance: what a killed one held goes out now
        tz = self.settings.timezone
        self.scheduler = BackgroundScheduler(
            timezone=tz,
            job_defaults={"misfire_grace_time": 24 * 3600, "coalesce": True, "max_instances": 1},
        )
        _RUNNING["current"] = self
        self.lead()
        self.scheduler.add_job(_lead_job, "interval", seconds=LEAD_EVERY, id="lead", replace_existing=True)
        self.scheduler.add_job(_sync_job, "interval", minutes=10, id="sync", replace_existing=True)
        self.scheduler.add_job(_sources_job, "interval", seconds=30, id="sources", replace_existing=True)
        self.scheduler.add_job(
            _config_job,
            "interval",
            seconds=self.settings.duban.service.poll_seconds,
            id="config",
            replace_existing=True,
        )
        self.scheduler.add_job(_due_job, "interval", seconds=10, id="sweep", replace_existing=True)
        self.scheduler.add_job(_escalate_job, "interval", seconds=60, id="escalate", replace_existing=True)
        at = self.settings.duban.reminders.at
        self.scheduler.add_job(_digest_job, "cron", hour=at.hour, minute=at.minute, id="digest", replace_existing=True)
        self.scheduler.start()
        self._start_outbox()
        if self.settings.duban.service.http:
            self._start_http()

    def lead(self) -> bool:
        """Take the lead if it is free, or check it is still held; on taking
        it, read the plans and fire what is due (what was missed while no
        one led goes out once, marked late when it is)."""
        if self.leading:
            if not self.leadership.holds():
                self.leading = False
                log.warning("no longer leading: another instance runs the scheduler's jobs")
            return self.leading
        if not self.leadership.acquire():
            return False
        log.info("leading: this instance runs the scheduler's jobs")
        self.leading = True
        try:
            self.refresh()
            self.run_due()
            self.sync_jobs()
        except DBAPIError as exc:
            log.warning("database unavailable while taking the lead (%s); trying again", type(exc).__name__)
            self.leadership.release()
            self.leading = False
        return self.leading

    def _start_http(self) -> None:
        from duban.pages import Site
        from duban.web import ServerThread, create_app

        settings = self.settings
        site = Site(
            self.engine, self.store, self.clock, invalidate=lambda: self.feeds.invalidate() if self.feeds else None
        )
        host, _, port = settings.duban.service.http_bind.rpartition(":")
        app = create_app(
            self.engine,
            lambda: self.settings.policy_for(""),
            settings.duban.delivery.base_url,
            os.environ.get(settings.duban.service.admin_token_env),
            lambda: self.clock().astimezone(ZoneInfo(self.settings.timezone)).date(),
            health=self.health,
            site=site,
        )
        self.feeds = app.state.cache
        self.http = ServerThread(app, host or "127.0.0.1", int(port))
        self.http.start()
        # Render the all-feed once in the background: it stores every
        # event's text, so the first polls after a start or an upgrade
        # find the feeds quick to put together.
        threading.Thread(target=self._warm_feeds, name="duban-feeds", daemon=True).start()

    def _warm_feeds(self) -> None:
        if self.feeds is None:
            return
        try:
            self.feeds.get(ALL, self.clock())
        except DBAPIError as exc:
            log.warning("feeds not rendered ahead: %s", exc)

    def refresh_feeds(self) -> int:
        """Render again the served feeds whose data changed."""
        if self.feeds is None:
            return 0
        try:
            return self.feeds.refresh(self.clock())
        except DBAPIError as exc:  # a busy database: the next poll renders on demand
            log.warning("feeds not refreshed: %s", exc)
            return 0

    def _start_outbox(self) -> None:
        settings = self.settings
        worker = OutboxWorker(
            self.engine,
            make_sender(settings),
            subscriber_targets(settings),
            settings.calendar(),
            settings.duban.delivery.base_url,
            self.clock,
        )
        ready = threading.Event()

        def run() -> None:
            async def main() -> None:
                self.outbox_loop = asyncio.get_running_loop()
                self.outbox_stop = asyncio.Event()
                ready.set()
                await worker.serve(self.outbox_stop)

            asyncio.run(main())

        self.outbox_thread = threading.Thread(target=run, name="duban-outbox", daemon=True)
        self.outbox_thread.start()
        ready.wait(5)

    def sync_jobs(self) -> int:
        """One date job per pending reminder due within the horizon."""
        if self.scheduler is None:
            return 0
        now = self.clock()
        with session(self.engine) as s:
            rows = s.exec(
                select(Reminder).where(Reminder.state == "pending", col(Reminder.fire_at) <= now + JOB_HORIZON)
            ).all()
        for r in rows:
            self.scheduler.add_job(
                _due_job,
                "date",
                run_date=r.fire_at,
                id=f"reminder:{r.milestone_key}:{r.occurrence.isoformat()}:{r.label}",
                replace_existing=True,
            )
        return len(rows)

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.outbox_loop is not None and self.outbox_stop is not None:
            self.outbox_loop.call_soon_threadsafe(self.outbox_stop.set)
        if self.outbox_thread is not None:
            self.outbox_thread.join(20)
        if self.http is not None:
            self.http.stop()
        self.leadership.release()  # another instance takes the lead at once
        self.leading = False
        _RUNNING.pop("current", None)


# Job functions are top-level and take no objects, as APScheduler requires
# of anything it may persist; they find the running service.


def _service() -> Service | None:
    return _RUNNING.get("current")


def _leader() -> Service | None:
    """The running service if it leads: the scheduler's jobs run there only."""
    service = _service()
    return service if service is not None and service.leading else None


def _lead_job() -> None:
    service = _service()
    if service is not None:
        service.lead()


def _due_job() -> None:
    service = _leader()
    if service is not None:
        service.run_due()


def _escalate_job() -> None:
    service = _leader()
    if service is not None:
        service.run_escalations()


def _sync_job() -> None:
    """Reminders planned ahead as days pass, and the feeds kept ready."""
    service = _leader()
    if service is not None:
        with service.lock:
            now = service.clock()
            sync_reminders(service.engine, service.settings.policy_for, service.settings.calendar(), now)
        service.sync_jobs()
        service.refresh_feeds()


def _sources_job() -> None:
    """The plans whose check is due: read again only when they changed."""
    service = _leader()
    if service is not None and any(isinstance(v, list) for v in service.refresh().values()):
        service.sync_jobs()
        service.refresh_feeds()


def _config_job() -> None:
    service = _service()
    if service is not None:
        service.check_config()


def _digest_job() -> None:
    service = _leader()
    if service is not None:
        service.run_digest()
