"""PDF building blocks: the embedded CJK font, page templates, QR codes (ReportLab + segno).

The font is WenQuanYi Zen Hei from Debian's `fonts-wqy-zenhei` (TrueType outlines; ReportLab refuses
CFF fonts such as Noto CJK). ReportLab embeds only the glyphs used (a subset) in every PDF, so a
printout looks the same on any printer and viewer. See docs/decisions/0003-pdf-cjk-font.md.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import segno
from django.conf import settings
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT = "SheyinCJK"


class FontMissing(RuntimeError):
    pass


@functools.cache
def register_font() -> str:
    path = Path(settings.SHEYIN_PDF_FONT)
    if not path.exists():
        raise FontMissing(f"CJK font not found at {path}: run `make setup` (installs fonts-wqy-zenhei)")
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    font = register_font()
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=font, fontSize=18, leading=24),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=font, fontSize=13, leading=18),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName=font, fontSize=10.5, leading=16,
                               wordWrap="CJK"),
        "small": ParagraphStyle("small", parent=base["BodyText"], fontName=font, fontSize=8.5, leading=12,
                                wordWrap="CJK"),
    }  # fmt: skip


def qr_image(data: str, scale: int = 4) -> ImageReader:
    """A QR code as an image ReportLab can draw (segno, pure Python)."""
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=scale, border=2)
    buf.seek(0)
    return ImageReader(buf)


def qr_svg(data: str, scale: int = 4) -> str:
    """A QR code as inline SVG markup for pages."""
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return buf.getvalue().decode()
