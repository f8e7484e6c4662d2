"""``duban serve`` killed with SIGKILL while it is sending to a real webhook
receiver, twice, then left to finish: every reminder arrives, and a
reminder that arrives twice carries the same webhook-id both times
(at-least-once, never two messages for one reminder). A request cut off
mid-body by a kill fails the receiver's signature check and is sent again.

The kills are placed by what the receiver has seen, not by the clock: the
first as soon as the first message arrives (the reminders have just been
fired into the outbox), the second when half have arrived."""

from __future__ import annotations

import datetime as dt
import signal
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from scheduler.db import make_engine, session
from scheduler.models import Delivery
from tests.notifiers.servers import Recorder, webhook_receiver
from tests.scheduler.processes import serve, wait_until

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TASKS = 60


def _write_config(root: Path, database_url: str, hook_url: str) -> Path:
    (root / "plans").mkdir()
    (root / "duban.toml").write_text(
        f'[service]\ndatabase = "{database_url}"\nhttp = false\n\n'
        '[delivery]\nallow_private = ["127.0.0.1"]\n\n'
        # Only the reminder on the day, at midnight: it is due as soon as
        # the service starts.
        '[reminders]\nbefore = []\noverdue_cap = 0\nshift_to_workday = false\nat = "00:00:00"\n',
        encoding="utf-8",
    )
    day = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    lines = [f"XX局{day.year}年工作方案", "一、任务"]
    lines += [f"{i}.完成第{i}项。(牵头单位:办公室;完成时间:{day.month}月{day.day}日前)" for i in range(1, TASKS + 1)]
    (root / "plans" / "office.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "plans" / "office.toml").write_text(
        f'id = "office"\nsource = "office.txt"\nref = {day.year}-01-01\n\n'
        f'[[subscribers]]\nchannel = "webhook"\ntarget = "{hook_url}/hook"\nsecret_env = "HOOK_SECRET"\n',
        encoding="utf-8",
    )
    return root / "duban.toml"


def test_sigkill_while_sending_loses_no_reminder(tmp_path: Path, database_url: str) -> None:
    recorder = Recorder()
    log = tmp_path / "serve.log"
    # Each message takes the receiver 0.1 s: a few are always in flight.
    with webhook_receiver(SECRET, recorder, delay=0.1) as url:
        config = _write_config(tmp_path, database_url, url)

        def tasks_seen() -> set[str]:
            return {r["payload"]["data"]["task"] for r in recorder.requests if r["verified"]}

        for enough in (1, TASKS // 2):
            server = serve(config, log, {"HOOK_SECRET": SECRET})
            try:
                wait_until(lambda enough=enough: len(recorder.requests) >= enough, log.read_text)  # type: ignore[misc]
            finally:
                server.send_signal(signal.SIGKILL)
                server.wait(10)
        assert len(tasks_seen()) < TASKS  # the kills came before the end
        last = serve(config, log, {"HOOK_SECRET": SECRET})
        try:
            wait_until(lambda: len(tasks_seen()) == TASKS, log.read_text)
        finally:
            last.send_signal(signal.SIGTERM)
            last.wait(20)

    # A request the kill cut off mid-body reaches the receiver short: it
    # fails the signature check, and the delivery is sent again whole.
    whole = [r for r in recorder.requests if r["verified"]]
    ids_of: dict[str, set[str]] = defaultdict(set)
    for r in whole:
        ids_of[r["payload"]["data"]["task"]].add(r["id"])
    assert set(ids_of) == {f"完成第{i}项" for i in range(1, TASKS + 1)}
    assert all(len(ids) == 1 for ids in ids_of.values()), ids_of  # a repeat is the same message
    repeats = sum(n - 1 for n in Counter(r["id"] for r in whole).values())
    cut = len(recorder.requests) - len(whole)
    print(f"{TASKS} reminders, {len(recorder.requests)} requests ({cut} cut off by a kill), {repeats} repeats")
    engine = make_engine(database_url)
    with session(engine) as s:
        assert sorted(d.state for d in s.exec(select(Delivery))) == ["sent"] * TASKS
    engine.dispose()
