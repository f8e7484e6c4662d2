"""The issue date a plan's text states, and phrases without a year read
forward from it (spec, "The reference date")."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.issue_date import issue_dates
from parsers.pipeline import parse_text

IMPORTED = dt.date(2026, 11, 30)

STATEMENTS = [
    (["XX县人民政府", "2026年11月25日"], "2026-11-25", "signature"),
    (["XX县城关第二小学", "二〇二五年八月二十八日"], "2025-08-28", "signature"),
    (["XX区人民政府", "2025 年 1 月 8 日"], "2025-01-08", "signature"),
    (["XX市人民政府督查室\u3000\u3000\u3000\u30002024年10月14日"], "2024-10-14", "signature"),
    (["印发日期：2025年3月12日"], "2025-03-12", "label"),
    (["成文日期: 2025年3月12日"], "2025-03-12", "label"),
    (["发布时间：2023-06-01 16:20\u3000\u3000来源：市信访局"], "2023-06-01", "page"),
    (["發布時間：2026-04-03 09:15\u3000來源：龍泉鎮應急管理辦公室"], "2026-04-03", "page"),
    (["发布：教务处\u30002025-08-15\u3000\u3000阅读：2168次"], "2025-08-15", "page"),
    (["XX县人民政府办公室\u3000\u30002026年11月20日印发"], "2026-11-20", "colophon"),
]


@pytest.mark.parametrize(("lines", "date", "how"), STATEMENTS, ids=[s[0][-1] for s in STATEMENTS])
def test_issue_date_statements(lines: list[str], date: str, how: str) -> None:
    [found] = issue_dates(lines)
    assert (found.date.isoformat(), found.how) == (date, how)


NOT_ISSUE_DATES = [
    ["XX发〔2022〕12号"],
    ["各乡镇于2026年11月25日前报送。"],
    ["一、工作目标", "2026年11月25日"],  # a date alone under a heading, not a signature
    ["最后更新 24-03-11"],
]


@pytest.mark.parametrize("lines", NOT_ISSUE_DATES, ids=[s[-1] for s in NOT_ISSUE_DATES])
def test_not_issue_dates(lines: list[str]) -> None:
    assert issue_dates(lines) == []


def _plan(body: str, title: str = "XX县安全生产专项整治工作方案") -> str:
    return f"{title}\n一、工作安排\n{body}\nXX县人民政府\n2026年11月25日\n"


# Issued 2026-11-25, no year in the title: forward from the issue date,
# 60 days of grace (the spec's own examples).
FORWARD = [
    ("(一)各乡镇11月30日前完成排查。", "deadline", None, "2026-11-30"),
    ("(一)各乡镇10月底前完成排查。", "deadline", None, "2026-10-31"),  # just past, kept
    ("(一)各乡镇上半年完成整治。", "deadline", None, "2027-06-30"),
    ("(一)各乡镇春节前完成整治。", "deadline", None, "2027-02-05"),
    ("(一)各乡镇1月10日前报送。", "deadline", None, "2027-01-10"),
    ("(一)集中整治12月11日—1月20日。", "range", "2026-12-11", "2027-01-20"),
    ("(一)从即日起开展排查。", "start", "2026-11-25", None),
    ("(一)即日起至12月10日开展排查。", "range", "2026-11-25", "2026-12-10"),
    ("(一)2026年3月完成。", "deadline", None, "2026-03-31"),  # a year given is never moved
]


@pytest.mark.parametrize(("body", "kind", "start", "due"), FORWARD, ids=[f[0] for f in FORWARD])
def test_phrases_resolve_forward_from_the_issue_date(body: str, kind: str, start: str | None, due: str | None) -> None:
    [plan] = parse_text(_plan(body), imported=IMPORTED).plans
    assert (plan.reference.date, plan.reference.rule) == (dt.date(2026, 11, 25), "issue date")
    [m] = plan.milestones
    got = (m.kind, m.start.isoformat() if m.start else None, m.due.isoformat() if m.due else None)
    assert got == (kind, start, due)


def test_a_holiday_window_moves_with_its_year() -> None:
    text = _plan("(一)春节期间加强值守。").replace("2026年11月25日", "2025年11月20日")
    [m] = parse_text(text, imported=IMPORTED).milestones
    assert (m.kind, m.start, m.due) == ("range", dt.date(2026, 2, 15), dt.date(2026, 2, 23))


def test_a_title_year_keeps_its_phrases_in_that_year() -> None:
    text = _plan("(一)11月底前完成。(二)年底前完成。(三)即日起开展。", title="XX县2027年河湖长制工作要点")
    text = text.replace("2026年11月25日", "2026年12月18日")
    [plan] = parse_text(text, imported=IMPORTED).plans
    assert [(m.quote, m.start or m.due) for m in plan.milestones] == [
        ("11月底前", dt.date(2027, 11, 30)),
        ("年底前", dt.date(2027, 12, 31)),
        ("即日起", dt.date(2026, 12, 18)),
    ]


def test_a_cross_year_title_period_reads_forward_from_its_start() -> None:
    text = "XX区2025—2026年冬春季爱国卫生运动实施方案\n一、安排\n(一)1月10日前完成。(二)11月25日前部署。\n"
    [plan] = parse_text(text, imported=IMPORTED).plans
    assert (plan.reference.date, plan.reference.rule) == (dt.date(2025, 12, 1), "title period")
    assert [m.due for m in plan.milestones] == [dt.date(2026, 1, 10), dt.date(2025, 11, 25)]
    assert plan.until == dt.date(2026, 5, 31)


def test_a_covering_notice_reads_its_own_dates_from_its_issue_date() -> None:
    text = (
        "关于印发《XX县2025年河湖长制工作要点》的通知\n各乡镇：\n现将要点印发给你们，请于12月25日前报送联络员名单。\n"
        "XX县河长制办公室\n2024年12月18日\n"
        "XX县2025年河湖长制工作要点\n一、任务\n(一)12月25日前完成河湖健康评价。\n"
    )
    notice, plan = parse_text(text, imported=IMPORTED).plans
    assert [m.due for m in notice.milestones] == [dt.date(2024, 12, 25)]
    assert plan.reference.date == dt.date(2024, 12, 18)  # issued by the notice
    assert [m.due for m in plan.milestones] == [dt.date(2025, 12, 25)]


def test_issue_lines_give_no_milestones() -> None:
    text = "XX镇2026年防汛工作方案\n发布时间：2026-04-03 09:15　来源：XX镇\n一、安排\n(一)5月1日前完成。\n"
    [plan] = parse_text(text, imported=IMPORTED).plans
    assert [m.quote for m in plan.milestones] == ["5月1日前"]
    assert plan.reference.date == dt.date(2026, 4, 3)


PAST = [
    ("2026年6月11日至7月20日,巡察组开展了常规巡察,并于8月15日反馈了意见。", []),
    ("10月15日,县政府常务会议专题研究安全生产工作。", []),
    ("截至10月底,仍有9项任务进度滞后。", []),
    ("各乡镇10月底前完成排查。", ["10月底前"]),  # just past, still a duty: kept (and overdue)
    ("今年1—9月,全县共发生事故9起,同比下降25%。", []),
    ("1|开展隐患排查|县应急局|10月31日前", ["10月31日前"]),  # a table row dates its work: kept, overdue
]


@pytest.mark.parametrize(("body", "quotes"), PAST, ids=[p[0][:16] for p in PAST])
def test_what_happened_before_the_issue_date_is_no_milestone(body: str, quotes: list[str]) -> None:
    [plan] = parse_text(_plan(body), imported=IMPORTED).plans
    assert [m.quote for m in plan.milestones] == quotes
