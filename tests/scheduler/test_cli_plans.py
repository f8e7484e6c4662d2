"""``duban plans check|import``, ``status`` and ``done`` as a user runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_duban

PLAN = """XX局2022年重点工作方案
一、重点任务
(一)开展排查。全面排查隐患。(牵头单位:办公室;完成时间:2022年11月30日前)
(二)完善制度。修订管理制度。(牵头单位:法规科;完成时间:2099年12月15日前)
(三)利用农闲季节开展宣讲。(牵头单位:宣传科)
"""


def duban(config: Path, *args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return run_duban(config, *args, env={"DUBAN_DATABASE_URL": database_url})


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "plans").mkdir()
    (tmp_path / "duban.toml").write_text('[service]\ndatabase = "sqlite:///unused.db"\n', encoding="utf-8")
    (tmp_path / "plans" / "office.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "plans" / "office.toml").write_text(
        'id = "office"\nsource = "office.txt"\n\n[[subscribers]]\nchannel = "log"\ntarget = "办公室"\n',
        encoding="utf-8",
    )
    return tmp_path / "duban.toml"


def test_check_lists_every_error(config: Path, database_url: str) -> None:
    plan = config.parent / "plans" / "office.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('channel = "log"', 'channel = "fax"\nextra = 1'))
    done = duban(config, "plans", "check", database_url=database_url)
    assert done.returncode == 1
    assert f"{plan}:5: subscribers.0.channel:" in done.stderr
    assert f"{plan}:6: subscribers.0.extra: unknown key" in done.stderr
    assert "2 configuration error(s)" in done.stderr
    assert "Traceback" not in done.stderr


def test_import_status_done(config: Path, database_url: str) -> None:
    assert duban(config, "plans", "check", database_url=database_url).returncode == 0
    imported = duban(config, "plans", "import", str(config.parent / "plans" / "office.toml"), database_url=database_url)
    assert imported.returncode == 0, imported.stderr
    assert "office: deadline 2, unresolved 1; added 3" in imported.stdout
    assert "review line 5: 农闲季节 (unresolved" in imported.stdout
    again = duban(config, "plans", "import", str(config.parent / "plans" / "office.toml"), database_url=database_url)
    assert "added 0, changed 0, removed 0, unchanged 3" in again.stdout
    assert "reminders: 0 added, 0 moved, 0 cancelled" in again.stdout

    status = duban(config, "status", "--all", database_url=database_url)
    assert status.returncode == 0, status.stderr
    assert re.search(r"overdue .*2022-11-30 .*开展排查", status.stdout)
    key = re.search(r"开展排查.*?(t-[0-9a-f]{8})", status.stdout)
    assert key, status.stdout

    marked = duban(config, "done", key.group(1), database_url=database_url)
    assert marked.returncode == 0, marked.stderr
    status = duban(config, "status", "--all", database_url=database_url)
    assert re.search(r"done .*开展排查", status.stdout)
    by_owner = duban(config, "status", "--all", "--owner", "法规科", database_url=database_url)
    assert "完善制度" in by_owner.stdout and "开展排查" not in by_owner.stdout

    unknown = duban(config, "done", "t-ffffffff", database_url=database_url)
    assert unknown.returncode == 1 and "matches 0" in unknown.stderr


def test_import_says_what_changes_and_history_keeps_it(config: Path, database_url: str) -> None:
    plan_file, text = config.parent / "plans" / "office.toml", config.parent / "plans" / "office.txt"
    first = duban(config, "plans", "import", str(plan_file), database_url=database_url)
    assert first.returncode == 0 and "office: first import" in first.stderr
    text.write_text(PLAN.replace("2099年12月15日前", "2099年12月31日前").replace("办公室", "督查室"), encoding="utf-8")
    dry = duban(config, "plans", "import", "--dry-run", str(plan_file), database_url=database_url)
    assert dry.returncode == 0, dry.stderr
    assert dry.stderr.splitlines() == [
        "office: 2 change(s) against the stored revision",
        "  「完善制度」截止时间由2099年12月15日调整为2099年12月31日",
        "  「开展排查」牵头单位由办公室调整为督查室",
        "dry run: nothing stored",
    ]
    history = duban(config, "plans", "history", "office", database_url=database_url)
    assert history.returncode == 0 and history.stdout.count("revision ") == 1  # the dry run stored nothing

    stored = duban(config, "plans", "import", str(plan_file), database_url=database_url)
    assert stored.returncode == 0 and "office: 2 change(s)" in stored.stderr
    history = duban(config, "plans", "history", "office", "--format", "json", database_url=database_url)
    newest, oldest = json.loads(history.stdout)
    assert [c["kind"] for c in newest["changes"]] == ["moved", "owners"] and oldest["changes"] == []
    assert newest["by_kind"] == {"deadline": 2, "unresolved": 1}
    missing = duban(config, "plans", "history", "nope", database_url=database_url)
    assert missing.returncode == 1 and "no revision of 'nope'" in missing.stderr


def test_a_plan_file_can_set_the_end_of_the_plans_period(config: Path, database_url: str) -> None:
    from scheduler.db import make_engine, session
    from scheduler.models import Plan

    plan_file = config.parent / "plans" / "office.toml"
    imported = duban(config, "plans", "import", str(plan_file), database_url=database_url)
    assert imported.returncode == 0, imported.stderr
    plan_file.write_text("until = 2023-06-30\n" + plan_file.read_text(encoding="utf-8"), encoding="utf-8")
    again = duban(config, "plans", "import", str(plan_file), database_url=database_url)
    assert again.returncode == 0, again.stderr
    engine = make_engine(database_url)
    with session(engine) as s:
        stored = s.get(Plan, "office")
        assert stored is not None and stored.until is not None
        assert stored.until.isoformat() == "2023-06-30"  # the document alone says 2022-12-31
    engine.dispose()


def test_import_lists_the_cadences_of_a_plan_with_no_period(config: Path, database_url: str) -> None:
    source = config.parent / "plans" / "office.txt"
    source.write_text(
        "XX局重点工作方案\n一、重点任务\n(一)调度进展。每月调度一次。(牵头单位:办公室)\n", encoding="utf-8"
    )
    imported = duban(config, "plans", "import", str(config.parent / "plans" / "office.toml"), database_url=database_url)
    assert imported.returncode == 0, imported.stderr
    assert "open-ended line 3: 每月 (FREQ=MONTHLY;BYMONTHDAY=-1)" in imported.stdout
    # A year in the title gives the plan its period: nothing left open.
    source.write_text(source.read_text(encoding="utf-8").replace("XX局重点", "XX局2022年重点"), encoding="utf-8")
    again = duban(config, "plans", "import", str(config.parent / "plans" / "office.toml"), database_url=database_url)
    assert "open-ended" not in again.stdout


def test_status_of_an_owner_no_task_names(config: Path, database_url: str) -> None:
    duban(config, "plans", "import", str(config.parent / "plans" / "office.toml"), database_url=database_url)
    unknown = duban(config, "status", "--owner", "没有这个科", database_url=database_url)
    assert unknown.returncode == 1
    assert "no task names '没有这个科' as an owner" in unknown.stderr and "法规科" in unknown.stderr


def test_importing_a_document_no_one_follows_says_so(config: Path, database_url: str, tmp_path: Path) -> None:
    loose = tmp_path / "loose.txt"
    loose.write_text(PLAN.replace("XX局", "YY局"), encoding="utf-8")
    # office.toml's subscriber follows every plan: a plan of its own list only.
    office = config.parent / "plans" / "office.toml"
    office.write_text(office.read_text(encoding="utf-8") + 'plans = ["office"]\n', encoding="utf-8")
    done = duban(config, "plans", "import", str(loose), database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert "no subscriber follows loose" in done.stderr


CADENCE = """XX局2022年重点工作方案
一、重点任务
(一)调度进展。每月调度一次。(牵头单位:办公室)
"""


def test_one_occurrence_of_a_cadence_is_done_and_undone(config: Path, database_url: str) -> None:
    (config.parent / "plans" / "office.txt").write_text(CADENCE, encoding="utf-8")
    duban(config, "plans", "import", str(config.parent / "plans" / "office.toml"), database_url=database_url)
    status = duban(config, "status", "--all", database_url=database_url)
    key = re.search(r"调度进展.*?(t-[0-9a-f]{8})", status.stdout)
    assert key, status.stdout
    # 2022-12-31 is an occurrence (every month's last day); 12-30 is not.
    wrong = duban(config, "done", key.group(1), "--occurrence", "2022-12-30", database_url=database_url)
    assert wrong.returncode == 1 and "2022-12-30 is not an occurrence" in wrong.stderr and "2022-12-31" in wrong.stderr
    one = duban(config, "done", key.group(1), "--occurrence", "2022-12-31", database_url=database_url)
    assert one.returncode == 0, one.stderr
    assert "on 2022-12-31" in one.stderr
    # The task is not done: only that day of it.
    assert not re.search(r"done .*调度进展", duban(config, "status", "--all", database_url=database_url).stdout)
    back = duban(config, "undone", key.group(1), "--occurrence", "2022-12-31", database_url=database_url)
    assert back.returncode == 0, back.stderr
    again = duban(config, "undone", key.group(1), "--occurrence", "2022-12-31", database_url=database_url)
    assert again.returncode == 1 and "was not marked done" in again.stderr


def test_feeds_list_their_links_whole_and_a_token_is_its_links(config: Path, database_url: str, tmp_path: Path) -> None:
    duban(config, "plans", "import", str(config.parent / "plans" / "office.toml"), database_url=database_url)
    listed = duban(config, "feeds", database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^  https?://\S+/feeds/all\.ics$", listed.stdout, re.M)
    assert re.search(r"^  webcal://\S+/feeds/owners/%E6%B3%95%E8%A7%84%E7%A7%91\.ics$", listed.stdout, re.M)
    # The group's -c reaches the subcommand; the token comes as its feed's links.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    made = subprocess.run(
        [sys.executable, "-m", "duban.cli", "feeds", "-c", str(config), "token", "office:1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=elsewhere,
        env={**os.environ, "DUBAN_DATABASE_URL": database_url},
    )
    assert made.returncode == 0, made.stderr
    https, webcal = made.stdout.split()
    assert https.startswith("http") and "/feeds/personal/" in https and webcal.startswith("webcal://")
    revoked = duban(config, "feeds", "revoke", https, database_url=database_url)
    assert revoked.returncode == 0, revoked.stderr


def test_status_by_a_supporting_unit_shows_it_beside_the_lead(config: Path, database_url: str) -> None:
    source = config.parent / "plans" / "office.txt"
    source.write_text(PLAN.replace("(牵头单位:办公室;", "(牵头单位:办公室;配合单位:督查科;"), encoding="utf-8")
    duban(config, "plans", "import", str(config.parent / "plans" / "office.toml"), database_url=database_url)
    by_support = duban(config, "status", "--all", "--owner", "督查科", "--format", "json", database_url=database_url)
    assert by_support.returncode == 0, by_support.stderr
    [row] = json.loads(by_support.stdout)
    assert (row["task"], row["lead"], row["support"]) == ("开展排查", ["办公室"], ["督查科"])
