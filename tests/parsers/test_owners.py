"""Owner forms from the spec, as a table."""

from __future__ import annotations

import pytest

from parsers.owners import NoteIndex, OwnerNote, Owners, find_owner_notes, split_names


def owners_at(notes: list[OwnerNote], pos: int) -> Owners | None:
    return NoteIndex(notes).owners_at(pos)


CASES = [
    ("开展学习。(牵头单位:市人力资源和社会保障局)", ["市人力资源和社会保障局"], []),
    ("开展学习。(牵头科室:人秘科;\n完成时间:2022年11月底前)", ["人秘科"], []),
    ("开展学习。(牵头科室:党总支、人秘科;完成时间:长期)", ["党总支", "人秘科"], []),
    ("推进建设。(牵头部门:市发改委)", ["市发改委"], []),
    ("推进建设。(责任科室:党总支、人秘科)", ["党总支", "人秘科"], []),
    ("推进建设。(责任部门:市住建局,市财政局)", ["市住建局", "市财政局"], []),
    ("推进建设。〔责任单位:市住建局,市财政局、市国资委,逗号前为牵头单位〕", ["市住建局"], ["市财政局", "市国资委"]),
    (
        "治理垃圾。(住房城乡建设厅牵头,发展改革委、财政厅、生态环境厅配合)",
        ["住房城乡建设厅"],
        ["发展改革委", "财政厅", "生态环境厅"],
    ),
    ("治理垃圾。(生态环境厅牵头,发展改革委、经济和信息化厅配合)", ["生态环境厅"], ["发展改革委", "经济和信息化厅"]),
    ("治理垃圾。(市财政局、市税务局按职责分工负责)", ["市财政局", "市税务局"], []),
    ("治理垃圾。(市住建局牵头,市财政局、市税务局按职责分工负责)", ["市住建局"], ["市财政局", "市税务局"]),
    ("做好市场管理。\n责任单位:镇综合执法中队、镇党政综合办公室", ["镇综合执法中队", "镇党政综合办公室"], []),
    (
        "完成整改(责任单位:市直各部门,中央、自治区驻固各单位, 各县区)",
        ["市直各部门", "中央", "自治区驻固各单位", "各县区"],
        [],
    ),
    ("加强保障。(牵头单位:各县(市、区)政府、市直园区管委会)", ["各县(市、区)政府", "市直园区管委会"], []),
    ("组织活动。\n牵头单位:国务院国资委 全国工商联 全国总工会", ["国务院国资委", "全国工商联", "全国总工会"], []),
    ("组织活动。(牵头单位:市教育局;配合单位:市财政局、市人社局)", ["市教育局"], ["市财政局", "市人社局"]),
    ("组织活动。(牵头单位:市教育局。)", ["市教育局"], []),
    ("组建专班。(责任单位:县发改局,配合单位:县财政局)", ["县发改局"], ["县财政局"]),
    ("组建专班。(责任单位:县发改局、县财政局,配合单位:各乡镇)", ["县发改局", "县财政局"], ["各乡镇"]),
    ("组建专班。(县发改局负责)", ["县发改局"], []),
    ("加强宣传。\n责任单位:县委宣传部(牵头)、县广电中心", ["县委宣传部"], ["县广电中心"]),
    ("加强信用建设。(责任单位:市发改委〔牵头〕、市人民银行)", ["市发改委"], ["市人民银行"]),
    ("治理污水。(责任单位:县生态环境局牵头,各乡镇(街道)配合)", ["县生态环境局"], ["各乡镇(街道)"]),
    ("加强信用建设。(责任单位:市发改委、市人民银行【牵头】)", ["市人民银行"], ["市发改委"]),
    (
        "压缩开办时间。(牵头单位:市市场监管局;责任单位:市公安局、市税务局,各县区人民政府)",
        ["市市场监管局"],
        ["市公安局", "市税务局", "各县区人民政府"],
    ),
    ("优化审批。\n责任单位:市住建局、市自然资源局\n牵头单位:市住建局", ["市住建局"], ["市自然资源局"]),
    ("组建专班。(县委办、县政府办负责)", ["县委办", "县政府办"], []),
    ("组建专班。(县发改局负责,县财政局、县商务局配合)", ["县发改局"], ["县财政局", "县商务局"]),
    (
        "新增泊位。(责任单位:市交通运输局、市公安局交警支队,排在第一位的为牵头单位)",
        ["市交通运输局"],
        ["市公安局交警支队"],
    ),
    (
        "新增泊位。(责任单位:市交通运输局、市公安局、市城管局,排名第一的为牵头单位)",
        ["市交通运输局"],
        ["市公安局", "市城管局"],
    ),
    ("由市教育局牵头,市财政局配合,于2023年9月前完成校舍改造。", ["市教育局"], ["市财政局"]),
    (
        "培育企业。(省工业和信息化厅牵头,省发展改革委、省科技厅等按职责分工负责)",
        ["省工业和信息化厅"],
        ["省发展改革委", "省科技厅等"],
    ),  # copied as written, 等 and all
    ("市教育局牵头，市财政局、市人社局配合，9月前完成。", ["市教育局"], ["市财政局", "市人社局"]),
    # a bracket of nothing but units' names: they own the item
    ("10月底前全部开工。(市住建局)", ["市住建局"], []),
    ("年内启动改造项目3个。(市住建局、市自然资源局,各区人民政府)", ["市住建局", "市自然资源局", "各区人民政府"], []),
    ("完成造林1万亩(县林业局)。", ["县林业局"], []),
    ("推进数字政府建设。(省政务服务管理局、省大数据中心等)", ["省政务服务管理局", "省大数据中心等"], []),
]


@pytest.mark.parametrize(
    "text",
    [
        "推进建设(含高新区)。",
        "建设示范点(试点社区)。",
        "开展排查(全市)。",
        "我室会同市发展改革委(市营商环境办)开展核查。",
        "强化镇政府(街道办)主体责任。",
        "由牵头部门(以下简称“市住建局”)负责。",
        "开展培训(2027年)。",
    ],
)
def test_a_bracket_that_is_not_a_list_of_owners(text: str) -> None:
    assert owners_at(find_owner_notes(text), 0) is None


@pytest.mark.parametrize("text", ["压实责任。(主要领导负责)", "压实责任。(由各地自行负责)"])
def test_responsibility_without_a_unit_names_no_owner(text: str) -> None:
    assert owners_at(find_owner_notes(text), 0) is None


@pytest.mark.parametrize(("text", "lead", "support"), CASES, ids=[c[0][:16] for c in CASES])
def test_owner_forms(text: str, lead: list[str], support: list[str]) -> None:
    notes = find_owner_notes(text)
    owners = owners_at(notes, 0)
    assert owners is not None
    assert list(owners.lead) == lead
    assert list(owners.support) == support


def test_each_phrase_takes_the_owner_stated_after_it() -> None:
    text = "6月底完成参保(牵头单位:市社保中心)。9月底前完成改造(牵头单位:住房城乡建设局)。"
    notes = find_owner_notes(text)
    first = owners_at(notes, text.index("6月底"))
    second = owners_at(notes, text.index("9月底前"))
    assert first is not None and first.lead == ("市社保中心",)
    assert second is not None and second.lead == ("住房城乡建设局",)


def test_sentence_text_is_not_an_owner_statement() -> None:
    text = "各相关市要成立市人民政府主要领导同志牵头负责,相关部门共同参与的领导小组。"
    assert find_owner_notes(text) == []


def test_never_split_inside_brackets() -> None:
    assert split_names("各县(市、区)政府、市直园区管委会") == ["各县(市、区)政府", "市直园区管委会"]


def test_label_lines_one_after_another_are_one_statement() -> None:
    text = "开展监管,每月通报进展。\n牵头单位:市市场监管局\n配合单位:市直各有关部门\n完成时限:长期"
    notes = find_owner_notes(text)
    for phrase in ("每月", "长期"):
        owners = owners_at(notes, text.index(phrase))
        assert owners is not None
        assert (owners.lead, owners.support) == (("市市场监管局",), ("市直各有关部门",))
