"""Deliveries per second and reminder lateness with one and with two
``duban serve`` instances on the same PostgreSQL server, side by side: each
run gets a fresh database and 2,000 reminders due at one instant, sent to a
local webhook receiver that verifies every signature.

Run: make bench  (needs a PostgreSQL server: DUBAN_TEST_POSTGRES_URL, as
``.ci/postgres.sh`` prints it)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from standardwebhooks import Webhook, WebhookVerificationError

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
REMINDERS, PLANS = 2000, 4
LEAD = 25  # seconds from start to the reminders' instant: the instances start and import meanwhile


class Receiver:
    """A webhook endpoint on 127.0.0.1 noting when each verified message came."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    payload = Webhook(SECRET).verify(body, dict(self.headers.items()))
                    with receiver.lock:
                        receiver.arrivals.setdefault(payload["data"]["task"], time.time())
                    self.send_response(204)
                except WebhookVerificationError:
                    self.send_response(400)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def _database(server: str) -> tuple[str, str]:
    name = "duban_bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name, name


def _drop(server: str, name: str) -> None:
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _run(server: str, instances: int) -> dict[str, float]:
    receiver = Receiver()
    url, name = _database(server)
    instant = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=LEAD)).astimezone(ZoneInfo("Asia/Shanghai"))
    instant = instant.replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "plans").mkdir()
        (root / "duban.toml").write_text(
            f'[service]\ndatabase = "{url}"\nhttp = false\n\n'
            '[delivery]\nallow_private = ["127.0.0.1"]\nconcurrency_per_endpoint = 8\n\n'
            "[reminders]\nbefore = []\noverdue_cap = 0\nshift_to_workday = false\n"
            f"at = {instant.time().isoformat()}\n",
            encoding="utf-8",
        )
        day = instant.date()
        for k in range(1, PLANS + 1):  # plans of 500 items: item numbers stay under 1000
            lines = [f"XX局{day.year}年第{k}批工作方案", "一、任务"]
            item = "{0}.完成第{1}批第{0}项。(牵头单位:办公室;完成时间:{2}月{3}日前)"
            lines += [item.format(i, k, day.month, day.day) for i in range(1, REMINDERS // PLANS + 1)]
            (root / "plans" / f"bench{k}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            (root / "plans" / f"bench{k}.toml").write_text(
                f'id = "bench{k}"\nsource = "bench{k}.txt"\nref = {day.year}-01-01\n\n'
                f'[[subscribers]]\nchannel = "webhook"\ntarget = "{receiver.url}"\nsecret = "{SECRET}"\n',
                encoding="utf-8",
            )
        env = {k: v for k, v in os.environ.items() if k != "DUBAN_DATABASE_URL"}
        servers = [
            subprocess.Popen(
                [sys.executable, "-m", "duban.cli", "serve", "--config", str(root / "duban.toml")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
                cwd=ROOT,
            )
            for _ in range(instances)
        ]
        try:
            give_up = time.time() + LEAD + 300
            while len(receiver.arrivals) < REMINDERS and time.time() < give_up:
                time.sleep(0.1)
        finally:
            for s in servers:
                s.send_signal(signal.SIGTERM)
            for s in servers:
                s.wait(30)
            receiver.server.shutdown()
            _drop(server, name)
    times = sorted(receiver.arrivals.values())
    due = instant.timestamp()
    late = [t - due for t in times]
    return {
        "delivered": len(times),
        "per_second": len(times) / max(times[-1] - times[0], 1e-3) if times else 0.0,
        "p50": statistics.median(late) if late else float("nan"),
        "p95": late[int(len(late) * 0.95) - 1] if late else float("nan"),
        "max": late[-1] if late else float("nan"),
    }


def main() -> None:
    server = os.environ.get("DUBAN_TEST_POSTGRES_URL")
    if not server:
        print("no PostgreSQL server: set DUBAN_TEST_POSTGRES_URL (bash .ci/postgres.sh prints one)")
        return
    results = {n: _run(server, n) for n in (1, 2)}
    print(f"{REMINDERS} reminders due at one instant, a webhook receiver on 127.0.0.1")
    print(f"{'':28} {'one instance':>14} {'two instances':>14}")
    rows = [
        ("delivered", "delivered", "{:.0f}"),
        ("deliveries per second", "per_second", "{:.0f}"),
        ("lateness, median (s)", "p50", "{:.2f}"),
        ("lateness, 95th (s)", "p95", "{:.2f}"),
        ("lateness, latest (s)", "max", "{:.2f}"),
    ]
    for label, key, form in rows:
        print(f"{label:28} {form.format(results[1][key]):>14} {form.format(results[2][key]):>14}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
