"""Configuration and deliveries from the pages: a plan's policy saved (and a
bad value refused with its error, the file untouched), a plan added by
uploading its document, a dead delivery sent again; and the daily overdue
digest that goes with escalation."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from sqlmodel import select

from config.settings import load_settings
from scheduler.db import session
from scheduler.escalation import overdue_digest
from scheduler.models import Delivery, Notice
from tests.pages.conftest import Duban

PLAIN_PLAN = "巡查工作方案\n\n一、任务\n（一）开展河道巡查。2027年3月31日前完成。（牵头单位：县水利局）\n"


def test_policy_saved_and_a_bad_value_refused(duban: Duban, browser: Any) -> None:
    page = browser.new_page(locale="zh-CN")
    duban.login(page)
    page.goto(duban.url + "/config/plans/flood")
    original = duban.plan_toml.read_text(encoding="utf-8")
    form = page.locator("#settings")
    form.locator("input[name=escalate_to]").fill("无此订阅")
    form.locator("button").click()
    error = page.locator(".error").inner_text()
    assert "flood.toml" in error and "escalate_to" in error and "无此订阅" in error
    assert duban.plan_toml.read_text(encoding="utf-8") == original

    form = page.locator("#settings")
    form.locator("input[name=before]").fill("5, 2")
    form.locator("input[name=until]").fill("2027-03-31")
    form.locator("input[name=escalate_after]").fill("2")
    form.locator("input[name=escalate_to]").fill("督查室")
    form.locator("button").click()
    assert "已保存" in page.locator(".ok").inner_text()
    saved = tomllib.loads(duban.plan_toml.read_text(encoding="utf-8"))
    assert saved["until"] == dt.date(2027, 3, 31)
    assert saved["reminders"] == {"before": [5, 2], "escalate_after": 2, "escalate_to": ["督查室"]}
    assert "# 县水利局 reads its reminders by email." in duban.plan_toml.read_text(encoding="utf-8")
    assert load_settings(duban.duban_toml).policy_for("flood").before == (5, 2)


def test_a_plan_is_added_by_uploading_its_document(duban: Duban, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(locale="zh-CN")
    duban.login(page)
    page.goto(duban.url + "/config")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a docx")
    page.fill("input[name=id]", "patrol")
    page.set_input_files("input[name=document]", str(broken))
    page.click("button:has-text('上传并添加')")
    assert "读不出" in page.locator(".error").inner_text()
    assert not (duban.root / "plans" / "patrol.toml").exists()

    document = tmp_path / "巡查.txt"
    document.write_text(PLAIN_PLAN, encoding="gbk")
    page.fill("input[name=id]", "patrol")
    page.set_input_files("input[name=document]", str(document))
    page.click("button:has-text('上传并添加')")
    assert "1个时限" in page.locator(".ok").inner_text()
    settings = load_settings(duban.duban_toml)
    assert settings.source_path(settings.plans["patrol"]) == (duban.root / "documents" / "patrol.txt").resolve()
    duban.service.store.reload()
    assert duban.service.refresh()["patrol"]  # the service takes it up like any plan file


def test_a_dead_delivery_is_sent_again_from_the_log(duban: Duban, browser: Any) -> None:
    duban.clock.set(2026, 12, 3, 9, 0, 30)
    duban.service.run_due()
    with session(duban.service.engine) as s:
        row = s.exec(select(Delivery)).first()
        assert row is not None
        row.state, row.error, row.attempts = "dead", "550 mailbox unavailable", 7
        s.add(row)
        s.commit()
        dead_id = row.id
    page = browser.new_page(locale="zh-CN")
    duban.login(page)
    page.goto(duban.url + "/deliveries?state=dead")
    rows = page.locator("#deliveries tr[data-state]")
    assert rows.count() == 1 and "550 mailbox unavailable" in rows.first.inner_text()
    rows.first.locator("input[type=checkbox]").check()
    page.click("button:has-text('重发')")
    assert "已重新排队1条" in page.locator(".ok").inner_text()
    duban.deliver()
    with session(duban.service.engine) as s:
        again = s.get(Delivery, dead_id)
    assert again is not None and again.state == "sent"
    assert len(duban.inbox.messages) == 1


def test_the_daily_overdue_digest_groups_by_owner_unit_once_a_day(duban: Duban) -> None:
    duban.clock.set(2026, 12, 14, 9, 0)
    settings = duban.service.settings
    args = (duban.service.engine, settings.policy_for, settings.calendar(), duban.clock(), settings.timezone)
    assert overdue_digest(*args) == 1
    assert overdue_digest(*args) == 0  # once a day
    with session(duban.service.engine) as s:
        [notice] = s.exec(select(Notice).where(Notice.event == "overdue.digest")).all()
    assert notice.detail.startswith("截至2026-12-14共2项逾期未办结。")
    assert "县水利局（1项）" in notice.detail
    duban.deliver()
    [digest] = [r for r in duban.escalations.requests if r["payload"]["type"] == "overdue.digest"]
    assert digest["verified"] and "县水利局（1项）" in digest["payload"]["data"]["detail"]


def test_the_test_button_sends_through_the_real_channel(duban: Duban, browser: Any) -> None:
    page = browser.new_page(locale="zh-CN")
    duban.login(page)
    page.goto(duban.url + "/config/plans/flood")
    row = page.locator("#subscribers tr", has_text="水利局")
    assert "s***@example.org" in row.inner_text() or "example.org" in row.inner_text()
    row.locator("button", has_text="发送测试消息").click()
    assert "测试消息已发送" in page.locator(".ok").inner_text()
    [mail] = duban.inbox.messages
    assert "测试消息" in str(mail["Subject"]) and mail["To"] == "shuili@example.org"
