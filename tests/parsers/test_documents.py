"""Documents in every supported format and encoding, and bad input."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml import parse_xml
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from parsers.documents import load_document
from parsers.docx_numbering import number_text
from parsers.errors import DocumentError
from parsers.pipeline import parse_path

PLAN = [
    "XX镇2022年防汛工作方案",
    "一、工作任务",
    "(一)开展隐患排查。全面排查河道隐患。(牵頭單位:镇水利站;完成时间:2022年11月底前)",
    "(二)组织应急演练。每季度开展一次演练。",
    "责任单位:镇应急办、各村",
]
IMPORTED = dt.date(2026, 11, 29)


def _expect_plan(path: Path) -> None:
    result = parse_path(path, imported=IMPORTED)
    assert [p.title for p in result.plans] == ["XX镇2022年防汛工作方案"]
    by_quote = {m.quote: m for m in result.milestones}
    assert by_quote["2022年11月底前"].due == dt.date(2022, 11, 30)
    assert by_quote["2022年11月底前"].owners == {"lead": ["镇水利站"], "support": []}
    assert by_quote["每季度"].rrule == "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"
    assert by_quote["每季度"].owners == {"lead": ["镇应急办", "各村"], "support": []}
    text = load_document(path).lines
    for m in result.milestones:
        assert m.quote in text[m.line - 1]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gbk", b""), ("gb18030", b""), ("utf-16-le", codecs.BOM_UTF16_LE)],
)
def test_text_encodings_are_detected(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(bom + "\n".join(PLAN).encode(encoding))
    _expect_plan(path)


def test_crlf_counts_as_one_line_break(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes("\r\n".join(PLAN).encode("gbk"))
    result = parse_path(path, imported=IMPORTED)
    assert {m.quote: m.line for m in result.milestones}["2022年11月底前"] == 3


def test_docx_paragraphs(tmp_path: Path) -> None:
    document = docx.Document()
    for line in PLAN:
        document.add_paragraph(line)
    path = tmp_path / "plan.docx"
    document.save(str(path))
    _expect_plan(path)


def test_docx_table_rows_carry_owner_and_time_columns(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("XX局2022年重点任务分工方案")
    document.add_paragraph("为抓好落实,制定本方案。")
    table = document.add_table(rows=4, cols=4)
    for row, cells in zip(
        table.rows,
        [
            ["序号", "工作任务", "牵头单位", "完成时限"],
            ["1", "完成摸底调查", "办公室", "2022年6月底前"],
            ["2", "召开推进会", "规划科", "每季度"],
            ["3", "开展国庆节前检查", "安监科", "9月30日前"],
        ],
        strict=True,
    ):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    path = tmp_path / "tasks.docx"
    document.save(str(path))
    result = parse_path(path, imported=IMPORTED)
    by_quote = {m.quote: m for m in result.milestones}
    assert by_quote["2022年6月底前"].due == dt.date(2022, 6, 30)
    assert by_quote["2022年6月底前"].owners == {"lead": ["办公室"], "support": []}
    assert by_quote["每季度"].owners == {"lead": ["规划科"], "support": []}
    # The task cell's own time words ("国庆节前检查") are no milestone: the time column says when.
    assert "国庆节前" not in by_quote and by_quote["9月30日前"].owners == {"lead": ["安监科"], "support": []}


def test_docx_table_headers_in_other_words(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("XX县2023年优化营商环境任务清单")
    table = document.add_table(rows=3, cols=5)
    for row, cells in zip(
        table.rows,
        [
            ["序号", "重点任务", "主责部门（单位）", "参与单位", "时间节点安排"],
            ["1", "压缩开办时间", "县市场监管局", "县税务局、县公安局", "6月"],
            ["2", "推行告知承诺", "县司法局", "", "2023年9月底前"],
        ],
        strict=True,
    ):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    path = tmp_path / "tasks.docx"
    document.save(str(path))
    by_quote = {m.quote: m for m in parse_path(path, imported=IMPORTED).milestones}
    # A bare month in the time column is a deadline, as in any completion field.
    assert by_quote["6月"].due == dt.date(2023, 6, 30)
    assert by_quote["6月"].owners == {"lead": ["县市场监管局"], "support": ["县税务局", "县公安局"]}
    assert by_quote["2023年9月底前"].owners == {"lead": ["县司法局"], "support": []}


def _pdf(path: Path, lines: list[str]) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.setFont("STSong-Light", 10)
    for i, line in enumerate(lines):
        pdf.drawString(40, 800 - 16 * i, line)
    pdf.save()
    path.write_bytes(buf.getvalue())
    return path


def test_pdf_text_layer(tmp_path: Path) -> None:
    _expect_plan(_pdf(tmp_path / "plan.pdf", PLAN))


def test_pdf_lines_wrapped_at_the_page_width_run_on(tmp_path: Path) -> None:
    """A PDF's text layer breaks a paragraph wherever the page ends; the
    sentence and the dates in it are read whole."""
    paragraph = (
        "(一)开展集中宣传。各单位要结合实际,于2022年12月4日至10日开展宪法宣传周集中宣传活动,"
        "并于12月15日前将活动总结报送市普法办。(牵头单位:市司法局)"
    )
    wrapped = [paragraph[i : i + 24] for i in range(0, len(paragraph), 24)]
    lines = ["XX市2022年宪法宣传周活动方案", "一、活动内容", *wrapped, "二、工作要求", "各单位要高度重视。"]
    path = _pdf(tmp_path / "wrapped.pdf", lines)
    text = load_document(path).lines
    assert paragraph in text
    result = parse_path(path, imported=IMPORTED)
    by_quote = {m.quote: m for m in result.milestones}
    assert (by_quote["2022年12月4日至10日"].start, by_quote["2022年12月4日至10日"].due) == (
        dt.date(2022, 12, 4),
        dt.date(2022, 12, 10),
    )
    assert by_quote["12月15日前"].owners == {"lead": ["市司法局"], "support": []}


def test_html_page(tmp_path: Path) -> None:
    body = "".join(f"<p>{line}</p>" for line in PLAN)
    head = "<head><title>t</title><script>var x='2022年1月1日前';</script></head>"
    page = f"<!DOCTYPE html><html>{head}<body>{body}</body></html>"
    path = tmp_path / "plan.html"
    path.write_text(page, encoding="utf-8")
    _expect_plan(path)
    assert "var x" not in load_document(path).text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty document"),
        ("blank.txt", b"  \n\n ", "empty document"),
        ("junk.txt", bytes(range(256)) * 8, "binary data"),
        ("sheet.xlsx", b"\x00\x01binary\x00", "unsupported format"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "corrupt .docx"),
        ("broken.pdf", b"%PDF-1.4 garbage", "corrupt .pdf"),
    ],
)
def test_bad_documents_raise_a_clear_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as info:
        load_document(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


_PLAN = "XX局工作方案\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # A UTF-16 byte-order mark, then an odd number of bytes.
        ("odd.txt", codecs.BOM_UTF16_LE + _PLAN.encode("utf-16-le") + b"\x00", "not UTF-16 at byte 18"),
        # A UTF-16 text that ends inside a surrogate pair.
        ("pair.txt", codecs.BOM_UTF16_LE + _PLAN.encode("utf-16-le") + b"\x3d\xd8", "not UTF-16 at byte 18"),
        # A UTF-8 byte-order mark, then bytes that are not UTF-8.
        ("mixed.txt", codecs.BOM_UTF8 + _PLAN.encode() + b"\xff\xfe\xfd\x80", "not UTF-8 at byte 21: invalid start"),
    ],
)
def test_text_that_is_not_what_its_mark_says(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as info:
        load_document(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def _deflated_pdf(size: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``size`` bytes."""
    import zlib

    stream = zlib.compress(b" " * size, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def test_a_pdf_that_inflates_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(_deflated_pdf(200 * 2**20))  # 200 MB of spaces in a 200 KB file
    assert path.stat().st_size < 2**20
    with pytest.raises(DocumentError, match=r"expands to more than the 50 MB limit \(\[service\] max_document_mb\)"):
        load_document(path)
    with pytest.raises(DocumentError, match="more than the 1 MB limit"):
        load_document(path, limit=2**20)


def test_a_docx_that_inflates_past_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    document = docx.Document()
    document.add_paragraph("XX局工作方案")
    document.save(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/padding.bin", b"\0" * (60 * 2**20))  # 60 MB in about 60 KB
    assert path.stat().st_size < 2**20
    with pytest.raises(DocumentError, match=r"the \.docx expands to 6\d MB, over the 50 MB limit"):
        load_document(path)
    assert "XX局工作方案" in load_document(path, limit=100 * 2**20).text  # under a higher limit it reads


def test_docx_without_document_part(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(DocumentError, match=r"corrupt \.docx"):
        load_document(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such file"):
        load_document(tmp_path / "nope.txt")


def test_big5_traditional_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    text = "XX縣2022年防汛工作方案\n一、工作任務\n(一)開展排查。(牽頭單位:縣水利局;完成時間:2022年11月底前)\n"
    path.write_bytes(text.encode("big5"))
    result = parse_path(path, imported=IMPORTED)
    [m] = result.milestones
    assert (m.quote, m.due, m.line) == ("2022年11月底前", dt.date(2022, 11, 30), 3)
    assert m.owners is not None and m.owners["lead"] == ["縣水利局"]  # as written


def test_owner_names_keep_full_width_brackets(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    task = "1.推进改造。(牵头单位：各县（市、区）政府；完成时间：2022年6月底前)"
    path.write_text(f"XX市2022年工作方案\n一、任务\n{task}\n", encoding="utf-8")
    [m] = parse_path(path, imported=IMPORTED).milestones
    assert m.owners == {"lead": ["各县（市、区）政府"], "support": []}


def _numbered(document: Any, levels: list[tuple[str, str]]) -> None:
    """Give ``document`` a list (numId 7) whose levels have these formats
    and texts, as Word writes them in numbering.xml."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(f'<w:abstractNum xmlns:w="{w}" w:abstractNumId="70">{lvls}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num xmlns:w="{w}" w:numId="7"><w:abstractNumId w:val="70"/></w:num>'))


def _item(document: Any, text: str, level: int | None) -> None:
    paragraph = document.add_paragraph(text)
    if level is not None:
        w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr xmlns:w="{w}"><w:ilvl w:val="{level}"/><w:numId w:val="7"/></w:numPr>')
        )


def test_docx_list_numbers_drawn_by_word(tmp_path: Path) -> None:
    document = docx.Document()
    _numbered(document, [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")])
    _item(document, "XX县2023年安全生产专项整治工作方案", None)
    for text, level in [
        ("重点任务", 0),
        ("开展隐患排查", 1),
        ("排查企业。2023年4月30日前完成。（责任单位：县应急局）", 2),
        ("整改隐患。6月30日前完成。", 2),
        ("强化执法检查", 1),
        ("每季度开展一次联合执法。", 2),
        ("工作要求", 0),
        ("各乡镇于12月15日前报送总结。", None),
    ]:
        _item(document, text, level)
    path = tmp_path / "numbered.docx"
    document.save(str(path))
    text = load_document(path).text
    assert "一、重点任务" in text and "（一）开展隐患排查" in text and "2.整改隐患" in text
    assert "（二）强化执法检查" in text and "1.每季度" in text and "二、工作要求" in text
    by_quote = {m.quote: m for m in parse_path(path, imported=IMPORTED).milestones}
    assert by_quote["2023年4月30日前"].section == ["重点任务", "开展隐患排查"]
    assert by_quote["2023年4月30日前"].task == "排查企业"
    assert by_quote["每季度"].section == ["重点任务", "强化执法检查"]
    assert by_quote["12月15日前"].section == ["工作要求"]


@pytest.mark.parametrize(
    ("n", "format", "text"),
    [
        (1, "chineseCounting", "一"),
        (11, "chineseCounting", "十一"),
        (3, "decimal", "3"),
        (2, "decimalEnclosedCircle", "②"),
        (3, "ideographTraditional", "丙"),
        (12, "chineseLegalSimplified", "壹拾贰"),
        (4, "upperLetter", "4"),  # formats Chinese plans do not use are written in figures
    ],
)
def test_number_formats(n: int, format: str, text: str) -> None:
    assert number_text(n, format) == text


def test_docx_numbers_from_a_paragraph_style(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("XX县2023年工作方案")
    document.add_paragraph("第一项任务。3月底前完成。", style="List Number")
    document.add_paragraph("第二项任务。", style="List Number")
    document.add_paragraph("要点", style="List Bullet")  # a bullet is no number
    path = tmp_path / "styled.docx"
    document.save(str(path))
    assert load_document(path).lines[1:] == ["1.第一项任务。3月底前完成。", "2.第二项任务。", "要点"]


HTML_TABLE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知</title></head><body>
<p>XX县2023年防汛工作方案</p><p>一、重点任务</p><p>（一）开展汛前检查。5月31日前完成。</p>
<table><tr><td>序号</td><td>任务</td><td>责任单位</td><td>完成时限</td></tr>
<tr><td>1</td><td>修订防汛 预案</td><td>县应急局</td><td>4月底前</td></tr></table>
</body></html>"""


def test_html_table_rows_are_their_own_tasks(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_text(HTML_TABLE, encoding="utf-8")
    assert "1\t修订防汛 预案(责任单位:县应急局;完成时限:4月底前)" in load_document(path).lines
    [row] = [m for m in parse_path(path, imported=IMPORTED).milestones if m.quote == "4月底前"]
    assert (row.task, row.section) == ("修订防汛 预案", ["重点任务", "开展汛前检查"])
    assert row.owners == {"lead": ["县应急局"], "support": []}


MERGED_TABLE = """<html><body><p>XX市2027年全民健身工作任务分工方案</p><table border="1">
<tr><th>序号</th><th>工作任务</th><th>牵头单位</th><th>完成时限</th></tr>
<tr><td>1</td><td>新建社区健身中心</td><td rowspan="2">市体育局</td><td>2027年10月底前</td></tr>
<tr><td>2</td><td>举办全民健身运动会</td><td>8月8日</td></tr>
<tr><td>3</td><td>建设健身步道</td><td>市住建局</td><td rowspan="2">2027年12月底前</td></tr>
<tr><td>4</td><td>开放学校体育场地</td><td>市教育局</td></tr>
<tr><td colspan="2">5 推广科学健身指导</td><td>市卫健委</td><td>9月底前</td></tr>
</table></body></html>"""


def test_html_cells_merged_down_stand_in_each_row_they_cover(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_text(MERGED_TABLE, encoding="utf-8")
    found = {
        m.task: (m.due, m.owners["lead"] if m.owners else []) for m in parse_path(path, imported=IMPORTED).milestones
    }
    assert found == {
        "新建社区健身中心": (dt.date(2027, 10, 31), ["市体育局"]),
        "举办全民健身运动会": (dt.date(2027, 8, 8), ["市体育局"]),  # the owner merged down from the row above
        "建设健身步道": (dt.date(2027, 12, 31), ["市住建局"]),
        "开放学校体育场地": (dt.date(2027, 12, 31), ["市教育局"]),  # the deadline merged down
        "5 推广科学健身指导": (dt.date(2027, 9, 30), ["市卫健委"]),  # merged across: in each column, as in a .docx
    }


def test_spans_in_a_hostile_table_stay_bounded(tmp_path: Path) -> None:
    cells = "".join('<td colspan="100000" rowspan="100000">x</td>' for _ in range(50))
    path = tmp_path / "wide.html"
    path.write_text(f"<html><body><table>{'<tr>' + cells + '</tr>'}" * 200 + "</table></body></html>", encoding="utf-8")
    lines = [line for line in load_document(path).lines if "\t" in line or line == "x"]
    assert lines and all(line.count("\t") < 64 for line in lines)


LAID_OUT = [
    "XX县农村人居环境整治三年行动实施方案",
    "（2025—2027年）",
    "一、重点任务",
    "（一）即日起至2025年12月31日开展村庄清洁行动。",
    "XX县人民政府办公室　　　　　　　　2025年3月12日",
]


def test_an_html_page_keeps_the_spaces_that_lay_out_its_lines(tmp_path: Path) -> None:
    body = "".join(f"<p>{line}</p>\n" for line in LAID_OUT)
    path = tmp_path / "plan.html"
    path.write_text(f"<!DOCTYPE html><html><body>{body}</body></html>", encoding="utf-8")
    assert "办公室　　　　　　　　2025年3月12日" in load_document(path).text  # ideographic spaces are not HTML's
    [plan] = parse_path(path, imported=dt.date(2026, 11, 29)).plans
    assert plan.title == "XX县农村人居环境整治三年行动实施方案（2025—2027年）"  # the period a paragraph below
    assert plan.reference.date == dt.date(2025, 3, 12)  # the issuer, its spaces, its date
    [m] = plan.milestones
    assert (m.kind, m.start, m.due) == ("range", dt.date(2025, 3, 12), dt.date(2025, 12, 31))
