"""Tables flattened to one cell per line (what PDF and web page extraction
leave): the time cell's phrase is the row's milestone, owed by its owner
columns; the other cells' time words are not milestones."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.pipeline import parse_text

BAR_HEADER = """XX县市场监管局巡察整改工作方案
一、问题清单
序号|问题表现|整改措施|责任科室|配合科室|整改时限
10
学习流于形式
制定年度学习计划，每月至少开展一次集中学习研讨
办公室
各股室
立行立改，长期坚持
11
青年干部学习记录缺失
建立青年理论学习小组
人事股
各市场监管所
2023年10月底前
"""

LINE_HEADER = """XX医院信息化改造项目实施方案
附件
实施进度计划表
序号
工作任务
责任科室
时限要求
1
完成门诊各科室网络布线
总务科
7月3l日前
2
开展全院新系统操作培训
信息中心、门诊部
9月1日—9月20日
"""


def _rows(text: str) -> list[tuple[int, str, str, dict[str, list[str]] | None, str]]:
    found = parse_text(text, ref=dt.date(2023, 1, 1), imported=dt.date(2026, 11, 29)).milestones
    return [(m.line, m.quote, m.kind, m.owners, m.task) for m in found]


def test_a_header_drawn_with_bars_then_a_cell_a_line() -> None:
    assert _rows(BAR_HEADER) == [
        (9, "长期坚持", "ongoing", {"lead": ["办公室"], "support": ["各股室"]}, "学习流于形式"),
        (15, "2023年10月底前", "deadline", {"lead": ["人事股"], "support": ["各市场监管所"]}, "青年干部学习记录缺失"),
    ]


def test_a_header_a_label_a_line() -> None:
    assert _rows(LINE_HEADER) == [
        (11, "7月3l日前", "deadline", {"lead": ["总务科"], "support": []}, "完成门诊各科室网络布线"),
        (15, "9月1日—9月20日", "range", {"lead": ["信息中心", "门诊部"], "support": []}, "开展全院新系统操作培训"),
    ]


@pytest.mark.parametrize(
    "broken",
    [
        LINE_HEADER.replace("总务科\n", ""),  # a cell missing: rows no longer line up
        LINE_HEADER.replace("序号\n", ""),  # no serial column: rows cannot be told apart
    ],
)
def test_rows_that_do_not_line_up_are_not_read_as_cells(broken: str) -> None:
    rows = _rows(broken)
    assert rows
    for _, _, _, owners, task in rows:
        assert owners is None or not any("月" in name or name.isdigit() for name in owners["lead"])
        assert task not in ("完成门诊各科室网络布线", "7月3l日前")


ROTA = """XX镇2023年防汛工作方案
一、带班领导轮值安排
镇领导实行轮流带班，具体安排如下：
6月15日—6月30日
羅志恆　鎮長
7月1日～7月15日
陈 勇　副镇长、派出所所长
7月16日-7月31日
全镇巡查　加强值守
"""


def test_a_schedule_puts_the_person_after_each_date_on_duty() -> None:
    rows = {line: owners for line, _, _, owners, _ in _rows(ROTA)}
    assert rows[4] == {"lead": ["羅志恆"], "support": []}  # copied as written
    assert rows[6] == {"lead": ["陈 勇"], "support": []}
    assert rows[8] != {"lead": ["全镇巡查"], "support": []}  # no post: not a person
