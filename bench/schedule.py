"""Scheduling benchmark.

Prints, in one run:
- the time to import and schedule 100,000 milestones, synthesized by shifting
  the seed's plans across years, beside a 10,000-milestone baseline (the
  per-milestone cost should not grow with size);
- the peak RSS of the process;
- the delay between the due instant and the outbox rows for 1,000 reminders
  due in the same minute, through the real APScheduler service.

Targets: 100k in under 60 s, RSS under 300 MB, the 1,000 rows within 2 s.
Run: make bench-schedule  (DUBAN_DATABASE_URL picks another database)
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import func, select  # noqa: E402

from config.settings import ConfigStore  # noqa: E402
from parsers.calendars import WorkdayCalendar  # noqa: E402
from parsers.pipeline import PlanResult, parse_path  # noqa: E402
from scheduler.db import create_all, make_engine, session  # noqa: E402
from scheduler.importer import PlanImport, import_plans  # noqa: E402
from scheduler.models import Delivery, Reminder  # noqa: E402
from scheduler.policy import ReminderPolicy  # noqa: E402
from scheduler.reminders import sync_reminders  # noqa: E402
from scheduler.service import Service  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "seed-work-plans-2022.txt"
NOW = dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.UTC)


def _shift(day: dt.date | None, years: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 02-29
        return day.replace(year=day.year + years, day=28)


def synthesize(plans: list[PlanResult], target: int) -> list[tuple[str, PlanResult]]:
    out: list[tuple[str, PlanResult]] = []
    count, years = 0, 0
    while count < target:
        for i, plan in enumerate(plans):
            shifted = copy.copy(plan)
            shifted.milestones = []
            for m in plan.milestones:
                m2 = copy.copy(m)
                m2.start, m2.due = _shift(m.start, years), _shift(m.due, years)
                shifted.milestones.append(m2)
            out.append((f"y{years:04d}/{i}", shifted))
            count += len(shifted.milestones)
            if count >= target:
                break
        years += 1
    return out


def import_and_schedule(url: str, plans: list[PlanResult], target: int, horizon: int) -> tuple[int, int, float]:
    engine = make_engine(url)
    create_all(engine)
    work = synthesize(plans, target)
    started = time.perf_counter()
    # One compendium per shifted year, imported as the service imports a document.
    for k in range(0, len(work), 22):
        import_plans(engine, [PlanImport(pid, "seed", "", plan) for pid, plan in work[k : k + 22]], NOW)
    policy = ReminderPolicy(horizon_days=horizon)
    report = sync_reminders(engine, lambda _: policy, WorkdayCalendar(), NOW)
    elapsed = time.perf_counter() - started
    milestones = sum(len(p.milestones) for _, p in work)
    engine.dispose()
    return milestones, report.added, elapsed


def outbox_delay(root: Path, url: str, count: int = 1000) -> float:
    """Seconds from the due instant to the last of ``count`` outbox rows."""
    due = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=6)
    local = due.astimezone(dt.timezone(dt.timedelta(hours=8)))
    day = local.date()
    (root / "plans").mkdir(exist_ok=True)
    lines = [f"XX局{day.year}年压测工作方案", "一、任务"]
    lines += [f"{i}.任务{i}。(牵头单位:办公室;完成时间:{day.month}月{day.day}日前)" for i in range(1, count + 1)]
    (root / "plans" / "load.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "plans" / "load.toml").write_text(
        f'id = "load"\nsource = "load.txt"\nref = {day.year}-01-01\n\n'
        '[[subscribers]]\nchannel = "log"\ntarget = "ops"\n',
        encoding="utf-8",
    )
    (root / "duban.toml").write_text(
        f'[service]\ndatabase = "{url}"\nhttp = false\n\n'
        "[reminders]\nbefore = []\noverdue_cap = 0\nshift_to_workday = false\n"
        f"at = {local.time().isoformat()}\n",
        encoding="utf-8",
    )
    service = Service(ConfigStore(root / "duban.toml"))
    service.start()
    try:
        while True:
            with session(service.engine) as s:
                rows = s.exec(select(func.count()).select_from(Delivery)).one()
            if rows >= count:
                return (dt.datetime.now(dt.UTC) - due).total_seconds()
            if dt.datetime.now(dt.UTC) - due > dt.timedelta(seconds=60):
                return float("inf")
            time.sleep(0.01)
    finally:
        service.stop()
        with session(service.engine) as s:
            assert s.exec(select(func.count()).select_from(Reminder)).one() == count
        service.engine.dispose()


def main() -> None:
    warnings.filterwarnings("ignore")
    base_url = os.environ.get("DUBAN_DATABASE_URL")
    plans = parse_path(SEED, imported=dt.date(2022, 1, 1), doc="seed").plans
    with tempfile.TemporaryDirectory() as tmp:
        # The service plans reminders up to 400 days ahead (the periodic sync
        # plans the rest as days pass); the baseline plans every reminder
        # of every year at once.
        runs = [("400-day horizon", 400, 10_000), ("400-day horizon", 400, 100_000), ("no horizon", 10**6, 100_000)]
        print(f"{'planning':<16} {'milestones':>10} {'reminders':>10} {'seconds':>8} {'µs/milestone':>13}")
        results = []
        for k, (name, horizon, target) in enumerate(runs):
            url = base_url or f"sqlite:///{tmp}/schedule-{k}.db"
            milestones, reminders, seconds = import_and_schedule(url, plans, target, horizon)
            results.append(seconds / milestones)
            print(f"{name:<16} {milestones:>10,} {reminders:>10,} {seconds:>8.1f} {seconds / milestones * 1e6:>13.0f}")
        print(f"per-milestone cost at 100k vs 10k: {results[1] / results[0]:.2f}x (target: 100k in < 60 s)")
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {rss_mb:.0f} MB (target < 300 MB)")
        root = Path(tmp) / "outbox"
        root.mkdir()
        url = base_url or f"sqlite:///{tmp}/outbox.db"
        delay = outbox_delay(root, url)
        print(
            f"1,000 reminders due in the same minute: last outbox row {delay:.2f} s "
            "after the due instant (target < 2 s)"
        )


if __name__ == "__main__":
    main()
