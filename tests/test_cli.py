"""The duban command, run as a user runs it."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import SEED

DUBAN = [sys.executable, "-m", "duban.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*DUBAN, *args], capture_output=True, text=True, timeout=120, check=False)


def test_jsonl_has_every_field() -> None:
    done = run("parse", "--format", "jsonl", str(SEED))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) > 100
    fields = {
        "line",
        "quote",
        "plan",
        "section",
        "task",
        "owners",
        "kind",
        "start",
        "due",
        "rrule",
        "offset",
        "phase",
        "season",
        "confidence",
        "note",
    }
    assert all(fields <= set(r) for r in rows)
    assert all(0 <= r["confidence"] <= 1 for r in rows)
    # The CLI says which rule chose each plan's reference date.
    assert "2022年度XX镇新时代文明实践工作方案: reference 2022-01-01 from title" in done.stderr
    assert "from document dates" in done.stderr


def test_explicit_ref_wins(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("XX局2022年工作方案\n一、任务\n各科室6月底前完成自查。\n", encoding="utf-8")
    done = run("parse", "--format", "jsonl", "--ref", "2024-03-01", str(path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["due"] == "2024-06-30"
    assert "from explicit" in done.stderr


def test_table_groups_by_plan() -> None:
    done = run("parse", str(SEED))
    assert done.returncode == 0, done.stderr
    assert "全面落实“六保”任务工作方案" in done.stdout
    assert "reference date 2020-01-01 (from plan dates)" in done.stdout


def test_ics_output_is_a_calendar() -> None:
    done = subprocess.run(
        [*DUBAN, "parse", "--format", "ics", str(SEED)], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    cal = Calendar.from_ical(done.stdout)
    events = cal.walk("VEVENT")
    assert len(events) > 50
    assert any(str(e.get("summary")).startswith("【截止】") for e in events)
    assert b"\r\n" in done.stdout
    # Cadences end with their plan's period: every seed plan is dated by
    # its title, its own dates or the compendium's (2020, 2022 and 2025 for
    # the 十四五 plan); none runs on.
    rules = [e["rrule"] for e in events if "rrule" in e]
    assert {tuple(r.get("UNTIL", [])) for r in rules} >= {(dt.date(2022, 12, 31),)}
    assert all(r.get("UNTIL") for r in rules)


def test_text_prints_decoded_lines(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes("第一行\r\n第二行\r\n".encode("gbk"))
    done = run("text", str(path))
    assert done.returncode == 0
    assert done.stdout.splitlines()[:2] == ["1  第一行", "2  第二行"]  # numbered as milestones' lines are


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.txt", b""),
        ("junk.bin", bytes(range(256)) * 4),
        ("broken.docx", b"PK\x03\x04nope"),
        ("x.xlsx", b"\x00\x00"),
    ],
)
def test_bad_input_one_clear_line(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    done = run("parse", str(path))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("duban: ") and name in lines[0]


def test_bad_ref_is_reported() -> None:
    done = run("parse", "--ref", "2022-13-01", str(SEED))
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "--ref" in done.stderr


def test_explain_says_how_each_milestone_and_reference_was_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        "XX县安全生产专项整治工作方案\n一、任务\n各乡镇上半年完成整治。\nXX县人民政府\n2026年11月25日\n",
        encoding="utf-8",
    )
    done = run("parse", "--format", "jsonl", "--explain", str(path))
    assert done.returncode == 0, done.stderr
    [row] = [json.loads(line) for line in done.stdout.splitlines()]
    assert row["due"] == "2027-06-30"  # forward from the issue date
    assert row["explain"]["rule"] == "deadlines.year_part"
    assert row["explain"]["matched"] == "上半年"
    assert "the first after 2026-11-25" in row["explain"]["note"]
    assert "issued 2026-11-25: the date under the issuer's signature on line 5" in done.stderr
    plain = run("parse", "--format", "jsonl", str(path))
    assert "explain" not in json.loads(plain.stdout.splitlines()[0])
    table = run("parse", "--explain", str(path))
    assert "deadlines.year_part" in table.stdout and "issued 2026-11-25" in table.stdout


def test_a_missing_holiday_year_is_said_once_in_plain_words(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    # 2099: a year no holiday calendar will publish while this test lives.
    path.write_text("XX县2099年工作方案\n一、任务\n(一)春节期间值守。收到通知后5个工作日内办结。\n", encoding="utf-8")
    done = run("parse", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("没有2099年的法定节假日数据") == 1
    assert "[holidays.2099]" in done.stderr and "HolidayDataMissing" not in done.stderr and ".py:" not in done.stderr


def test_help_is_plain_and_complete() -> None:
    done = run("--help")
    assert done.returncode == 0
    commands = [
        "parse",
        "text",
        "status",
        "done",
        "undone",
        "remind",
        "serve",
        "plans",
        "subscribers",
        "deliveries",
        "feeds",
    ]
    assert all(re.search(rf"^  {c} ", done.stdout, re.M) for c in commands), done.stdout
    for command in (["status"], ["parse"], ["remind"], ["subscribers", "test"], ["deliveries", "list"]):
        shown = run(*command, "--help")
        assert shown.returncode == 0 and "<bool>" not in shown.stdout and "╭" not in shown.stdout, shown.stdout
    assert re.search(r"^  --all +Include done", run("status", "--help").stdout, re.M)


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0 and re.fullmatch(r"duban \d+\.\d+\.\d+\n", done.stdout)


def test_calendar_descriptions_carry_no_parser_notes(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("XX县工作方案\n一、任务\n各乡镇上半年完成整治。\nXX县人民政府\n2026年11月25日\n", encoding="utf-8")
    done = run("parse", "--format", "ics", str(path))
    assert done.returncode == 0, done.stderr
    [event] = Calendar.from_ical(done.stdout).walk("VEVENT")
    description = str(event["description"])
    assert "原文（第3行）：上半年" in description and "the first after" not in description
