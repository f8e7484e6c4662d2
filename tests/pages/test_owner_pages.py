"""The owner's side: a reminder email carries a signed link; the page it
opens takes 已办结, an event's date or an extension request, with no
account. Done closes the occurrence's reminders at once; an extension
waits for an admin and the owner hears the answer."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlmodel import select

from scheduler.db import session
from scheduler.models import Milestone, OwnerRequest, Reminder
from tests.pages.conftest import Duban


def _link(duban: Duban) -> str:
    [mail] = duban.inbox.messages
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"反馈办理情况[^：]*：(\S+)", text)
    assert found, text
    return found.group(1)


def _first_reminder(duban: Duban) -> str:
    duban.clock.set(2026, 12, 3, 9, 0, 30)  # the 7-days-before reminder of the 12-10 deadline
    duban.deliver()
    link = _link(duban)
    assert link.startswith(duban.url + "/o/")
    return link


def test_owner_reports_done_from_the_email_link(duban: Duban, browser: Any) -> None:
    link = _first_reminder(duban)
    owner = browser.new_page(locale="zh-CN")  # no session: the link is the permission
    owner.goto(link)
    assert "隐患排查" in owner.locator("main").inner_text()
    assert "2026年12月10日前" in owner.locator(".when").inner_text()
    duban.screenshot(owner, "owner")
    owner.fill("textarea[name=note]", "已完成12处易涝点整治")
    owner.click("button:has-text('已办结')")
    assert "本期不再提醒" in owner.locator(".ok").first.inner_text()
    assert "本期已办结" in owner.locator("#state").inner_text()

    with session(duban.service.engine) as s:
        m = s.exec(select(Milestone).where(Milestone.quote == "2026年12月10日前")).one()
        pending = s.exec(select(Reminder).where(Reminder.milestone_key == m.key, Reminder.state == "pending")).all()
    assert pending == []

    admin = browser.new_page(locale="zh-CN")
    duban.login(admin)
    row = admin.locator("#tasks tr[data-task]", has_text="隐患排查")
    assert row.get_attribute("class") == "done" and "已办结" in row.inner_text()

    for day in (7, 9, 10, 11):  # 3 days before, 1 day before, due, overdue: nothing more
        duban.clock.set(2026, 12, day, 9, 0, 30)
        duban.deliver()
    assert len(duban.inbox.messages) == 1


def test_an_extension_waits_for_the_admin_and_the_owner_hears(duban: Duban, browser: Any) -> None:
    link = _first_reminder(duban)
    owner = browser.new_page(locale="zh-CN")
    owner.goto(link)
    owner.fill("form[action$='/extension'] input[name=day]", "2026-12-20")
    owner.fill("textarea[name=reason]", "汛后集中整治，需要多十天")
    owner.click("button:has-text('提交申请')")
    assert "审核后会通知您" in owner.locator(".ok").inner_text()

    admin = browser.new_page(locale="zh-CN")
    duban.login(admin)
    admin.goto(duban.url + "/review")
    card = admin.locator(".request", has_text="汛后集中整治")
    assert "2026-12-20" in card.inner_text()
    card.locator("button:has-text('同意')").first.click()
    assert "已同意" in admin.locator(".ok").inner_text()
    with session(duban.service.engine) as s:
        [asked] = s.exec(select(OwnerRequest).where(OwnerRequest.kind == "extension")).all()
        m = s.exec(select(Milestone).where(Milestone.key == asked.milestone_key)).one()
        planned = s.exec(select(Reminder).where(Reminder.milestone_key == m.key, Reminder.state == "pending")).all()
    assert asked.state == "approved" and asked.decided_by == "督办员"
    assert {r.occurrence for r in planned} == {dt.date(2026, 12, 20)}

    duban.deliver()  # the answer goes out through the owner's channel
    answer = duban.inbox.messages[-1]
    assert "延期申请答复" in str(answer["Subject"])
    assert "已同意" in answer.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    owner.reload()
    assert "已同意" in owner.locator("main").inner_text()


def test_the_owner_reports_a_relative_milestones_event(duban: Duban, browser: Any) -> None:
    duban.clock.set(2026, 12, 7, 10, 0)
    admin = browser.new_page(locale="zh-CN")
    duban.login(admin)
    admin.goto(duban.url + "/review")
    card = admin.locator(".doubt", has_text="预案评审通过")
    card.locator("summary", has_text="反馈链接").click()
    link = card.locator("ul.links a").first
    assert "县应急局办公室" in card.locator("ul.links li").first.inner_text()
    url = link.get_attribute("href")
    assert url and url.startswith(duban.url + "/o/")

    owner = browser.new_page(locale="zh-CN")
    owner.goto(url)
    assert "预案评审通过后10个工作日内" in owner.locator(".when").inner_text()
    owner.fill("form[action$='/event'] input[name=day]", "2026-12-31")
    owner.click("form[action$='/event'] button")
    assert "不能晚于今天" in owner.locator(".error").inner_text()
    owner.fill("form[action$='/event'] input[name=day]", "2026-12-04")
    owner.click("form[action$='/event'] button")
    assert "时限为2026-12-18" in owner.locator(".ok").inner_text()
    assert "2026年12月18日前" in owner.locator(".when").inner_text()
    with session(duban.service.engine) as s:
        m = s.exec(select(Milestone).where(Milestone.quote == "预案评审通过后10个工作日内")).one()
        planned = s.exec(select(Reminder).where(Reminder.milestone_key == m.key, Reminder.state == "pending")).all()
        [said] = s.exec(select(OwnerRequest).where(OwnerRequest.kind == "event")).all()
    assert {r.occurrence for r in planned} == {dt.date(2026, 12, 18)}
    assert said.day == dt.date(2026, 12, 4) and said.subscription_id == "应急局"
    admin.goto(duban.url + "/review")
    assert admin.locator(".doubt", has_text="预案评审通过").count() == 0
