"""Documents: turn a file (txt in any Chinese encoding, docx, pdf, html)
into the decoded text whose lines every milestone refers to.

Table rows become one line each; where a table's header names owner or
time columns, a row is written as "task(牵头单位:X;完成时间:Y)" so that the
later stages read it like running text.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from parsers.docx_numbering import ListLabels
from parsers.errors import DocumentError
from parsers.vocabulary import LEAD_COLUMN_WORDS, SUPPORT_COLUMN_WORDS, TIME_COLUMN_WORDS

FORMATS = ("txt", "docx", "pdf", "html")
# What a .docx or .pdf may expand to when it is decompressed, unless the
# caller gives another limit (``[service] max_document_mb``): a small file
# that inflates to gigabytes is refused before it is read.
EXPANSION_LIMIT = 50 * 2**20
_SUFFIX = {".txt": "txt", ".text": "txt", ".md": "txt", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_OWNER_HEADER = re.compile("|".join(LEAD_COLUMN_WORDS + SUPPORT_COLUMN_WORDS))
_TIME_HEADER = re.compile("|".join(TIME_COLUMN_WORDS))


@dataclass(frozen=True)
class Document:
    path: str
    format: str
    text: str
    encoding: str | None = None

    @property
    def lines(self) -> list[str]:
        return split_lines(self.text)


def split_lines(text: str) -> list[str]:
    """Lines as numbered everywhere: CRLF, CR and LF are each one break."""
    return _LINE_BREAK.split(text)


def load_document(path: str | Path, limit: int = EXPANSION_LIMIT) -> Document:
    """Read and decode a document; ``limit``: the bytes a .docx or .pdf may
    expand to. Any input that cannot be read raises ``DocumentError``."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise DocumentError(name, "no such file")
    if p.is_dir():
        raise DocumentError(name, "is a directory, not a document")
    data = p.read_bytes()
    if not data.strip():
        raise DocumentError(name, "empty document")
    fmt = _SUFFIX.get(p.suffix.lower()) or _sniff(data, name, p.suffix)
    return read_bytes(data, name, fmt, limit)


def read_bytes(data: bytes, name: str, fmt: str, limit: int = EXPANSION_LIMIT) -> Document:
    if fmt == "docx":
        return Document(name, fmt, _docx_text(data, name, limit))
    if fmt == "pdf":
        return Document(name, fmt, _pdf_text(data, name, limit))
    text, encoding = decode_text(data, name)
    if fmt == "html" or (fmt == "txt" and _looks_html(text)):
        return Document(name, "html", _html_text(text), encoding)
    return Document(name, "txt", text, encoding)


_CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/plain": "txt",
}


def format_of(name: str, data: bytes, content_type: str | None = None) -> str:
    """The format of a document fetched by name (a URL) with its media
    type: the name's suffix, else the media type, else its first bytes."""
    suffix = Path(name.split("?", 1)[0].split("#", 1)[0]).suffix.lower()
    if suffix in _SUFFIX:
        return _SUFFIX[suffix]
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return _CONTENT_TYPES.get(media) or _sniff(data, name, "")


def _sniff(data: bytes, name: str, suffix: str) -> str:
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if suffix and suffix.lower() not in ("",):
        head = data[:2048]
        if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DocumentError(name, f"unsupported format {suffix!r}: expected .txt, .docx, .pdf or .html")
    return "txt"


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode by BOM, then strict UTF-8, then detection (GBK/GB18030, Big5…)."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _checked(data.decode(enc), name), enc
            except UnicodeDecodeError as exc:
                kind, at = ("UTF-8", exc.start + len(bom)) if enc == "utf-8-sig" else ("UTF-16", exc.start)
                raise DocumentError(
                    name, f"starts as {kind} (byte-order mark) but is not {kind} at byte {at}: {exc.reason}"
                ) from None
    if b"\x00" in data[:4096]:
        raise DocumentError(name, "binary data, not a text document")
    try:
        return _checked(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    # Plans are Chinese: choose among the Chinese legacy encodings (GB18030
    # is a superset of GBK and GB2312); an open detection on a short text
    # may pick UTF-16 or a Latin code page.
    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best() or from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DocumentError(name, "cannot detect the text encoding (binary data?)")
    encoding = "gb18030" if best.encoding.lower() in ("gbk", "gb2312", "gb18030", "hz") else best.encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DocumentError(name, f"cannot decode as {encoding}: {exc}") from None
    return _checked(text, name), encoding


_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")  # control characters other than \t \n \v \f \r


def _checked(text: str, name: str) -> str:
    if not text.strip():
        raise DocumentError(name, "empty document")
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 100):
        raise DocumentError(name, "binary data, not a text document")
    return text


def _looks_html(text: str) -> bool:
    head = text.lstrip()[:512].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in text)


def _note_label(header: str) -> str | None:
    """The label a cell of this column is written under, in the words the
    owner and time readers know ("主责部门(单位)" -> 责任单位); None: the
    cell is part of the task's text."""
    if any(w in header for w in SUPPORT_COLUMN_WORDS):
        return "配合单位"
    if "牵头" in header:
        return "牵头单位"
    if any(w in header for w in LEAD_COLUMN_WORDS):
        return "责任单位"
    if any(w in header for w in TIME_COLUMN_WORDS):
        return "完成时限"
    return None


def _row_line(cells: list[str], header: list[str]) -> str:
    if not header or len(cells) != len(header):
        return "\t".join(c for c in cells if c)
    body, notes = [], []
    for label, cell in zip(header, cells, strict=True):
        if not cell:
            continue
        note = _note_label(label)
        if note:
            notes.append(f"{note}:{cell}")
        else:
            body.append(cell)
    line = "\t".join(body)
    return f"{line}({';'.join(notes)})" if notes else line


def _table_lines(rows: list[list[str]]) -> list[str]:
    rows = [[" ".join(c.split()) for c in row] for row in rows if any(c.strip() for c in row)]
    if not rows:
        return []
    header = rows[0] if any(_OWNER_HEADER.search(c) or _TIME_HEADER.search(c) for c in rows[0]) else []
    out = ["\t".join(rows[0])] if header else []
    out.extend(_row_line(r, header) for r in (rows[1:] if header else rows))
    return out


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} KB"


def _docx_text(data: bytes, name: str, limit: int) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # Entries are read no further than the sizes their headers give,
            # so the headers bound what opening the document costs.
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentError(name, f"corrupt .docx: {exc}") from None
    if expanded > limit:
        raise DocumentError(
            name, f"the .docx expands to {_mb(expanded)}, over the {_mb(limit)} limit ([service] max_document_mb)"
        )
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(name, f"corrupt .docx: {exc}") from exc
    except Exception as exc:  # python-docx raises several lxml/opc errors
        raise DocumentError(name, f"corrupt .docx: {type(exc).__name__}: {exc}") from exc
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        numbering = None  # no numbering definitions: no list labels
    labels = ListLabels(numbering)
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            style = paragraph.style.element if paragraph.style is not None else None
            lines.append(labels.label(child, style) + paragraph.text)
        elif tag == "tbl":
            table = Table(child, document)
            lines.extend(_table_lines([[cell.text for cell in row.cells] for row in table.rows]))
    text = "\n".join(lines)
    if not text.strip():
        raise DocumentError(name, "the .docx holds no text")
    return text


def _pdf_text(data: bytes, name: str, limit: int) -> str:
    from pypdf import PdfReader, apply_configuration, get_configuration
    from pypdf.errors import LimitReachedError, PyPdfError

    over = f"the .pdf expands to more than the {_mb(limit)} limit ([service] max_document_mb)"
    # Each stream inflates to at most the limit, whatever its filter, and
    # the text of all pages together stays under it.
    bounded = {
        field: limit
        for field in (
            "maximum_declared_stream_length",
            "array_based_stream_maximum_output_length",
            "jbig2_maximum_output_length",
            "lzw_maximum_output_length",
            "run_length_maximum_output_length",
            "zlib_maximum_output_length",
            "brotli_maximum_output_length",
            "image_maximum_buffer_size",
        )
    }
    pages: list[str] = []
    try:
        with apply_configuration(get_configuration().with_overwrites(**bounded)):
            reader = PdfReader(io.BytesIO(data))
            size = 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                size += len(pages[-1])
                if size > limit:
                    raise DocumentError(name, over)
            if not any(page.strip() for page in pages):
                # Text extraction gives up quietly on a stream over the
                # limit: say so rather than "no text layer".
                for page in reader.pages:
                    contents = page.get_contents()
                    if contents is not None:
                        contents.get_data()
    except LimitReachedError:
        raise DocumentError(name, over) from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise DocumentError(name, f"corrupt .pdf: {type(exc).__name__}: {exc}") from None
    text = "\n".join(_reflow(page) for page in pages)
    if not text.strip():
        raise DocumentError(name, "the .pdf has no text layer (scanned pages need OCR first)")
    return text


_SENTENCE_END = "。;；:：!！?？"
_HEADING_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）]|\d{1,3}[.．、]|[(（]\d{1,3}[)）]|[①-⑳]"
    r"|第[一二三四五六七八九十\d]+[章节条部分阶段])"
)


def _reflow(page: str) -> str:
    """A PDF page's lines as the text's own lines: a line that fills the
    page's width and does not end a sentence runs on into the next, unless
    that one opens a heading ("12月4日至" + "10日" is one phrase)."""
    lines = [line.rstrip() for line in split_lines(page)]
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < 4:
        return page
    full = lengths[(len(lengths) * 9) // 10]  # the width of a full line
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        if (
            previous.strip()
            and len(previous) >= full - 2
            and previous[-1] not in _SENTENCE_END
            and line.strip()
            and not _HEADING_START.match(line)
        ):
            out[-1] = previous + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "table",
    "ul",
    "ol",
    "pre",
}


_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_CELL = "\ue000"  # a private-use character: str.split() takes the control separators for spaces


def _text_of(root: Any) -> str:
    """The page's text as ``get_text`` gives it, with a line break before
    and after every block element: one walk with a stack of its own, so a
    page nested 20,000 deep reads in time that grows with its size."""
    from bs4.element import CData, NavigableString, Tag

    out: list[str] = []
    stack: list[tuple[Tag, Iterator[Any]]] = [(root, iter(root.contents))]
    while stack:
        tag, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if tag.name in _BLOCKS:
                out.append("\n")
        elif isinstance(child, Tag):
            if child.name in _BLOCKS:
                out.append("\n")
            stack.append((child, iter(child.contents)))
        elif type(child) in (NavigableString, CData):  # not comments, doctypes, declarations
            out.append(str(child))
    return "".join(out)


_MOST_COLUMNS = 64  # a row spanned wider than this is a page's mistake (or an attack), not a table


def _html_rows(table: Any) -> list[list[str]]:
    """A table's rows as the grid the page draws: a cell merged down several
    rows (rowspan) stands in each of them, as a .docx's merged cell does, so
    "牵头单位: 市体育局" spanning two tasks owns both; a cell merged across
    (colspan) stands in each column it covers, as python-docx gives a
    .docx's; a row is at most ``_MOST_COLUMNS`` wide."""
    rows: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column: (text, rows it still covers)
    for tr in table.find_all("tr"):
        row: list[str] = []
        below: dict[int, tuple[str, int]] = {}
        cells = iter(tr.find_all(["td", "th"]))
        cell = next(cells, None)
        while (cell is not None or any(col >= len(row) for col in carried)) and len(row) < _MOST_COLUMNS:
            col = len(row)
            if col in carried:
                text, left = carried[col]
                row.append(text)
                if left > 1:
                    below[col] = (text, left - 1)
                continue
            if cell is None:
                row.append("")  # a gap before a cell carried from above
                continue
            text = cell.get_text(" ", strip=True)
            across = min(_span(cell.get("colspan")), max(1, _MOST_COLUMNS - len(row)))
            down = _span(cell.get("rowspan"))
            for k in range(across):
                row.append(text)
                if down > 1:
                    below[col + k] = (text, down - 1)
            cell = next(cells, None)
        carried = below
        rows.append(row)
    return rows


def _span(value: Any) -> int:
    try:
        return max(1, int(str(value).strip())) if value is not None else 1
    except ValueError:
        return 1


def _html_text(markup: str) -> str:
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString

    soup = BeautifulSoup(markup, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    for table in soup.find_all("table"):
        rows = _html_rows(table)
        # Cells are kept apart by a character the whitespace below
        # leaves alone, then by tabs as in every other format.
        cells = "\n".join(_table_lines(rows)).replace("\t", _CELL)
        table.replace_with(NavigableString("\n" + cells + "\n"))
    text = _text_of(soup)
    # HTML collapses its own whitespace only: runs of ideographic spaces and
    # of &nbsp; that lay out a line ("督查室　　　　2024年10月14日") stay.
    lines = [_HTML_SPACE.sub(" ", line).strip().replace(_CELL, "\t") for line in split_lines(text)]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")
