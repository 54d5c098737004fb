"""The certificate PDF: A4, drawn with fpdf2 from the stored snapshot, with the Noto Sans SC
subset the project ships embedded (static/fonts/, made by scripts/make_font_subset.py), so it
looks the same on every machine and never depends on a system font. The same certificate always
renders to the same bytes (the PDF dates are the issue time).

The text is Chinese on purpose, not marked for translation: a 志愿服务证明 is an official document
whose wording follows the 《志愿服务记录与证明出具办法（试行）》, whatever the reader's language."""

from __future__ import annotations

import io
import logging
from datetime import date
from pathlib import Path

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from core.hours import from_half_hours

from .models import Certificate
from .numbers import display
from .selectors import content_of

# fpdf2 subsets the font for each PDF through fontTools, which logs every step at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_PATH = Path(settings.BASE_DIR) / "static" / "fonts" / "NotoSansSC-GB2312.ttf"
FONT = "NotoSansSC"
MAX_LINES = 12  # service lines listed; the rest are summed in one line
INK = (33, 33, 33)
MUTED = (110, 110, 110)
RED = (178, 34, 34)
RULE = (190, 190, 190)


def verification_url(number: str) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[number])


def _cn_date(value: str | date | None) -> str:
    if value is None:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def _hours(half_hours: int) -> str:
    hours = from_half_hours(half_hours)
    return f"{hours.normalize():f}"


def _qr_png(number: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(verification_url(number), error="m").save(buffer, kind="png", scale=8, border=1)
    return buffer.getvalue()


class _CertificatePDF(FPDF):
    def header(self) -> None:
        self.set_draw_color(*RED)
        self.set_line_width(0.8)
        self.rect(12, 12, self.w - 24, self.h - 24)

    def footer(self) -> None:
        self.set_y(-20)
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.page_no()} / {{nb}}", align="C")


def render_certificate(certificate: Certificate) -> bytes:
    content = content_of(certificate)
    number = display(certificate.number)
    issued = timezone.localtime(certificate.issued_at)

    pdf = _CertificatePDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(issued)
    pdf.set_title(f"志愿服务证明 {number}")
    pdf.set_author("志愿服务平台")
    pdf.set_creator("志愿服务平台")
    pdf.set_lang("zh-CN")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_font(FONT, fname=str(FONT_PATH))
    pdf.add_page()
    width = pdf.epw

    # Title (the frame is drawn by header() on every page).
    pdf.set_text_color(*RED)
    pdf.set_font(FONT, size=28)
    pdf.cell(width, 18, "志愿服务证明", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, size=10)
    pdf.cell(width, 6, f"证明编号：{number}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)

    # The statement.
    if content.period_start or content.period_end:
        start = _cn_date(content.period_start) or _cn_date(content.first_service_date)
        end = _cn_date(content.period_end) or _cn_date(issued.date())
        period = f"在{start}至{end}期间"
    else:
        period = f"自{_cn_date(content.first_service_date)}至{_cn_date(content.last_service_date)}"
    statement = (
        f"兹证明{content.volunteer_name}（志愿者编号：{content.volunteer_number}）"
        f"{period}参加志愿服务 {content.times} 人次，经记录单位确认的志愿服务时长累计 "
        f"{_hours(content.total_half_hours)} 小时。"
    )
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, size=13)
    pdf.multi_cell(width, 9, statement, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.multi_cell(width, 9, "特此证明。", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    # Service content.
    pdf.set_font(FONT, size=12)
    pdf.cell(width, 8, "服务内容", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9.5)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    lines = content.lines[:MAX_LINES]
    rest = content.lines[MAX_LINES:]
    with pdf.table(
        col_widths=(44, 30, 12, 14),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
        line_height=6,
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(color=MUTED),
    ) as table:
        header = table.row()
        for heading in ("服务项目", "记录单位", "人次", "时长（小时）"):
            header.cell(heading)
        for line in lines:
            row = table.row()
            row.cell(line.title)
            row.cell(line.recorder)
            row.cell(str(line.times))
            row.cell(_hours(line.half_hours))
        if rest:
            row = table.row()
            row.cell(f"其他 {len(rest)} 个项目")
            row.cell("")
            row.cell(str(sum(line.times for line in rest)))
            row.cell(_hours(sum(line.half_hours for line in rest)))
    pdf.ln(4)

    pdf.set_font(FONT, size=11)
    recorders = "、".join(content.recorders)
    pdf.multi_cell(width, 7, f"记录单位：{recorders}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    # Issue facts and the verification QR code, kept together at the foot.
    qr_size = 32
    if pdf.get_y() + qr_size + 28 > pdf.h - 22:
        pdf.add_page()
    top = pdf.get_y() + 4
    pdf.image(io.BytesIO(_qr_png(certificate.number)), x=pdf.l_margin, y=top, w=qr_size, h=qr_size)
    text_x = pdf.l_margin + qr_size + 6
    pdf.set_xy(text_x, top)
    facts = [
        f"证明编号：{number}",
        f"出具日期：{_cn_date(issued.date())}",
        "出具平台：志愿服务平台（免费出具）",
        "核验方式：扫描左侧二维码，或访问",
    ]
    pdf.set_font(FONT, size=10)
    for text in facts:
        pdf.set_x(text_x)
        pdf.cell(width - qr_size - 6, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(text_x)
    pdf.set_font(FONT, size=8)
    pdf.multi_cell(
        width - qr_size - 6,
        4.5,
        verification_url(certificate.number),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_y(max(pdf.get_y(), top + qr_size) + 6)
    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, size=8.5)
    pdf.multi_cell(
        width,
        5,
        "本证明依据《志愿服务条例》和《志愿服务记录与证明出具办法（试行）》，根据志愿服务组织"
        "记录并确认的志愿服务记录出具。时长以 0.5 小时为单位。证明内容以核验页面显示为准。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())
