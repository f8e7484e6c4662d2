"""Plan sources watched: a plan served over HTTP changes, fails for a
while and comes back; plans on disk (GBK text, .docx) are read again only
when their bytes change. Subscribers hear of each revision's changes once,
through real channels; admins hear of a failing source once per episode."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlmodel import select

import scheduler.watch
from config.settings import ConfigStore
from scheduler.db import session
from scheduler.models import Delivery, Milestone, PlanRevision, Reminder
from scheduler.outbox import deliver_outbox
from scheduler.senders import make_sender, subscriber_targets
from scheduler.service import Service
from tests.notifiers.servers import Recorder, dingtalk_api, smtp_server, webhook_receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = dt.datetime(2026, 11, 1, 1, 0, tzinfo=dt.UTC)
V1 = """XX局2026年安全生产工作方案
一、重点任务
(一)开展安全检查。全面排查隐患。(牵头单位:安监科;完成时间:2026年11月30日前)
(二)修订应急预案。(牵头单位:法规科;完成时间:2026年12月15日前)
(三)组织应急演练。(牵头单位:办公室;完成时间:2026年12月20日前)
"""
V2 = """XX局2026年安全生产工作方案
一、重点任务
(一)开展安全检查。全面排查隐患。(牵头单位:安监科;完成时间:2026年12月15日前)
(三)组织应急演练。(牵头单位:应急科;完成时间:2026年12月20日前)
(四)开展宣传培训。(牵头单位:宣传科;完成时间:2026年12月31日前)
"""
CHANGES = [
    "「开展安全检查」截止时间由2026年11月30日调整为2026年12月15日",
    "新增任务「开展宣传培训」（时限：2026年12月31日，牵头单位：宣传科）",
    "删除任务「修订应急预案」",
    "「组织应急演练」牵头单位由办公室调整为应急科",
]


class PlanSite:
    """A web server publishing one plan: its text now, or failing with 500;
    it answers If-None-Match with 304 and counts what it sent."""

    def __init__(self) -> None:
        self.text, self.failing, self.sent = V1, False, {200: 0, 304: 0, 500: 0}

    def etag(self) -> str:
        return '"' + hashlib.sha256(self.text.encode()).hexdigest()[:16] + '"'

    @contextmanager
    def serving(self) -> Iterator[str]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if site.failing:
                    status, body, headers = 500, b"busy", {}
                elif self.headers.get("If-None-Match") == site.etag():
                    status, body, headers = 304, b"", {"ETag": site.etag()}
                else:
                    status, body = 200, site.text.encode("utf-8")
                    headers = {"ETag": site.etag(), "Content-Type": "text/plain; charset=utf-8"}
                site.sent[status] += 1
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times each plan file's source was parsed."""
    counts: dict[str, int] = {}
    real = scheduler.watch.parse_source

    def counted(settings: Any, plan: Any, document: Any, now: dt.datetime) -> Any:
        counts[plan.id] = counts.get(plan.id, 0) + 1
        return real(settings, plan, document, now)

    monkeypatch.setattr(scheduler.watch, "parse_source", counted)
    return counts


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def later(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def test_a_plan_on_the_web_changes_fails_and_comes_back(
    tmp_path: Path, database_url: str, parses: dict[str, int]
) -> None:
    site, hooks, robot, admins = PlanSite(), Recorder(), Recorder(), Recorder()
    with (
        site.serving() as site_url,
        webhook_receiver(SECRET, hooks) as hook_url,
        webhook_receiver(SECRET, admins) as admin_url,
        dingtalk_api("tok", "SEC", robot) as robot_url,
        smtp_server() as (inbox, smtp_port),
    ):
        (tmp_path / "plans").mkdir()
        (tmp_path / "duban.toml").write_text(
            f'[service]\ndatabase = "{database_url}"\n\n[smtp]\nport = {smtp_port}\n\n'
            '[delivery]\nallow_private = ["127.0.0.1"]\n\n'
            f'[[alerts]]\nchannel = "webhook"\ntarget = "{admin_url}/alerts"\nsecret = "{SECRET}"\n',
            encoding="utf-8",
        )
        (tmp_path / "plans" / "safety.toml").write_text(
            f'id = "safety"\nsource = "{site_url}/plans/safety"\n\n'
            f'[[subscribers]]\nid = "hook"\nchannel = "webhook"\ntarget = "{hook_url}/hook"\nsecret = "{SECRET}"\n\n'
            '[[subscribers]]\nid = "mail"\nchannel = "email"\ntarget = "office@example.org"\n\n'
            # The robot of 法规科 hears only of what touches 法规科.
            f'[[subscribers]]\nid = "legal"\nchannel = "dingtalk"\n'
            f'target = "{robot_url}/robot/send?access_token=tok"\nsecret = "SEC"\nowners = ["法规科"]\n',
            encoding="utf-8",
        )
        clock = Clock()
        service = Service(ConfigStore(tmp_path / "duban.toml"), clock=clock)
        settings = service.settings

        def deliver() -> None:
            targets = subscriber_targets(settings)
            deliver_outbox(service.engine, clock, make_sender(settings), targets, settings.calendar(), "http://d")

        assert isinstance(service.refresh()["safety"], list) and parses == {"safety": 1}  # the first revision
        clock.later(minutes=30)
        assert service.refresh() == {} and site.sent[200] == 1  # not due: the web is asked hourly
        clock.later(minutes=31)
        assert service.refresh() == {} and site.sent[304] == 1 and parses == {"safety": 1}  # 304: nothing read

        site.text = V2
        clock.later(hours=1)
        [report] = service.refresh()["safety"]  # type: ignore[misc]
        assert parses == {"safety": 2}
        assert sorted(c.words for c in report.changes) == sorted(CHANGES)
        deliver()

        [notice] = hooks.requests
        assert notice["verified"] and notice["payload"]["type"] == "milestone.changed"
        assert [c["words"] for c in notice["payload"]["data"]["changes"]] == CHANGES
        [mail] = inbox.messages
        assert mail["Subject"] == "【方案变更】XX局2026年安全生产工作方案"
        text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert all(words in text for words in CHANGES)
        [robot_message] = robot.requests
        lines = robot_message["markdown"]["text"].splitlines()
        said = [line for line in lines if line.startswith("- ") and "查看详情" not in line]
        assert said == ["- 删除任务「修订应急预案」"]
        with session(service.engine) as s:  # reminders follow the new revision at once
            moved = s.exec(select(Milestone).where(Milestone.quote == "2026年12月15日前", Milestone.active)).all()
            reminders = [r for m in moved for r in s.exec(select(Reminder).where(Reminder.milestone_key == m.key))]
            assert dt.date(2026, 12, 15) in {r.fire_at.date() for r in reminders}
            gone = s.exec(select(Milestone).where(Milestone.quote == "2026年11月30日前")).one()
            states = {r.state for r in s.exec(select(Reminder).where(Reminder.milestone_key == gone.key))}
            assert states == {"cancelled"}

        site.failing = True
        clock.later(hours=1)
        assert "HTTP 500" in str(service.refresh()["safety"])
        for minutes in (1, 2, 4, 8):  # tried again after 1, 2, 4, 8 minutes
            clock.later(minutes=minutes, seconds=1)
            assert "HTTP 500" in str(service.refresh()["safety"])
        assert site.sent[500] == 5
        [alert] = admins.requests
        assert alert["payload"]["type"] == "service.alert" and "HTTP 500" in alert["payload"]["data"]["detail"]

        site.failing = False
        clock.later(minutes=16, seconds=1)
        assert service.refresh() == {} and site.sent[304] == 2  # back, unchanged: no parse, no notice
        assert parses == {"safety": 2} and not service.problems.open and len(admins.requests) == 1
        deliver()
        assert len(hooks.requests) == len(robot.requests) == len(inbox.messages) == 1
        with session(service.engine) as s:
            assert len(s.exec(select(PlanRevision)).all()) == 2
            assert {d.subscription_id for d in s.exec(select(Delivery))} == {"hook", "mail", "legal"}
    service.engine.dispose()


def test_plans_on_disk_are_read_again_only_when_their_bytes_change(
    tmp_path: Path, database_url: str, parses: dict[str, int]
) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "duban.toml").write_text(f'[service]\ndatabase = "{database_url}"\n', encoding="utf-8")
    gbk, word = tmp_path / "plans" / "gbk.txt", tmp_path / "plans" / "word.docx"
    gbk.write_bytes(V1.encode("gbk"))
    document = docx.Document()
    for line in V1.splitlines():
        document.add_paragraph(line)
    document.save(word)
    for name, source in (("gbk", "gbk.txt"), ("word", "word.docx")):
        (tmp_path / "plans" / f"{name}.toml").write_text(f'id = "{name}"\nsource = "{source}"\n', encoding="utf-8")
    clock = Clock()
    service = Service(ConfigStore(tmp_path / "duban.toml"), clock=clock)
    service.refresh()
    assert parses == {"gbk": 1, "word": 1}
    for _ in range(3):  # checked every minute, read never
        clock.later(minutes=2)
        assert service.refresh() == {}
    later = clock.now.timestamp() + 60
    os.utime(gbk, (later, later))  # touched, the same bytes: read, not parsed
    clock.later(minutes=2)
    assert service.refresh() == {} and parses == {"gbk": 1, "word": 1}

    gbk.write_bytes(V2.encode("gbk"))
    clock.later(minutes=2)
    [report] = service.refresh()["gbk"]  # type: ignore[misc]
    assert parses == {"gbk": 2, "word": 1} and len(report.changes) == 4
    document = docx.Document()
    for line in V2.splitlines():
        document.add_paragraph(line)
    document.save(word)
    clock.later(minutes=2)
    [report] = service.refresh()["word"]  # type: ignore[misc]
    assert parses == {"gbk": 2, "word": 2} and sorted(c.words for c in report.changes) == sorted(CHANGES)
    service.engine.dispose()
