from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from parsers.pipeline import ParseResult, parse_path
from scheduler.db import create_all, make_engine

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed-work-plans-2022.txt"
IMPORTED = dt.date(2026, 11, 29)


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def seed_result() -> ParseResult:
    return parse_path(SEED, imported=IMPORTED, doc="seed")


# Databases: a SQLite file and, where a server is given by
# DUBAN_TEST_POSTGRES_URL, a fresh PostgreSQL database per test.

PG_URL = os.environ.get("DUBAN_TEST_POSTGRES_URL")


def _postgres_database() -> Iterator[str]:
    if not PG_URL:
        if os.environ.get("DUBAN_REQUIRE_POSTGRES"):
            pytest.fail("DUBAN_REQUIRE_POSTGRES is set but DUBAN_TEST_POSTGRES_URL is not")
        pytest.skip("no PostgreSQL server given (DUBAN_TEST_POSTGRES_URL)")
    name = "duban_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT", pool_pre_ping=True
    )
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'duban.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_all(engine)
    yield engine
    engine.dispose()


def run_duban(config: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``duban ARGS --config CONFIG`` as a user runs it, with extra environment."""
    return subprocess.run(
        [sys.executable, "-m", "duban.cli", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )
