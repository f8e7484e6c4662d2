"""The backup and restore drill of docs/deploy.md, run as written against
a real PostgreSQL database holding an imported plan."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from scheduler.db import make_engine
from tests.conftest import _postgres_database

DOC = Path(__file__).parent.parent / "docs" / "deploy.md"
PLAN = """XX局2026年重点工作方案
一、重点任务
(一)开展排查。全面排查隐患。(牵头单位:办公室;完成时间:2026年11月30日前)
(二)完善制度。修订管理制度。(牵头单位:法规科;完成时间:2099年12月15日前)
"""


@pytest.fixture
def postgres() -> Iterator[str]:
    yield from _postgres_database()


def drill_lines() -> list[str]:
    block = re.search(r"```sh drill\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/deploy.md has no drill block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_restore_drill_runs_as_written(tmp_path: Path, postgres: str) -> None:
    missing = [tool for tool in ("pg_dump", "pg_restore", "createdb", "dropdb") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"the PostgreSQL client tools are missing: {', '.join(missing)}")
    (tmp_path / "config" / "plans").mkdir(parents=True)
    (tmp_path / "config" / "duban.toml").write_text("[service]\n", encoding="utf-8")
    (tmp_path / "config" / "plans" / "office.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "config" / "plans" / "office.toml").write_text('id = "office"\nsource = "office.txt"\n')
    bin_dir = str(Path(sys.executable).parent)
    scratch = "duban_drill_" + uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "DUBAN_DATABASE_URL": postgres,
        "BACKUP": str(tmp_path / "duban.dump"),
        "SCRATCH": scratch,
        "SCRATCH_URL": postgres.rsplit("/", 1)[0] + "/" + scratch,
    }

    def run(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
        )

    imported = run("duban plans import config/plans/office.toml --config config/duban.toml")
    assert imported.returncode == 0, imported.stderr
    live = run("duban status --all --format json --config config/duban.toml")
    assert live.returncode == 0 and len(json.loads(live.stdout)) == 2, live.stderr
    outputs = []
    for line in drill_lines():
        done = run(line)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        outputs.append(done.stdout)
    restored = next(out for line, out in zip(drill_lines(), outputs, strict=True) if "duban status" in line)
    assert json.loads(restored) == json.loads(live.stdout)  # the same tasks, from the restored copy
    engine = make_engine(postgres)
    with engine.connect() as c:  # the drill cleaned up after itself
        assert c.execute(text("select 1 from pg_database where datname = :n"), {"n": scratch}).first() is None
    engine.dispose()
