"""An admin's corrections: dates checked as the API checks them, owners
laid over the plan's and given back on undo, both kept across re-imports."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from parsers.pipeline import parse_text
from scheduler.corrections import CorrectionError, correct, take_back
from scheduler.db import session
from scheduler.importer import import_plan
from scheduler.models import Milestone, MilestoneOwner

NOW = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
PLAN = (
    "XX县2027年工作方案\n\n一、任务\n（一）开展排查。2027年3月31日前完成。（牵头单位：县住建局；配合单位：县财政局）\n"
)


def _milestone(engine: Engine) -> Milestone:
    with session(engine) as s:
        return s.exec(select(Milestone)).one()


def _import(engine: Engine, text: str = PLAN) -> None:
    [plan] = parse_text(text, imported=dt.date(2026, 12, 1)).plans
    import_plan(engine, "p", "plan.txt", text, plan, NOW)


def test_owners_laid_over_kept_across_reimport_and_given_back(engine: Engine) -> None:
    _import(engine)
    key = _milestone(engine).key
    correct(engine, key, NOW, lead=["县城管局"], by="admin")
    m = _milestone(engine)
    assert (m.lead, m.support) == (["县城管局"], ["县财政局"])  # the support the plan gives stays
    with session(engine) as s:
        units = {(o.unit, o.role) for o in s.exec(select(MilestoneOwner).where(MilestoneOwner.milestone_key == key))}
    assert units == {("县城管局", "lead"), ("县财政局", "support")}

    _import(engine, PLAN.replace("\n\n一、", "\n\n为做好排查工作，制定本方案。\n一、"))  # the line moves
    moved = _milestone(engine)
    assert moved.key == key and moved.line == 5 and moved.lead == ["县城管局"]

    assert take_back(engine, key, NOW)
    m = _milestone(engine)
    assert (m.lead, m.support) == (["县住建局"], ["县财政局"])


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"kind": "range", "start": dt.date(2027, 4, 1)}, "after due"),
        ({"kind": "sometime"}, "is not one of"),
        ({"kind": "recurring"}, "needs rrule"),
        ({"due": dt.date(2200, 1, 1)}, "is not between"),
    ],
)
def test_dates_that_cannot_be_kept_are_refused(engine: Engine, changes: dict[str, object], problem: str) -> None:
    _import(engine)
    m = _milestone(engine)
    with pytest.raises(CorrectionError, match=problem):
        correct(engine, m.key, NOW, **changes)  # type: ignore[arg-type]
    assert _milestone(engine).sequence == m.sequence
