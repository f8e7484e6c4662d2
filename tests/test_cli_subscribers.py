"""Seeing a reminder without waiting for one: ``duban subscribers test``
sends a marked test message through each real channel, ``duban remind
--preview`` shows what will be sent, to whom and when, and ``duban
deliveries send`` says what the outbox holds."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from notifiers.text import TEST_WORDS
from scheduler.db import make_engine, session
from scheduler.models import Delivery, LogEntry, Reminder, Subscription
from tests.conftest import run_duban
from tests.notifiers.servers import Inbox, Recorder, dingtalk_api, smtp_server, webhook_receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ROBOT_TOKEN, ROBOT_SECRET = "tok-abcdef123456", "SEC0123456789abcdef"
DUE = dt.date.today() + dt.timedelta(days=20)  # reminders are planned from the real clock
PLAN = (
    f"XX局{DUE.year}年工作方案\n一、任务\n"
    f"(一)开展排查。(牵头单位:办公室;完成时间:{DUE.year}年{DUE.month}月{DUE.day}日前)\n"
)


@pytest.fixture
def services() -> Iterator[tuple[str, Recorder, str, Recorder, Inbox, int]]:
    hooks, robot = Recorder(), Recorder()
    with (
        webhook_receiver(SECRET, hooks) as hook_url,
        dingtalk_api(ROBOT_TOKEN, ROBOT_SECRET, robot) as robot_url,
        smtp_server() as (inbox, port),
    ):
        yield hook_url, hooks, robot_url, robot, inbox, port


def write_config(root: Path, hook_url: str, robot_url: str, smtp_port: int) -> Path:
    (root / "plans").mkdir(exist_ok=True)
    (root / "duban.toml").write_text(
        f'[service]\ndatabase = "sqlite:///duban.db"\n\n[smtp]\nport = {smtp_port}\n\n'
        '[delivery]\nallow_private = ["127.0.0.1"]\n',
        encoding="utf-8",
    )
    (root / "plans" / "office.txt").write_text(PLAN, encoding="utf-8")
    (root / "plans" / "office.toml").write_text(
        'id = "office"\ntitle = "XX局工作方案"\nsource = "office.txt"\n\n'
        f'[[subscribers]]\nid = "hook"\nchannel = "webhook"\ntarget = "{hook_url}/hook"\nsecret_env = "HOOK_SECRET"\n\n'
        f'[[subscribers]]\nid = "robot"\nchannel = "dingtalk"\n'
        f'target = "{robot_url}/robot/send?access_token={ROBOT_TOKEN}"\nsecret = "{ROBOT_SECRET}"\n\n'
        '[[subscribers]]\nid = "mail"\nchannel = "email"\ntarget = "office@example.org"\nmode = "digest"\n\n'
        '[[subscribers]]\nid = "gone"\nchannel = "webhook"\ntarget = "http://127.0.0.1:9/hook"\n'
        'secret_env = "HOOK_SECRET"\n\n'
        '[[subscribers]]\nid = "book"\nchannel = "log"\ntarget = "duty-book"\n',
        encoding="utf-8",
    )
    return root / "duban.toml"


def duban(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_duban(config, *args, env={"HOOK_SECRET": SECRET})


def test_subscribers_test_goes_through_each_real_channel(
    tmp_path: Path, services: tuple[str, Recorder, str, Recorder, Inbox, int]
) -> None:
    hook_url, hooks, robot_url, robot, inbox, port = services
    config = write_config(tmp_path, hook_url, robot_url, port)

    sent = duban(config, "subscribers", "test", "hook")
    assert sent.returncode == 0, sent.stderr
    assert "hook: test message delivered to webhook" in sent.stderr
    [request] = hooks.requests
    assert request["verified"]  # signed with the subscriber's secret, checked by standardwebhooks
    assert request["payload"]["type"] == "subscriber.test"
    assert request["payload"]["data"]["plan"] == {"id": "office", "title": "XX局工作方案"}

    sent = duban(config, "subscribers", "test", "robot")
    assert sent.returncode == 0, sent.stderr
    assert ROBOT_TOKEN not in sent.stderr and "access_token=***" in sent.stderr  # the token is masked
    [message] = robot.requests
    assert message["markdown"]["title"].startswith("【测试消息】")
    assert TEST_WORDS in message["markdown"]["text"]

    sent = duban(config, "subscribers", "test", "mail")
    assert sent.returncode == 0, sent.stderr
    [mail] = inbox.messages
    assert mail["To"] == "office@example.org" and "测试消息" in mail["Subject"]
    assert mail["Date"] and mail["Message-ID"]
    assert not [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]  # no event to add

    book = duban(config, "subscribers", "test", "book")
    assert book.returncode == 0 and "log channel" in book.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'duban.db'}")
    with session(engine) as s:
        [entry] = s.exec(select(LogEntry)).all()
        assert entry.target == "book" and TEST_WORDS in entry.message
    engine.dispose()


def test_subscribers_test_says_why_it_failed(
    tmp_path: Path, services: tuple[str, Recorder, str, Recorder, Inbox, int]
) -> None:
    hook_url, _, robot_url, _, _, port = services
    config = write_config(tmp_path, hook_url, robot_url, port)
    gone = duban(config, "subscribers", "test", "gone")
    assert gone.returncode == 1
    assert "gone: test to webhook http://127.0.0.1:9/hook failed (may pass on a retry)" in gone.stderr
    unknown = duban(config, "subscribers", "test", "nobody")
    assert unknown.returncode == 1 and "no subscriber 'nobody'; subscribers: hook, robot, mail, gone, book" in (
        unknown.stderr
    )


def test_subscribers_are_listed_with_masked_targets(
    tmp_path: Path, services: tuple[str, Recorder, str, Recorder, Inbox, int]
) -> None:
    hook_url, _, robot_url, _, _, port = services
    config = write_config(tmp_path, hook_url, robot_url, port)
    listed = duban(config, "subscribers", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in json.loads(listed.stdout)}
    assert rows["robot"]["target"].endswith("/robot/send?access_token=***")
    assert rows["mail"] == {
        "id": "mail",
        "channel": "email",
        "target": "office@example.org",
        "plans": ["office"],
        "owners": [],
        "mode": "digest",
    }
    assert ROBOT_TOKEN not in duban(config, "subscribers").stdout


def test_remind_preview_shows_what_when_and_to_whom(
    tmp_path: Path, services: tuple[str, Recorder, str, Recorder, Inbox, int]
) -> None:
    hook_url, hooks, robot_url, robot, inbox, port = services
    config = write_config(tmp_path, hook_url, robot_url, port)
    assert duban(config, "remind", "office", "--preview").returncode == 1  # not imported yet: says so
    assert duban(config, "plans", "import", str(tmp_path / "plans" / "office.toml")).returncode == 0

    engine = make_engine(f"sqlite:///{tmp_path / 'duban.db'}")
    with session(engine) as s:  # the robot's token stays in the plan file, out of the database
        assert s.get(Subscription, "robot").target.endswith("/robot/send?access_token=***")  # type: ignore[union-attr]
    engine.dispose()

    preview = duban(config, "remind", "office", "--preview", "--format", "json")
    assert preview.returncode == 0, preview.stderr
    rows = json.loads(preview.stdout)
    engine = make_engine(f"sqlite:///{tmp_path / 'duban.db'}")
    with session(engine) as s:
        pending = [r for r in s.exec(select(Reminder)).all() if r.state == "pending"]
        horizon = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
        due_within = [r for r in pending if r.fire_at.replace(tzinfo=dt.UTC) <= horizon]
        assert len(rows) == len(due_within) >= 4  # 7, 3 and 1 days before, and on the day
        assert not s.exec(select(Delivery)).all()  # nothing was sent or queued
    engine.dispose()
    events = [r["event"] for r in rows]
    assert events.index("reminder.due_today") > events.index("reminder.due_soon")
    assert rows[-1]["event"] == "reminder.overdue"  # the working days after it, within the 30 days shown
    assert rows[0]["task"] == "开展排查" and rows[0]["due"] == DUE.isoformat()
    assert rows[0]["message"].startswith("### 【即将到期】开展排查")
    recipients = {r["id"]: r for r in rows[0]["to"]}
    assert set(recipients) == {"hook", "robot", "mail", "gone", "book"}
    assert recipients["robot"]["target"].endswith("access_token=***")
    assert recipients["mail"]["mode"] == "digest"

    table = duban(config, "remind", "office", "--preview")
    assert table.returncode == 0
    assert f"【今日到期】开展排查（{DUE}）" in table.stdout
    assert "  → mail: email office@example.org (in the daily digest)" in table.stdout
    assert ROBOT_TOKEN not in table.stdout
    assert not hooks.requests and not robot.requests and not inbox.messages

    plain = duban(config, "remind", "office")
    assert plain.returncode == 2 and "--preview" in plain.stderr


def test_deliveries_send_says_what_the_outbox_holds(
    tmp_path: Path, services: tuple[str, Recorder, str, Recorder, Inbox, int]
) -> None:
    hook_url, hooks, robot_url, _, _, port = services
    config = write_config(tmp_path, hook_url, robot_url, port)
    assert duban(config, "plans", "import", str(tmp_path / "plans" / "office.toml")).returncode == 0
    nothing = duban(config, "deliveries", "send")
    assert nothing.returncode == 0
    assert nothing.stderr.splitlines() == ["nothing was due in the outbox"]

    engine = make_engine(f"sqlite:///{tmp_path / 'duban.db'}")
    now = dt.datetime.now(dt.UTC)
    with session(engine) as s:
        reminder = s.exec(select(Reminder)).first()
        assert reminder is not None and reminder.id is not None
        # One sent a minute ago (as a running server does) and one waiting for its retry.
        s.add(Delivery(reminder_id=reminder.id, subscription_id="hook", channel="webhook", state="sent",
                       attempts=1, created_at=now, sent_at=now - dt.timedelta(minutes=1)))  # fmt: skip
        s.add(Delivery(reminder_id=reminder.id, subscription_id="robot", channel="dingtalk", state="pending",
                       attempts=1, created_at=now, next_attempt_at=now + dt.timedelta(minutes=5)))  # fmt: skip
        s.commit()
    engine.dispose()
    told = duban(config, "deliveries", "send")
    assert told.returncode == 0
    assert told.stderr.splitlines()[0] == "nothing was due in the outbox"
    assert "1 waiting for a later try, the next at " in told.stderr
    assert "1 sent in the last hour" in told.stderr and "a running `duban serve` sends" in told.stderr
    assert not hooks.requests
