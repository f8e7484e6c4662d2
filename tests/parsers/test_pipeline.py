"""A whole plan written the way county offices write them: what each
milestone carries besides its dates (section, task, phase, owners)."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.pipeline import parse_text

PLAN = """XX县2023年数字乡村建设实施方案
一、重点任务
（一）加强组织领导。成立工作专班，2023年3月底前完成组建。（责任单位：县发改局，配合单位：县财政局）
（二）强化应急处置。事件发生后2小时内上报。（县应急管理局负责）
二、实施步骤
第一阶段（动员部署阶段）：2023年3月1日—3月15日。
第二阶段（集中整治阶段）：2023年3月16日至6月30日。
第三阶段：2023年7月。
三、工作要求
各乡镇于11月15日前将年度工作总结报送县农业农村局。
"""


def _by_quote() -> dict[str, dict[str, object]]:
    [plan] = parse_text(PLAN, imported=dt.date(2023, 1, 1)).plans
    return {m.quote: m.as_dict() for m in plan.milestones}


def test_tasks_and_their_owners() -> None:
    found = _by_quote()
    first = found["2023年3月底前"]
    assert (first["section"], first["task"]) == (["重点任务"], "加强组织领导")
    assert first["owners"] == {"lead": ["县发改局"], "support": ["县财政局"]}
    second = found["事件发生后2小时内"]
    assert second["owners"] == {"lead": ["县应急管理局"], "support": []}
    assert second["offset"] == {"n": 2, "unit": "hour", "after": "事件发生"}


def test_stages_named_at_the_start_of_their_lines() -> None:
    found = _by_quote()
    assert {q: (m["phase"], m["task"], m["section"]) for q, m in found.items() if m["phase"]} == {
        "2023年3月1日—3月15日": ("动员部署阶段", "动员部署阶段", ["实施步骤"]),
        "2023年3月16日至6月30日": ("集中整治阶段", "集中整治阶段", ["实施步骤"]),
        "2023年7月": ("第三阶段", "第三阶段", ["实施步骤"]),
    }


def test_a_line_under_a_section_heading_has_that_section() -> None:
    found = _by_quote()
    last = found["11月15日前"]
    assert last["section"] == ["工作要求"] and last["due"] == "2023-11-15"


TABLE = (
    "XX县2023年农村人居环境整治任务分工方案\n"
    "一、任务分工\n"
    "序号\t工作任务\t牵头单位\t配合单位\t完成时限\n"
    "1\t开展摸底调查\t县农业农村局\t各乡镇\t2023年3月底前\n"
    "2\t建立长效管护机制\t县住建局\t县财政局、各乡镇\t长期坚持\n"
)


def test_a_table_written_with_tabs() -> None:
    [plan] = parse_text(TABLE, imported=dt.date(2023, 1, 1)).plans
    rows = [(m.line, m.task, m.kind, m.owners) for m in plan.milestones]
    assert rows == [
        (4, "开展摸底调查", "deadline", {"lead": ["县农业农村局"], "support": ["各乡镇"]}),
        (5, "建立长效管护机制", "ongoing", {"lead": ["县住建局"], "support": ["县财政局", "各乡镇"]}),
    ]


NUMBERED = """XX县2023年安全生产专项整治工作方案
一、重点任务
（一）强化执法检查。
1.开展“双随机”抽查，每季度不少于1次。牵头单位：县应急局；配合单位：县公安局。
2.5月底前完成重点企业执法检查全覆盖。
3、2023年9月底前建成监管平台。
4.完成投资2.5万元。
"""


def test_numbered_items_that_open_with_a_date() -> None:
    [plan] = parse_text(NUMBERED, imported=dt.date(2023, 1, 1)).plans
    found = {m.quote: m.as_dict() for m in plan.milestones}
    assert found["5月底前"]["task"] == "5月底前完成重点企业执法检查全覆盖"
    assert found["5月底前"]["owners"] is None  # not the item above's
    assert found["2023年9月底前"]["task"] == "2023年9月底前建成监管平台"
    assert set(found) == {"每季度", "5月底前", "2023年9月底前"}  # "2.5万元" is an amount


def test_every_year_and_a_holiday_eve_are_one_yearly_rule() -> None:
    found = parse_text("每年国庆节前开展安全检查。", ref=dt.date(2022, 1, 1), imported=dt.date(2026, 11, 29))
    assert [(m.quote, m.kind, m.rrule) for m in found.milestones] == [
        ("每年国庆节前", "recurring", "FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=-1")
    ]


NOTICE = """关于印发《XX县农村人居环境整治提升五年行动实施方案（2021—2025年）》的通知
各乡镇人民政府，县直各部门：
现将《XX县农村人居环境整治提升五年行动实施方案（2021—2025年）》印发给你们，请认真贯彻落实。
XX县农村人居环境整治提升五年行动实施方案（2021—2025年）
一、重点任务
（一）加快推进农村生活污水治理。2023年6月30日前完成规划编制。
"""


def test_a_plan_whose_title_ends_with_its_period_inside_a_notice() -> None:
    # The covering notice is read on its own (its dates count from its issue date).
    [notice, plan] = parse_text(NOTICE, imported=dt.date(2026, 11, 29)).plans
    assert notice.title.startswith("关于印发") and notice.milestones == []
    assert plan.title == "XX县农村人居环境整治提升五年行动实施方案（2021—2025年）"
    assert (plan.reference.date, plan.until) == (dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    # The title's years are the plan's period, not a milestone; the notice holds none.
    assert [m.quote for m in plan.milestones] == ["2023年6月30日前"]


def test_every_year_before_what_has_no_fixed_day() -> None:
    for line, quote, kind in [
        ("每年汛期前完成河道清障。", "每年汛期", "unresolved"),
        ("每年春节前开展走访。", "每年春节前", "deadline"),
    ]:
        found = parse_text(line, ref=dt.date(2022, 1, 1), imported=dt.date(2026, 11, 29)).milestones
        assert [(m.quote, m.kind, m.rrule) for m in found] == [(quote, kind, None)]
        assert "every year" in (found[0].note or "")


SIGNED = """XX县2023年森林防火工作方案
一、工作任务
（一）开展隐患排查。2023年3月31日前完成。（责任单位：县林业局）
（二）健全制度。各乡镇于4月15日前印发
二、工作要求
各单位要高度重视。
XX县人民政府办公室
2023年3月15日

抄送：县委办，县人大办，县政协办。
XX县人民政府办公室                     2023年3月15日印发
XX县2023年汛期安全工作方案
一、工作任务
6月1日前完成全面检查。
"""


def test_a_signature_and_a_colophon_hold_no_milestones() -> None:
    first, second = parse_text(SIGNED, imported=dt.date(2026, 11, 29)).plans
    assert [m.quote for m in first.milestones] == ["2023年3月31日前", "4月15日前"]
    assert [m.quote for m in second.milestones] == ["6月1日前"]  # the next plan is read as before


FESTIVAL = """XX县2023年杜鹃花旅游文化节活动方案
一、活动安排
（一）开幕式
活动时间：4月18日（星期六）上午9:30
（二）开学季活动
9月1日正式上课，上午8:10在学校操场举行开学典礼。
二、工作要求
1.开幕式前3天，完成主会场舞台搭建。（责任单位：县文旅局）
2.开学前完成校舍安全检查。
3.项目终验前完成资料归档。
"""


def test_an_event_the_plan_dates_is_counted_from() -> None:
    [plan] = parse_text(FESTIVAL, ref=dt.date(2023, 1, 1), imported=dt.date(2026, 11, 29)).plans
    found = {m.quote: m for m in plan.milestones}
    assert (found["开幕式前3天"].kind, found["开幕式前3天"].due) == ("deadline", dt.date(2023, 4, 15))
    assert (found["开学前"].kind, found["开学前"].due) == ("deadline", dt.date(2023, 8, 31))
    # an event the plan does not date stays relative to it
    assert (found["项目终验前"].kind, found["项目终验前"].offset) == (
        "relative",
        {"n": 0, "unit": "day", "before": "项目终验"},
    )


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("各单位每季度最后一个月的20日前报送进展,从2025年第一季度开始执行。", dt.date(2025, 1, 1)),
        ("各科室要于每季度最后一个月的25日前报送,从2024年第四季度开始,直至整改销号。", dt.date(2024, 10, 1)),
        ("各乡镇每月5日前报送上月数据,自2025年3月起执行。", dt.date(2025, 3, 1)),
        ("各乡镇每月5日前报送上月数据,从2025年3月底开始执行。", dt.date(2025, 3, 31)),
    ],
)
def test_a_cadence_starts_from_the_period_it_names(line: str, start: dt.date) -> None:
    found = parse_text(line, ref=dt.date(2024, 1, 1), imported=dt.date(2026, 11, 29)).milestones
    assert [(m.kind, m.start) for m in found] == [("recurring", start)]


@pytest.mark.parametrize(
    ("line", "quote"),
    [
        ("工作组每周一上午召开项目周例会。", "每周一"),  # not a second, Friday cadence for 周例会
        ("每年11月开展消防宣传月活动。", "每年11月"),  # not an undated campaign month as well
        ("春节前后加强值守。", "春节前后"),  # around the festival, not its eve
        ("推介会时间：2024年4月25日、26日。", "2024年4月25日、26日"),  # one two-day window
        ("国庆期间实行值班，确保节日期间业务平稳运行。", "国庆期间"),  # 节日期间: that window again
        ("元旦前后及假期期间加强校园值守。", "元旦前后"),
        ("今年后7个月，各地要抓实重点工作。", "今年后7个月"),  # a period, not 7 months after 今年
        ("7.自收到申请之日起二十个工作日内作出决定。", "自收到申请之日起二十个工作日内"),  # not the item's number
    ],
)
def test_a_phrase_read_once(line: str, quote: str) -> None:
    found = parse_text(line, ref=dt.date(2024, 1, 1), imported=dt.date(2026, 11, 29)).milestones
    assert [m.quote for m in found] == [quote]


def test_the_year_before_the_plans_own_is_a_report() -> None:
    text = (
        "XX县2025年河湖长制工作要点\n"
        "2024年，全县各级河湖长累计巡河2.6万人次，发现并整改问题318个。\n"
        "一、工作任务\n"
        "（一）力争2025年底前完成整治。\n"
        "XX县河长制办公室\n"
        "2024年12月18日\n"
    )
    [plan] = parse_text(text, imported=dt.date(2026, 11, 29)).plans
    assert plan.reference.date == dt.date(2024, 12, 18)  # issued the year before
    assert [m.quote for m in plan.milestones] == ["力争2025年底前"]


STEPS = """XX县2023年农村人居环境整治实施方案
四、实施步骤
（四）总结提升阶段（12月）。全面总结经验。
第一阶段：宣传发动（2023年4月1日—4月15日）
第三阶段为巩固提升阶段，时间为6月至12月。
"""


def test_a_line_that_names_its_stage_is_in_that_stage() -> None:
    found = parse_text(STEPS, ref=dt.date(2023, 1, 1), imported=dt.date(2026, 11, 29)).milestones
    assert [(m.quote, m.phase) for m in found] == [
        ("12月", "总结提升阶段"),
        ("2023年4月1日—4月15日", "第一阶段"),  # not the heading above it
        ("6月至12月", "巩固提升阶段"),
    ]


@pytest.mark.parametrize(
    ("title", "stages"),
    [
        ("XX市2022年度新材料产业推进工作方案", []),  # a campaign's words quoted by a one-year plan
        ("XX市新材料产业三年行动方案（2022—2024年）", ["2022-01-01 2022-12-31", "2024-01-01 2024-12-31"]),
    ],
)
def test_stage_years_belong_to_plans_that_run_for_years(title: str, stages: list[str]) -> None:
    text = f"{title}\n一、总体要求\n全面落实“一年打基础、三年见成效”行动。\n"
    result = parse_text(text, ref=None, imported=dt.date(2022, 3, 1))
    assert [f"{m.start} {m.due}" for m in result.milestones if m.kind == "range"] == stages


@pytest.mark.parametrize("form", ["{n}.", "{n}、", "({n})", "（{n}）"])
def test_items_numbered_past_99_are_their_own_tasks(form: str) -> None:
    lines = [f"{form.format(n=n)}完成第{n}项。(牵头单位:办公室;完成时间:2025年11月30日前)" for n in range(1, 121)]
    text = "XX局2025年任务清单\n一、任务\n" + "\n".join(lines) + "\n"
    result = parse_text(text, ref=None, imported=dt.date(2025, 1, 1))
    assert [m.task for m in result.milestones] == [f"完成第{n}项" for n in range(1, 121)]
