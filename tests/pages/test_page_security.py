"""What the pages refuse: no session, a forged form, a tampered or expired
owner's link, a password guessed ten times; and what they never do: run
the markup a plan's title, tasks or owners carry."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest
from sqlmodel import select

from duban.pages.auth import LOGIN_COOKIE, SESSION_COOKIE
from scheduler.db import session
from scheduler.models import Milestone, Plan, Task
from scheduler.owner_links import OwnerLink
from tests.pages.conftest import ADMIN, PASSWORD, XSS, Duban


def _keys(duban: Duban) -> tuple[str, str, str]:
    with session(duban.service.engine) as s:
        m = s.exec(select(Milestone).where(Milestone.quote == "2026年12月10日前")).one()
        plan = s.exec(select(Plan).where(Plan.id == m.plan_id)).one()
        task = s.exec(select(Task).where(Task.key == m.task_key)).one()
    return plan.id, m.key, task.key


def _pages(duban: Duban) -> list[str]:
    plan_id, _, _ = _keys(duban)
    return [
        "/overview",
        "/overview.xlsx",
        f"/plans/{plan_id}",
        "/review",
        "/config",
        "/config/plans/flood",
        "/deliveries",
    ]


def _forms(duban: Duban) -> list[str]:
    _, m, t = _keys(duban)
    return [
        "/logout",
        f"/milestones/{m}/correct",
        f"/milestones/{m}/uncorrect",
        f"/milestones/{m}/done",
        f"/milestones/{m}/undone",
        f"/tasks/{t}/done",
        f"/tasks/{t}/undone",
        f"/review/{m}/event",
        f"/review/{m}/confirm",
        f"/review/{m}/date",
        "/requests/1/approve",
        "/config/plans/flood/settings",
        "/config/plans/flood/subscribers",
        "/config/plans/flood/subscribers/1/remove",
        "/config/subscribers/督查室/test",
        "/config/upload",
        "/deliveries/retry",
    ]


def _logged_in(duban: Duban) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=duban.url)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token and LOGIN_COOKIE in client.cookies
    done = client.post("/login", data={"name": ADMIN, "password": PASSWORD, "csrf": token.group(1)})
    assert done.status_code == 303 and SESSION_COOKIE in client.cookies
    overview = client.get("/overview")
    csrf = re.search(r'name="csrf" value="([^"]+)"', overview.text)
    assert csrf
    return client, csrf.group(1)


def test_without_a_session_pages_go_to_the_login_and_forms_are_refused(duban: Duban) -> None:
    with httpx.Client(base_url=duban.url) as client:
        for path in _pages(duban):
            answer = client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login?next="), path
        for path in _forms(duban):
            assert client.post(path, data={"csrf": "x"}).status_code == 403, path


def test_a_form_without_the_sessions_token_is_refused(duban: Duban) -> None:
    client, csrf = _logged_in(duban)
    before = duban.plan_toml.read_text(encoding="utf-8")
    try:
        for path in _forms(duban):
            for data in ({}, {"csrf": "forged"}, {"csrf": csrf[:-1]}):
                assert client.post(path, data=data).status_code == 403, (path, data)
        assert client.get("/overview").status_code == 200  # the session itself still holds
    finally:
        client.close()
    assert duban.plan_toml.read_text(encoding="utf-8") == before


def test_the_session_cookie_is_http_only_and_same_site(duban: Duban) -> None:
    with httpx.Client(base_url=duban.url) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        done = client.post("/login", data={"name": ADMIN, "password": PASSWORD, "csrf": token.group(1)})
        cookie = next(v for k, v in done.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v)
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie  # served over http here; over https it is Secure


def test_ten_wrong_passwords_slow_the_next_login(duban: Duban) -> None:
    def attempt(client: httpx.Client, password: str) -> httpx.Response:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token
        return client.post("/login", data={"name": ADMIN, "password": password, "csrf": token.group(1)})

    with httpx.Client(base_url=duban.url) as client:
        answers = [attempt(client, f"wrong {n}").status_code for n in range(10)]
        assert answers[:5] == [401] * 5
        locked = attempt(client, PASSWORD)  # the right one, too soon
        assert locked.status_code == 429 and "秒后再试" in locked.text
        duban.clock.now += dt.timedelta(minutes=16)
        assert attempt(client, PASSWORD).status_code == 303


def test_tampered_and_expired_owner_links_are_refused(duban: Duban) -> None:
    _, key, _ = _keys(duban)
    link = OwnerLink.for_occurrence("水利局", key, dt.date(2026, 12, 10))
    token = duban.site.signer.token(link)
    with httpx.Client(base_url=duban.url) as client:
        assert client.get(f"/o/{token}").status_code == 200
        forged = duban.site.signer.token(OwnerLink("水利局", key, dt.date(2026, 12, 10), dt.date(2030, 1, 1)))
        tampered = forged[:-3] + ("AAA" if not forged.endswith("AAA") else "BBB")
        assert client.get(f"/o/{tampered}").status_code == 403
        other = token.replace(token.split(".")[0], forged.split(".")[0])  # another payload under this signature
        assert client.get(f"/o/{other}").status_code == 403
        form = duban.site.signer.form_token(token)
        assert client.post(f"/o/{token}/done", data={"csrf": "x"}).status_code == 403
        duban.clock.set(2027, 1, 10, 9, 0)  # 31 days after the occurrence
        expired = client.get(f"/o/{token}", headers={"accept": "text/html"})
        assert expired.status_code == 403 and "过期" in expired.text
        assert client.post(f"/o/{token}/done", data={"csrf": form}).status_code == 403


@pytest.mark.parametrize("who", ["admin", "owner"])
def test_markup_in_a_plan_renders_as_text(duban: Duban, browser: Any, who: str) -> None:
    page = browser.new_page(locale="zh-CN")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    if who == "admin":
        duban.login(page)
        paths = [p for p in _pages(duban) if not p.endswith(".xlsx")]
    else:
        _, key, _ = _keys(duban)
        paths = ["/o/" + duban.site.signer.token(OwnerLink.for_occurrence("水利局", key, dt.date(2026, 12, 10)))]
    for path in paths:
        page.goto(duban.url + path)
        page.wait_for_load_state("load")
        assert page.locator("script:not([src])").count() == 0, path
        assert page.locator("img").count() == 0, path
        text = page.locator("body").inner_text()
        if path.startswith(("/overview", "/plans", "/o/")):
            assert any(x in text for x in XSS), path  # shown as the words they are
    assert dialogs == []


def test_words_in_a_link_made_elsewhere_are_not_shown(duban: Duban) -> None:
    client, _ = _logged_in(duban)
    try:
        forged = duban.site.redirect("/overview", "请拨打 110 核实").headers["location"].split("flash=")[1]
        assert "请拨打" in client.get(f"/overview?flash={forged}").text  # duban's own words show
        for query in (
            "message=请将账号发至此处",
            "error=请将账号发至此处",
            "flash=请将账号发至此处",
            f"flash={forged[:-2]}",
        ):
            assert "请将账号" not in client.get(f"/overview?{query}").text
            assert "请拨打" not in client.get(f"/overview?{query}").text
    finally:
        client.close()


@pytest.mark.parametrize(
    ("asked", "landed"),
    [
        ("/review", "/review"),
        ("//evil.example/x", "/overview"),
        ("https://evil.example/", "/overview"),
        ("", "/overview"),
    ],
)
def test_the_login_returns_to_the_page_asked_for_and_nowhere_else(duban: Duban, asked: str, landed: str) -> None:
    with httpx.Client(base_url=duban.url) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login", params={"next": asked}).text)
        assert token
        done = client.post("/login", data={"name": ADMIN, "password": PASSWORD, "csrf": token.group(1), "next": asked})
        assert done.status_code == 303 and done.headers["location"] == landed
