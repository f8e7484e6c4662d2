"""Several ``duban serve`` on one PostgreSQL database: 2,000 reminders due
within two minutes reach a real webhook receiver while the leader is
killed and the database is restarted; each arrives within a minute of its
instant, and a reminder that arrives twice carries the same webhook-id.
On a SQLite file a second instance is refused."""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import _postgres_database
from tests.notifiers.servers import Recorder, webhook_receiver
from tests.scheduler.processes import serve, wait_until

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SH = ZoneInfo("Asia/Shanghai")
BATCHES, TASKS = 4, 500  # 2,000 reminders


@pytest.fixture
def postgres() -> Iterator[str]:
    yield from _postgres_database()


def _write_config(root: Path, database_url: str, hook_url: str, start: dt.datetime) -> dict[str, dt.datetime]:
    """Plans whose reminders fall at four instants within two minutes of
    ``start``; returns each task's instant."""
    (root / "plans").mkdir()
    (root / "duban.toml").write_text(
        f'[service]\ndatabase = "{database_url}"\nhttp_bind = "127.0.0.1:0"\n\n'
        '[delivery]\nallow_private = ["127.0.0.1"]\nconcurrency_per_endpoint = 8\n\n'
        "[reminders]\nbefore = []\noverdue_cap = 0\nshift_to_workday = false\n",
        encoding="utf-8",
    )
    due: dict[str, dt.datetime] = {}
    for k in range(1, BATCHES + 1):
        instant = (start + dt.timedelta(seconds=30 * k)).astimezone(SH).replace(microsecond=0)
        day = instant.date()
        lines = [f"XX局{day.year}年第{k}批工作方案", "一、任务"]
        for i in range(1, TASKS + 1):
            task = f"第{k}批第{i}项"
            lines.append(f"{i}.完成{task}。(牵头单位:办公室;完成时间:{day.month}月{day.day}日前)")
            due[f"完成{task}"] = instant
        (root / "plans" / f"batch{k}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (root / "plans" / f"batch{k}.toml").write_text(
            f'id = "batch{k}"\nsource = "batch{k}.txt"\nref = {day.year}-01-01\n\n'
            f"[reminders]\nat = {instant.time().isoformat()}\n\n"
            f'[[subscribers]]\nchannel = "webhook"\ntarget = "{hook_url}/hook"\nsecret_env = "HOOK_SECRET"\n',
            encoding="utf-8",
        )
    return due


def _health(log: Path) -> dict[str, object] | None:
    """What an instance's /healthz says (its address from its own log)."""
    ports = re.findall(r"feeds and API on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))
    if not ports:
        return None
    try:
        reply: dict[str, object] = httpx.get(f"{ports[-1]}/healthz", timeout=5).json()
    except httpx.HTTPError:
        return None
    return reply


def test_two_instances_lose_nothing_when_the_leader_dies_and_the_database_restarts(
    tmp_path: Path, postgres: str
) -> None:
    restart = os.environ.get("DUBAN_TEST_POSTGRES_RESTART")
    if not restart:
        if os.environ.get("DUBAN_REQUIRE_POSTGRES"):
            pytest.fail("DUBAN_REQUIRE_POSTGRES is set but DUBAN_TEST_POSTGRES_RESTART is not")
        pytest.skip("no way to restart the PostgreSQL server given (DUBAN_TEST_POSTGRES_RESTART)")
    recorder = Recorder()
    arrived: list[tuple[float, dict[str, object]]] = []
    original_add = recorder.add

    def stamped(item: dict[str, object]) -> None:
        arrived.append((time.time(), item))
        original_add(item)

    recorder.add = stamped  # type: ignore[method-assign]
    with webhook_receiver(SECRET, recorder) as url:
        due = _write_config(tmp_path, postgres, url, dt.datetime.now(dt.UTC))
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        servers = [serve(tmp_path / "duban.toml", log, {"HOOK_SECRET": SECRET}) for log in logs]
        try:

            def tasks() -> set[str]:
                return {str(item["payload"]["data"]["task"]) for _, item in arrived if item["verified"]}  # type: ignore[index]

            def leader() -> int | None:
                for k, server in enumerate(servers):
                    health = _health(logs[k]) if server.poll() is None else None
                    if health is not None and health.get("leading"):
                        return k
                return None

            wait_until(lambda: leader() is not None, "a leader", 240)
            # Into the second batch: the leader is sending when it dies.
            wait_until(lambda: len(tasks()) >= len(due) // 4 + 50, "the second batch", 240)
            first = leader()
            assert first is not None
            servers[first].send_signal(signal.SIGKILL)  # the leader, midway
            servers[first].wait(10)
            wait_until(lambda: len(tasks()) >= len(due) // 2 + 50, "the third batch", 240)
            subprocess.run(shlex.split(restart), check=True, capture_output=True)  # the database goes away and back
            wait_until(lambda: len(tasks()) == len(due), "every reminder", 240)
            survivor = servers[1 - first]
            wait_until(lambda: leader() == 1 - first, "the survivor to lead", 240)
        finally:
            for server in servers:
                if server.poll() is None:
                    server.send_signal(signal.SIGTERM)
                    server.wait(30)
        assert survivor.returncode == 0, logs[1 - first].read_text(errors="replace")[-3000:]

    # A request cut off by the kill reaches the receiver unsigned-for (its
    # body short): the receiver refuses it, and it is sent again whole.
    whole = [(at, item) for at, item in arrived if item["verified"]]
    ids_of: dict[str, set[str]] = defaultdict(set)
    late = []
    for at, item in whole:
        task = str(item["payload"]["data"]["task"])  # type: ignore[index]
        ids_of[task].add(str(item["id"]))
        late.append(at - due[task].timestamp())
    assert set(ids_of) == set(due)
    assert all(len(ids) == 1 for ids in ids_of.values())  # a repeat is the same message, never a second one
    repeats = sum(n - 1 for n in Counter(str(item["id"]) for _, item in whole).values())
    print(
        f"{len(due)} reminders, {len(arrived)} requests ({len(arrived) - len(whole)} cut off by the kill), "
        f"{repeats} repeats, the latest {max(late):.1f} s after its instant"
    )
    assert max(late) < 60


def test_a_second_instance_on_a_sqlite_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    (tmp_path / "duban.toml").write_text(
        '[service]\ndatabase = "sqlite:///duban.db"\nhttp_bind = "127.0.0.1:0"\n', encoding="utf-8"
    )
    log = tmp_path / "first.log"
    first = serve(tmp_path / "duban.toml", log)
    try:
        wait_until(lambda: "duban serving" in log.read_text(errors="replace"), "the first instance", 60)
        second = subprocess.run(
            [sys.executable, "-m", "duban.cli", "serve", "--config", str(tmp_path / "duban.toml")],
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"},
        )
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(30)
    assert second.returncode == 1
    assert "another duban serve already uses" in second.stderr and "PostgreSQL" in second.stderr
    assert "Traceback" not in second.stderr
