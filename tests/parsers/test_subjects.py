"""Owners from a sentence's subject and a heading's label, in the spec's
precedence: the item's own label, its sentence's subject, the label of a
heading above it."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.pipeline import parse_text

REF = dt.date(2024, 1, 1)

# (the plan's body, the phrase, its lead owners)
CASES = [
    ("(一)督查。各责任单位要于每季度末向市政府报告进展。", "每季度末", ["各责任单位"]),
    ("(一)督查。市委市政府督查局要每季度开展督查。", "每季度", ["市委市政府督查局"]),
    ("(一)报送。各地各部门于2024年1月23日前报送。", "2024年1月23日前", ["各地", "各部门"]),
    ("(一)验收。11月15日前,项目办公室组织初验。", "11月15日前", ["项目办公室"]),
    ("(一)巡河。县级河湖长每季度巡河1次,乡镇级河湖长每月巡河1次。", "每月", ["乡镇级河湖长"]),
    ("(一)燃气。县住建局要牵头开展排查。11月底前完成整治。", "11月底前", ["县住建局"]),  # the subject carries on
    ("(一)整治。由县安委办负责每季度调度。", "每季度", ["县安委办"]),
    ("(一)管网。市水务集团具体负责,汛前完成雨污分流改造。", "汛前", ["市水务集团"]),
    ("(一)平台。市大数据局负总责,12月20日前建成平台。", "12月20日前", ["市大数据局"]),
    ("(一)应急。县应急管理局要于6月底前完成演练。", "6月底前", ["县应急管理局"]),
    ("(一)排查。县住建局要会同各乡镇于6月底前完成排查。", "6月底前", ["县住建局"]),
    ("(一)报告。各单位12月20日前向县政府报告。", "12月20日前", ["各单位"]),  # not the body reported to
    ("(一)宣传。6月底前完成宣传。(牵头单位:县委宣传部)各乡镇要配合。", "6月底前", ["县委宣传部"]),  # the label first
    (
        "(一)排查。6月底前完成全面排查。县住建局牵头,各乡镇配合。",
        "6月底前",
        ["县住建局"],
    ),  # a sentence that only names owners
    ("(一)推介。县文化和旅游局要于6月底前完成推介。", "6月底前", ["县文化和旅游局"]),  # 和 inside a unit's name
    (
        "(一)执法。县水利局、县自然资源局、县综合执法局等每月开展一次联合执法巡查。",
        "每月",
        ["县水利局", "县自然资源局", "县综合执法局等"],
    ),  # a list closed by 等, as written
    ("(一)排查。市住房和城乡建设局于6月底前完成排查。", "6月底前", ["市住房和城乡建设局"]),
    ("(一)督查。县委和县政府督查室于6月底前开展督查。", "6月底前", ["县委", "县政府督查室"]),  # two units
    (
        "(一)社保。县人力资源和社会保障局及县财政局于6月底前完成核查。",
        "6月底前",
        ["县人力资源和社会保障局", "县财政局"],
    ),
]


def test_who_the_subject_works_with_supports() -> None:
    text = "XX县重点工作方案\n一、任务\n(一)排查。县林业局联合县气象局、县应急局于6月底前完成排查。\n"
    [m] = parse_text(text, ref=REF, imported=REF).milestones
    assert m.owners == {"lead": ["县林业局"], "support": ["县气象局", "县应急局"]}


@pytest.mark.parametrize(("body", "quote", "lead"), CASES, ids=[c[1] + "|" + c[2][0] for c in CASES])
def test_the_subject_of_the_sentence_leads(body: str, quote: str, lead: list[str]) -> None:
    text = f"XX县重点工作方案\n一、任务\n{body}\n"
    found = {m.quote: m for m in parse_text(text, ref=REF, imported=REF).milestones}
    assert quote in found, list(found)
    assert (found[quote].owners or {}).get("lead") == lead


HEADED = """XX校安全工作计划
一、工作安排
(一)落实安全责任(责任人:覃志强)
1.9月5日前,签订安全工作责任书。
2.每月,学校开展一次安全检查。
(二)校舍安全
1.10月底前完成校舍排查。
"""


def test_a_headings_label_covers_the_items_below_it() -> None:
    found = {m.quote: m for m in parse_text(HEADED, ref=REF, imported=REF).milestones}
    assert found["9月5日前"].owners == {"lead": ["覃志强"], "support": []}
    assert found["每月"].owners == {"lead": ["学校"], "support": []}  # the sentence's own subject first
    assert found["10月底前"].owners is None  # another heading: the label stops there


ORGANIZED = """XX县2024年旅游文化节活动方案
经县委、县政府研究，决定举办2024年旅游文化节。
一、活动主题
花开春天
二、组织机构
本届文化节由县文化和旅游局牵头组织，各协办单位按职责做好相关工作。
三、活动安排
（一）摄影大赛。作品征集截至5月3日。
"""


def test_who_leads_the_plan_outranks_who_decided_on_it() -> None:
    [m] = parse_text(ORGANIZED, ref=REF, imported=REF).milestones
    assert m.owners == {"lead": ["县文化和旅游局"], "support": []}
    decided_only = ORGANIZED.replace("本届文化节由县文化和旅游局牵头组织，", "")
    [m] = parse_text(decided_only, ref=REF, imported=REF).milestones
    assert m.owners == {"lead": ["县委", "县政府"], "support": []}


@pytest.mark.parametrize(
    ("body", "leads"),
    [
        (
            "(一)直播。5月1日、2日、3日，先后由李卓然（县长）、覃雪（副县长）、韦国栋（局长）走进直播间。",
            [["李卓然"], ["覃雪"], ["韦国栋"]],
        ),
        (
            "(一)接访。9月13日、20日，分别由何志远（市住建局局长），邓丽（市人社局局长）做客直播间。",
            [["何志远"], ["邓丽"]],
        ),
    ],
)
def test_dates_and_people_named_in_the_same_order(body: str, leads: list[list[str]]) -> None:
    found = parse_text(f"XX县2024年活动方案\n一、活动安排\n{body}\n", ref=REF, imported=REF).milestones
    assert [m.owners["lead"] if m.owners else None for m in found] == leads


def test_people_who_do_not_pair_with_the_dates_are_not_paired() -> None:
    body = "(一)直播。5月1日、2日、3日，先后由李卓然（县长）、覃雪（副县长）走进直播间。"
    found = parse_text(f"XX县2024年活动方案\n一、活动安排\n{body}\n", ref=REF, imported=REF).milestones
    assert len(found) == 3 and all(m.owners is None or m.owners["lead"] != ["李卓然"] for m in found)
