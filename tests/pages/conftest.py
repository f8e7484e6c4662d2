"""A whole duban behind its pages: configuration files with comments, a
SQLite database, a real SMTP server (aiosmtpd), a webhook receiver for the
escalations, the HTTP app on a port of 127.0.0.1, an injected clock; and
Debian's chromium driven by Playwright."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from config.settings import ConfigStore
from duban.pages import Site
from duban.pages.auth import hash_password
from duban.web import ServerThread, create_app
from scheduler.outbox import deliver_outbox
from scheduler.senders import make_sender, subscriber_targets
from scheduler.service import Service
from tests.notifiers.servers import Inbox, Recorder, free_port, smtp_server, webhook_receiver

HERE = Path(__file__).parent
ARTIFACTS = HERE.parent / "artifacts"
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ADMIN, PASSWORD = "督办员", "correct horse battery staple"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
XSS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def chromium() -> str:
    """Debian's chromium: the page tests drive it and nothing else."""
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        message = "Debian's chromium is not installed (apt-get install chromium): the page tests need it"
        if os.environ.get("DUBAN_REQUIRE_BROWSER"):
            pytest.fail(f"DUBAN_REQUIRE_BROWSER is set but {message}")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One browser per module: Playwright's loop runs in this thread while it
    is open, and tests elsewhere run loops of their own here."""
    path = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@dataclass
class Clock:
    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 12, 3, 8, 50, tzinfo=SHANGHAI))

    def __call__(self) -> dt.datetime:
        return self.now.astimezone(dt.UTC)

    def set(self, *args: int) -> None:
        self.now = dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


@dataclass
class Duban:
    root: Path
    url: str
    service: Service
    site: Site
    clock: Clock
    inbox: Inbox
    escalations: Recorder

    @property
    def duban_toml(self) -> Path:
        return self.root / "duban.toml"

    @property
    def plan_toml(self) -> Path:
        return self.root / "plans" / "flood.toml"

    def deliver(self) -> None:
        """Fire what is due on the clock and send the outbox (in a thread of
        its own: Playwright's loop runs in this one)."""
        self.service.run_due()
        settings = self.service.settings
        sending = threading.Thread(
            target=deliver_outbox,
            args=(
                self.service.engine,
                self.clock,
                make_sender(settings),
                subscriber_targets(settings),
                settings.calendar(),
                self.url,
            ),
        )
        sending.start()
        sending.join(60)

    def login(self, page: Any) -> None:
        page.goto(self.url + "/login")
        page.fill("input[name=name]", ADMIN)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/overview")

    def screenshot(self, page: Any, name: str) -> None:
        """The page at a desktop's and a phone's size, under tests/artifacts/."""
        ARTIFACTS.mkdir(exist_ok=True)
        for size, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})


DUBAN_TOML = """\
# duban for the page tests. Relative paths are relative to this file.

[service]
database = "sqlite:///duban.db"   # a file beside this one
plans_dir = "plans"

[smtp]
host = "127.0.0.1"
port = {smtp_port}

[delivery]
allow_private = ["127.0.0.1"]     # the test servers are on loopback
base_url = "{url}"

[reminders]
escalate_after = 3                # working days overdue before 督办升级
escalate_to = ["督查室"]

[[admins]]
name = "{admin}"
password_hash = "{hash}"
"""

PLAN_TOML = """\
# 城区防汛: the plan the page tests work on.
id = "flood"
source = "flood.txt"   # beside this file

# 县水利局 reads its reminders by email.
[[subscribers]]
id = "水利局"
channel = "email"
target = "shuili@example.org"
owners = ["县水利局"]

# 县应急局 reads its reminders in the log.
[[subscribers]]
id = "应急局"
channel = "log"
target = "县应急局办公室"
owners = ["县应急局"]

# The 督查室's webhook hears of escalations only (it follows no unit).
[[subscribers]]
id = "督查室"
channel = "webhook"
target = "{hook}/escalations"
secret = "{secret}"
owners = ["督查室"]
"""


@pytest.fixture
def duban(tmp_path: Path) -> Iterator[Duban]:
    recorder = Recorder()
    with smtp_server() as (inbox, smtp_port), webhook_receiver(SECRET, recorder) as hook:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        (tmp_path / "duban.toml").write_text(
            DUBAN_TOML.format(smtp_port=smtp_port, url=url, admin=ADMIN, hash=hash_password(PASSWORD)),
            encoding="utf-8",
        )
        (tmp_path / "plans").mkdir()
        (tmp_path / "plans" / "flood.txt").write_bytes((HERE / "plan.txt").read_bytes())
        (tmp_path / "plans" / "flood.toml").write_text(PLAN_TOML.format(hook=hook, secret=SECRET), encoding="utf-8")
        clock = Clock()
        store = ConfigStore(tmp_path / "duban.toml")
        service = Service(store, clock=clock)
        service.refresh(force=True)
        site = Site(service.engine, store, clock)
        settings = store.current
        app = create_app(
            service.engine,
            lambda: settings.policy_for(""),
            url,
            None,
            site.today,
            site=site,
        )
        site.invalidate = app.state.cache.invalidate
        server = ServerThread(app, "127.0.0.1", port)
        server.start()
        try:
            yield Duban(tmp_path, url, service, site, clock, inbox, recorder)
        finally:
            server.stop()
            service.engine.dispose()
