"""``duban admin passwd``: an account of the pages, written into duban.toml
with its comments kept; a short password changes nothing."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from config.settings import load_settings
from duban.pages.auth import password_matches

CONFIG = '# the service\n[service]\ndatabase = "sqlite:///duban.db"  # beside this file\n'


def passwd(config: Path, name: str, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "duban.cli", "admin", "passwd", name, "--password-stdin", "--config", str(config)],
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_passwd_adds_an_account_then_changes_its_password(tmp_path: Path) -> None:
    config = tmp_path / "duban.toml"
    config.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "plans").mkdir()
    done = passwd(config, "督办员", "first long password")
    assert done.returncode == 0, done.stderr
    assert "# beside this file" in config.read_text(encoding="utf-8")
    [admin] = load_settings(config).duban.admins
    assert admin.name == "督办员" and password_matches(admin, "first long password")

    assert passwd(config, "督办员", "second long password").returncode == 0
    [admin] = load_settings(config).duban.admins
    assert password_matches(admin, "second long password") and not password_matches(admin, "first long password")

    before = config.read_text(encoding="utf-8")
    short = passwd(config, "督办员", "short")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    assert config.read_text(encoding="utf-8") == before
    assert len(tomllib.loads(before)["admins"]) == 1
