"""Databases for the scheduler tests: a SQLite file and, where a server is
given by DUBAN_TEST_POSTGRES_URL, a fresh PostgreSQL database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from scheduler.db import create_all, make_engine

PG_URL = os.environ.get("DUBAN_TEST_POSTGRES_URL")


def _postgres_database() -> Iterator[str]:
    if not PG_URL:
        if os.environ.get("DUBAN_REQUIRE_POSTGRES"):
            pytest.fail("DUBAN_REQUIRE_POSTGRES is set but DUBAN_TEST_POSTGRES_URL is not")
        pytest.skip("no PostgreSQL server given (DUBAN_TEST_POSTGRES_URL)")
    name = "duban_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
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
