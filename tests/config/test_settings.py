"""Configuration files: every error names file, line and field; a bad
change never replaces the running configuration."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from config.settings import ConfigError, ConfigStore, load_settings

DUBAN = """[service]
database = "sqlite:///var/duban.db"
timezone = "Asia/Shanghai"

[reminders]
before = [7, 3, 1]
at = 09:00:00
"""
PLAN = """id = "office"
source = "plan.txt"
ref = 2022-01-01

[[subscribers]]
channel = "log"
target = "办公室"

[[subscribers]]
channel = "email"
target = "office@example.org"
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "plans").mkdir()
    (tmp_path / "duban.toml").write_text(DUBAN, encoding="utf-8")
    (tmp_path / "plans" / "office.toml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "plans" / "plan.txt").write_text("XX工作方案\n一、任务\n6月底前完成。\n", encoding="utf-8")
    return tmp_path


def test_example_configuration_of_the_repository_is_valid() -> None:
    settings = load_settings(Path(__file__).parents[2] / "config" / "duban.toml")
    assert {"seed", "duban-rollout"} <= set(settings.plans)
    assert settings.policy_for("duban-rollout").before == (3, 1)
    assert settings.policy_for("seed/3").before == (7, 3, 1)


def test_valid_configuration(root: Path) -> None:
    settings = load_settings(root / "duban.toml")
    assert settings.plans["office"].ref == dt.date(2022, 1, 1)
    assert settings.policy_for("office").at == dt.time(9, 0)
    assert settings.database_url() == f"sqlite:///{root / 'var' / 'duban.db'}"


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "field", "message"),
    [
        ("plans/office.toml", 'target = "办公室"', 'target = "办公室', 7, "", "TOML syntax"),
        ("plans/office.toml", 'target = "办公室"', 'target = "办公室"\nx = 1', 8, "subscribers.0.x", "unknown key"),
        ("plans/office.toml", "ref = 2022-01-01", 'ref = "2022-13-01"', 3, "ref", "date"),
        ("plans/office.toml", 'channel = "email"', 'channel = "pager"', 10, "subscribers.1.channel", "Input should be"),
        ("plans/office.toml", 'source = "plan.txt"', 'source = "missing.txt"', 2, "source", "no such file"),
        ("plans/office.toml", 'source = "plan.txt"', 'source = "ftp://x.gov.cn/p.docx"', 2, "source", "http(s) URL"),
        ("plans/office.toml", 'source = "plan.txt"', 'source = "plan.txt"\ncheck_minutes = 0', 3, "check_minutes", "0"),
        ("duban.toml", 'timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"', 3, "service.timezone", "time zone"),
        ("duban.toml", "before = [7, 3, 1]", "before = [7, -3]", 6, "reminders.before", "between 1 and 365"),
        ("duban.toml", "[reminders]", "[reminder]", 5, "reminder", "unknown key"),
        # Subscribers that could never be delivered to.
        (
            "plans/office.toml",
            'target = "office@example.org"',
            'target = "not-an-email"',
            11,
            "subscribers.1.target",
            "not an email",
        ),
        (
            "plans/office.toml",
            'channel = "email"\ntarget = "office@example.org"',
            'channel = "webhook"\ntarget = "https://hooks.example.org/duban"',
            9,
            "subscribers.1",
            "needs a secret",
        ),
        (
            "plans/office.toml",
            'target = "office@example.org"',
            'target = "office@example.org"\nsecret_env = "DUBAN_TEST_UNSET_SECRET"',
            12,
            "subscribers.1.secret_env",
            "is not set",
        ),
    ],
)
def test_errors_name_file_line_and_field(
    root: Path, file: str, old: str, new: str, line: int, field: str, message: str
) -> None:
    path = root / file
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(root / "duban.toml")
    [issue] = info.value.issues
    assert issue.path == path.resolve()
    assert (issue.line, issue.field) == (line, field)
    assert message in issue.message
    assert str(issue).startswith(f"{path.resolve()}:{line}:")


def test_every_error_is_listed(root: Path) -> None:
    plan = root / "plans" / "office.toml"
    plan.write_text(PLAN.replace('channel = "email"', 'channel = "pager"').replace("ref = 2022-01-01", 'ref = "x"'))
    with pytest.raises(ConfigError) as info:
        load_settings(root / "duban.toml")
    assert sorted(i.field for i in info.value.issues) == ["ref", "subscribers.1.channel"]


def _touch(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    later = time.time() + 2
    os.utime(path, (later, later))


def test_bad_change_keeps_the_running_configuration(root: Path) -> None:
    store = ConfigStore(root / "duban.toml")
    plan = root / "plans" / "office.toml"
    _touch(plan, PLAN.replace("ref = 2022-01-01", "ref = 2022-02-30"))
    assert store.changed()
    assert store.reload() is False
    assert store.last_error is not None and "office.toml:3" in str(store.last_error)
    assert store.current.plans["office"].ref == dt.date(2022, 1, 1)
    _touch(plan, PLAN.replace("ref = 2022-01-01", "ref = 2023-01-01"))
    assert store.reload() is True
    assert store.current.plans["office"].ref == dt.date(2023, 1, 1)
    assert store.last_error is None


def test_a_new_plan_file_is_picked_up(root: Path) -> None:
    store = ConfigStore(root / "duban.toml")
    _touch(root / "plans" / "second.toml", 'id = "second"\nsource = "plan.txt"\n')
    assert store.changed()
    assert store.reload()
    assert set(store.current.plans) == {"office", "second"}
