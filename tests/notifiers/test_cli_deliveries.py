"""Dead deliveries are visible to admins and retried by hand from the CLI."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from sqlmodel import select

from scheduler.db import make_engine, session
from scheduler.models import Delivery, Reminder
from tests.conftest import run_duban
from tests.notifiers.servers import Recorder, webhook_receiver

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DUE = dt.date.today() + dt.timedelta(days=60)
PLAN = (
    f"XX局{DUE.year}年工作方案\n一、任务\n"
    f"(一)开展排查。(牵头单位:办公室;完成时间:{DUE.year}年{DUE.month}月{DUE.day}日前)\n"
)


def duban(config: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_duban(config, *args, env={"DUBAN_DATABASE_URL": database_url, "HOOK_SECRET": SECRET})


def write_config(root: Path, url: str) -> Path:
    (root / "plans").mkdir(exist_ok=True)
    (root / "duban.toml").write_text('[delivery]\nallow_private = ["127.0.0.1"]\n', encoding="utf-8")
    (root / "plans" / "office.txt").write_text(PLAN, encoding="utf-8")
    (root / "plans" / "office.toml").write_text(
        f'id = "office"\nsource = "office.txt"\n\n[[subscribers]]\nchannel = "webhook"\ntarget = "{url}"\n'
        'secret_env = "HOOK_SECRET"\n',
        encoding="utf-8",
    )
    return root / "duban.toml"


def test_dead_delivery_listed_and_retried_by_hand(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9/gone")
    assert duban(config, database_url, "plans", "import", str(tmp_path / "plans" / "office.toml")).returncode == 0
    engine = make_engine(database_url)
    with session(engine) as s:
        reminder = s.exec(select(Reminder)).first()
        assert reminder is not None and reminder.id is not None
        s.add(
            Delivery(
                reminder_id=reminder.id,
                subscription_id="office:1",
                channel="webhook",
                state="dead",
                attempts=8,
                error="http://127.0.0.1:9/gone: connection failed (ConnectError)",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        s.commit()
    listed = duban(config, database_url, "deliveries", "list")
    assert listed.returncode == 0 and "connection failed" in listed.stdout and "webhook" in listed.stdout

    recorder = Recorder()
    with webhook_receiver(SECRET, recorder) as url:
        write_config(tmp_path, url + "/hook")
        retried = duban(config, database_url, "deliveries", "retry")
        assert retried.returncode == 0 and "1 delivery(ies) back in the outbox" in retried.stderr
        sent = duban(config, database_url, "deliveries", "send")
        assert sent.returncode == 0 and "1 sent, 0 failed" in sent.stderr, sent.stderr
    [request] = recorder.requests
    assert request["verified"] and request["payload"]["data"]["task"] == "开展排查"
    with session(engine) as s:
        assert s.exec(select(Delivery)).one().state == "sent"
    assert duban(config, database_url, "deliveries", "retry", "999").returncode == 1
    engine.dispose()
