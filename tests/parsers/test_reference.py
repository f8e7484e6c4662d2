"""The end of a plan's own period, which its cadences do not outlive."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from parsers.pipeline import parse_text
from parsers.reference import infer_reference, plan_until

REF = dt.date(2022, 1, 1)

TITLES = [
    ("XX局2022年重点工作方案", None, "2022-12-31"),
    ("2022年度XX镇新时代文明实践工作方案", None, "2022-12-31"),
    ("XX市2021—2025年数字政府建设行动方案", None, "2025-12-31"),
    ("XX县农村人居环境整治提升五年行动实施方案（2021—2025年）", None, "2025-12-31"),
    ("XX自治区“十四五”时期“无废城市”建设工作方案", None, "2025-12-31"),
    ("XX省“十三五”规划纲要实施方案", None, "2020-12-31"),
    ("XX县“十五五”期间乡村振兴工作方案", None, "2030-12-31"),
    ("XX镇秋季秸秆禁烧工作方案", None, "2022-11-30"),
    ("XX区冬季清洁取暖工作方案", None, "2023-02-28"),
    ("XX街道加强基层应急能力建设的工作方案", None, None),
    ("关于做好春节期间安全生产工作的通知", None, None),  # 春节 names a holiday, not a season
    ("2022年全国“宪法宣传周”宣传活动工作方案", (dt.date(2022, 12, 4), dt.date(2022, 12, 10)), "2022-12-10"),
]


@pytest.mark.parametrize(("title", "period", "until"), TITLES, ids=[t for t, _, _ in TITLES])
def test_plan_until(title: str, period: tuple[dt.date, dt.date] | None, until: str | None) -> None:
    found = plan_until(title, period, REF)
    assert (found.isoformat() if found else None) == until


def test_a_time_section_gives_the_period() -> None:
    text = """2022年全国“宪法宣传周”宣传活动工作方案
一、活动时间
2022年12月4日至10日。
二、活动内容
(一)每天发布宣传信息。(牵头单位:宣传科)
"""
    [plan] = parse_text(text, imported=REF).plans
    assert plan.until == dt.date(2022, 12, 10)
    assert [m.rrule for m in plan.milestones if m.kind == "recurring"] == ["FREQ=DAILY"]


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("XX县2023年安全生产工作方案", 2023),
        ("XX市2021—2025年数字政府建设行动方案", 2021),  # a range: its first year
        ("XX县整治提升五年行动实施方案(2021至2025年)", 2021),
        ("2022年度XX镇新时代文明实践工作方案", 2022),
    ],
)
def test_the_reference_year_of_a_title(title: str, year: int) -> None:
    found = infer_reference(title, Counter(), Counter(), dt.date(2026, 11, 29))
    assert (found.date, found.rule) == (dt.date(year, 1, 1), "title")
