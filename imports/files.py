"""Reading uploaded spreadsheets: CSV (UTF-8 with or without BOM, GBK/GB 18030 as Excel in China
saves it, UTF-16 with BOM) and XLSX (calamine), row by row so a 100,000-row file never sits in
memory as Python objects. Every cell comes out as a stripped string."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"


class FileError(ValidationError):
    """The whole file cannot be read (format, encoding, header): nothing is imported."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[list[str]]  # data rows only, each as long as `headers`
    encoding: str  # "" for XLSX
    total: int  # data rows (exact for CSV; from the sheet's dimension for XLSX)


def detect_encoding(head: bytes) -> str:
    """The encoding of CSV bytes. UTF-8 first (a GBK file of Chinese text is practically never
    valid UTF-8), then GB 18030 (a superset of GBK). Raises FileError when neither decodes, so a
    file in another encoding is refused instead of imported as garbage."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileError(
        _(
            "无法识别文件编码：请在 Excel 中“另存为”CSV UTF-8（逗号分隔）或 CSV（逗号分隔，GBK 编码）"
            "后重新上传，或直接上传 .xlsx 文件。"
        ),
        code="encoding",
    )


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel keeps numbers as floats; 12.0 is "12", 1.5 is "1.5". Long numbers such as ID
        # numbers lose digits as floats: templates format those columns as text.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _fit(row: list[str], width: int) -> list[str]:
    if len(row) < width:
        return row + [""] * (width - len(row))
    return row[:width]


def _clean_headers(raw: list[Any]) -> list[str]:
    headers = [cell_text(h).replace("*", "").strip() for h in raw]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _csv_table(stream: IO[bytes], count: bool = True) -> Table:
    head = stream.read(64 * 1024)
    encoding = detect_encoding(head)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        total = 0
        if count:
            total = max(sum(1 for _line in csv.reader(text)) - 1, 0)
            text.detach()  # keep the stream open for the second pass
            stream.seek(0)
            text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        reader = csv.reader(text)
        headers = _clean_headers(next(reader, []))
    except UnicodeDecodeError as exc:
        raise FileError(
            _("文件第 %(pos)s 个字节处的内容不是 %(enc)s 编码，请确认整份文件使用同一种编码保存。")
            % {"pos": exc.start, "enc": "UTF-8" if encoding.startswith("utf") else "GBK"},
            code="encoding",
        ) from None
    except csv.Error as exc:
        raise FileError(_("CSV 文件格式错误：%(error)s") % {"error": exc}, code="csv") from None
    width = len(headers)

    def rows() -> Iterator[list[str]]:
        try:
            for raw in reader:
                if not any(c.strip() for c in raw):
                    continue
                yield _fit([c.strip() for c in raw], width)
        except UnicodeDecodeError:
            raise FileError(
                _("文件中有不是 %(enc)s 编码的内容，请确认整份文件使用同一种编码保存。")
                % {"enc": "UTF-8" if encoding.startswith("utf") else "GBK"},
                code="encoding",
            ) from None

    return Table(headers=headers, rows=rows(), encoding=encoding, total=total)


def _xlsx_table(stream: IO[bytes], count: bool = True) -> Table:
    """The first sheet, read by calamine (Rust; about ten times faster than openpyxl, which
    also reads a whole sheet just to find its size when the file has no <dimension>)."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(stream)
        sheet = book.get_sheet_by_index(0)
        values = sheet.iter_rows()
        headers = _clean_headers(list(next(values, []) or []))
    except Exception as exc:  # calamine raises several kinds for a broken or encrypted file
        raise FileError(
            _("无法读取 Excel 文件，请确认是 .xlsx 格式且未加密。"), code="xlsx"
        ) from exc
    width = len(headers)
    total = max(sheet.height - 1, 0) if count else 0

    def rows() -> Iterator[list[str]]:
        for raw in values:
            cells = [cell_text(v) for v in raw]
            if not any(cells):
                continue
            yield _fit(cells, width)

    return Table(headers=headers, rows=rows(), encoding="", total=total)


def open_table(stream: IO[bytes], name: str = "", *, count: bool = True) -> Table:
    """A readable table from an uploaded file (by content: XLSX is a zip, anything else CSV).
    `count=False` skips counting the rows (a whole extra pass): `total` is then 0."""
    head = stream.read(4)
    stream.seek(0)
    if head == XLSX_MAGIC:
        return _xlsx_table(stream, count)
    if name.lower().endswith((".xls",)):
        raise FileError(_("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV 后上传。"), code="xls")
    return _csv_table(stream, count)


def check_headers(headers: list[str], *, required: list[str], known: list[str]) -> None:
    """Refuse a file whose header row lacks a required column or has one we do not know
    (a misspelt header would otherwise drop that column's data silently)."""
    missing = [h for h in required if h not in headers]
    unknown = [h for h in headers if h and h not in known]
    duplicated = sorted({h for h in headers if h and headers.count(h) > 1})
    problems = []
    if not headers:
        problems.append(_("文件是空的，第一行应为列名。"))
    if missing:
        problems.append(_("缺少必填的列：%(cols)s。") % {"cols": "、".join(missing)})
    if unknown:
        problems.append(_("无法识别的列：%(cols)s。") % {"cols": "、".join(unknown)})
    if duplicated:
        problems.append(_("重复的列：%(cols)s。") % {"cols": "、".join(duplicated)})
    if problems:
        problems.append(_("请下载模板，按模板的列名填写（第一行为列名）。"))
        raise FileError(" ".join(problems), code="header")
