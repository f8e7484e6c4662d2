from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from parsers.pipeline import ParseResult, parse_path

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed-work-plans-2022.txt"
IMPORTED = dt.date(2026, 11, 29)


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def seed_result() -> ParseResult:
    return parse_path(SEED, imported=IMPORTED, doc="seed")
