"""A configured plan that stops reading never stops the service: the other
plans go on, it keeps its last good import, ``/healthz`` names it, and the
``[[alerts]]`` subscribers hear of it once per episode."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from config.settings import ConfigStore
from scheduler.models import Milestone, Plan
from scheduler.service import Service
from tests.notifiers.servers import Recorder, webhook_receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = dt.datetime(2022, 11, 1, 1, 0, tzinfo=dt.UTC)
GOOD = "XX局2022年工作方案\n一、任务\n(一)开展排查。(牵头单位:办公室;完成时间:2022年11月30日前)\n"


def _config(root: Path, database_url: str, hook_url: str) -> Path:
    (root / "plans").mkdir()
    (root / "duban.toml").write_text(
        f'[service]\ndatabase = "{database_url}"\nhttp_bind = "127.0.0.1:0"\n\n'
        '[delivery]\nallow_private = ["127.0.0.1"]\n\n'
        f'[[alerts]]\nid = "duty"\nchannel = "webhook"\ntarget = "{hook_url}/alerts"\nsecret = "{SECRET}"\n\n'
        '[[alerts]]\nchannel = "log"\ntarget = "运维"\n',
        encoding="utf-8",
    )
    for name in ("office", "roads"):
        (root / "plans" / f"{name}.txt").write_text(GOOD.replace("XX局", f"XX局{name}"), encoding="utf-8")
        (root / "plans" / f"{name}.toml").write_text(f'id = "{name}"\nsource = "{name}.txt"\n', encoding="utf-8")
    return root / "duban.toml"


def _break(root: Path) -> None:
    # A UTF-16 byte-order mark, then an odd number of bytes.
    (root / "plans" / "office.txt").write_bytes(codecs.BOM_UTF16_LE + "XX局工作方案".encode("utf-16-le") + b"\x00")


def test_a_plan_that_stops_reading(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    with webhook_receiver(SECRET, recorder) as url:
        now = [NOW]

        def check() -> dict[str, object]:
            now[0] += dt.timedelta(minutes=2)  # each plan file's check (every minute) is due
            return dict(service.refresh())

        service = Service(ConfigStore(_config(tmp_path, database_url, url)), clock=lambda: now[0])
        check()
        assert not service.problems.open and not recorder.requests

        _break(tmp_path)
        (tmp_path / "plans" / "roads.txt").write_text(GOOD.replace("开展排查", "道路排查"), encoding="utf-8")
        for _ in range(3):  # three checks, one episode: one alert
            reports = check()
        assert "not UTF-16 at byte" in str(reports["office"])
        assert [m.quote for m in _milestones(service, "office")] == ["2022年11月30日前"]  # the last good import
        assert service.problems.open["office"].told == {"duty", "alerts:2"}
        [alert] = recorder.requests
        assert alert["verified"] and alert["payload"]["type"] == "service.alert"
        assert alert["payload"]["data"]["plan"]["id"] == "office"
        assert "office.txt: starts as UTF-16" in alert["payload"]["data"]["detail"]
        assert _task_titles(service, "roads") == ["道路排查"]  # the other plan went on

        service.start()  # the same at start: the service serves, and says what is wrong
        try:
            health = httpx.get(f"{service.http.url}/healthz", timeout=10).json()
        finally:
            service.stop()
        assert health["status"] == "degraded"
        assert "not UTF-16" in health["plans"]["office"]["error"]
        assert len(recorder.requests) == 1

        (tmp_path / "plans" / "office.txt").write_text(GOOD, encoding="utf-8")
        check()  # it reads again: the episode is over
        assert not service.problems.open and service.health()["plans"] == {}
        _break(tmp_path)
        check()  # a new episode, a new alert
        assert len(recorder.requests) == 2

        # A fault of the reader itself (not of the document) is handled the same way.
        import scheduler.watch

        def broken(*args: object, **kwargs: object) -> object:
            raise IndexError("list index out of range")

        (tmp_path / "plans" / "office.txt").write_text(GOOD, encoding="utf-8")
        (tmp_path / "plans" / "roads.txt").write_text(GOOD.replace("开展排查", "道路巡查整治"), encoding="utf-8")
        monkeypatch.setattr(scheduler.watch, "parse_document", broken)
        reports = check()
        assert str(reports["roads"]).endswith("IndexError: list index out of range")
        # office is back to the bytes of its last good revision: nothing to parse, its episode is over.
        assert set(service.problems.open) == {"roads"} and "office" not in reports
    service.engine.dispose()


def _milestones(service: Service, plan_id: str) -> list[Milestone]:
    from scheduler.db import session

    with session(service.engine) as s:
        return list(s.exec(select(Milestone).where(Milestone.plan_id == plan_id, Milestone.active == True)).all())  # noqa: E712


def _task_titles(service: Service, plan_id: str) -> list[str]:
    """The tasks of the plan's current milestones."""
    from scheduler.db import session
    from scheduler.models import Task

    keys = {m.task_key for m in _milestones(service, plan_id)}
    with session(service.engine) as s:
        assert s.get(Plan, plan_id) is not None
        return sorted(t.title for t in s.exec(select(Task).where(Task.plan_id == plan_id)) if t.key in keys)
