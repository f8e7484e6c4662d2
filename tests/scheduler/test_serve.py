"""``duban serve`` killed with SIGKILL after it sent, then restarted with a
plan added while it was down: every reminder reaches the log channel
exactly once. Reminders are due at midnight of the current day, so they
are due as soon as a server starts; nothing waits on the clock."""

from __future__ import annotations

import datetime as dt
import re
import signal
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from scheduler.db import make_engine, session
from scheduler.models import Delivery, FeedEvent, LogEntry, Reminder
from tests.scheduler.processes import serve, wait_until

SH = ZoneInfo("Asia/Shanghai")
TASKS = 3


def _write_config(root: Path, database_url: str) -> None:
    (root / "plans").mkdir(exist_ok=True)
    (root / "duban.toml").write_text(
        f'[service]\ndatabase = "{database_url}"\npoll_seconds = 1\nhttp_bind = "127.0.0.1:0"\n\n'
        '[reminders]\nbefore = []\noverdue_cap = 0\nshift_to_workday = false\nat = "00:00:00"\n',
        encoding="utf-8",
    )


def _add_plan(root: Path, k: int) -> None:
    day = dt.datetime.now(SH).date()
    lines = [f"XX局{day.year}年第{k}批工作方案", "一、任务"]
    lines += [f"{i}.完成第{i}项。(牵头单位:办公室;完成时间:{day.month}月{day.day}日前)" for i in range(1, TASKS + 1)]
    (root / "plans" / f"batch{k}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "plans" / f"batch{k}.toml").write_text(
        f'id = "batch{k}"\nsource = "batch{k}.txt"\nref = {day.year}-01-01\n\n'
        '[[subscribers]]\nchannel = "log"\ntarget = "办公室"\n',
        encoding="utf-8",
    )


def test_sigkill_and_restart_deliver_each_reminder_once(tmp_path: Path, database_url: str) -> None:
    _write_config(tmp_path, database_url)
    _add_plan(tmp_path, 1)
    engine = make_engine(database_url)

    def sent() -> int:
        try:
            with session(engine) as s:
                return len(s.exec(select(LogEntry)).all())
        except Exception:  # the schema may not exist yet
            return 0

    log = tmp_path / "serve.log"
    first = serve(tmp_path / "duban.toml", log)
    try:
        wait_until(lambda: sent() >= TASKS, lambda: log.read_text(errors="replace"), 60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert sent() == TASKS
    _add_plan(tmp_path, 2)  # a plan added while the server is down

    before = len(log.read_bytes())
    second = serve(tmp_path / "duban.toml", log)
    try:
        # "duban serving" is said once a start has fired and written what was
        # due: a reminder sent twice would be in the log by then.
        wait_until(lambda: b"duban serving" in log.read_bytes()[before:], "the restart", 60)
        assert sent() == 2 * TASKS

        # The service renders the all-feed once after starting: every
        # deadline's event text is stored for the polls to come.
        def rendered() -> int:
            with session(engine) as s:
                return len(s.exec(select(FeedEvent.milestone_key)).all())

        wait_until(lambda: rendered() == 2 * TASKS, "the feed events", 60)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)
    said = log.read_text(errors="replace")
    assert re.search(r"feeds and API on http://127\.0\.0\.1:\d+", said) and "duban stopped" in said

    with session(engine) as s:
        entries = s.exec(select(LogEntry)).all()
        deliveries = s.exec(select(Delivery)).all()
        reminders = s.exec(select(Reminder)).all()
    assert len(entries) == 2 * TASKS
    assert len({e.delivery_id for e in entries}) == len(entries)
    fired = [r.id for r in reminders if r.state in ("fired", "late")]
    assert Counter(d.reminder_id for d in deliveries) == Counter(fired)
    assert len(fired) == len(reminders) == 2 * TASKS
    engine.dispose()
