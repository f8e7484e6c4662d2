"""Reminder rows against a real database, with a clock the test controls."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import select

from parsers.calendars import WorkdayCalendar
from parsers.pipeline import parse_text
from scheduler.db import session
from scheduler.feeds import FeedSpec, render
from scheduler.importer import import_plan
from scheduler.models import Delivery, LogEntry, Milestone, MilestoneOwner, Override, Reminder, Subscription
from scheduler.policy import ReminderPolicy
from scheduler.reminders import deliver_pending, fire_due, send_digests, sync_reminders
from scheduler.status import mark_done, task_statuses

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkdayCalendar()
PLAN = """XX局2022年重点工作方案
一、重点任务
(一)开展排查。全面排查隐患。(牵头单位:办公室;完成时间:2022年11月30日前)
(二)完善制度。修订管理制度。(牵头单位:法规科;完成时间:2022年12月15日前)
(三)调度进展。每月调度一次。(牵头单位:办公室)
"""


def local(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=SH).astimezone(dt.UTC)


def policy(_: str) -> ReminderPolicy:
    return ReminderPolicy()


def load(engine: Engine, text: str = PLAN, now: dt.datetime | None = None) -> None:
    now = now or local("2022-11-01")
    [plan] = parse_text(text, imported=now.date()).plans
    import_plan(engine, "p", "plan.txt", text, plan, now)
    with session(engine) as s:
        if s.get(Subscription, "ops") is None:
            s.add(Subscription(id="ops", channel="log", target="督办室"))
            s.add(Subscription(id="legal", channel="log", target="法规科", owners=["法规科"]))
            s.commit()
    sync_reminders(engine, policy, CAL, now)


def tick(engine: Engine, now: dt.datetime) -> int:
    fire_due(engine, now)
    return deliver_pending(engine, now)


def log_entries(engine: Engine) -> list[tuple[str, str]]:
    with session(engine) as s:
        return [(e.target, e.message) for e in s.exec(select(LogEntry).order_by(LogEntry.id))]


def key_of(engine: Engine, quote: str) -> str:
    with session(engine) as s:
        return s.exec(select(Milestone.key).where(Milestone.quote == quote)).one()


def test_reminders_fire_at_their_instants(engine: Engine) -> None:
    load(engine)
    assert tick(engine, local("2022-11-23", 8, 59)) == 0  # the monthly due of 10-31 was before import: skipped
    assert tick(engine, local("2022-11-23", 9, 0)) == 1  # 7 days before 11-30, to 督办室 only
    assert tick(engine, local("2022-11-23", 9, 0)) == 0  # never twice
    # 3 days before (Sunday -> Friday), for the deadline and the monthly cadence.
    assert tick(engine, local("2022-11-25", 9, 1)) == 2
    assert tick(engine, local("2022-11-29", 9, 0)) == 2
    # 11-30: the deadline and the monthly occurrence, both due today.
    assert tick(engine, local("2022-11-30", 9, 0)) == 2
    assert tick(engine, local("2022-12-08", 9, 0)) == 3  # 12-15 minus 7, to both subscribers; overdue of 11-30
    targets = [t for t, _ in log_entries(engine)]
    assert targets.count("法规科") == 1


def test_one_late_reminder_after_an_outage(engine: Engine) -> None:
    load(engine)
    # Down from 11-20 to 11-29 10:00: before:7, before:3 and before:1 of the
    # 11-30 deadline passed, and before:3, before:1 of the monthly cadence.
    # Only the latest of each is sent, once, marked late.
    assert tick(engine, local("2022-11-29", 10, 0)) == 2
    entries = log_entries(engine)
    assert all("（补发）" in m and m.endswith("｜before:1") and t == "督办室" for t, m in entries)
    assert {re.search(r"原文第\d+行：(.+?)｜", m).group(1) for _, m in entries} == {"2022年11月30日前", "每月"}  # type: ignore[union-attr]
    assert all(m.startswith("【即将到期】") for _, m in entries)  # the task's name follows
    assert tick(engine, local("2022-11-29", 10, 5)) == 0
    key = key_of(engine, "2022年11月30日前")
    with session(engine) as s:
        rows = s.exec(select(Reminder).where(Reminder.milestone_key == key)).all()
    states = sorted(f"{r.label}:{r.state}" for r in rows if r.label.startswith("before"))
    assert states == ["before:1:late", "before:3:skipped", "before:7:skipped"]


def test_no_reminder_after_completion(engine: Engine) -> None:
    load(engine)
    with session(engine) as s:
        task_key = s.exec(select(Milestone.task_key).where(Milestone.quote == "2022年11月30日前")).one()
    mark_done(engine, task_key[:12], local("2022-11-20"))
    report = sync_reminders(engine, policy, CAL, local("2022-11-20"))
    assert report.cancelled >= 8
    # 12-15 minus 7 to both targets, and the monthly due of 11-30 (late);
    # nothing of the finished task.
    assert tick(engine, local("2022-12-10", 9, 0)) == 3
    assert all("2022年11月30日前" not in m for _, m in log_entries(engine))
    statuses = {s.task: s.status for s in task_statuses(engine, dt.date(2022, 12, 10))}
    assert statuses["开展排查"] == "done"
    assert statuses["完善制度"] == "due soon"
    # On its day a deadline is due today, not due soon; the day after, overdue.
    on_the_day = {s.task: s.status for s in task_statuses(engine, dt.date(2022, 12, 15))}
    assert on_the_day["完善制度"] == "due today"
    assert {s.task: s.status for s in task_statuses(engine, dt.date(2022, 12, 16))}["完善制度"] == "overdue"


def test_completion_is_checked_when_firing(engine: Engine) -> None:
    load(engine)
    mark_done(engine, key_of(engine, "2022年11月30日前"), local("2022-11-22"))  # no sync afterwards
    assert tick(engine, local("2022-11-23", 9, 0)) == 0


def test_reimport_of_unchanged_text_changes_nothing(engine: Engine) -> None:
    load(engine)
    with session(engine) as s:
        before = sorted((m.key, m.sequence) for m in s.exec(select(Milestone)))
        reminders = len(s.exec(select(Reminder)).all())
    [plan] = parse_text(PLAN, imported=dt.date(2022, 11, 2)).plans
    report = import_plan(engine, "p", "plan.txt", PLAN, plan, local("2022-11-02"))
    assert (report.added, report.changed, report.removed, report.unchanged) == (0, 0, 0, 3)
    sync = sync_reminders(engine, policy, CAL, local("2022-11-02"))
    assert (sync.added, sync.moved, sync.cancelled) == (0, 0, 0)
    with session(engine) as s:
        assert sorted((m.key, m.sequence) for m in s.exec(select(Milestone))) == before
        assert len(s.exec(select(Reminder)).all()) == reminders


def test_override_survives_reimport(engine: Engine) -> None:
    load(engine)
    key = key_of(engine, "2022年11月30日前")
    with session(engine) as s:
        s.add(Override(milestone_key=key, due=dt.date(2022, 12, 30), reason="延期", created_at=local("2022-11-01")))
        s.commit()
    sync_reminders(engine, policy, CAL, local("2022-11-02"))
    [plan] = parse_text(PLAN, imported=dt.date(2022, 11, 3)).plans
    import_plan(engine, "p", "plan.txt", PLAN, plan, local("2022-11-03"))
    sync_reminders(engine, policy, CAL, local("2022-11-03"))
    with session(engine) as s:
        query = select(Reminder).where(Reminder.milestone_key == key, Reminder.state == "pending")
        pending = {r.label: r.fire_at for r in s.exec(query)}
    assert pending["due"].astimezone(SH).date() == dt.date(2022, 12, 30)
    assert tick(engine, local("2022-11-30", 9, 0)) == 1  # only the monthly occurrence now


def test_removed_milestone_cancels_its_reminders(engine: Engine) -> None:
    load(engine)
    shorter = PLAN.replace("(二)完善制度。修订管理制度。(牵头单位:法规科;完成时间:2022年12月15日前)\n", "")
    [plan] = parse_text(shorter, imported=dt.date(2022, 11, 5)).plans
    report = import_plan(engine, "p", "plan.txt", shorter, plan, local("2022-11-05"))
    assert report.removed == 1
    # The notice of the removal to both subscribers (法规科 follows the
    # removed task), then the last overdue reminder of 11-30 and the monthly
    # due of 11-30; none for the removed task.
    assert tick(engine, local("2022-12-08", 9, 0)) == 4
    notices = [(t, m) for t, m in log_entries(engine) if m.startswith("【方案变更】")]
    assert sorted(t for t, _ in notices) == ["法规科", "督办室"]
    assert all(m.endswith("\n删除任务「完善制度」") for _, m in notices)
    assert all(t == "督办室" for t, m in log_entries(engine) if (t, m) not in notices)
    with session(engine) as s:
        assert all(d.channel == "log" for d in s.exec(select(Delivery)))


def test_reminders_beyond_the_horizon_are_planned_as_days_pass(engine: Engine) -> None:
    text = PLAN.replace("2022年12月15日前", "2024年6月28日前")
    load(engine, text)
    key = key_of(engine, "2024年6月28日前")

    def rows() -> int:
        with session(engine) as s:
            return len(s.exec(select(Reminder).where(Reminder.milestone_key == key)).all())

    assert rows() == 0  # more than 400 days ahead
    sync_reminders(engine, policy, CAL, local("2023-06-01"))
    assert rows() == 9  # 3 before, on the day, 5 overdue
    assert tick(engine, local("2024-06-21", 9, 0)) >= 2  # 7 days before, both subscribers


def test_daily_digest_lists_reminders_and_undated_work(engine: Engine) -> None:
    load(engine, PLAN + "(四)开展宣讲。抓住农闲季节开展宣讲。(牵头单位:宣传科)\n")
    with session(engine) as s:
        s.add(Subscription(id="daily", channel="log", target="分管领导", mode="digest"))
        s.commit()
    assert tick(engine, local("2022-11-23", 9, 0)) == 1  # the immediate subscriber only
    assert send_digests(engine, local("2022-11-23", 9, 0), dt.date(2022, 11, 23)) == 1
    assert send_digests(engine, local("2022-11-23", 9, 5), dt.date(2022, 11, 23)) == 0  # once a day
    with session(engine) as s:
        [digest] = s.exec(select(LogEntry).where(LogEntry.subscription_id == "daily")).all()
        pending = s.exec(select(Delivery).where(Delivery.subscription_id == "daily", Delivery.state == "pending"))
        assert pending.all() == []
    assert digest.message.startswith("督办日报 2022-11-23（分管领导）\n")
    assert (
        "【即将到期】开展排查｜时限 2022-11-30｜" in digest.message and "原文第3行：2022年11月30日前" in digest.message
    )
    assert "【时限待定】农闲季节" in digest.message


def test_owner_rows_follow_the_milestones(engine: Engine) -> None:
    load(engine)
    key = key_of(engine, "2022年12月15日前")
    with session(engine) as s:
        rows = s.exec(select(MilestoneOwner).where(MilestoneOwner.unit == "法规科")).all()
    assert [(r.milestone_key, r.role) for r in rows] == [(key, "lead")]
    changed = PLAN.replace("(牵头单位:法规科;", "(牵头单位:法规科、办公室;")
    [plan] = parse_text(changed, imported=dt.date(2022, 11, 2)).plans
    import_plan(engine, "p", "plan.txt", changed, plan, local("2022-11-02"))
    with session(engine) as s:
        units = sorted(r.unit for r in s.exec(select(MilestoneOwner).where(MilestoneOwner.milestone_key == key)))
    assert units == ["办公室", "法规科"]


def _cadence_occurrences(engine: Engine) -> list[dt.date]:
    key = key_of(engine, "每月")
    with session(engine) as s:
        rows = s.exec(select(Reminder).where(Reminder.milestone_key == key, Reminder.label == "due")).all()
    return sorted({r.occurrence for r in rows})


def test_a_cadence_ends_with_its_plans_period(engine: Engine) -> None:
    # A 2022 plan: its monthly cadence has no occurrence after 2022-12-31.
    load(engine, now=local("2022-12-20"))
    assert _cadence_occurrences(engine) == [dt.date(2022, 12, 31)]
    sync_reminders(engine, policy, CAL, local("2023-01-10"))
    assert _cadence_occurrences(engine) == [dt.date(2022, 12, 31)]
    statuses = {t.task: t for t in task_statuses(engine, dt.date(2023, 1, 10))}
    assert statuses["调度进展"].next_due is None and statuses["调度进展"].undated == []
    assert statuses["调度进展"].status == "ended"  # not "on track": nothing of it is due any more
    # Before the period's end the same task is on track.
    assert {t.task: t.status for t in task_statuses(engine, dt.date(2022, 12, 20))}["调度进展"] == "on track"


def test_a_plan_without_a_period_keeps_its_cadence(engine: Engine) -> None:
    # No year anywhere: its year is the import year's fallback, so its
    # cadence runs on (and its import lists it for the admin to bound).
    undated = PLAN.replace("XX局2022年重点工作方案", "XX局重点工作方案").replace("2022年", "")
    load(engine, undated, now=local("2022-12-20"))
    sync_reminders(engine, policy, CAL, local("2023-01-10"))
    assert dt.date(2023, 1, 31) in _cadence_occurrences(engine)


WEEKLY = """XX局2022年重点工作方案
一、重点任务
(一)调度进展。每周调度一次。(牵头单位:办公室)
"""


def test_a_week_with_no_day_named_falls_on_friday_everywhere(engine: Engine) -> None:
    # 2022-11-02 is a Wednesday: the reference date's weekday must not matter.
    load(engine, WEEKLY, now=local("2022-11-02"))
    key = key_of(engine, "每周")
    with session(engine) as s:
        assert s.exec(select(Milestone.rrule).where(Milestone.key == key)).one() == "FREQ=WEEKLY;BYDAY=FR"
        due = {r.occurrence for r in s.exec(select(Reminder).where(Reminder.milestone_key == key))}
    assert due and {d.weekday() for d in due} == {4}  # reminders: Fridays
    [status] = task_statuses(engine, dt.date(2022, 11, 2))
    assert status.next_due == dt.date(2022, 11, 4)  # status: the coming Friday


LUNAR = """XX镇2026年元宵节安全工作方案
一、重点任务
(一)安全检查。每年农历正月十五前开展一次安全检查。(牵头单位:安监站)
"""


def test_a_yearly_lunar_date_falls_on_its_lunar_day_in_reminders_status_and_feeds(engine: Engine) -> None:
    load(engine, LUNAR, now=local("2026-01-05"))
    key = key_of(engine, "每年农历正月十五")
    with session(engine) as s:
        rule = s.exec(select(Milestone.rrule).where(Milestone.key == key)).one()
        due = sorted({r.occurrence for r in s.exec(select(Reminder).where(Reminder.milestone_key == key))})
    assert rule == "FREQ=YEARLY;RSCALE=CHINESE;BYMONTH=1;BYMONTHDAY=15"
    assert due == [dt.date(2026, 3, 3)]  # 正月十五 of 2026; the plan's period ends with 2026
    [status] = task_statuses(engine, dt.date(2026, 1, 5))
    assert status.next_due == dt.date(2026, 3, 3)
    feed = render(engine, FeedSpec("all", name="all"), ReminderPolicy(), "https://duban.example", local("2026-01-05"))
    text = feed.body.decode()
    assert "RDATE;VALUE=DATE:20260303" in text and "RSCALE" not in text  # written out for every calendar


def test_a_deadline_due_today_imported_after_its_hour_is_sent_at_once(engine: Engine) -> None:
    # PLAN's 开展排查 is due 2022-11-30; imported that day at 14:00 (its 09:00 reminder already past).
    load(engine, now=local("2022-11-30", 14, 0))
    with session(engine) as s:
        key = key_of(engine, "2022年11月30日前")
        rows = s.exec(select(Reminder).where(Reminder.milestone_key == key, Reminder.label == "due")).all()
    assert [(r.event, r.state) for r in rows] == [("reminder.due_today", "pending")]
    assert tick(engine, local("2022-11-30", 14, 1)) >= 1  # sent now, once
    due_today = [m for _, m in log_entries(engine) if "2022年11月30日前" in m]
    assert due_today and tick(engine, local("2022-11-30", 18, 0)) == 0
    # Imported the next day it would be overdue, not due today: nothing is back-dated.
    sync_reminders(engine, policy, CAL, local("2022-12-01", 14, 0))
    with session(engine) as s:
        assert len(s.exec(select(Reminder).where(Reminder.milestone_key == key, Reminder.label == "due")).all()) == 1


def test_an_owner_written_with_等_is_filed_under_its_unit(engine: Engine) -> None:
    listed = PLAN.replace("(牵头单位:法规科;", "(牵头单位:办公室;配合单位:法规科等;")
    load(engine, listed)
    [milestone] = [m for m in _milestones(engine) if m.quote == "2022年12月15日前"]
    assert milestone.support == ["法规科等"]  # the milestone keeps it as written
    with session(engine) as s:
        rows = s.exec(select(MilestoneOwner).where(MilestoneOwner.milestone_key == milestone.key)).all()
    assert sorted((r.unit, r.role) for r in rows) == [("办公室", "lead"), ("法规科", "support")]
    assert "完善制度" in {t.task for t in task_statuses(engine, dt.date(2022, 12, 1), owner="法规科")}
    # the 法规科 subscriber hears of it
    tick(engine, local("2022-12-15", 9))
    assert any(target == "法规科" and "2022年12月15日前" in message for target, message in log_entries(engine))


def _milestones(engine: Engine) -> list[Milestone]:
    with session(engine) as s:
        return list(s.exec(select(Milestone)))
