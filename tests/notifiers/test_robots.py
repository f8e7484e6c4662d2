"""DingTalk, WeCom and Feishu robots against local servers that speak their
APIs: signatures checked, errors answered with the services' own codes."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import replace

import httpx
import pytest

from notifiers.base import Notification, Target
from notifiers.dingtalk import DingTalkNotifier
from notifiers.errors import DeliveryError
from notifiers.feishu import FeishuNotifier
from notifiers.ratelimit import SlidingWindow
from notifiers.wecom import WeComNotifier
from scheduler.outbox import Job, Sender
from tests.notifiers.servers import Recorder, dingtalk_api, feishu_api, wecom_api

ALLOW = {"127.0.0.1"}
NOTE = Notification(
    delivery_id=42,
    milestone_key="m-1",
    event="reminder.overdue",
    plan="XX局2022年工作方案",
    plan_id="p",
    section=["一、任务"],
    task="开展排查",
    owners={"lead": ["办公室"], "support": ["法规科"]},
    quote="2022年11月30日前",
    line=3,
    kind="deadline",
    due=dt.date(2022, 11, 30),
    start=None,
    occurrence=dt.date(2022, 11, 30),
    workdays_left=None,
    status="overdue",
    links={"admin": "http://duban.test/plans/p"},
)


def test_a_message_id_is_stable_across_retries_and_unique_beyond_them() -> None:
    made = dt.datetime(2022, 11, 23, 1, 0, tzinfo=dt.UTC)
    first = replace(NOTE, created_at=made)
    assert first.message_id == replace(first).message_id  # a retry of the same delivery
    # The same delivery number after a database reset is another message.
    assert first.message_id != replace(NOTE, created_at=made + dt.timedelta(days=30)).message_id
    assert first.message_id.startswith("msg_")


async def send(notifier: object, target: Target) -> None:
    async with httpx.AsyncClient() as client:
        await notifier.send(client, target, NOTE)  # type: ignore[attr-defined]


def test_dingtalk_signed_markdown() -> None:
    recorder = Recorder()
    with dingtalk_api("tok", "SECabc", recorder) as base:
        target = Target(f"{base}/robot/send?access_token=tok", "SECabc", {"at_mobiles": ["13800000000"]})
        asyncio.run(send(DingTalkNotifier(ALLOW), target))
    [message] = recorder.requests
    assert message["markdown"]["title"] == "【已逾期】开展排查"
    assert "2022年11月30日前" in message["markdown"]["text"] and "@13800000000" in message["markdown"]["text"]
    assert message["at"] == {"atMobiles": ["13800000000"], "isAtAll": False}


def test_dingtalk_bad_signature_is_permanent_and_secret_free() -> None:
    with dingtalk_api("tok-9f8e7d", "SECabc", Recorder()) as base:
        target = Target(f"{base}/robot/send?access_token=tok-9f8e7d", "SECwrong")
        with pytest.raises(DeliveryError) as info:
            asyncio.run(send(DingTalkNotifier(ALLOW), target))
    assert info.value.permanent and "310000" in str(info.value)
    assert "tok-9f8e7d" not in str(info.value) and "SECwrong" not in str(info.value)


def test_dingtalk_rate_limit_code_is_retryable() -> None:
    with dingtalk_api("tok", "S", Recorder(), per_minute=1) as base:
        target = Target(f"{base}/robot/send?access_token=tok", "S")
        asyncio.run(send(DingTalkNotifier(ALLOW), target))
        with pytest.raises(DeliveryError) as info:
            asyncio.run(send(DingTalkNotifier(ALLOW), target))
    assert not info.value.permanent and "130101" in str(info.value)


def test_wecom_markdown_and_its_errors() -> None:
    recorder = Recorder()
    with wecom_api("k-123", recorder, per_minute=1) as base:
        asyncio.run(send(WeComNotifier(ALLOW), Target(f"{base}/cgi-bin/webhook/send?key=k-123")))
        with pytest.raises(DeliveryError) as limited:
            asyncio.run(send(WeComNotifier(ALLOW), Target(f"{base}/cgi-bin/webhook/send?key=k-123")))
        with pytest.raises(DeliveryError) as wrong:
            asyncio.run(send(WeComNotifier(ALLOW), Target(f"{base}/cgi-bin/webhook/send?key=nope")))
    assert "### 【已逾期】开展排查" in recorder.requests[0]["markdown"]["content"]
    assert not limited.value.permanent and "45009" in str(limited.value)
    assert wrong.value.permanent and "93000" in str(wrong.value) and "nope" not in str(wrong.value)


def test_feishu_signed_card_and_bad_signature() -> None:
    recorder = Recorder()
    with feishu_api("hook-token", "fs-secret", recorder) as base:
        url = f"{base}/open-apis/bot/v2/hook/hook-token"
        asyncio.run(send(FeishuNotifier(ALLOW), Target(url, "fs-secret")))
        with pytest.raises(DeliveryError) as bad:
            asyncio.run(send(FeishuNotifier(ALLOW), Target(url, "other")))
    [card] = recorder.requests
    assert card["card"]["header"]["title"]["content"] == "【已逾期】开展排查"
    assert card["card"]["header"]["template"] == "red"
    assert bad.value.permanent and "19021" in str(bad.value) and "hook-token" not in str(bad.value)


def test_rate_limits_queue_instead_of_dropping() -> None:
    async def burst() -> float:
        window = SlidingWindow([(3, 0.5)])
        start = time.monotonic()
        await asyncio.gather(*(window.acquire() for _ in range(7)))
        return time.monotonic() - start

    assert asyncio.run(burst()) >= 1.0  # 7 messages at 3 per 0.5 s: three windows


def test_robot_limits_hold_across_a_burst(monkeypatch: pytest.MonkeyPatch) -> None:
    import notifiers.registry

    monkeypatch.setitem(notifiers.registry.RATE_LIMITS, "dingtalk", [(2, 0.5)])
    recorder = Recorder()
    with dingtalk_api("tok", "S", recorder, per_minute=1000) as base:
        target = Target(f"{base}/robot/send?access_token=tok", "S")
        sender = Sender({"dingtalk": DingTalkNotifier(ALLOW)})
        jobs = [Job(i, 0, "dingtalk", target, NOTE) for i in range(6)]
        start = time.monotonic()
        outcomes = asyncio.run(sender.run(jobs, lambda batch: None, flush_every=0.01))
        elapsed = time.monotonic() - start
    assert all(o.error is None for o in outcomes) and len(recorder.requests) == 6
    assert elapsed >= 1.0
