"""The admin pages in a real browser: log in, read the 总览 and export it,
correct a misread date from the review queue and see the feed follow, add
a subscriber without losing the file's comments, date a relative
milestone by its event, and see an overdue task escalated once."""

from __future__ import annotations

import datetime as dt
import io
import re
import tomllib
from typing import Any

import httpx
from icalendar import Calendar
from openpyxl import load_workbook
from sqlmodel import select

from scheduler.db import session
from scheduler.models import Milestone, Reminder
from tests.pages.conftest import Duban


def _milestone(duban: Duban, quote: str) -> Milestone:
    with session(duban.service.engine) as s:
        found = s.exec(select(Milestone).where(Milestone.quote == quote, Milestone.active == True)).one()  # noqa: E712
    return found


def _events(duban: Duban, plan_id: str) -> dict[str, Any]:
    body = httpx.get(f"{duban.url}/feeds/plans/{plan_id}.ics").content
    return {str(e["uid"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_overview_lights_counts_filters_and_export(duban: Duban, browser: Any) -> None:
    page = browser.new_page()
    duban.login(page)
    rows = page.locator("#tasks tr[data-task]")
    assert rows.count() == 4
    # 2026-12-03: 12-10 is 5 working days off (green), 汛期 is undated (green), 11-30 is past (red)
    lights = {rows.nth(i).locator("td").nth(1).inner_text(): rows.nth(i).get_attribute("data-light") for i in range(4)}
    assert lights == {
        '开展隐患排查"><img src=x onerror=alert': "green",
        "修订应急预案": "green",
        "加强值班值守": "green",
        "组织防汛演练": "red",
    }
    duban.clock.set(2026, 12, 8, 10, 0)  # 12-10 is 2 working days off: yellow
    page.reload()
    assert page.locator("#tasks tr[data-task]", has_text="隐患排查").get_attribute("data-light") == "yellow"
    counts = page.locator("#counts tr").filter(has=page.get_by_role("link", name="县城管局", exact=True)).locator("td")
    assert [counts.nth(i).inner_text() for i in range(5)] == ["县城管局", "0", "0", "1", "0"]
    duban.screenshot(page, "overview")

    page.select_option("select[name=light]", "yellow")
    page.click("form.filters button[type=submit]")
    assert page.locator("#tasks tr[data-task]").count() == 1
    with page.expect_download() as download:
        page.click("text=导出 Excel")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book["督办总览"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["状态", "方案", "任务", "牵头单位"]
    assert len(values) == 2 and values[1][0] == "即将到期" and values[1][5] == dt.datetime(2026, 12, 10)


def test_review_queue_correction_reaches_the_feed(duban: Duban, browser: Any) -> None:
    misread = _milestone(duban, "2026年12月前")  # read as the end of November, with low confidence
    assert misread.due == dt.date(2026, 11, 30) and misread.confidence < 0.7
    before = _events(duban, misread.plan_id)
    uid = next(u for u, e in before.items() if e["dtstart"].dt == dt.date(2026, 11, 30))
    page = browser.new_page(locale="zh-CN")
    duban.login(page)
    page.goto(duban.url + "/review")
    assert "时限未能确定" in page.locator(f"#{_milestone(duban, '汛期').key}").inner_text()
    card = page.locator(f"#{misread.key}")
    assert "把握较低" in card.inner_text() and "2026年11月30日前" in card.locator(".when").inner_text()
    duban.screenshot(page, "review")
    card.locator("input[name=due]").fill("2026-12-31")
    card.locator("button", has_text="改正").click()
    assert "已确定时限" in page.locator(".ok").inner_text()
    assert page.locator(f"#{misread.key}").count() == 0  # out of the queue

    event = _events(duban, misread.plan_id)[uid]
    assert event["dtstart"].dt == dt.date(2026, 12, 31)
    assert int(event["sequence"]) > int(before[uid].get("sequence", 0))

    page.goto(duban.url + f"/plans/{misread.plan_id}")
    panel = page.locator(f"#{misread.key}")
    assert "2026年12月31日前" in panel.locator(".when").inner_text()
    assert "已调整" in panel.inner_text() and panel.locator(".moved").count() == 0
    duban.screenshot(page, "plan")

    # A new revision moves the corrected line and rewords the one under 汛期's correction.
    unresolved = _milestone(duban, "汛期")
    card = page.locator(f"#{unresolved.key}")
    card.locator("summary", has_text="修改").click()
    card.locator("select[name=kind]").select_option("deadline")
    card.locator("input[name=due]").fill("2026-12-25")
    card.locator("button", has_text="保存").click()
    text = (duban.root / "plans" / "flood.txt").read_text(encoding="utf-8")
    text = text.replace("（三）加强值班值守。汛期适时", "（三）加强值班值守。\n主汛期适时")
    (duban.root / "plans" / "flood.txt").write_text(text, encoding="utf-8")
    duban.clock.set(2026, 12, 3, 10, 0)
    assert duban.service.refresh(force=True)["flood"]
    page.goto(duban.url + f"/plans/{misread.plan_id}")
    moved = page.locator(f"#{misread.key}")
    assert moved.locator(".moved").count() == 1 and "2026年12月31日前" in moved.locator(".when").inner_text()
    assert "汛期" in page.locator("#orphans").inner_text()


def test_a_relative_milestone_dated_by_its_event_gets_reminders(duban: Duban, browser: Any) -> None:
    relative = _milestone(duban, "预案评审通过后10个工作日内")
    page = browser.new_page()
    duban.login(page)
    page.goto(duban.url + "/review")
    card = page.locator(f"#{relative.key}")
    assert "预案评审通过" in card.inner_text()
    card.locator("input[name=day]").fill("2026-12-04")
    card.locator("button", has_text="确定时限").click()
    # 10 working days after Friday 2026-12-04: 2026-12-18
    assert "2026-12-18" in page.locator(".ok").inner_text()
    with session(duban.service.engine) as s:
        planned = s.exec(
            select(Reminder).where(Reminder.milestone_key == relative.key, Reminder.state == "pending")
        ).all()
    assert {r.occurrence for r in planned} == {dt.date(2026, 12, 18)}
    assert {r.label for r in planned} >= {"due"}


def test_adding_a_subscriber_keeps_the_files_comments(duban: Duban, browser: Any) -> None:
    original = duban.plan_toml.read_text(encoding="utf-8")
    page = browser.new_page()
    duban.login(page)
    page.goto(duban.url + "/config/plans/flood")
    form = page.locator("#add-subscriber")
    form.locator("select[name=channel]").select_option("email")
    form.locator("input[name=target]").fill("not an address")
    form.locator("button").click()
    assert "不是" in page.locator(".error").inner_text() or "email" in page.locator(".error").inner_text()
    assert duban.plan_toml.read_text(encoding="utf-8") == original  # nothing changed

    form = page.locator("#add-subscriber")
    form.locator("select[name=channel]").select_option("email")
    form.locator("input[name=target]").fill("yingji@example.org")
    form.locator("input[name=owners]").fill("县应急局")
    form.locator("button").click()
    assert "已添加订阅" in page.locator(".ok").inner_text()
    text = duban.plan_toml.read_text(encoding="utf-8")
    for comment in re.findall(r"#.*", original):
        assert comment in text
    added = tomllib.loads(text)["subscribers"][-1]
    assert added == {"channel": "email", "target": "yingji@example.org", "owners": ["县应急局"], "mode": "immediate"}
    assert page.locator("#subscribers tr", has_text="yingji").count() == 1


def test_an_overdue_task_is_escalated_once(duban: Duban, browser: Any) -> None:
    duban.clock.set(2026, 12, 15, 8, 0)  # 12-10 + 3 working days = Tuesday 12-15, escalated from 09:00
    assert duban.service.run_escalations() == 0
    duban.clock.set(2026, 12, 15, 9, 5)
    assert duban.service.run_escalations() == 1
    assert duban.service.run_escalations() == 0
    duban.deliver()
    duban.clock.set(2026, 12, 16, 9, 5)
    duban.service.run_escalations()
    duban.deliver()
    escalated = [r for r in duban.escalations.requests if r["payload"]["type"] == "task.escalated"]
    assert len(escalated) == 1 and escalated[0]["verified"]
    assert (
        "城区易涝点" in escalated[0]["payload"]["data"]["task"] or "隐患排查" in escalated[0]["payload"]["data"]["task"]
    )
    page = browser.new_page()
    duban.login(page)
    row = page.locator("#tasks tr[data-task]", has_text="隐患排查")
    assert "已升级 2026-12-15" in row.inner_text() and row.get_attribute("data-light") == "red"


def test_done_and_undone_from_the_plan_view(duban: Duban, browser: Any) -> None:
    drill = _milestone(duban, "2026年12月前")
    page = browser.new_page(locale="zh-CN")
    duban.login(page)
    page.goto(duban.url + f"/plans/{drill.plan_id}")
    page.locator(f"#{drill.key}").locator("button", has_text="标记办结").click()
    assert "已标记办结" in page.locator(".ok").inner_text()
    with session(duban.service.engine) as s:
        pending = s.exec(select(Reminder).where(Reminder.milestone_key == drill.key, Reminder.state == "pending")).all()
    assert pending == []
    page.goto(duban.url + "/overview")
    assert page.locator("#tasks tr[data-task]", has_text="组织防汛演练").get_attribute("data-light") == "grey"

    page.goto(duban.url + f"/plans/{drill.plan_id}")
    page.locator(f"#{drill.key}").locator("button", has_text="撤销办结").click()
    assert "已撤销办结" in page.locator(".ok").inner_text()
    page.goto(duban.url + "/overview")
    assert page.locator("#tasks tr[data-task]", has_text="组织防汛演练").get_attribute("data-light") == "red"


def test_one_occurrence_of_a_cadence_done_from_the_plan_view(duban: Duban, browser: Any) -> None:
    plans = duban.root / "plans"
    (plans / "weekly.txt").write_text(
        "值守工作方案\n\n一、任务\n（一）报送值守情况。每周五报送。（牵头单位：县城管局）\n", encoding="utf-8"
    )
    (plans / "weekly.toml").write_text('id = "weekly"\nsource = "weekly.txt"\nuntil = 2027-01-31\n', encoding="utf-8")
    duban.service.store.reload()
    assert duban.service.refresh(force=True)["weekly"]
    cadence = _milestone(duban, "每周五")
    page = browser.new_page(locale="zh-CN")
    duban.login(page)
    page.goto(duban.url + "/plans/weekly")
    panel = page.locator(f"#{cadence.key}")
    assert "每周五，至2027年1月31日" in panel.locator(".when").inner_text()
    panel.locator("input[name=occurrence]").fill("2026-12-10")  # a Thursday
    panel.locator("button", has_text="本期办结").click()
    assert "不是「每周五」的一期" in page.locator(".error").inner_text()
    assert "2026-12-04" in page.locator(".error").inner_text() or "2026-12-11" in page.locator(".error").inner_text()
    panel = page.locator(f"#{cadence.key}")
    panel.locator("input[name=occurrence]").fill("2026-12-11")
    panel.locator("button", has_text="本期办结").click()
    assert "已标记办结" in page.locator(".ok").inner_text()
    assert "2026-12-11" in page.locator(f"#{cadence.key}").inner_text()  # the done occurrences are listed
    with session(duban.service.engine) as s:
        pending = s.exec(select(Reminder).where(Reminder.milestone_key == cadence.key, Reminder.state == "pending"))
        days = {r.occurrence for r in pending}
    assert dt.date(2026, 12, 11) not in days and dt.date(2026, 12, 18) in days
